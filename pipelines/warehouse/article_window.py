"""Which stored articles a dedup or cluster run reads: a partition's, and its time-window context.

Plain queries over ``articles`` (page type ``article`` with a body), shared by the
dedup stage and the cluster stage so that both see the same articles. Rows come back
as SQLAlchemy rows of :data:`COLUMNS`; each stage turns them into what it needs.
Context comes only from partitions whose key sorts before the one being processed
(partitions are by crawl time), so a partition sees the same context whether it runs
for the first time, again after later partitions, or inside a backfill.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from pipelines.warehouse.models import Article

#: The columns every row of this module carries, in this order.
COLUMNS = (
    Article.id, Article.partition_key, Article.url, Article.canonical_url, Article.title,
    Article.body_text, Article.published_at, Article.fetched_at, Article.source_id,
    Article.site_name, Article.duplicate_of_id, Article.duplicate_kind, Article.story_id,
)

_ID_CHUNK = 500  # ids per IN (...) list

#: What identifies an article's version for the stages that read it: a row whose values
#: here are unchanged has the same text, duplicate marks and story as before.
LINEAGE = (
    Article.id, Article.extracted_by_id, Article.deduped_by_id, Article.clustered_by_id,
    Article.duplicate_of_id, Article.story_id,
)


def aware(value: datetime | None) -> datetime | None:
    """Return ``value`` with UTC as its zone when it has none (SQLite drops zones)."""
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def placed_at(row: Any) -> datetime:
    """Return when an article row counts in time: published, else fetched (undated articles)."""
    return aware(row.published_at) or aware(row.fetched_at)


def eligible():
    """The condition for an article to be deduplicated and clustered."""
    return and_(Article.page_type == "article", Article.body_text.is_not(None))


def partition_rows(
    session: Session,
    partition_key: str,
    columns: Sequence[Any] = COLUMNS,
    ids: Collection[int] | None = None,
) -> list[Any]:
    """Return the eligible article rows of ``partition_key`` (unordered), ``columns`` of each.

    With ``ids``, only those articles (read in chunks).
    """
    query = select(*columns).where(Article.partition_key == partition_key, eligible())
    if ids is None:
        return list(session.execute(query))
    wanted = sorted(ids)
    rows: list[Any] = []
    for start in range(0, len(wanted), _ID_CHUNK):
        rows.extend(session.execute(query.where(Article.id.in_(wanted[start : start + _ID_CHUNK]))))
    return rows


def partition_times(session: Session, partition_key: str) -> dict[int, datetime]:
    """Return the eligible articles of ``partition_key`` with the time each counts at (:func:`placed_at`)."""
    columns = (Article.id, Article.published_at, Article.fetched_at)
    return {row.id: placed_at(row) for row in partition_rows(session, partition_key, columns=columns)}


def context_rows(
    session: Session,
    partition_key: str,
    times: Sequence[datetime],
    window: timedelta,
    *,
    clustered_only: bool,
    columns: Sequence[Any] = COLUMNS,
) -> list[Any]:
    """Return eligible rows of earlier partitions placed within ``window`` of ``times`` (unordered).

    With ``clustered_only`` only articles that have a story already. No ``times``, no rows.
    ``columns`` are the columns read (:data:`COLUMNS` by default).
    """
    if not times:
        return []
    low, high = min(times) - window, max(times) + window
    query = select(*columns).where(
        Article.partition_key < partition_key,
        eligible(),
        or_(
            Article.published_at.between(low, high),
            and_(Article.published_at.is_(None), Article.fetched_at.between(low, high)),
        ),
    )
    if clustered_only:
        query = query.where(Article.story_id.is_not(None))
    return list(session.execute(query))


def history_rows(
    session: Session, partition_key: str, before: datetime, limit: int, columns: Sequence[Any] = COLUMNS
) -> list[Any]:
    """Return the latest ``limit`` clustered originals of earlier partitions placed before ``before``."""
    if limit <= 0:
        return []
    when = func.coalesce(Article.published_at, Article.fetched_at)
    query = (
        select(*columns)
        .where(
            Article.partition_key < partition_key,
            eligible(),
            Article.story_id.is_not(None),
            Article.duplicate_of_id.is_(None),
            when < before,
        )
        .order_by(when.desc(), Article.id.desc())
        .limit(limit)
    )
    return list(session.execute(query))
