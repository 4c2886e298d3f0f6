"""Partitions: one per UTC day of *crawl* time (publication date is a column, not a partition).

The partitions begin ``BACKFILL_WINDOW_DAYS`` before the warehouse's first crawl day (before
today while nothing was crawled), or at ``$STORYLINE_PARTITIONS_START`` (YYYY-MM-DD). A week
is room enough for sitemap backfills (Google News sitemaps list the last two days, and news
sitemaps rarely reach further back usefully), and keeps the UI from opening on hundreds of
grey "missing" days before anything could have been crawled. Older days remain reachable by
setting ``STORYLINE_PARTITIONS_START``.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta

import dagster as dg

from pipelines.plan import first_crawl_day

BACKFILL_WINDOW_DAYS = 7


def partitions_start(today: date | None = None) -> str:
    """The first partition key: $STORYLINE_PARTITIONS_START, else a week before the first crawl day."""
    explicit = os.environ.get("STORYLINE_PARTITIONS_START")
    if explicit:
        return explicit
    today = today or datetime.now(UTC).date()
    first = first_crawl_day()  # the warehouse of $STORYLINE_WAREHOUSE_URL, read only
    anchor = min(first, today) if first else today
    return (anchor - timedelta(days=BACKFILL_WINDOW_DAYS)).isoformat()


#: First day a backfill can reach (see the module docstring).
PARTITIONS_START = partitions_start()

#: Daily partitions in UTC, the current (incomplete) day included so the schedule can fill it.
crawl_day_partitions = dg.DailyPartitionsDefinition(start_date=PARTITIONS_START, timezone="UTC", end_offset=1)
