"""Schedules: crawl the current UTC day at a configurable cadence (default hourly)."""

import os

import dagster as dg

from dagster_project.jobs import daily_pipeline
from dagster_project.partitions import crawl_day_partitions

#: Cron expression of the crawl cadence; override with STORYLINE_SCHEDULE_CRON.
SCHEDULE_CRON = os.environ.get("STORYLINE_SCHEDULE_CRON", "0 * * * *")


@dg.schedule(
    job=daily_pipeline,
    cron_schedule=SCHEDULE_CRON,
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.STOPPED,
    description="Incremental crawl of today's partition, then every downstream stage.",
)
def crawl_current_day(context: dg.ScheduleEvaluationContext) -> dg.RunRequest | dg.SkipReason:
    """Request a run of today's partition, keyed by the tick so each tick runs once."""
    with dg.partition_loading_context(effective_dt=context.scheduled_execution_time):
        partition_key = crawl_day_partitions.get_last_partition_key()
    if partition_key is None:
        return dg.SkipReason("the tick falls before the first partition (STORYLINE_PARTITIONS_START)")
    tick = context.scheduled_execution_time.strftime("%Y-%m-%dT%H:%M")
    return dg.RunRequest(run_key=f"{partition_key}@{tick}", partition_key=partition_key)
