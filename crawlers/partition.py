"""The partition a crawl belongs to, read from its settings.

A crawl launched by Dagster names its partition (``STORYLINE_PARTITION_KEY``); a sitemap
backfill started any other way (``storyline crawl``, ``scrapy crawl``) belongs to the day
it backfills (``STORYLINE_BACKFILL_DAY``); a live crawl belongs to today, UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from scrapy.settings import BaseSettings


def crawl_partition_key(settings: BaseSettings) -> str:
    """Return the UTC day ``YYYY-MM-DD`` whose partition the crawl's rows and WARC file go to.

    Raises ``ValueError`` for a sitemap backfill without a valid ``STORYLINE_BACKFILL_DAY``,
    before the crawl run is opened (so no run is left ``running``).
    """
    backfill = settings.get("STORYLINE_CRAWL_MODE") == "sitemap_backfill"
    backfill_day = settings.get("STORYLINE_BACKFILL_DAY")
    if backfill:
        try:
            date.fromisoformat(backfill_day or "")
        except ValueError:
            raise ValueError(
                f"sitemap_backfill mode needs STORYLINE_BACKFILL_DAY as YYYY-MM-DD, got {backfill_day!r}"
            ) from None
    explicit = settings.get("STORYLINE_PARTITION_KEY")
    if explicit:
        return explicit
    if backfill:
        return backfill_day
    return datetime.now(UTC).strftime("%Y-%m-%d")
