"""The partition a crawl belongs to, read from its settings.

A crawl launched by Dagster names its partition (``STORYLINE_PARTITION_KEY``); a sitemap
backfill started any other way (``storyline crawl``, ``scrapy crawl``) belongs to the day
it backfills (``STORYLINE_BACKFILL_DAY``); a live crawl belongs to today, UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime

from scrapy.settings import BaseSettings


def crawl_partition_key(settings: BaseSettings) -> str:
    """Return the UTC day ``YYYY-MM-DD`` whose partition the crawl's rows and WARC file go to."""
    explicit = settings.get("STORYLINE_PARTITION_KEY")
    if explicit:
        return explicit
    backfill_day = settings.get("STORYLINE_BACKFILL_DAY")
    if settings.get("STORYLINE_CRAWL_MODE") == "sitemap_backfill" and backfill_day:
        return backfill_day
    return datetime.now(UTC).strftime("%Y-%m-%d")
