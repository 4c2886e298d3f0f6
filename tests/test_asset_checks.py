"""Checks and metadata a pass leaves in Dagster: a backfilled day that stays empty says why."""

from __future__ import annotations

from datetime import timedelta

import dagster as dg
import pytest

from dagster_project.run import run_pass
from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.slow
DEMO_CONFIG = str(REPO_ROOT / "config" / "demo.yaml")


def _evaluations(instance: dg.DagsterInstance, run_ids: tuple[str, ...]) -> dict[str, dg.AssetCheckEvaluation]:
    """The check evaluations of a pass's runs (each shard's crawl, then the day-level run)."""
    records = [
        record
        for run_id in run_ids
        for record in instance.get_records_for_run(
            run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION).records
    ]
    return {
        record.event_log_entry.dagster_event.event_specific_data.check_name:
            record.event_log_entry.dagster_event.event_specific_data
        for record in records
    }


def _materialization_metadata(instance: dg.DagsterInstance, run_ids: tuple[str, ...]) -> dict[str, dict]:
    records = [
        record
        for run_id in run_ids
        for record in instance.get_records_for_run(
            run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION).records
    ]
    return {
        record.event_log_entry.dagster_event.asset_key.to_user_string():
            record.event_log_entry.dagster_event.event_specific_data.materialization.metadata
        for record in records
    }


def test_a_backfilled_day_whose_articles_a_later_crawl_holds_warns_with_the_count_and_the_day(
    demo_site, tmp_path
):
    url = f"sqlite:///{tmp_path / 'w.db'}"
    instance = dg.DagsterInstance.ephemeral()
    today = run_pass(config_path=DEMO_CONFIG, warehouse_url=url, instance=instance)
    assert today.success, today.failure
    checks = _evaluations(instance, today.run_ids)
    assert {name: check.passed for name, check in checks.items()} == {
        "lineage_complete": True, "partition_fresh": True, "day_stored_here": True,
        "empty_bodies_below_threshold": True, "canonical_urls_unique": True,
        "every_article_in_a_story": True, "story_counts_match_members": True, "articles_enriched": True,
    }
    metadata = _materialization_metadata(instance, today.run_ids)
    # Counts by kind are numbers Dagster can plot, beside the JSON tables.
    assert metadata["raw_pages"]["fetches_by_kind/article"].value > 0
    assert metadata["raw_pages"]["errors_by_reason/http_404"].value == 2
    # Every feed, hub and sitemap of a first crawl is due (adaptive polling): 15 configured,
    # and the homepage-only outlet's homepage with the 4 documents found there.
    assert (metadata["raw_pages"]["documents_due"].value, metadata["raw_pages"]["documents_not_due"].value) == (
        20, 0
    )
    assert metadata["clean_articles"]["pages_by_type/article"].value > 0
    assert metadata["enriched_articles"]["analysed"].value > 0
    assert metadata["story_enrichment"]["languages/en"].value > 0

    # The live crawl stored yesterday's stories under today: a backfill of yesterday
    # fetches none of them, and the check says so instead of turning green.
    yesterday = (demo_site.anchor_date - timedelta(days=1)).isoformat()
    backfill = run_pass(config_path=DEMO_CONFIG, warehouse_url=url, partition_key=yesterday,
                        instance=instance)
    assert backfill.success, backfill.failure
    check = _evaluations(instance, backfill.run_ids)["day_stored_here"]
    assert not check.passed and check.severity == dg.AssetCheckSeverity.WARN
    under_today = check.metadata[f"articles_under/{today.partition_key}"].value
    assert under_today > 0 and check.metadata["articles_in_partition"].value == 0
    assert f"{under_today} under {today.partition_key}" in check.description
