"""Decide what the crawl step does for a partition: crawl live, discover a past day, or replay."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import Engine, func, or_, select
from sqlalchemy.exc import SQLAlchemyError

from pipelines.warehouse.db import WarehouseError, make_engine, session_scope
from pipelines.warehouse.models import CrawlRun

LIVE = "live"
SITEMAP_BACKFILL = "sitemap_backfill"
REPLAY = "replay"


def crawl_mode(
    engine: Engine, partition_key: str, today: date | None = None, shard: str | None = None
) -> str:
    """Return the crawl mode for a daily partition ``YYYY-MM-DD``.

    - today (UTC): ``live``, an incremental crawl of every feed, hub and sitemap;
    - a past day with a successful crawl run (of ``shard``, ``"N/S"``, when given; a run
      that crawled every source counts for every shard): ``replay``, nothing is fetched and the
      downstream stages re-derive everything from the WARC archive;
    - a past day never crawled: ``sitemap_backfill``, articles whose sitemap lastmod
      falls on that day are discovered and fetched.

    Raises ``ValueError`` for a key that is not a date or lies in the future.
    """
    day = date.fromisoformat(partition_key)
    today = today or datetime.now(UTC).date()
    if day > today:
        raise ValueError(f"partition {partition_key} is in the future; nothing can be crawled for it")
    if day == today:
        return LIVE
    return REPLAY if successful_crawls(engine, partition_key, shard) else SITEMAP_BACKFILL


def successful_crawls(engine: Engine, partition_key: str, shard: str | None = None) -> int:
    """Return how many crawl runs of the partition (and of ``shard``, when given) succeeded."""
    query = (
        select(func.count())
        .select_from(CrawlRun)
        .where(CrawlRun.partition_key == partition_key, CrawlRun.status == "succeeded")
    )
    if shard is not None:
        query = query.where(or_(CrawlRun.shard == shard, CrawlRun.shard.is_(None)))
    with session_scope(engine) as session:
        return session.execute(query).scalar_one()


def first_crawl_day(url: str | None = None) -> date | None:
    """The earliest day any crawl run of the warehouse at ``url`` belongs to.

    ``None`` when there is none yet, or no warehouse to ask (missing file, no tables,
    server not answering). Creates nothing.
    """
    try:
        engine = make_engine(url, create=False)
    except WarehouseError:
        return None
    try:
        with session_scope(engine) as session:
            first = session.execute(select(func.min(CrawlRun.partition_key))).scalar_one()
    except SQLAlchemyError:
        return None
    finally:
        engine.dispose()
    return date.fromisoformat(first) if first else None
