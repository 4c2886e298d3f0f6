"""Reading warehouse ``articles`` rows as clusterer docs: a partition and its time-window context."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from pipelines.stories.engine import Doc
from pipelines.warehouse.models import Article


@dataclass(frozen=True)
class ArticleRow:
    """The columns of one article that dedup and clustering read."""

    id: int
    partition_key: str
    doc: Doc
    published_at: datetime | None
    source_key: str
    duplicate_of_id: int | None
    duplicate_kind: str | None
    story_id: int | None


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


_COLUMNS = (
    Article.id, Article.partition_key, Article.url, Article.canonical_url, Article.title,
    Article.body_text, Article.published_at, Article.fetched_at, Article.source_id,
    Article.site_name, Article.duplicate_of_id, Article.duplicate_kind, Article.story_id,
)


def _row(values) -> ArticleRow:
    (id_, partition_key, url, canonical_url, title, body, published_at, fetched_at,
     source_id, site_name, duplicate_of_id, duplicate_kind, story_id) = values
    published = _aware(published_at)
    host = urlsplit(canonical_url or url or "").hostname or ""
    source_key = f"source:{source_id}" if source_id is not None else (site_name or host)
    return ArticleRow(
        id=id_, partition_key=partition_key,
        doc=Doc(
            id=id_, url=url or "", canonical_url=canonical_url, title=title or "",
            text=body or "",
            # An undated article is placed at its fetch time rather than matching any date.
            published_at=published or _aware(fetched_at), source=source_key,
        ),
        published_at=published, source_key=source_key, duplicate_of_id=duplicate_of_id,
        duplicate_kind=duplicate_kind, story_id=story_id,
    )


def _eligible():
    return and_(Article.page_type == "article", Article.body_text.is_not(None))


def load_partition(session: Session, partition_key: str) -> list[ArticleRow]:
    """Return the partition's article rows with a body, in processing order."""
    result = session.execute(
        select(*_COLUMNS).where(Article.partition_key == partition_key, _eligible())
    )
    return sorted((_row(values) for values in result), key=lambda row: row.doc.sort_key())


def load_context(
    session: Session,
    partition_key: str,
    rows: list[ArticleRow],
    window: timedelta,
    *,
    clustered_only: bool,
) -> list[ArticleRow]:
    """Return articles of *earlier* partitions dated within ``window`` of ``rows``.

    Only partitions whose key sorts before ``partition_key`` count (partitions are by
    crawl time), so a partition sees the same context whether it runs for the first
    time, is re-run after later partitions, or runs inside a backfill. With
    ``clustered_only`` only articles that already have a story are returned. The result
    is in processing order; an empty ``rows`` gives an empty context.
    """
    times = [row.doc.published_at for row in rows if row.doc.published_at is not None]
    if not times:
        return []
    low, high = min(times) - window, max(times) + window
    query = select(*_COLUMNS).where(
        Article.partition_key < partition_key,
        _eligible(),
        or_(
            Article.published_at.between(low, high),
            and_(Article.published_at.is_(None), Article.fetched_at.between(low, high)),
        ),
    )
    if clustered_only:
        query = query.where(Article.story_id.is_not(None))
    context = [_row(values) for values in session.execute(query)]
    return sorted(context, key=lambda row: row.doc.sort_key())


def load_history(
    session: Session, partition_key: str, before: datetime, limit: int
) -> list[ArticleRow]:
    """Return the latest ``limit`` clustered articles of earlier partitions dated before ``before``.

    Duplicates are left out. These are the articles whose terms the clusterer counts
    (:meth:`~pipelines.stories.engine.StoryClusterer.count_terms`) so that one partition
    is weighed like the whole history; in processing order.
    """
    if limit <= 0:
        return []
    when = func.coalesce(Article.published_at, Article.fetched_at)
    query = (
        select(*_COLUMNS)
        .where(
            Article.partition_key < partition_key,
            _eligible(),
            Article.story_id.is_not(None),
            Article.duplicate_of_id.is_(None),
            when < before,
        )
        .order_by(when.desc(), Article.id.desc())
        .limit(limit)
    )
    history = [_row(values) for values in session.execute(query)]
    return sorted(history, key=lambda row: row.doc.sort_key())
