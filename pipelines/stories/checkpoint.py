"""The story clusterer's state between scheduled runs over one partition.

The cluster stage places a partition's articles one by one in publication order, after
counting the terms of earlier articles (history) and holding the stories of earlier
partitions within the time window (context) and the dormant stories of the archive.
Each placement depends only on what came before it. So when every article a scheduled
run finds pending is new and comes later in that order than every article already
placed, and history, context and archive are unchanged, the clusterer's state after the
previous run plus the new articles gives exactly what placing the whole partition again
gives. The cluster stage keeps that state in ``cluster_checkpoints`` (one row per
partition, written in the transaction that writes the assignments) and resumes from it
when it may; otherwise it places the whole partition again (see
:mod:`pipelines.stories.store`).

The state is a pickle: only this stage writes and reads it, in its own warehouse. It
grows with the articles in the clusterer's window (a few kB each), so only the newest
partition keeps one: partitions are crawl days, and earlier days get no new articles.
"""

from __future__ import annotations

import hashlib
import pickle
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from pipelines.stories.engine import StoryClusterer
from pipelines.stories.types import ClusterConfig
from pipelines.versions import CLUSTER_VERSION
from pipelines.warehouse.db import upsert
from pipelines.warehouse.models import ClusterCheckpoint

FORMAT = 1  # bump when ClusterState changes shape


@dataclass
class ClusterState:
    """What a run over a partition leaves for the next: the clusterer and how it got there."""

    clusterer: StoryClusterer
    placed: frozenset[int]  # ids of the partition's articles the clusterer has placed
    last_key: tuple  # Doc.sort_key() of the last of them
    story_ids: dict[object, int]  # engine story key -> stories.id
    inputs: str  # fingerprint of history, context and archive when they were read
    seeded: dict[int, str] = field(default_factory=dict)  # archived story id -> snapshot partition
    relations: Counter = field(default_factory=Counter)  # relation -> placed articles
    figures: dict[str, int] = field(default_factory=dict)  # context and history sizes


def version_of(config: ClusterConfig) -> str:
    """Return the version a state must carry to be resumed: code, format and thresholds."""
    digest = hashlib.sha256(repr(config).encode()).hexdigest()[:16]
    return f"{CLUSTER_VERSION}/{FORMAT}/{digest}"


def encode(state: ClusterState) -> bytes:
    """Return ``state`` as bytes (not compressed: zlib would double the time of a resumed run)."""
    return pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL)


def decode(blob: bytes) -> ClusterState | None:
    """Return the state in ``blob``, or None when it cannot be read (it is then ignored)."""
    try:
        state = pickle.loads(blob)
    except Exception:  # noqa: BLE001 - a state from other code is simply not resumed
        return None
    return state if isinstance(state, ClusterState) else None


def load(session: Session, partition_key: str, version: str) -> ClusterState | None:
    """Return the partition's stored state when it has one of ``version``."""
    row = session.execute(
        select(ClusterCheckpoint.clusterer_version, ClusterCheckpoint.state)
        .where(ClusterCheckpoint.partition_key == partition_key)
    ).first()
    if row is None or row.clusterer_version != version:
        return None
    return decode(row.state)


def save(
    session: Session,
    partition_key: str,
    version: str,
    state: ClusterState,
    stage_run_id: int,
    now: datetime,
) -> int:
    """Store ``state`` as the partition's and drop the states of earlier partitions.

    Returns the stored size in bytes; 0 when a later partition already has a state (a
    backfill of an earlier day keeps none).
    """
    later = session.execute(
        select(ClusterCheckpoint.partition_key)
        .where(ClusterCheckpoint.partition_key > partition_key)
        .limit(1)
    ).first()
    if later is not None:
        forget(session, partition_key)
        return 0
    blob = encode(state)
    upsert(
        session, ClusterCheckpoint,
        [{"partition_key": partition_key, "clusterer_version": version,
          "article_count": len(state.placed), "state": blob, "stage_run_id": stage_run_id,
          "written_at": now}],
        key=["partition_key"],
        update=["clusterer_version", "article_count", "state", "stage_run_id", "written_at"],
    )
    session.execute(delete(ClusterCheckpoint).where(ClusterCheckpoint.partition_key < partition_key))
    return len(blob)


def forget(session: Session, partition_key: str) -> None:
    """Drop the partition's stored state (its next run places every article again)."""
    session.execute(delete(ClusterCheckpoint).where(ClusterCheckpoint.partition_key == partition_key))
