"""Schedules: crawl the current UTC day at a configurable cadence (default hourly)."""

import os

import dagster as dg

from dagster_project.jobs import crawl_shard
from dagster_project.partitions import crawl_day_partitions, shard_partition_keys

#: Cron expression of the crawl cadence; override with STORYLINE_SCHEDULE_CRON.
SCHEDULE_CRON = os.environ.get("STORYLINE_SCHEDULE_CRON", "0 * * * *")


@dg.schedule(
    job=crawl_shard,
    cron_schedule=SCHEDULE_CRON,
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.STOPPED,
    description=(
        "Incremental crawl of today's partition, one run per crawl shard; the day's dedup, "
        "clustering and enrichment follow (sensor day_pass_after_shards)."
    ),
)
def crawl_current_day(context: dg.ScheduleEvaluationContext) -> list[dg.RunRequest] | dg.SkipReason:
    """Request a run of each shard of today's partition, keyed by the tick so each tick runs once."""
    with dg.partition_loading_context(effective_dt=context.scheduled_execution_time):
        partition_key = crawl_day_partitions.get_last_partition_key()
    if partition_key is None:
        return dg.SkipReason("the tick falls before the first partition (STORYLINE_PARTITIONS_START)")
    tick = context.scheduled_execution_time.strftime("%Y-%m-%dT%H:%M")
    keys = shard_partition_keys(partition_key)
    return [dg.RunRequest(run_key=f"{key}@{tick}", partition_key=key) for key in keys]
