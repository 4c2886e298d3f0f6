"""Warehouse glue of the dedup stage: mark one partition's exact and near duplicates.

Reads the partition's eligible ``articles`` (page type ``article`` with a body) and, as
context, those of earlier partitions placed within the duplicate window, and runs them
through one :class:`~pipelines.dedup.index.DuplicateIndex` in processing order
(publication time, then id): the index the story clusterer uses, so both decide alike.
Each article gets ``duplicate_of_id`` (the root original, or NULL), ``duplicate_kind``
(``"url"``, ``"text"``, ``"near"`` or NULL) and ``deduped_by_id``. Nothing is deleted.

A scheduled run skips a partition with no pending article
(:data:`pipelines.warehouse.pending.DEDUP`). When no new article is published before
the cut of the state the previous run left and the context is unchanged, it resumes
from that index (:mod:`pipelines.warehouse.checkpoints`) and decides only the articles
from the cut on; otherwise it decides the whole partition again in memory (a new article may be
published before stored ones and become their original). It writes only the rows that
are pending or whose marks changed, and its state, in one short transaction. A rebuild
writes every row. All end in the same marks.
"""

from __future__ import annotations

import pickle
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
_STATE_FORMAT = 2  # bump when DedupState changes shape


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
    from the index the previous run left when no new article is published before its cut
    (:mod:`pipelines.warehouse.checkpoints`), and otherwise decides the whole partition
    again. The dict holds what this run did (``articles``: pending articles handled,
    ``written``: rows written, ``resumed``, ``decided``: articles decided, ``state_bytes``)
    and the partition's totals
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
        if run is None:
            run = _decide_all(session, partition_key, window)
    changes = [
        {"id": item.id, "duplicate_of_id": run.marks[item.id][0],
         "duplicate_kind": run.marks[item.id][1], "deduped_by_id": stage_run_id}
        for item in run.items
        if rebuild or item.id in todo or run.marks[item.id] != (item.duplicate_of_id, item.duplicate_kind)
    ]
    with session_scope(engine) as session:
        if changes:
            session.execute(update(Article), changes)
        state = run.next_state
        state_bytes = checkpoints.save(
            session, STAGE, partition_key, version, state, article_count=len(state.placed),
            stage_run_id=stage_run_id, now=datetime.now(UTC),
        )
    kinds = run.state.kinds + Counter(kind for _, kind in run.marks.values() if kind)
    return {
        "articles": len(todo),
        "written": len(changes),
        "resumed": int(run.resumed),
        "decided": len(run.items),
        "state_bytes": state_bytes,
        "partition_articles": len(run.state.placed) + len(run.items),
        "duplicates_url": kinds["url"],
        "duplicates_text": kinds["text"],
        "duplicates_near": kinds["near"],
        "context_articles": run.state.context_articles,
    }


@dataclass
class DedupState:
    """The duplicate index at a run's cut, and how it got there.

    A resumed run unpickles ``index`` and decides again every article of the partition
    that is not in ``placed`` (all of them at or after ``cut``).
    """

    index: bytes  # the pickled DuplicateIndex after deciding ``placed``
    placed: frozenset[int]  # the partition's articles decided before the cut
    cut: float  # publication time (POSIX seconds) from which articles are decided again
    inputs: str  # fingerprint of the context when it was read
    kinds: Counter = field(default_factory=Counter)  # duplicate kind -> articles before the cut
    context_articles: int = 0


@dataclass
class _Decided:
    """What a run decided, before it writes: the marks of the articles it decided, and the next state."""

    state: DedupState  # the state the run started from
    items: list[_Item]
    marks: dict[Hashable, tuple[Hashable | None, str | None]]
    next_state: DedupState
    resumed: bool


def _inputs(session: Session, partition_key: str, times: list[datetime], window: timedelta) -> str:
    """Return a fingerprint of the context articles of ``times`` (their text and duplicate versions)."""
    columns = (Article.id, Article.extracted_by_id, Article.deduped_by_id, Article.duplicate_of_id)
    return checkpoints.digest(
        context_rows(session, partition_key, times, window, clustered_only=False, columns=columns)
    )


def _decide_from(
    state: DedupState, index: DuplicateIndex, items: list[_Item], times: list[datetime], *, resumed: bool
) -> _Decided:
    """Decide ``items`` (in order) on ``index``, taking the next state at the new cut."""
    cut = checkpoints.cut_of((time.timestamp() for time in times), state.cut if resumed else None)
    before_cut = sum(1 for item in items if item.time < cut)
    marks = find_duplicates([], items[:before_cut], index)
    snapshot = pickle.dumps(index, protocol=pickle.HIGHEST_PROTOCOL)
    next_state = DedupState(
        index=snapshot, placed=state.placed | {item.id for item in items[:before_cut]}, cut=cut,
        inputs=state.inputs, kinds=state.kinds + Counter(kind for _, kind in marks.values() if kind),
        context_articles=state.context_articles,
    )
    marks.update(find_duplicates([], items[before_cut:], index))
    return _Decided(state=state, items=items, marks=marks, next_state=next_state, resumed=resumed)


def _decide_all(session: Session, partition_key: str, window: timedelta) -> _Decided:
    """Decide every article of the partition with a fresh index."""
    stored = partition_rows(session, partition_key)
    items = _items(stored)
    times = [placed_at(row) for row in stored]
    # Read before the context itself: a change committed in between makes the next run
    # decide everything again instead of resuming from a state it does not match.
    inputs = _inputs(session, partition_key, times, window)
    context = _items(context_rows(session, partition_key, times, window, clustered_only=False))
    index = DuplicateIndex(window_seconds=window.total_seconds())
    find_duplicates(context, [], index)
    start = DedupState(index=b"", placed=frozenset(), cut=float("-inf"), inputs=inputs,
                       context_articles=len(context))
    return _decide_from(start, index, items, times, resumed=False)


def _resume(
    session: Session, partition_key: str, todo: set[int], version: str, window: timedelta
) -> _Decided | None:
    """Decide again only the articles from the stored state's cut on, when that gives what deciding all would.

    It does when the stored state is of ``version``, every article it decided is still
    in the partition and unchanged (not pending), every other article comes at or after
    its cut, and the context is what the state was built on.
    """
    found = checkpoints.resumable(session, STAGE, partition_key, version, DedupState, todo)
    if found is None:
        return None
    state, current, again = found
    times = list(current.values())
    if _inputs(session, partition_key, times, window) != state.inputs:
        return None
    items = _items(partition_rows(session, partition_key, ids=again))
    return _decide_from(state, pickle.loads(state.index), items, times, resumed=True)
