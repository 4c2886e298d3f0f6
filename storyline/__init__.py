"""Storyline: the ``storyline`` command, the offline demo site and the UI launcher."""
