"""The whole Dagster graph for one partition, in process, against the demo site on loopback."""

from __future__ import annotations

from datetime import UTC, datetime

import dagster as dg
import pytest
from sqlalchemy import func, select, update

from dagster_project.run import run_pass
from pipelines.clean import clean_partition
from pipelines.extract import EXTRACTOR_VERSION, extractor_settings_hash
from pipelines.warehouse.db import session_scope
from pipelines.warehouse.models import (
    Article,
    CrawlRun,
    ExtractionChange,
    Fetch,
    StageRun,
    Story,
    StoryArticle,
)
from pipelines.warehouse.stage_runs import stage_run

pytestmark = pytest.mark.slow
DEMO_CONFIG = "config/demo.yaml"


def snapshot(engine) -> dict:
    """Everything that must not change when a partition is materialized again."""
    with session_scope(engine) as session:
        return {
            "articles": session.execute(
                select(
                    Article.id,
                    Article.canonical_url,
                    Article.page_type,
                    Article.text_sha256,
                    Article.title,
                    Article.published_at,
                    Article.duplicate_of_id,
                    Article.story_id,
                    Article.language,
                    Article.word_count,
                ).order_by(Article.id)
            ).all(),
            "stories": session.execute(
                select(Story.id, Story.title, Story.article_count, Story.outlet_count).order_by(Story.id)
            ).all(),
            "story_articles": session.execute(
                select(
                    StoryArticle.article_id,
                    StoryArticle.story_id,
                    StoryArticle.relation,
                    StoryArticle.related_to_id,
                ).order_by(StoryArticle.article_id)
            ).all(),
            "changes": session.execute(select(func.count()).select_from(ExtractionChange)).scalar_one(),
        }


def check_evaluations(instance: dg.DagsterInstance, run_id: str) -> dict[str, bool]:
    records = instance.get_records_for_run(run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION).records
    return {
        record.event_log_entry.dagster_event.event_specific_data.check_name: record.event_log_entry.dagster_event.event_specific_data.passed
        for record in records
    }


def test_full_pass_fills_every_stage_with_lineage_and_is_idempotent(demo_site, warehouse_url, warehouse):
    instance = dg.DagsterInstance.ephemeral()
    first = run_pass(config_path=DEMO_CONFIG, warehouse_url=warehouse_url, instance=instance)
    assert first.success, first.failure
    today = datetime.now(UTC).strftime("%Y-%m-%d")
    assert first.partition_key == today

    with session_scope(warehouse) as session:
        articles = session.scalars(select(Article).where(Article.page_type == "article")).all()
        assert len(articles) == sum(entry.is_article for entry in demo_site.manifest)
        for article in articles:
            assert article.body_text and article.word_count > 100
            assert article.title and article.published_at is not None
            assert article.language == "en"
            assert article.story_id is not None
            assert None not in (
                article.extracted_by_id,
                article.deduped_by_id,
                article.clustered_by_id,
                article.enriched_by_id,
            )
        # Live blogs and the paywalled teaser are news stories too (without text); the video
        # page is not: it stays on its fetch, typed, with its reason.
        non_articles = session.scalars(select(Article).where(Article.page_type != "article")).all()
        assert {a.page_type for a in non_articles} == {"live_blog", "stub"}
        assert all(a.body_text is None and a.story_id is None for a in non_articles)
        assert all(a.title and a.description for a in non_articles if a.page_type == "stub")
        not_stories = session.execute(
            select(Fetch.page_type, Fetch.page_reason).where(Fetch.page_reason.is_not(None))
        ).all()
        assert set(not_stories) == {("video", "video")}
        stored = session.execute(select(func.count()).where(Fetch.url_identity.is_not(None))).scalar_one()
        assert stored == len(not_stories) + session.execute(select(func.count(Article.id))).scalar_one()
        stage_runs = session.scalars(select(StageRun)).all()
        assert {s.stage for s in stage_runs} == {"clean", "enrich", "dedup", "cluster", "story_enrichment"}
        # One shard: a crawl, clean and enrich run of today's shard 0, then the day-level run.
        crawl_run_id, day_run_id = first.run_ids
        assert first.run_id == day_run_id
        # (The day run may add an enrich stage run: the originals dedup kept that had borrowed
        # a near copy's analysis in the shard's step get their own.)
        ordered = sorted(stage_runs, key=lambda s: s.id)
        assert {s.stage: s.dagster_run_id for s in ordered if s.stage != "enrich"} == {
            "clean": crawl_run_id, "dedup": day_run_id, "cluster": day_run_id, "story_enrichment": day_run_id}
        enrich_runs = [s for s in ordered if s.stage == "enrich"]
        assert enrich_runs[0].dagster_run_id == crawl_run_id
        assert all(s.dagster_run_id == day_run_id for s in enrich_runs[1:]) and len(enrich_runs) <= 2
        assert all(s.partition_key == today for s in stage_runs)
        assert all(s.status == "succeeded" and s.code_version for s in stage_runs)
        (crawl_run,) = session.scalars(select(CrawlRun)).all()
        assert crawl_run.dagster_run_id == crawl_run_id and crawl_run.partition_key == today
        assert crawl_run.shard == "0/1"
        assert crawl_run.code_version
        members = session.execute(select(func.count()).select_from(StoryArticle)).scalar_one()
        assert members == len(articles)

    checks = {name: passed for run_id in first.run_ids for name, passed in check_evaluations(instance, run_id).items()}
    assert checks == {
        "lineage_complete": True,
        "partition_fresh": True,
        "empty_bodies_below_threshold": True,
        "canonical_urls_unique": True,
        "day_stored_here": True,
        "every_article_in_a_story": True,
        "story_counts_match_members": True,
        "articles_enriched": True,
    }

    before = snapshot(warehouse)
    demo_site.reset_hits()
    second = run_pass(config_path=DEMO_CONFIG, warehouse_url=warehouse_url, instance=instance)
    assert second.success, second.failure
    assert snapshot(warehouse) == before
    article_paths = {
        e.url_path for e in demo_site.manifest if e.expected_status == 200 and not e.robots_disallowed
    }
    assert not article_paths & set(demo_site.hits), "a stored article was fetched again"


