"""Warehouse side of revisits: which stored stories a crawl fetches again, with which validators.

Read once when a crawl starts (:func:`due_revisits`). A story's first sighting is the
schedule time of the crawl that stored its first version; its revisits are the
``fetches`` rows naming it in ``revisit_of_id`` (any outcome: a revisit that failed
waits for the next point like one that succeeded). The validators sent are the ETag and
Last-Modified of its newest fetch that answered 200.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from pipelines.revisits import RevisitSchedule
from pipelines.warehouse.db import session_scope
from pipelines.warehouse.models import Article, CrawlRun, Fetch

_CHUNK = 500


@dataclass(frozen=True)
class Revisit:
    """A stored story to fetch again now."""

    article_id: int
    source_id: int | None
    url: str
    etag: str | None
    last_modified: str | None
    point: datetime  # the revisit point this fetch makes up for


def _schedule_time():
    """When a crawl run took place on the schedules' clock."""
    return func.coalesce(CrawlRun.clock_at, CrawlRun.started_at)


def due_revisits(
    engine: Engine, source_ids: Iterable[int], now: datetime, schedule: RevisitSchedule
) -> list[Revisit]:
    """The stories of ``source_ids`` due for a revisit at ``now``, oldest point first."""
    ids = list(source_ids)
    if not schedule.hours or not ids:
        return []
    first_seen = _schedule_time().label("first_seen")
    # The crawls of the schedule's window (few rows) lead, so the stories are found through
    # the index on fetches.crawl_run_id, not by reading every story of the sources.
    recent_crawls = select(CrawlRun.id).where(
        _schedule_time() >= now - schedule.window,
        _schedule_time() <= now - timedelta(hours=schedule.hours[0]),
    )
    stories = (
        select(Article.id, Article.source_id, Article.url, Fetch.etag, Fetch.last_modified, first_seen)
        .join(Fetch, Fetch.id == Article.fetch_id)
        .join(CrawlRun, CrawlRun.id == Fetch.crawl_run_id)
        .where(Fetch.crawl_run_id.in_(recent_crawls), Article.source_id.in_(ids))
    )
    due: list[Revisit] = []
    with session_scope(engine) as session:
        candidates = session.execute(stories).all()
        for start in range(0, len(candidates), _CHUNK):
            chunk = candidates[start : start + _CHUNK]
            article_ids = [row.id for row in chunk]
            checked = dict(
                session.execute(
                    select(Fetch.revisit_of_id, func.max(_schedule_time()))
                    .join(CrawlRun, CrawlRun.id == Fetch.crawl_run_id)
                    .where(Fetch.revisit_of_id.in_(article_ids))
                    .group_by(Fetch.revisit_of_id)
                )
                .tuples()
                .all()
            )
            validators = _newest_validators(session, article_ids)
            for row in chunk:
                point = schedule.due_point(row.first_seen, checked.get(row.id), now)
                if point is None:
                    continue
                # Revisits come after the first fetch: the newest one that answered 200 wins.
                etag, modified = validators.get(row.id, (row.etag, row.last_modified))
                due.append(Revisit(row.id, row.source_id, row.url, etag, modified, point))
    return sorted(due, key=lambda revisit: (revisit.point, revisit.article_id))


def _newest_validators(session: Session, article_ids: list[int]) -> dict[int, tuple[str | None, str | None]]:
    """Per article: (ETag, Last-Modified) of its newest revisit that answered 200."""
    rows = session.execute(
        select(Fetch.revisit_of_id, Fetch.etag, Fetch.last_modified)
        .where(Fetch.revisit_of_id.in_(article_ids), Fetch.status_code == 200)
        .order_by(Fetch.requested_at)
    )
    return {article_id: (etag, modified) for article_id, etag, modified in rows}
