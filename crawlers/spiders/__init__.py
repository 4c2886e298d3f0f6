"""Storyline's spiders: ``news`` (everything), ``feeds``, ``hubs`` and ``sitemaps``."""
