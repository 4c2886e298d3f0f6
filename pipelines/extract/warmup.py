"""Loaded once by the extraction pool's forkserver: what every extraction worker would load.

Importing this module builds the language identifier (py3langid reads its model on
first use, about 0.6 s), so the workers forked from the server inherit it instead of
each paying for it, inside the time limit of its first page.
"""

from __future__ import annotations

import py3langid

import pipelines.extract.core  # noqa: F401 - the extractor and its libraries

py3langid.classify("warm up the language model")
