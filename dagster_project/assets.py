"""The pipeline's assets, one per stage, partitioned by UTC crawl day.

crawl (``raw_pages``) -> clean (``clean_articles``) -> dedup (``deduplicated_articles``)
-> cluster (``stories``) -> enrich (``enriched_articles``). Each asset is thin: it
opens a stage run (the lineage anchor), calls the plain function in
``pipelines/`` that does the work, and reports counts as metadata. Data moves
through the warehouse, not through IO managers.

(No ``from __future__ import annotations`` here: Dagster reads the ``context``
annotation at definition time.)
"""

import sys
import warnings
from collections.abc import Callable
from typing import Any

import dagster as dg
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from dagster_project import checks
from dagster_project.metadata import plottable
from dagster_project.partitions import crawl_day_partitions
from dagster_project.resources import CrawlConfigResource, ExtractionResource, WarehouseResource
from pipelines import plan, versions
from pipelines.clean import clean_partition
from pipelines.dedup.store import dedup_partition
from pipelines.enrich import enrich_partition
from pipelines.report import articles_per_source
from pipelines.stories.store import cluster_partition
from pipelines.warehouse.db import session_scope
from pipelines.warehouse.migrate import upgrade
from pipelines.warehouse.stage_runs import stage_run

# Backfill policies are marked beta; the one-day-per-run policy is what we rely on.
warnings.filterwarnings("ignore", category=dg.BetaWarning, message=".*backfill_policy.*")

RETRY = dg.RetryPolicy(max_retries=2, delay=10, backoff=dg.Backoff.EXPONENTIAL)
# One run per partition in backfills, so every step sees a single day.
ONE_DAY_PER_RUN = dg.BackfillPolicy.multi_run(max_partitions_per_run=1)
COMMON: dict[str, Any] = {
    "partitions_def": crawl_day_partitions,
    "retry_policy": RETRY,
    "backfill_policy": ONE_DAY_PER_RUN,
    "group_name": "storyline",
}


def _spec(name: str, asset: str, description: str) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(name, asset=asset, description=description)


@dg.asset(
    code_version=versions.CRAWL_VERSION,
    pool="crawler",
    kinds={"scrapy", "sql"},
    check_specs=[
        _spec(checks.LINEAGE_COMPLETE, "raw_pages", "Every article has its fetch, raw page and crawl run."),
        _spec(
            checks.PARTITION_FRESH, "raw_pages", "The day was crawled (today: within the freshness window)."
        ),
        _spec(
            checks.DAY_STORED_HERE,
            "raw_pages",
            "Warns when the day stored nothing because a later crawl day already holds its articles.",
        ),
    ],
    **COMMON,
)
def raw_pages(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    crawl_config: CrawlConfigResource,
    pipes_subprocess_client: dg.PipesSubprocessClient,
) -> dg.MaterializeResult:
    """Crawl the day's partition with Scrapy in a child process, or replay it from the archive.

    Today: an incremental live crawl. A past day already crawled: nothing is fetched
    (downstream stages re-derive from WARC). A past day never crawled: its articles are
    discovered from sitemaps (lastmod on that day) and fetched.
    """
    day = context.partition_key
    engine = warehouse.engine()
    upgrade(engine=engine)
    mode = plan.crawl_mode(engine, day)
    metadata: dict[str, Any] = {"mode": mode}
    if mode == plan.REPLAY:
        context.log.info(f"{day} was crawled before: replaying from the raw archive, fetching nothing")
    else:
        command = [
            sys.executable,
            "-m",
            "crawlers.run",
            "--config",
            crawl_config.resolved_path,
            "--warehouse",
            warehouse.resolved_url,
            "--mode",
            mode,
            "--partition-key",
            day,
            "--dagster-run-id",
            context.run.run_id,
            "--code-version",
            versions.CRAWL_VERSION,
        ]
        if mode == plan.SITEMAP_BACKFILL:
            command += ["--day", day]
        invocation = pipes_subprocess_client.run(command=command, context=context)
        for materialization in invocation.get_results():
            if isinstance(materialization, dg.MaterializeResult):
                metadata.update(materialization.metadata or {})
    return dg.MaterializeResult(
        metadata=metadata,
        check_results=[
            checks.lineage_complete(engine, day),
            checks.partition_fresh(engine, day),
            checks.day_stored_here(engine, day),
        ],
    )


def _run_stage(
    context: dg.AssetExecutionContext,
    engine: Engine,
    stage: str,
    code_version: str,
    work: Callable[[int], dict[str, Any]],
) -> dict[str, Any]:
    """Run one stage's work inside a stage run and return its stats."""
    with stage_run(
        engine, stage, context.partition_key, code_version=code_version, dagster_run_id=context.run.run_id
    ) as run:
        run.stats.update(work(run.id))
        stats = dict(run.stats)
    stats["stage_run_id"] = run.id
    return stats


