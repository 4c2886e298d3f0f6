"""Reading warehouse ``articles`` rows as clusterer docs: a partition and its time-window context.

Docs carry the entities the enrich stage stored for their article (``article_entities``
joined to ``entities``); an article not enriched yet has none.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipelines.stories.types import Doc
from pipelines.warehouse.article_window import (
    aware,
    context_rows,
    partition_rows,
    placed_at,
)
from pipelines.warehouse.models import ArticleEntity, Entity

_CHUNK = 500


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


def stored_entities(session: Session, article_ids: Iterable[int]) -> dict[int, tuple[tuple[str, int], ...]]:
    """Return article id -> its ``(entity key, mentions)``, most mentioned first (ties: key).

    Articles without stored entities are left out.
    """
    ids = sorted(set(article_ids))
    found: dict[int, list[tuple[str, int]]] = {}
    for start in range(0, len(ids), _CHUNK):
        query = (
            select(ArticleEntity.article_id, Entity.entity_key, ArticleEntity.mentions)
            .join(Entity, Entity.id == ArticleEntity.entity_id)
            .where(ArticleEntity.article_id.in_(ids[start : start + _CHUNK]))
        )
        for article_id, key, mentions in session.execute(query):
            found.setdefault(article_id, []).append((key, mentions))
    return {
        article_id: tuple(sorted(pairs, key=lambda pair: (-pair[1], pair[0])))
        for article_id, pairs in found.items()
    }


def with_entities(session: Session, rows: list[ArticleRow]) -> list[ArticleRow]:
    """Return ``rows`` whose docs carry their article's stored entities (:func:`stored_entities`)."""
    entities = stored_entities(session, (row.id for row in rows))
    return [
        replace(row, doc=replace(row.doc, entities=entities[row.id])) if row.id in entities else row
        for row in rows
    ]


def load_partition(
    session: Session, partition_key: str, ids: Collection[int] | None = None
) -> list[ArticleRow]:
    """Return the partition's article rows with a body (only ``ids`` when given), in processing order.

    Their docs carry their stored entities.
    """
    return with_entities(session, ordered_rows(partition_rows(session, partition_key, ids=ids)))


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
    an empty context. Their docs carry their stored entities.
    """
    times = [row.doc.published_at for row in rows if row.doc.published_at is not None]
    return with_entities(
        session,
        ordered_rows(context_rows(session, partition_key, times, window, clustered_only=clustered_only)),
    )
