"""Warehouse glue of the dedup stage: mark one partition's exact and near duplicates.

Reads the partition's eligible ``articles`` (page type ``article`` with a body) and, as
context, those of earlier partitions placed within the duplicate window, and runs them
through one :class:`~pipelines.dedup.index.DuplicateIndex` in processing order
(publication time, then id): the index the story clusterer uses, so both decide alike.
Each article gets ``duplicate_of_id`` (the root original, or NULL), ``duplicate_kind``
(``"url"``, ``"text"``, ``"near"`` or NULL) and ``deduped_by_id``. Nothing is deleted.

A scheduled run skips a partition with no pending article
(:data:`pipelines.warehouse.pending.DEDUP`). When its new articles all come after the
ones already decided and the context is unchanged, it resumes from the index the
previous run left (:mod:`pipelines.warehouse.checkpoints`) and decides only them;
otherwise it decides the whole partition again in memory (a new article may be
published before stored ones and become their original). It writes only the rows that
are pending or whose marks changed, and its state, in one short transaction. A rebuild
writes every row. All end in the same marks.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, update
from sqlalchemy.orm import Session

from pipelines.dedup.index import (
    DEFAULT_WINDOW_DAYS,
    DuplicateIndex,
    DuplicateKeys,
    duplicate_keys,
    id_order,
)
from pipelines.versions import DEDUP_VERSION
from pipelines.warehouse import checkpoints, pending
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


STAGE = "dedup"
_STATE_FORMAT = 1  # bump when DedupState changes shape


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

    A scheduled run (``rebuild`` false) skips a partition with nothing pending, resumes
    from the index the previous run left when only later articles are new
    (:mod:`pipelines.warehouse.checkpoints`), and otherwise decides the whole partition
    again. The dict holds what this run did (``articles``: pending articles handled,
    ``written``: rows written, ``resumed``, ``state_bytes``) and the partition's totals
    (``partition_articles``, ``duplicates_url``, ``duplicates_text``,
    ``duplicates_near``), plus ``context_articles``. With ``rebuild`` false and nothing
    pending, nothing is read beyond the counts. Raises
    ``sqlalchemy.exc.SQLAlchemyError`` on database errors.
    """
    window = timedelta(days=window_days)
    version = f"{DEDUP_VERSION}/{_STATE_FORMAT}/{window_days}"
    with session_scope(engine) as session:
        todo = pending.pending_ids(session, partition_key, pending.DEDUP)
        if not todo and not rebuild:
            return {"articles": 0, "written": 0, "skipped": 1}
        run = None if rebuild else _resume(session, partition_key, todo, version, window)
        resumed = run is not None
        if run is None:
            run = _mark_all(session, partition_key, window)
    items, marks, state = run
    changes = [
        {"id": item.id, "duplicate_of_id": marks[item.id][0], "duplicate_kind": marks[item.id][1],
         "deduped_by_id": stage_run_id}
        for item in items
        if rebuild or item.id in todo or marks[item.id] != (item.duplicate_of_id, item.duplicate_kind)
    ]
    with session_scope(engine) as session:
        if changes:
            session.execute(update(Article), changes)
        state_bytes = checkpoints.save(
            session, STAGE, partition_key, version, state, article_count=len(state.placed),
            stage_run_id=stage_run_id, now=datetime.now(UTC),
        )
    return {
        "articles": len(todo),
        "written": len(changes),
        "resumed": int(resumed),
        "state_bytes": state_bytes,
        "partition_articles": len(state.placed),
        "duplicates_url": state.kinds["url"],
        "duplicates_text": state.kinds["text"],
        "duplicates_near": state.kinds["near"],
        "context_articles": state.context_articles,
    }


@dataclass
class DedupState:
    """The duplicate index after a run over a partition, and how it got there."""

    index: DuplicateIndex
    placed: frozenset[int]  # ids of the partition's articles in the index
    last_key: tuple  # _Item.sort_key() of the last of them
    inputs: str  # fingerprint of the context when it was read
    kinds: Counter = field(default_factory=Counter)  # duplicate kind -> articles so marked
    context_articles: int = 0


_Marked = tuple[list[_Item], dict[Hashable, tuple[Hashable | None, str | None]], DedupState]


def _inputs(session: Session, partition_key: str, times: list[datetime], window: timedelta) -> str:
    """Return a fingerprint of the context articles of ``times`` (their text and duplicate versions)."""
    columns = (Article.id, Article.extracted_by_id, Article.deduped_by_id, Article.duplicate_of_id)
    return checkpoints.digest(
        context_rows(session, partition_key, times, window, clustered_only=False, columns=columns)
    )


def _mark_all(session: Session, partition_key: str, window: timedelta) -> _Marked:
    """Decide every article of the partition with a fresh index."""
    stored = partition_rows(session, partition_key)
    items = _items(stored)
    times = [placed_at(row) for row in stored]
    # Read before the context itself: a change committed in between makes the next run
    # decide everything again instead of resuming from a state it does not match.
    inputs = _inputs(session, partition_key, times, window)
    context = _items(context_rows(session, partition_key, times, window, clustered_only=False))
    index = DuplicateIndex(window_seconds=window.total_seconds())
    marks = find_duplicates(context, items, index)
    state = DedupState(
        index=index, placed=frozenset(item.id for item in items),
        last_key=items[-1].sort_key() if items else (), inputs=inputs,
        kinds=Counter(kind for _, kind in marks.values() if kind), context_articles=len(context),
    )
    return items, marks, state


def _resume(
    session: Session, partition_key: str, todo: set[int], version: str, window: timedelta
) -> _Marked | None:
    """Decide only the pending articles on the stored index, when that gives what deciding all would."""
    state = checkpoints.load(session, STAGE, partition_key, version)
    if not isinstance(state, DedupState) or todo & state.placed:
        return None
    columns = (Article.id, Article.published_at, Article.fetched_at)
    current = partition_rows(session, partition_key, columns=columns)
    if {values.id for values in current} - todo != state.placed:
        return None
    items = _items(partition_rows(session, partition_key, ids=todo))
    if len(items) != len(todo) or (items and items[0].sort_key() <= state.last_key):
        return None
    if _inputs(session, partition_key, [placed_at(values) for values in current], window) != state.inputs:
        return None
    marks = find_duplicates([], items, state.index)
    state.placed = frozenset(values.id for values in current)
    if items:
        state.last_key = items[-1].sort_key()
    state.kinds.update(kind for _, kind in marks.values() if kind)
    return items, marks, state