def _in_session(
    engine: Engine, context: dg.AssetExecutionContext, stage: Callable[[Session, str, int], dict[str, Any]]
) -> Callable[[int], dict[str, Any]]:
    """Wrap a session-based stage function as stage-run work over the asset's partition."""

    def work(run_id: int) -> dict[str, Any]:
        with session_scope(engine) as session:
            return stage(session, context.partition_key, run_id)

    return work


def _numbers(stats: dict[str, Any]) -> dict[str, int | float]:
    """The numeric stats, as materialization metadata."""
    return {key: value for key, value in stats.items() if isinstance(value, int | float)}


def _prefixed(stats: dict[str, Any], prefix: str) -> dict[str, int]:
    return {key.split("/", 1)[1]: value for key, value in sorted(stats.items()) if key.startswith(prefix)}


@dg.asset(
    deps=[raw_pages],
    code_version=versions.CLEAN_VERSION,
    kinds={"trafilatura", "sql"},
    check_specs=[_spec(checks.EMPTY_BODIES, "clean_articles", "Few articles have an empty body.")],
    **COMMON,
)
def clean_articles(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, extraction: ExtractionResource
) -> dg.MaterializeResult:
    """Extract text and metadata of the day's pages from the WARC archive, on every core."""
    engine = warehouse.engine()
    stats = _run_stage(
        context,
        engine,
        "clean",
        versions.CLEAN_VERSION,
        lambda run_id: clean_partition(
            engine,
            context.partition_key,
            stage_run_id=run_id,
            workers=extraction.workers,
            page_timeout_s=extraction.page_timeout_s,
            progress=context.log.info,
        ),
    )
    return dg.MaterializeResult(
        metadata={
            "pages": stats.get("pages", 0),
            **plottable("pages_by_type", _prefixed(stats, "page_type/")),
            "empty_bodies": stats.get("empty_body", 0),
            "truncated": stats.get("truncated", 0),
            "timed_out": stats.get("timed_out", 0),
            "changed_since_last_extraction": stats.get("changed", 0),
            "raw_missing": stats.get("raw_missing", 0),
            "stage_run_id": stats["stage_run_id"],
        },
        check_results=[checks.empty_bodies(engine, context.partition_key)],
    )


@dg.asset(
    deps=[clean_articles],
    code_version=versions.DEDUP_VERSION,
    kinds={"sql"},
    check_specs=[
        _spec(
            checks.CANONICAL_URLS_UNIQUE, "deduplicated_articles", "Originals have distinct canonical URLs."
        )
    ],
    **COMMON,
)
def deduplicated_articles(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    """Mark same-URL, same-text and near-duplicate copies (``duplicate_of_id``); nothing is deleted."""
    engine = warehouse.engine()
    stats = _run_stage(
        context, engine, "dedup", versions.DEDUP_VERSION, _in_session(engine, context, dedup_partition)
    )
    return dg.MaterializeResult(
        metadata=_numbers(stats),
        check_results=[checks.canonical_urls_unique(engine, context.partition_key)],
    )


@dg.asset(
    deps=[deduplicated_articles],
    code_version=versions.CLUSTER_VERSION,
    kinds={"sql"},
    check_specs=[
        _spec(checks.EVERY_ARTICLE_IN_A_STORY, "stories", "Every article of the day belongs to a story."),
        _spec(checks.STORY_COUNTS_MATCH, "stories", "Each story's article_count is its number of members."),
    ],
    **COMMON,
)
def stories(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Group the day's articles into stories across outlets and days, with relations."""
    engine = warehouse.engine()
    stats = _run_stage(
        context, engine, "cluster", versions.CLUSTER_VERSION, _in_session(engine, context, cluster_partition)
    )
    return dg.MaterializeResult(
        metadata=_numbers(stats),
        check_results=[
            checks.every_article_in_a_story(engine, context.partition_key),
            checks.story_counts_match(engine, context.partition_key),
        ],
    )


@dg.asset(
    deps=[stories],
    code_version=versions.ENRICH_VERSION,
    kinds={"sql"},
    check_specs=[
        _spec(checks.ARTICLES_ENRICHED, "enriched_articles", "Every article has a language and a word count.")
    ],
    **COMMON,
)
def enriched_articles(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    """Add language (py3langid), word count, keywords and entities to the day's articles."""
    engine = warehouse.engine()
    stats = _run_stage(
        context,
        engine,
        "enrich",
        versions.ENRICH_VERSION,
        lambda run_id: enrich_partition(engine, context.partition_key, stage_run_id=run_id),
    )
    return dg.MaterializeResult(
        metadata={
            "articles": stats.get("articles", 0),
            **plottable("languages", _prefixed(stats, "language/")),
            **plottable("articles_per_source", articles_per_source(engine, context.partition_key)),
            "stage_run_id": stats["stage_run_id"],
        },
        check_results=[checks.articles_enriched(engine, context.partition_key)],
    )


ALL_ASSETS = [raw_pages, clean_articles, deduplicated_articles, stories, enriched_articles]
