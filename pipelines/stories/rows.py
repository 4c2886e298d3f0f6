"""Reading warehouse ``articles`` rows as clusterer docs: a partition and its time-window context."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from pipelines.stories.types import Doc
from pipelines.warehouse.article_window import (
    aware,
    context_rows,
    partition_rows,
    placed_at,
)


@dataclass(frozen=True)
class ArticleRow:
    """The columns of one article that clustering reads."""

    id: int
    partition_key: str
    doc: Doc
    published_at: datetime | None
    source_key: str
    duplicate_of_id: int | None
    duplicate_kind: str | None
    story_id: int | None


def _row(values: Any) -> ArticleRow:
    host = urlsplit(values.canonical_url or values.url or "").hostname or ""
    source_key = f"source:{values.source_id}" if values.source_id is not None else (values.site_name or host)
    return ArticleRow(
        id=values.id, partition_key=values.partition_key,
        doc=Doc(
            id=values.id, url=values.url or "", canonical_url=values.canonical_url,
            title=values.title or "", text=values.body_text or "",
            # An undated article is placed at its fetch time rather than matching any date.
            published_at=placed_at(values), source=source_key,
        ),
        published_at=aware(values.published_at), source_key=source_key,
        duplicate_of_id=values.duplicate_of_id, duplicate_kind=values.duplicate_kind,
        story_id=values.story_id,
    )


def ordered_rows(rows: list[Any]) -> list[ArticleRow]:
    """Return ``article_window`` rows as :class:`ArticleRow`, in processing order."""
    return sorted((_row(values) for values in rows), key=lambda row: row.doc.sort_key())


def load_partition(
    session: Session, partition_key: str, ids: Collection[int] | None = None
) -> list[ArticleRow]:
    """Return the partition's article rows with a body (only ``ids`` when given), in processing order."""
    return ordered_rows(partition_rows(session, partition_key, ids=ids))


def load_context(
    session: Session,
    partition_key: str,
    rows: list[ArticleRow],
    window: timedelta,
    *,
    clustered_only: bool,
) -> list[ArticleRow]:
    """Return articles of *earlier* partitions dated within ``window`` of ``rows``, in processing order.

    See :func:`pipelines.warehouse.article_window.context_rows`; an empty ``rows`` gives
    an empty context.
    """
    times = [row.doc.published_at for row in rows if row.doc.published_at is not None]
    return ordered_rows(context_rows(session, partition_key, times, window, clustered_only=clustered_only))
