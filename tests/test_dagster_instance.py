"""The code location loads (CLI and in-process) and the PostgreSQL instance template works.

The PostgreSQL test needs a server on 127.0.0.1:5432 that trusts ``root`` (override with
STORYLINE_TEST_POSTGRES_URL, as for the warehouse tests). It creates a throw-away database
next to the one named in that URL, so Dagster's tables (and its ``alembic_version``) never
mix with a warehouse under test, and drops it afterwards. Unreachable server: skipped, or
failed when STORYLINE_REQUIRE_POSTGRES=1.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from dagster_project.assets import DAYS_PER_BACKFILL_RUN
from dagster_project.instance import prepare_dagster_home

REPO_ROOT = Path(__file__).resolve().parent.parent
POSTGRES_TEMPLATE = REPO_ROOT / "config" / "dagster-postgres.yaml"
# Same server as the warehouse tests (conftest.py), through the psycopg2 driver dagster-postgres uses.
PG_URL = make_url(
    os.environ.get("STORYLINE_TEST_POSTGRES_URL", "postgresql+psycopg2://root@127.0.0.1:5432/test")
).set(drivername="postgresql+psycopg2")

ASSET_KEYS = {
    "raw_pages", "clean_articles", "enriched_articles", "deduplicated_articles", "stories", "story_enrichment"
}
CHECKS = {
    ("raw_pages", "lineage_complete"),
    ("raw_pages", "partition_fresh"),
    ("clean_articles", "empty_bodies_below_threshold"),
    ("deduplicated_articles", "canonical_urls_unique"),
    ("raw_pages", "day_stored_here"),
    ("stories", "every_article_in_a_story"),
    ("stories", "story_counts_match_members"),
    ("enriched_articles", "articles_enriched"),
}


# --- the code location ------------------------------------------------------------------------


@pytest.mark.timeout(240)
def test_dagster_definitions_validate_exits_zero(tmp_path):
    dagster = Path(sys.executable).with_name("dagster")
    program = [str(dagster)] if dagster.exists() else [sys.executable, "-m", "dagster"]
    result = subprocess.run(
        [*program, "definitions", "validate", "-m", "dagster_project.definitions"],
        cwd=REPO_ROOT,
        env={**os.environ, "DAGSTER_HOME": str(prepare_dagster_home(tmp_path / "home"))},
        capture_output=True,
        text=True,
        timeout=200,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"dagster definitions validate failed:\n{output[-4000:]}"
    assert "Validation successful for code location dagster_project.definitions" in output, output[-2000:]


def test_definitions_load_in_process_with_assets_schedule_and_checks():
    from dagster_project.definitions import defs
    from dagster_project.partitions import crawl_day_partitions, crawl_shard_partitions

    dg.Definitions.validate_loadable(defs)
    repository = defs.get_repository_def()
    graph = repository.asset_graph

    assert {key.to_user_string() for key in graph.get_all_asset_keys()} == ASSET_KEYS
    checks = {(key.asset_key.to_user_string(), key.name) for key in graph.asset_check_keys}
    assert checks == CHECKS

    sharded = {"raw_pages", "clean_articles", "enriched_articles"}
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        expected = crawl_shard_partitions if key.to_user_string() in sharded else crawl_day_partitions
        assert node.partitions_def == expected, f"{key} is not partitioned by crawl day (x shard)"
        assert node.code_version, f"{key} declares no code_version"
        # Backfills: one crawl run per day x shard; the day-level stages a range of days per run.
        policy = node.backfill_policy
        per_run = 1 if key.to_user_string() in sharded else DAYS_PER_BACKFILL_RUN
        assert policy is not None and policy.max_partitions_per_run == per_run, f"{key}: {policy}"

    # The lineage runs raw_pages -> clean -> enrich (per shard) -> dedup -> cluster -> story entities:
    # entities exist before the day's dedup and clustering.
    chain = ["raw_pages", "clean_articles", "enriched_articles", "deduplicated_articles", "stories",
             "story_enrichment"]
    for parent, child in zip(chain, chain[1:], strict=False):
        parents = {p.to_user_string() for p in graph.get(dg.AssetKey(child)).parent_keys}
        assert parent in parents, f"{child} does not depend on {parent}"

    assert {job.name for job in repository.get_all_jobs()} >= {
        "crawl_shard", "daily_pipeline", "rederive_from_archive"}
    rederive = repository.get_job("rederive_from_archive")
    assert {key.to_user_string() for key in rederive.asset_layer.executable_asset_keys} == {
        "clean_articles", "enriched_articles"}
    # Each day's dedup reads every shard's clean_articles and enriched_articles of that day.
    dedup = graph.get(dg.AssetKey("deduplicated_articles"))
    for upstream in ("clean_articles", "enriched_articles"):
        mapping = dedup.partition_mappings[dg.AssetKey(upstream)]
        assert isinstance(mapping, dg.MultiToSingleDimensionPartitionMapping)

    schedule = repository.get_schedule_def("crawl_current_day")
    assert schedule.job_name == "crawl_shard"
    assert schedule.execution_timezone == "UTC"
    if "STORYLINE_SCHEDULE_CRON" not in os.environ:
        assert schedule.cron_schedule == "0 * * * *", "default cadence should be hourly"

    # A tick asks for the UTC day it falls on, once per tick.
    today = datetime.now(UTC).date()
    tick = datetime(today.year, today.month, today.day, 5, 0, tzinfo=UTC)
    with dg.build_schedule_context(scheduled_execution_time=tick, repository_def=repository) as context:
        request = schedule.evaluate_tick(context).run_requests[0]
    assert request.partition_key == f"{today}|0"
    assert request.run_key == f"{today}|0@{today}T05:00"
    # A tick before the first partition (a week before the first crawl) asks for nothing.
    early = datetime(2020, 3, 4, 5, 0, tzinfo=UTC)
    with dg.build_schedule_context(scheduled_execution_time=early, repository_def=repository) as context:
        assert not schedule.evaluate_tick(context).run_requests


# --- the PostgreSQL instance template ---------------------------------------------------------


@pytest.fixture
def postgres_database_url():
    """Create a throw-away database on the test server; yield its psycopg2 URL; drop it."""
    admin_url = PG_URL
    name = f"storyline_dagster_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as error:
        admin.dispose()
        reason = f"PostgreSQL at {admin_url.render_as_string()} is unreachable: {error.orig}"
        if os.environ.get("STORYLINE_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"{reason} (STORYLINE_REQUIRE_POSTGRES=1)")
        pytest.skip(f"{reason}; start it or set STORYLINE_TEST_POSTGRES_URL")
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@dg.asset
def trivial_number() -> dg.MaterializeResult:
    """A one-line asset to prove the instance stores runs and materializations."""
    return dg.MaterializeResult(metadata={"value": 42})


@pytest.mark.postgres
def test_postgres_instance_template_stores_runs(tmp_path, postgres_database_url, monkeypatch):
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copyfile(POSTGRES_TEMPLATE, home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_PG_URL", postgres_database_url)
    monkeypatch.setenv("DAGSTER_HOME", str(home))

    with dg.DagsterInstance.from_config(str(home)) as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        assert type(instance.event_log_storage).__name__ == "PostgresEventLogStorage"
        assert type(instance.schedule_storage).__name__ == "PostgresScheduleStorage"

        result = dg.materialize([trivial_number], instance=instance)
        assert result.success

        run = instance.get_run_by_id(result.run_id)
        assert run is not None, "the run was not stored in PostgreSQL"
        assert run.status == dg.DagsterRunStatus.SUCCESS
        event = instance.get_latest_materialization_event(dg.AssetKey("trivial_number"))
        assert event is not None and event.run_id == result.run_id
        assert event.asset_materialization.metadata["value"].value == 42

    # A second instance on the same database (as the daemon or webserver would be) sees the run.
    with dg.DagsterInstance.from_config(str(home)) as reopened:
        stored = reopened.get_runs(filters=dg.RunsFilter(run_ids=[result.run_id]))
        assert [stored_run.run_id for stored_run in stored] == [result.run_id]
        assert reopened.get_run_record_by_id(result.run_id).dagster_run.status == dg.DagsterRunStatus.SUCCESS

    # The database really holds Dagster's tables (not some SQLite fallback in DAGSTER_HOME).
    engine = create_engine(postgres_database_url)
    try:
        with engine.connect() as connection:
            count = connection.execute(
                text("SELECT count(*) FROM runs WHERE run_id = :run_id"), {"run_id": result.run_id}
            ).scalar_one()
    finally:
        engine.dispose()
    assert count == 1
    assert not list(home.glob("**/*.db")), "SQLite storage files appeared in DAGSTER_HOME"
