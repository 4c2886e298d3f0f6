"""The run queue of a deployment: Dagster's QueuedRunCoordinator, with crawl runs tagged by shard.

A run that an asset backfill launches for one day x shard partition carries only the
range tags ``dagster/asset_partition_range_start`` and ``_end`` (``2026-12-03|1``), not
the dimension tags ``dagster/partition/day`` and ``dagster/partition/shard`` that a run
launched for the partition itself carries. The tag concurrency limit on
``dagster/partition/shard`` (one crawler per shard in the whole cluster) would not see
those runs; this coordinator adds the dimension tags when such a run is submitted, before
it is queued, so every crawl run waits for its shard alike.
"""

from __future__ import annotations

from dagster._core.run_coordinator import QueuedRunCoordinator, SubmitRunContext
from dagster._core.storage.dagster_run import DagsterRun
from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG

from dagster_project.partitions import crawl_shard_partitions

DIMENSION_TAG_PREFIX = "dagster/partition/"


def dimension_tags(run: DagsterRun) -> dict[str, str]:
    """The dimension tags a one-partition day x shard run lacks (empty when it has them or is another run)."""
    start = run.tags.get(ASSET_PARTITION_RANGE_START_TAG)
    if not start or start != run.tags.get(ASSET_PARTITION_RANGE_END_TAG) or "|" not in start:
        return {}
    if any(key.startswith(DIMENSION_TAG_PREFIX) for key in run.tags):
        return {}
    key = crawl_shard_partitions.get_partition_key_from_str(start)
    tags = crawl_shard_partitions.get_tags_for_partition_key(key)
    return {key: value for key, value in tags.items() if key.startswith(DIMENSION_TAG_PREFIX)}


class ShardTaggingRunCoordinator(QueuedRunCoordinator):
    """A ``QueuedRunCoordinator`` that tags one-partition crawl runs with their day and shard."""

    def submit_run(self, context: SubmitRunContext) -> DagsterRun:
        tags = dimension_tags(context.dagster_run)
        if tags:
            self._instance.add_run_tags(context.dagster_run.run_id, tags)
            run = self._instance.get_run_by_id(context.dagster_run.run_id)
            context = SubmitRunContext(run, context.workspace)
        return super().submit_run(context)
