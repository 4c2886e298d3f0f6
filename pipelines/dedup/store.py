"""Warehouse glue of the dedup stage: mark one partition's exact and near duplicates.

Reads the partition's eligible ``articles`` (page type ``article`` with a body) and, as
context, those of earlier partitions placed within the duplicate window, and runs them
through one :class:`~pipelines.dedup.index.DuplicateIndex` in processing order
(publication time, then id): the index the story clusterer uses, so both decide alike.
Each article gets ``duplicate_of_id`` (the root original, or NULL), ``duplicate_kind``
(``"url"``, ``"text"``, ``"near"`` or NULL) and ``deduped_by_id``. Nothing is deleted.

A scheduled run skips a partition with no pending article
(:data:`pipelines.warehouse.pending.DEDUP`); otherwise it decides the whole partition
again in memory (a new article may be published before stored ones and become their
original) and writes only the rows that are pending or whose marks changed, in one
short transaction. A rebuild writes every row. Both end in the same marks.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, update

from pipelines.dedup.index import (
    DEFAULT_WINDOW_DAYS,
    DuplicateIndex,
    DuplicateKeys,
    duplicate_keys,
    id_order,
)
from pipelines.warehouse import pending
from pipelines.warehouse.article_window import context_rows, partition_rows, placed_at
from pipelines.warehouse.db import session_scope
from pipelines.warehouse.models import Article


@dataclass(frozen=True)
class _Item:
    id: int
    time: float
    keys: DuplicateKeys
    duplicate_of_id: int | None
    duplicate_kind: str | None

    def sort_key(self) -> tuple:
        return (self.time, id_order(self.id))


def _items(rows: list[Any]) -> list[_Item]:
    items = [
        _Item(
            id=row.id, time=placed_at(row).timestamp(),
            keys=duplicate_keys(row.canonical_url or row.url, row.body_text),
            duplicate_of_id=row.duplicate_of_id, duplicate_kind=row.duplicate_kind,
        )
        for row in rows
    ]
    return sorted(items, key=_Item.sort_key)


def find_duplicates(
    context: list[_Item], items: list[_Item], index: DuplicateIndex
) -> dict[Hashable, tuple[Hashable | None, str | None]]:
    """Return ``id -> (root original, kind)`` for ``items``, after seeding ``context`` (both in order)."""
    for item in context:
        index.advance(item.time)
        index.seed(item.id, item.keys, item.time, item.duplicate_of_id)
    marks: dict[Hashable, tuple[Hashable | None, str | None]] = {}
    for item in items:
        index.advance(item.time)
        match = index.find(item.keys)
        if match is None:
            index.add(item.id, item.keys, item.time)
            marks[item.id] = (None, None)
        else:
            index.add(item.id, item.keys, item.time, copy=True, root=match.original)
            marks[item.id] = (match.original, match.kind)
    return marks


def dedup_partition(
    engine: Engine,
    partition_key: str,
    stage_run_id: int,
    *,
    rebuild: bool = True,
    window_days: float = DEFAULT_WINDOW_DAYS,
) -> dict[str, int]:
    """Mark duplicates among the partition's articles; returns counts.

    The dict holds what this run did (``articles``: pending articles handled,
    ``written``: rows written) and the partition's totals (``partition_articles``,
    ``duplicates_url``, ``duplicates_text``, ``duplicates_near``), plus
    ``context_articles``. With ``rebuild`` false and nothing pending, nothing is read
    beyond the counts. Raises ``sqlalchemy.exc.SQLAlchemyError`` on database errors.
    """
    with session_scope(engine) as session:
        todo = pending.pending_ids(session, partition_key, pending.DEDUP)
        if not todo and not rebuild:
            return {"articles": 0, "written": 0, "skipped": 1}
        stored = partition_rows(session, partition_key)
        rows = _items(stored)
        times = [placed_at(row) for row in stored]
        window = timedelta(days=window_days)
        context = _items(context_rows(session, partition_key, times, window, clustered_only=False))
    marks = find_duplicates(context, rows, DuplicateIndex(window_seconds=window.total_seconds()))
    changes = [
        {"id": row.id, "duplicate_of_id": marks[row.id][0], "duplicate_kind": marks[row.id][1],
         "deduped_by_id": stage_run_id}
        for row in rows
        if rebuild or row.id in todo or marks[row.id] != (row.duplicate_of_id, row.duplicate_kind)
    ]
    with session_scope(engine) as session:
        if changes:
            session.execute(update(Article), changes)
    kinds = Counter(kind for _, kind in marks.values() if kind)
    return {
        "articles": len(todo),
        "written": len(changes),
        "partition_articles": len(rows),
        "duplicates_url": kinds["url"],
        "duplicates_text": kinds["text"],
        "duplicates_near": kinds["near"],
        "context_articles": len(context),
    }
