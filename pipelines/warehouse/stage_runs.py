"""Stage runs: the lineage anchor each clean/dedup/cluster/enrich write points to."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, update

from pipelines.warehouse.db import session_scope
from pipelines.warehouse.models import StageRun


@contextmanager
def stage_run(
    engine: Engine,
    stage: str,
    partition_key: str | None,
    *,
    code_version: str,
    dagster_run_id: str | None = None,
) -> Iterator[StageRunHandle]:
    """Open a ``stage_runs`` row for the duration of a stage and close it with its outcome.

    Yields a handle whose ``id`` the stage stamps on the rows it writes and whose
    ``stats`` dict is saved when the stage ends (status ``failed`` if it raised). Runs
    of the same stage and partition still ``running`` are marked ``abandoned``: one
    stage of a partition runs at a time, so their process died (killed, or its machine
    lost) and what they wrote stays valid lineage.
    """
    with session_scope(engine) as session:
        session.execute(
            update(StageRun)
            .where(StageRun.stage == stage, StageRun.partition_key == partition_key,
                   StageRun.status == "running")
            .values(status="abandoned", finished_at=datetime.now(UTC))
        )
        row = StageRun(
            stage=stage,
            partition_key=partition_key,
            dagster_run_id=dagster_run_id,
            code_version=code_version,
            started_at=datetime.now(UTC),
            status="running",
            stats={},
        )
        session.add(row)
        session.flush()
        handle = StageRunHandle(row.id, partition_key, {})
    status = "failed"
    try:
        yield handle
        status = "succeeded"
    finally:
        with session_scope(engine) as session:
            session.execute(
                update(StageRun)
                .where(StageRun.id == handle.id)
                .values(status=status, finished_at=datetime.now(UTC), stats=_jsonable(handle.stats))
            )


class StageRunHandle:
    """The id of an open stage run and the stats it will record."""

    def __init__(self, run_id: int, partition_key: str | None, stats: dict[str, Any]) -> None:
        self.id = run_id
        self.partition_key = partition_key
        self.stats = stats


def _jsonable(stats: Mapping[str, Any]) -> dict[str, Any]:
    import json

    return json.loads(json.dumps(dict(stats), default=str))