@pytest.fixture
def cleaned(demo_site, tmp_path):
    """A SQLite warehouse after one full pass over the demo site: (url, engine)."""
    from pipelines.warehouse.db import make_engine
    from pipelines.warehouse.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'w.db'}"
    upgrade(url)
    outcome = run_pass(config_path=DEMO_CONFIG, warehouse_url=url, instance=dg.DagsterInstance.ephemeral())
    assert outcome.success, outcome.failure
    engine = make_engine(url)
    yield url, engine
    engine.dispose()


def test_reextraction_changes_only_rows_whose_output_changed(cleaned):
    url, engine = cleaned
    with session_scope(engine) as session:
        target = session.scalars(
            select(Article).where(Article.page_type == "article").order_by(Article.id)
        ).first()
        real_title, partition = target.title, target.partition_key
        # Pretend an older extractor produced a different title for this one row.
        session.execute(
            update(Article)
            .where(Article.id == target.id)
            .values(title="An older title", extractor_version="0.old")
        )

    # The stale-extraction sensor asks for exactly that day to be re-derived from the archive.
    from dagster_project.resources import WarehouseResource
    from dagster_project.sensors import stale_extraction

    requests = stale_extraction(dg.build_sensor_context(resources={"warehouse": WarehouseResource(url=url)}))
    assert [(r.partition_key, r.run_key) for r in requests] == [
        (f"{partition}|0", f"{partition}|0@{EXTRACTOR_VERSION}+{extractor_settings_hash()}")
    ]
    assert stale_extraction.job_name == "rederive_from_archive"

    with session_scope(engine) as session:
        crawls_before = session.scalar(select(func.count()).select_from(CrawlRun))
    # The job the sensor asks for, run for that day's shard: re-extraction from WARC.
    from dagster_project.assets import ALL_ASSETS
    from dagster_project.jobs import rederive_from_archive
    from dagster_project.resources import CrawlConfigResource, ExtractionResource

    result = dg.materialize(
        ALL_ASSETS,
        selection=rederive_from_archive.selection,
        partition_key=requests[0].partition_key,
        instance=dg.DagsterInstance.ephemeral(),
        resources={"warehouse": WarehouseResource(url=url),
                   "crawl_config": CrawlConfigResource(path=DEMO_CONFIG),
                   "extraction": ExtractionResource(workers=1),
                   "pipes_subprocess_client": dg.PipesSubprocessClient()},
    )
    assert result.success
    with session_scope(engine) as session:
        run = session.scalars(select(StageRun).where(
            StageRun.stage == "clean", StageRun.dagster_run_id == result.run_id)).one()
        assert run.partition_key == partition
        assert session.scalar(select(func.count()).select_from(CrawlRun)) == crawls_before
        (change,) = session.scalars(select(ExtractionChange)).all()
        assert change.article_id == target.id and change.stage_run_id == run.id
        assert change.old_extractor_version == "0.old"
        assert change.changed_fields == {"title": ["An older title", real_title]}
        assert change.old_text_sha256 == change.new_text_sha256
        assert session.get(Article, target.id).title == real_title


def test_failed_reextraction_keeps_the_previous_text(cleaned):
    from pathlib import Path

    from pipelines.warehouse.models import Fetch

    _, engine = cleaned
    with session_scope(engine) as session:
        before = dict(
            session.execute(
                select(Article.id, Article.text_sha256).where(Article.page_type == "article")
            ).all()
        )
        partition = session.scalars(select(Article.partition_key)).first()
        for path in set(session.scalars(select(Fetch.warc_path).where(Fetch.warc_path.is_not(None)))):
            Path(path).unlink()  # the archive is gone: nothing can be re-extracted

    with stage_run(engine, "clean", partition, code_version="test") as run:
        stats = clean_partition(engine, partition, stage_run_id=run.id, workers=1)

    assert stats["kept_previous"] == stats["raw_missing"] == stats["pages"] > len(before)
    with session_scope(engine) as session:
        rows = session.execute(
            select(Article.id, Article.text_sha256, Article.page_type, Article.extraction_note).where(
                Article.id.in_(before)
            )
        ).all()
        assert {row.id: row.text_sha256 for row in rows} == before
        assert all(
            row.page_type == "article" and "previous extraction kept" in row.extraction_note for row in rows
        )
        assert session.execute(select(func.count()).select_from(ExtractionChange)).scalar_one() == 0
