"""The sensor that starts a day's dedup, clustering and enrichment after its shards' crawls."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import dagster as dg
import pytest
from sqlalchemy import text

from dagster_project.assets import REBUILD_TAG
from dagster_project.definitions import defs
from dagster_project.partitions import crawl_shard_partitions
from dagster_project.resources import WarehouseResource
from dagster_project.sensors import day_pass_after_shards
from pipelines.warehouse.db import make_engine
from tests.conftest import fresh_warehouse

DAY = "2026-12-01"


def _run(instance: dg.DagsterInstance, job_name: str, status: dg.DagsterRunStatus, **tags: str) -> dg.DagsterRun:
    key = dg.MultiPartitionKey({"day": DAY, "shard": "0"})
    return instance.create_run_for_job(
        defs.resolve_job_def(job_name), run_id=str(uuid.uuid4()), status=status,
        tags={**crawl_shard_partitions.get_tags_for_partition_key(key), **tags},
    )


@pytest.fixture(autouse=True)
def warehouse_url(tmp_path) -> Iterator[str]:
    with fresh_warehouse("sqlite", tmp_path) as url:
        yield url


def _evaluate(instance: dg.DagsterInstance, run: dg.DagsterRun, url: str):
    event = dg.DagsterEvent(event_type_value=dg.DagsterEventType.RUN_SUCCESS.value, job_name=run.job_name)
    context = dg.build_run_status_sensor_context(
        sensor_name="day_pass_after_shards", dagster_event=event, dagster_instance=instance, dagster_run=run,
        resources={"warehouse": WarehouseResource(url=url)},
    )
    return day_pass_after_shards(context)


def test_the_last_shard_run_of_a_day_starts_its_day_pass(warehouse_url):
    with dg.instance_for_test() as instance:
        finished = _run(instance, "crawl_shard", dg.DagsterRunStatus.SUCCESS)
        other = _run(instance, "crawl_shard", dg.DagsterRunStatus.STARTED)
        waiting = _evaluate(instance, finished, warehouse_url)
        assert isinstance(waiting, dg.SkipReason) and "still going" in waiting.skip_message
        instance.report_run_canceled(other)
        request = _evaluate(instance, finished, warehouse_url)
    assert day_pass_after_shards.job_name == "daily_pipeline"
    assert isinstance(request, dg.RunRequest)
    assert (request.partition_key, request.run_key, request.tags) == (DAY, f"{DAY}@{finished.run_id}", {})


def test_a_reextraction_asks_for_a_rebuild_and_backfill_runs_are_left_alone(warehouse_url):
    with dg.instance_for_test() as instance:
        rederived = _run(instance, "rederive_from_archive", dg.DagsterRunStatus.SUCCESS)
        assert _evaluate(instance, rederived, warehouse_url).tags == {REBUILD_TAG: "true"}
        from_backfill = _run(instance, "crawl_shard", dg.DagsterRunStatus.SUCCESS, **{"dagster/backfill": "abc"})
        assert isinstance(_evaluate(instance, from_backfill, warehouse_url), dg.SkipReason)


def test_earlier_days_with_revised_stories_owing_work_get_their_pass_too(warehouse_url):
    """A story of two days back, revised by this crawl's revisit and not deduplicated since,
    makes its day's pass run again; an unrevised pending article of another day does not."""
    engine = make_engine(warehouse_url)
    now = datetime(2026, 12, 1, 9, tzinfo=UTC)
    with engine.begin() as connection:
        connection.execute(text("insert into stage_runs (id, stage, code_version, started_at, status, stats)"
                                " values (1, 'clean', 't', :now, 'succeeded', '{}'),"
                                " (2, 'dedup', 't', :now, 'succeeded', '{}'), (3, 'clean', 't', :now, 'succeeded', '{}')"),
                           {"now": now})
        connection.execute(text("insert into crawl_runs (id, started_at, status, mode, stats) values"
                                " (1, :now, 'succeeded', 'live', '{}')"), {"now": now})
        for n, day in ((1, "2026-11-29"), (2, "2026-11-30")):
            connection.execute(text("insert into fetches (id, crawl_run_id, kind, url, requested_at)"
                                    " values (:id, 1, 'article', :url, :now)"),
                               {"id": f"f{n}", "url": f"http://x.example/{n}", "now": now})
            connection.execute(text("insert into articles (id, fetch_id, crawl_run_id, partition_key, fetched_at,"
                                    " url, canonical_url, page_type, truncated, extracted_by_id, deduped_by_id)"
                                    " values (:n, :id, 1, :day, :now, :url, :url, 'article', false, 3, 2)"),
                               {"n": n, "id": f"f{n}", "day": day, "now": now, "url": f"http://x.example/{n}"})
        connection.execute(text("insert into fetches (id, crawl_run_id, kind, url, requested_at, revisit_of_id)"
                                " values ('r1', 1, 'article', 'http://x.example/1', :now, 1)"), {"now": now})
        connection.execute(text("insert into article_revisions (article_id, revision, fetch_id, fetched_at,"
                                " changed_fields, recorded_at) values (1, 1, 'f1', :now, '[]', :now),"
                                " (1, 2, 'r1', :now, '[\"text\"]', :now)"), {"now": now})
    engine.dispose()
    with dg.instance_for_test() as instance:
        finished = _run(instance, "crawl_shard", dg.DagsterRunStatus.SUCCESS)
        requests = _evaluate(instance, finished, warehouse_url)
    assert [request.partition_key for request in requests] == [DAY, "2026-11-29"]
    assert requests[1].run_key == f"2026-11-29@{finished.run_id}"
