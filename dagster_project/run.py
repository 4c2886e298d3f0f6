"""Run the whole pipeline for one partition in this process (``storyline run``, tests, demo).

A pass is one run per crawl shard (crawl and clean), then one run of the day-level
stages; with one shard, two runs.
"""

from __future__ import annotations

from dataclasses import dataclass

import dagster as dg

from dagster_project.assets import ALL_ASSETS, REBUILD_TAG
from dagster_project.instance import local_instance
from dagster_project.jobs import CRAWL_ASSETS
from dagster_project.partitions import (
    PARTITIONS_START,
    SHARD_KEYS,
    crawl_day_partitions,
    shard_partition_keys,
)
from dagster_project.resources import CrawlConfigResource, ExtractionResource, WarehouseResource
from pipelines.config import load_config
from pipelines.enrich.analyse import close_pool
from pipelines.warehouse import pending
from pipelines.warehouse.db import session_scope


@dataclass(frozen=True)
class PassOutcome:
    """How a full pass went: its Dagster runs, success, and the first failure if any.

    ``run_id`` is the last run (the day-level stages, or the run that failed); ``run_ids``
    every run of the pass, the shards' first.
    """

    run_id: str
    success: bool
    failure: str | None
    partition_key: str
    run_ids: tuple[str, ...] = ()


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

    A scheduled pass then runs the day-level stages of the days before whose stories its
    revisits revised (as the ``day_pass_after_shards`` sensor does under the daemon).

    Uses the instance of $DAGSTER_HOME when set (created on first use; runs then show
    in the UI), else an ephemeral one. Today's partition does only new work; a past day,
    or ``rebuild=True``, is rebuilt from the archive. ``log_level`` is the console's:
    ``INFO`` keeps the stages' own lines (progress, replay notes) and drops Dagster's
    step-by-step events. Raises ``ValueError`` for a key outside the partitions, and for
    a config whose ``crawl.shards`` differs from the shards this code location was loaded
    with (``$STORYLINE_CONFIG``; the CLI sets it to ``config_path``). Runs stop at the
    first that fails.
    """
    key = partition_key or current_partition()
    if not crawl_day_partitions.has_partition_key(key):
        raise ValueError(
            f"no partition {key!r}: expected a UTC day YYYY-MM-DD from {PARTITIONS_START} to today "
            "(set STORYLINE_PARTITIONS_START to reach further back)"
        )
    shards = load_config(config_path).crawl.shards
    if shards != len(SHARD_KEYS):
        raise ValueError(
            f"{config_path} has crawl.shards: {shards}, but the pipeline was loaded with "
            f"{len(SHARD_KEYS)} shard(s): set STORYLINE_CONFIG={config_path}"
        )
    if instance is None:
        instance = local_instance()
    if rebuild is None:
        rebuild = key != current_partition()
    resources = {
        "warehouse": WarehouseResource(url=warehouse_url),
        "crawl_config": CrawlConfigResource(path=config_path),
        "extraction": ExtractionResource(workers=workers),
        "pipes_subprocess_client": dg.PipesSubprocessClient(),
    }
    crawl_keys = sorted(CRAWL_ASSETS.resolve(ALL_ASSETS))
    runs = [(crawl_keys, shard_key) for shard_key in shard_partition_keys(key)]
    last_shard = runs[-1][1]
    day_level = [asset for node in ALL_ASSETS for asset in node.keys if asset not in crawl_keys]
    runs.append((day_level, key))
    run_ids: list[str] = []
    try:
        for selection, partition in runs:
            # The last shard's enrich step leaves its NER workers, model loaded, for the day's
            # dedup step next in this process (its catch-up NER), which stops them.
            keep = partition == last_shard
            resources["extraction"] = ExtractionResource(workers=workers, keep_ner_workers=keep)
            if selection is day_level and partition == key and not rebuild:
                # The shards' runs are done: their revisits may have revised earlier days' stories.
                with session_scope(resources["warehouse"].engine()) as session:
                    earlier = pending.revised_days_owing(session, key)
                runs.extend(
                    (day_level, day) for day in earlier if crawl_day_partitions.has_partition_key(day)
                )
            result = dg.materialize(
                ALL_ASSETS,
                selection=selection,
                partition_key=partition,
                tags={REBUILD_TAG: "true"} if rebuild else None,
                instance=instance,
                raise_on_error=False,
                run_config={"loggers": {"console": {"config": {"log_level": log_level}}}},
                resources=resources,
            )
            run_ids.append(result.run_id)
            if not result.success:
                return PassOutcome(result.run_id, False, _first_failure(result), key, tuple(run_ids))
        return PassOutcome(run_ids[-1], True, None, key, tuple(run_ids))
    finally:
        close_pool()  # the NER workers the last shard left, if no dedup step stopped them


def _first_failure(result: dg.ExecuteInProcessResult) -> str | None:
    """The first failed step of a run and its error message."""
    for event in result.all_events:
        if event.is_step_failure and event.step_failure_data:
            error = event.step_failure_data.error
            return f"step {event.step_key} failed: {error.message.strip() if error else 'unknown error'}"
    return None
