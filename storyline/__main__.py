"""`python -m storyline`: the same as the `storyline` command."""

import sys

from storyline.cli import main

sys.exit(main())
