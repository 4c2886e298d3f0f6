"""Stage states kept between scheduled runs over one partition (dedup and cluster stages).

The dedup and cluster stages take a partition's articles one by one in publication
order, after reading context from earlier partitions (articles within the time window;
for clustering also term counts and archived stories). Each decision depends only on
what came before it. So when every article a scheduled run finds pending is new and
comes later in that order than every article already handled, and the context is
unchanged, the stage's state after the previous run plus the new articles gives
exactly what a run over the whole partition gives. The stages keep that state in
``stage_checkpoints`` (one row per stage and partition, written in the transaction that
writes their rows) and resume from it when they may; otherwise they handle the whole
partition again and leave a new state.

Articles do not always arrive in publication order: an hourly crawl also finds stories
published before the newest one it already stored. So a state is taken at a *cut*,
:data:`LATENESS` before the partition's newest article, and a resumed run handles again
every article from the cut on, together with the new ones. Only an article published
before the cut (or a change to one already handled, or to the context) makes a run
handle the whole partition again.

A state is a pickle: only its own stage writes and reads it, in its own warehouse. It
grows with the articles the stage holds in its window (a few kB each), so each stage
keeps it for its newest partition only: partitions are crawl days, and earlier days
get no new articles. Deleting rows is always safe (the next run starts afresh).
"""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from pipelines.warehouse.article_window import partition_times
from pipelines.warehouse.db import upsert
from pipelines.warehouse.models import StageCheckpoint

#: How long before a partition's newest article its state is taken: a resumed run handles
#: again the articles published since then (about this share of a day's work), and one
#: published earlier than that makes the run handle the whole partition.
LATENESS = timedelta(hours=3)


def load(session: Session, stage: str, partition_key: str, version: str) -> Any | None:
    """Return the stage's stored state of the partition when it has one of ``version``."""
    row = session.execute(
        select(StageCheckpoint.version, StageCheckpoint.state).where(
            StageCheckpoint.stage == stage, StageCheckpoint.partition_key == partition_key
        )
    ).first()
    if row is None or row.version != version:
        return None
    try:
        return pickle.loads(row.state)
    except Exception:  # noqa: BLE001 - a state written by other code is simply not resumed
        return None


def save(
    session: Session,
    stage: str,
    partition_key: str,
    version: str,
    state: Any,
    *,
    article_count: int,
    stage_run_id: int,
    now: datetime,
) -> int:
    """Store ``state`` as the stage's for the partition and drop its states of earlier partitions.

    Returns the stored size in bytes; 0 when the stage already keeps a state for a later
    partition (a backfill of an earlier day keeps none). Not compressed: zlib would
    double the time of a resumed run.
    """
    of_stage = StageCheckpoint.stage == stage
    later = session.execute(
        select(StageCheckpoint.partition_key)
        .where(of_stage, StageCheckpoint.partition_key > partition_key)
        .limit(1)
    ).first()
    if later is not None:
        forget(session, stage, partition_key)
        return 0
    blob = pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL)
    upsert(
        session, StageCheckpoint,
        [{"stage": stage, "partition_key": partition_key, "version": version,
          "article_count": article_count, "state": blob, "stage_run_id": stage_run_id,
          "written_at": now}],
        key=["stage", "partition_key"],
        update=["version", "article_count", "state", "stage_run_id", "written_at"],
    )
    session.execute(delete(StageCheckpoint).where(of_stage, StageCheckpoint.partition_key < partition_key))
    return len(blob)


def forget(session: Session, stage: str, partition_key: str) -> None:
    """Drop the stage's state of the partition (its next run handles every article again)."""
    session.execute(
        delete(StageCheckpoint).where(
            StageCheckpoint.stage == stage, StageCheckpoint.partition_key == partition_key
        )
    )


def cut_of(times: Iterable[float], previous: float | None = None) -> float:
    """Return the cut for articles placed at ``times`` (POSIX seconds): :data:`LATENESS` before the newest.

    Never before ``previous``, the cut of the state a run resumed from.
    """
    cut = max(times, default=float("-inf")) - LATENESS.total_seconds()
    return cut if previous is None else max(cut, previous)


def resumable(
    session: Session, stage: str, partition_key: str, version: str, kind: type, todo: set[int]
) -> tuple[Any, dict[int, datetime], set[int]] | None:
    """Return the stage's stored state (a ``kind``), the partition's article times and the
    articles to handle again, when a run with pending ``todo`` may resume (:func:`handled_again`).

    The caller still checks that the context is what the state was built on.
    """
    state = load(session, stage, partition_key, version)
    if not isinstance(state, kind):
        return None
    current = partition_times(session, partition_key)
    again = handled_again(state.placed, state.cut, todo, current)
    return None if again is None else (state, current, again)


def handled_again(
    placed: frozenset[int], cut: float, todo: set[int], current: dict[int, datetime]
) -> set[int] | None:
    """Return the articles a run resuming from a state handles again, or None when it may not resume.

    ``placed`` and ``cut`` are the state's, ``todo`` the pending articles, ``current`` the
    partition's articles by publication time. A run may resume when every article the
    state handled is still in the partition and not pending, and every other article is
    published at or after the cut; it then handles those others.
    """
    if todo & placed or not placed <= current.keys():
        return None
    again = current.keys() - placed
    if any(current[article_id].timestamp() < cut for article_id in again):
        return None
    return again


def digest(*parts: Iterable[Any]) -> str:
    """Return a digest of rows (tuples of plain values), each part sorted: a fingerprint of inputs."""
    hasher = hashlib.sha256()
    for part in parts:
        hasher.update(repr(sorted(tuple(values) for values in part)).encode())
        hasher.update(b"\0")
    return hasher.hexdigest()
