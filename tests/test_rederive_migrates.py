"""Jobs that never crawl still meet the newest schema: the warehouse resource migrates on set-up."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from pipelines.warehouse.db import make_engine
from pipelines.warehouse.migrate import current_revision, head_revision, upgrade


def _revision(url: str) -> str | None:
    engine = make_engine(url)
    try:
        return current_revision(engine)
    finally:
        engine.dispose()


def test_rederive_from_archive_after_an_upgrade_applies_the_pending_migrations(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    from dagster_project.definitions import defs
    from dagster_project.run import current_partition

    url = f"sqlite:///{tmp_path / 'w.db'}"
    upgrade(url, revision="0003")  # a warehouse last migrated by an older release
    monkeypatch.setenv("STORYLINE_WAREHOUSE_URL", url)
    job = defs.resolve_job_def("rederive_from_archive")  # partitioned by day x shard
    result = job.execute_in_process(
        partition_key=f"{current_partition()}|0", instance=dg.DagsterInstance.ephemeral(), raise_on_error=False
    )
    failures = [event.step_failure_data.error.message for event in result.all_events if event.is_step_failure]
    assert result.success, failures
    assert _revision(url) == head_revision()


def test_the_stale_extraction_sensor_migrates_too(tmp_path: Path):
    from dagster_project.resources import WarehouseResource
    from dagster_project.sensors import stale_extraction

    url = f"sqlite:///{tmp_path / 'w.db'}"
    upgrade(url, revision="0001")
    with dg.build_sensor_context(resources={"warehouse": WarehouseResource(url=url)}) as context:
        outcome = stale_extraction(context)
    assert isinstance(outcome, dg.SkipReason)
    assert _revision(url) == head_revision()
