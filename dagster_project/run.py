"""Run the whole pipeline for one partition in this process (``storyline run``, tests, demo)."""

from __future__ import annotations

from dataclasses import dataclass

import dagster as dg

from dagster_project.assets import ALL_ASSETS, REBUILD_TAG
from dagster_project.instance import local_instance
from dagster_project.partitions import PARTITIONS_START, crawl_day_partitions
from dagster_project.resources import CrawlConfigResource, ExtractionResource, WarehouseResource


@dataclass(frozen=True)
class PassOutcome:
    """How a full pass went: the Dagster run id, success, and the first failure if any."""

    run_id: str
    success: bool
    failure: str | None
    partition_key: str


def current_partition() -> str:
    """The partition key of the current UTC day."""
    key = crawl_day_partitions.get_last_partition_key()
    if key is None:
        raise ValueError("no partition exists yet: STORYLINE_PARTITIONS_START lies in the future")
    return key


def run_pass(
    *,
    config_path: str,
    warehouse_url: str | None = None,
    partition_key: str | None = None,
    instance: dg.DagsterInstance | None = None,
    workers: int | None = None,
    rebuild: bool | None = None,
    log_level: str = "DEBUG",
) -> PassOutcome:
    """Materialize every asset for ``partition_key`` (default: today) and return the outcome.

    Uses the instance of $DAGSTER_HOME when set (created on first use; runs then show
    in the UI), else an ephemeral one. Today's partition does only new work; a past day,
    or ``rebuild=True``, is rebuilt from the archive. ``log_level`` is the console's:
    ``INFO`` keeps the stages' own lines (progress, replay notes) and drops Dagster's
    step-by-step events. Raises ``ValueError`` for a key outside the partitions.
    """
    key = partition_key or current_partition()
    if not crawl_day_partitions.has_partition_key(key):
        raise ValueError(
            f"no partition {key!r}: expected a UTC day YYYY-MM-DD from {PARTITIONS_START} to today "
            "(set STORYLINE_PARTITIONS_START to reach further back)"
        )
    if instance is None:
        instance = local_instance()
    if rebuild is None:
        rebuild = key != current_partition()
    result = dg.materialize(
        ALL_ASSETS,
        partition_key=key,
        tags={REBUILD_TAG: "true"} if rebuild else None,
        instance=instance,
        raise_on_error=False,
        run_config={"loggers": {"console": {"config": {"log_level": log_level}}}},
        resources={
            "warehouse": WarehouseResource(url=warehouse_url),
            "crawl_config": CrawlConfigResource(path=config_path),
            "extraction": ExtractionResource(workers=workers),
            "pipes_subprocess_client": dg.PipesSubprocessClient(),
        },
    )
    failure = None
    if not result.success:
        for event in result.all_events:
            if event.is_step_failure and event.step_failure_data:
                error = event.step_failure_data.error
                failure = (
                    f"step {event.step_key} failed: {error.message.strip() if error else 'unknown error'}"
                )
                break
    return PassOutcome(result.run_id, result.success, failure, key)
