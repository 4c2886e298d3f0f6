"""The sensor that starts a day's dedup, clustering and enrichment after its shards' crawls."""

from __future__ import annotations

import uuid

import dagster as dg

from dagster_project.assets import REBUILD_TAG
from dagster_project.definitions import defs
from dagster_project.partitions import crawl_shard_partitions
from dagster_project.sensors import day_pass_after_shards

DAY = "2026-12-01"


def _run(instance: dg.DagsterInstance, job_name: str, status: dg.DagsterRunStatus, **tags: str) -> dg.DagsterRun:
    key = dg.MultiPartitionKey({"day": DAY, "shard": "0"})
    return instance.create_run_for_job(
        defs.resolve_job_def(job_name), run_id=str(uuid.uuid4()), status=status,
        tags={**crawl_shard_partitions.get_tags_for_partition_key(key), **tags},
    )


def _evaluate(instance: dg.DagsterInstance, run: dg.DagsterRun):
    event = dg.DagsterEvent(event_type_value=dg.DagsterEventType.RUN_SUCCESS.value, job_name=run.job_name)
    context = dg.build_run_status_sensor_context(
        sensor_name="day_pass_after_shards", dagster_event=event, dagster_instance=instance, dagster_run=run
    )
    return day_pass_after_shards(context)


def test_the_last_shard_run_of_a_day_starts_its_day_pass():
    with dg.instance_for_test() as instance:
        finished = _run(instance, "crawl_shard", dg.DagsterRunStatus.SUCCESS)
        other = _run(instance, "crawl_shard", dg.DagsterRunStatus.STARTED)
        waiting = _evaluate(instance, finished)
        assert isinstance(waiting, dg.SkipReason) and "still going" in waiting.skip_message
        instance.report_run_canceled(other)
        request = _evaluate(instance, finished)
    assert day_pass_after_shards.job_name == "daily_pipeline"
    assert isinstance(request, dg.RunRequest)
    assert (request.partition_key, request.run_key, request.tags) == (DAY, f"{DAY}@{finished.run_id}", {})


def test_a_reextraction_asks_for_a_rebuild_and_backfill_runs_are_left_alone():
    with dg.instance_for_test() as instance:
        rederived = _run(instance, "rederive_from_archive", dg.DagsterRunStatus.SUCCESS)
        assert _evaluate(instance, rederived).tags == {REBUILD_TAG: "true"}
        from_backfill = _run(instance, "crawl_shard", dg.DagsterRunStatus.SUCCESS, **{"dagster/backfill": "abc"})
        assert isinstance(_evaluate(instance, from_backfill), dg.SkipReason)
