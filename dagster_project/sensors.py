"""Sensors: the day-level pass once a day's shards are crawled, and re-derivation of stale days."""


import dagster as dg
from sqlalchemy import Engine

from dagster_project.assets import REBUILD_TAG
from dagster_project.jobs import crawl_shard, daily_pipeline, rederive_from_archive
from dagster_project.partitions import day_shard, shard_partition_keys
from dagster_project.resources import WarehouseResource
from pipelines import quality
from pipelines.extract import EXTRACTOR_VERSION, extractor_settings_hash
from pipelines.warehouse import pending
from pipelines.warehouse.db import session_scope

#: Run states of a shard run that has not finished yet.
UNFINISHED = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
]


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.SUCCESS,
    monitored_jobs=[crawl_shard, rederive_from_archive],
    request_job=daily_pipeline,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "Once the last crawl (or re-extraction) run of a day's shards succeeds, run the day's "
        "dedup, clustering and story entities over every shard, and those of earlier days whose "
        "revisited stories changed."
    ),
)
def day_pass_after_shards(context: dg.RunStatusSensorContext, warehouse: WarehouseResource):
    """Request the day-level pass of the finished run's day, unless another shard run of it is unfinished.

    Earlier days (a few back) whose articles a stage owes work again, because the crawl
    revisited their stories and found new versions (``article_revisions``), get their pass
    too. Asset backfills order the day-level runs themselves, so their shard runs are left alone.
    """
    run = context.dagster_run
    if "dagster/backfill" in run.tags:
        return dg.SkipReason("a backfill runs the day-level stages itself")
    if "dagster/partition" not in run.tags:
        return dg.SkipReason(f"run {run.run_id} covers no single day x shard partition")
    day = day_shard(run.tags["dagster/partition"]).day
    others = context.instance.get_runs(
        filters=dg.RunsFilter(
            job_name=run.job_name, statuses=UNFINISHED, tags={"dagster/partition/day": day}
        ),
        limit=1,
    )
    if others:
        return dg.SkipReason(f"{day}: another shard's run is still going; it will start the day's pass")
    rebuild = run.job_name == rederive_from_archive.name or run.tags.get(REBUILD_TAG) == "true"
    request = dg.RunRequest(
        run_key=f"{day}@{run.run_id}",
        partition_key=day,
        tags={REBUILD_TAG: "true"} if rebuild else {},
    )
    earlier = revised_days(warehouse.engine(), day)
    if not earlier:
        return request
    # Stories of earlier days that this crawl revisited and found revised: their days' dedup,
    # clustering and enrichment take them up again (scheduled runs: only what is pending).
    return [request, *(dg.RunRequest(run_key=f"{d}@{run.run_id}", partition_key=d) for d in earlier)]


def revised_days(engine: Engine, day: str) -> list[str]:
    """The days before ``day`` whose revised articles a day-level stage owes work."""
    with session_scope(engine) as session:
        return pending.revised_days_owing(session, day)


@dg.sensor(
    job=rederive_from_archive,
    minimum_interval_seconds=600,
    default_status=dg.DefaultSensorStatus.STOPPED,
    description=(
        "After an extractor upgrade, request a re-derivation (from WARC, no refetch) of every "
        "day whose articles another extractor version or settings hash wrote, shard by shard."
    ),
)
def stale_extraction(context: dg.SensorEvaluationContext, warehouse: WarehouseResource):
    """One run request per stale day x shard, keyed so each (day, shard, version, settings) runs once."""
    settings_hash = extractor_settings_hash()
    stale = quality.partitions_extracted_by_other_versions(
        warehouse.engine(), EXTRACTOR_VERSION, settings_hash
    )
    current = f"{EXTRACTOR_VERSION}+{settings_hash}"
    if not stale:
        return dg.SkipReason(f"every extracted day is at extractor {current}")
    return [
        dg.RunRequest(run_key=f"{key}@{current}", partition_key=key)
        for day in stale
        for key in shard_partition_keys(day)
    ]
