"""The pipeline's assets, one per stage, partitioned by UTC crawl day (and crawl shard).

crawl (``raw_pages``) -> clean (``clean_articles``) -> enrich (``enriched_articles``: each
article's language, entities, places and keywords) -> dedup (``deduplicated_articles``)
-> cluster (``stories``) -> copies and stories (``story_enrichment``). Each asset is thin: it
opens a stage run (the lineage anchor), calls the plain function in
``pipelines/`` that does the work, and reports counts as metadata. Data moves
through the warehouse, not through IO managers.

The crawl, clean and enrich step is partitioned by day x crawl shard (one crawler per shard
in the whole cluster, see config/deploy/), so the NER that carries most of the CPU divides
across workers and machines; dedup, clustering and ``story_enrichment`` are one pass per
day over every shard's articles (docs/scaling.md says why).

(No ``from __future__ import annotations`` here: Dagster reads the ``context``
annotation at definition time.)
"""

import sys
import threading
import warnings
from collections import Counter
from collections.abc import Callable
from typing import Any

import dagster as dg
from sqlalchemy import Engine

from dagster_project import checks
from dagster_project.metadata import plottable
from dagster_project.partitions import (
    EVERY_SHARD_OF_THE_DAY,
    PREVIOUS_DAY,
    SHARD_KEYS,
    crawl_day_partitions,
    crawl_shard_partitions,
    day_shard,
    stage_partition,
)
from dagster_project.resources import CrawlConfigResource, ExtractionResource, WarehouseResource
from pipelines import plan, versions
from pipelines.clean import clean_partition
from pipelines.config import StorylineConfig, load_config
from pipelines.dedup.store import dedup_partition
from pipelines.enrich import analyse_partition, finish_partition
from pipelines.enrich.analyse import close_pool
from pipelines.enrich.store import ANALYSE_STAGE, FINISH_STAGE, analyse_borrowed_originals, borrowed_originals
from pipelines.report import articles_per_source, partition_totals
from pipelines.shards import shard_label
from pipelines.stories.store import cluster_partition
from pipelines.warehouse.shard_members import shard_articles, shard_pages
from pipelines.warehouse.stage_runs import stage_run

# Backfill policies are marked beta; the one-day-per-run policy is what we rely on.
warnings.filterwarnings("ignore", category=dg.BetaWarning, message=".*backfill_policy.*")

RETRY = dg.RetryPolicy(max_retries=2, delay=10, backoff=dg.Backoff.EXPONENTIAL)
# The crawl: one run per day x shard in backfills, so every crawl step sees a single shard's day.
ONE_DAY_PER_RUN = dg.BackfillPolicy.multi_run(max_partitions_per_run=1)
#: The day-level stages in a backfill: up to this many days per run, oldest first. Each day
#: needs its previous day's rows, so one run per day would wait a backfill daemon tick
#: (30 s) per day and stage; a run over many days goes straight on.
DAYS_PER_BACKFILL_RUN = 31
COMMON: dict[str, Any] = {
    "partitions_def": crawl_day_partitions,
    "retry_policy": RETRY,
    "backfill_policy": ONE_DAY_PER_RUN,
    "group_name": "storyline",
}
DAY_LEVEL: dict[str, Any] = {
    **COMMON, "backfill_policy": dg.BackfillPolicy.multi_run(max_partitions_per_run=DAYS_PER_BACKFILL_RUN)
}


def _spec(name: str, asset: str, description: str) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(name, asset=asset, description=description)


REBUILD_TAG = "storyline/rebuild"


def rebuilds(context: dg.AssetExecutionContext) -> bool:
    """Whether this run rebuilds its partitions rather than doing only the new work.

    A backfill, the ``rederive_from_archive`` job (the stale-extraction sensor launches
    it) and runs tagged ``storyline/rebuild=true`` rebuild; scheduled runs do not.
    """
    tags = context.run.tags
    return (
        "dagster/backfill" in tags
        or context.run.job_name == "rederive_from_archive"
        or tags.get(REBUILD_TAG, "").lower() == "true"
    )


RAW_PAGES = dg.AssetKey("raw_pages")
CLEAN_ARTICLES = dg.AssetKey("clean_articles")
ENRICHED_ARTICLES = dg.AssetKey("enriched_articles")


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            RAW_PAGES,
            code_version=versions.CRAWL_VERSION,
            kinds={"scrapy", "sql"},
            description=(
                "The day's fetched pages, kept raw in WARC files, with fetches and discovery rows. "
                "Today: an incremental live crawl; a past day already crawled: nothing is fetched "
                "(replay); a past day never crawled: its articles are found in sitemaps and fetched."
            ),
            skippable=True,
        ),
        dg.AssetSpec(
            CLEAN_ARTICLES,
            deps=[RAW_PAGES],
            code_version=versions.CLEAN_VERSION,
            kinds={"trafilatura", "sql"},
            description="Text and metadata of the day's pages, extracted from the WARC archive.",
            skippable=True,
        ),
        dg.AssetSpec(
            ENRICHED_ARTICLES,
            deps=[CLEAN_ARTICLES],
            code_version=versions.ENRICH_VERSION,
            kinds={"spacy", "sql"},
            description=(
                "Each article's language, word count, typed entities (spaCy NER, places in "
                "countries) and keywords (YAKE), from its own text; NER once per distinct text."
            ),
            skippable=True,
        ),
    ],
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
        _spec(checks.EMPTY_BODIES, "clean_articles", "Few articles have an empty body."),
        _spec(checks.ARTICLES_ENRICHED, "enriched_articles", "Every article has a language and word count."),
    ],
    can_subset=True,
    pool="crawler",
    **{**COMMON, "partitions_def": crawl_shard_partitions},
)
def crawl_and_clean(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    crawl_config: CrawlConfigResource,
    extraction: ExtractionResource,
    pipes_subprocess_client: dg.PipesSubprocessClient,
):
    """Crawl the day's shard with Scrapy in a child process while extracting and analysing what it lands.

    One step for the three assets so that they overlap, each stage in its own thread: the
    clean stage follows the crawl, extracting pages in batches as they are stored, and the
    enrich stage follows the clean stage, analysing the articles of each batch it writes
    (NER in a pool of its own processes, the only ones that load the model: the extraction
    pool's workers keep a per-page time limit that kills and replaces a stuck worker, which
    would throw a loaded model away). So NER overlaps extraction, divides by shard across
    workers and machines, and entities exist before the day's dedup and clustering.
    Selected without the crawl (re-derive from the archive), nothing is fetched.
    """
    day, shard = day_shard(context.partition_key)
    engine = warehouse.engine()  # migrated when the resource was set up
    selected = context.selected_asset_keys
    label = shard_label(shard, len(SHARD_KEYS))
    mode = plan.crawl_mode(engine, day, shard=label) if RAW_PAGES in selected else plan.REPLAY
    crawling = mode != plan.REPLAY
    rebuild = rebuilds(context) or mode == plan.REPLAY
    crawl_metadata: dict[str, Any] = {"mode": mode, "shard": label}
    config = _sharded_config(crawl_config)
    only_shard = shard_pages(engine, config, shard)
    shard_of_articles = shard_articles(engine, config, shard)
    crawl_finished = threading.Event()
    clean_opened, clean_finished = threading.Event(), threading.Event()
    results: dict[str, dict[str, Any]] = {"clean": {}, "enrich": {}}
    cleaning, enriching = CLEAN_ARTICLES in selected, ENRICHED_ARTICLES in selected

    def clean(run_id: int) -> dict[str, Any]:
        results["clean"]["run_id"] = run_id
        clean_opened.set()
        return clean_partition(
            engine, day, stage_run_id=run_id, workers=extraction.workers,
            page_timeout_s=extraction.page_timeout_s, rebuild=rebuild,
            crawl_done=crawl_finished if crawling else None,
            progress=context.log.info, only=only_shard,
        )

    def enrich(run_id: int) -> dict[str, Any]:
        return analyse_partition(
            engine, day, stage_run_id=run_id, rebuild=rebuild, only=shard_of_articles,
            clean_done=clean_finished if cleaning else None,
            cleaned_by=results["clean"].get("run_id"), workers=extraction.workers,
            keep_workers=extraction.keep_ner_workers,
        )

    def stage(name: str, version: str, work: Callable[[int], dict[str, Any]], after: threading.Event,
              done: threading.Event | None = None) -> None:
        try:
            after.wait()  # the enrich stage's run opens after the clean stage's (ids only grow)
            results[name]["stats"] = _run_stage(context, engine, name, version, work)
        except BaseException as error:  # noqa: BLE001 - raised again in the step's thread
            results[name]["error"] = error
        finally:
            clean_opened.set()
            if done is not None:
                done.set()

    ready = threading.Event()
    ready.set()
    threads = []
    if cleaning:
        threads.append(threading.Thread(
            target=stage, args=("clean", versions.CLEAN_VERSION, clean, ready, clean_finished),
            name="clean-follows-crawl", daemon=True,
        ))
    if enriching:
        threads.append(threading.Thread(
            target=stage, args=(ANALYSE_STAGE, versions.ENRICH_VERSION, enrich,
                                clean_opened if cleaning else crawl_finished),
            name="enrich-follows-clean", daemon=True,
        ))
    for thread in threads:
        thread.start()
    try:
        if crawling:
            crawl_metadata.update(_crawl(context, warehouse, crawl_config, pipes_subprocess_client, mode))
        else:
            context.log.info(f"{day}: nothing to fetch ({mode}); extracting from the raw archive")
    finally:
        crawl_finished.set()
        for thread in threads:
            thread.join()
    for name in ("clean", ANALYSE_STAGE):
        if "error" in results[name]:
            raise results[name]["error"]
    if RAW_PAGES in selected:
        yield dg.MaterializeResult(
            asset_key=RAW_PAGES,
            metadata={**crawl_metadata, **partition_totals(engine, day)},
            check_results=[
                checks.lineage_complete(engine, day, shard_of_articles),
                checks.partition_fresh(engine, day, shard=label),
                checks.day_stored_here(engine, day, only_shard),
            ],
        )
    if cleaning:
        stats = results["clean"]["stats"]
        yield dg.MaterializeResult(
            asset_key=CLEAN_ARTICLES,
            metadata={
                "pages": stats.get("pages", 0),
                "rebuild": rebuild,
                **plottable("pages_by_type", _prefixed(stats, "page_type/")),
                "stories": stats.get("stories", 0),
                **plottable("not_stories_by_reason", _prefixed(stats, "not_stories/")),
                "articles_removed": stats.get("removed", 0),
                "empty_bodies": stats.get("empty_body", 0),
                "truncated": stats.get("truncated", 0),
                "timed_out": stats.get("timed_out", 0),
                "changed_since_last_extraction": stats.get("changed", 0),
                "raw_missing": stats.get("raw_missing", 0),
                **partition_totals(engine, day),
                "stage_run_id": stats["stage_run_id"],
            },
            check_results=[checks.empty_bodies(engine, day, shard_of_articles)],
        )
    if enriching:
        stats = results[ANALYSE_STAGE]["stats"]
        yield dg.MaterializeResult(
            asset_key=ENRICHED_ARTICLES,
            metadata={**_numbers(stats), "rebuild": rebuild},
            check_results=[checks.articles_enriched(engine, day, shard_of_articles)],
        )


def _sharded_config(crawl_config: CrawlConfigResource) -> StorylineConfig:
    """The crawl's config; raises ``ValueError`` when its shards are not the partitions' shards."""
    config = load_config(crawl_config.resolved_path)
    if config.crawl.shards != len(SHARD_KEYS):
        raise ValueError(
            f"{config.path}: crawl.shards is {config.crawl.shards}, but the partitions were made for "
            f"{len(SHARD_KEYS)} shard(s): STORYLINE_CONFIG must name this config on every machine"
        )
    return config


def crawl_invocation(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, config_path: str, mode: str
) -> tuple[list[str], dict[str, str]]:
    """Return the crawl child's command line and the environment it adds.

    The child crawls the partition's shard only. The warehouse URL (which may hold a
    password) travels in the environment, never on the command line, where ``ps`` would
    show it to every user of the machine.
    """
    day, shard = day_shard(context.partition_key)
    command = [
        sys.executable, "-m", "crawlers.run",
        "--config", config_path,
        "--mode", mode,
        "--partition-key", day,
        "--shard", str(shard),
        "--dagster-run-id", context.run.run_id,
        "--code-version", versions.CRAWL_VERSION,
    ]
    if mode == plan.SITEMAP_BACKFILL:
        command += ["--day", day]
    return command, {"STORYLINE_WAREHOUSE_URL": warehouse.resolved_url}


def _crawl(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    crawl_config: CrawlConfigResource,
    pipes_subprocess_client: dg.PipesSubprocessClient,
    mode: str,
) -> dict[str, Any]:
    """Run the crawl child process for the partition; returns the metadata it reported."""
    command, env = crawl_invocation(context, warehouse, crawl_config.resolved_path, mode)
    metadata: dict[str, Any] = {}
    invocation = pipes_subprocess_client.run(command=command, context=context, env=env)
    for materialization in invocation.get_results():
        if isinstance(materialization, dg.MaterializeResult):
            metadata.update(materialization.metadata or {})
    return metadata


def _run_stage(
    context: dg.AssetExecutionContext,
    engine: Engine,
    stage: str,
    code_version: str,
    work: Callable[[int], dict[str, Any]],
    partition_key: str | None = None,
) -> dict[str, Any]:
    """Run one stage's work in a stage run of ``partition_key`` (default: the run's); return its stats."""
    with stage_run(
        engine, stage, stage_partition(partition_key or context.partition_key), code_version=code_version,
        dagster_run_id=context.run.run_id,
    ) as run:
        run.stats.update(work(run.id))
        stats = dict(run.stats)
    stats["stage_run_id"] = run.id
    return stats


def _days(context: dg.AssetExecutionContext) -> list[str]:
    """The days of a day-level step, oldest first: one, or a backfill's range."""
    return sorted(context.partition_keys)


def _each_day(
    context: dg.AssetExecutionContext,
    engine: Engine,
    stage: str,
    code_version: str,
    work: Callable[[str, int], dict[str, Any]],
) -> dict[str, dict[str, Any]]:
    """Run a day-level stage over the step's days, oldest first, a stage run each; stats by day."""
    return {
        day: _run_stage(context, engine, stage, code_version, lambda run_id, day=day: work(day, run_id), day)
        for day in _days(context)
    }


def _summed(per_day: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """One day's stats as they are; several days' numbers added up, with the day count."""
    if len(per_day) == 1:
        return next(iter(per_day.values()))
    total: Counter[str] = Counter()
    for stats in per_day.values():
        total.update({key: value for key, value in stats.items() if isinstance(value, int | float)
                      and key != "stage_run_id"})
    return {**total, "days": len(per_day)}


def _all_days(results: list[dg.AssetCheckResult]) -> dg.AssetCheckResult:
    """One check over the run's days: the day's result, or passed when every day passed
    (the metadata of the first failing day, and which days failed)."""
    if len(results) == 1:
        return results[0]
    failed = [index for index, result in enumerate(results) if not result.passed]
    shown = results[failed[0]] if failed else results[-1]
    return dg.AssetCheckResult(
        check_name=shown.check_name, asset_key=shown.asset_key, passed=not failed,
        severity=shown.severity,
        metadata={**shown.metadata, "days_checked": len(results), "days_failing": len(failed)},
    )


def _numbers(stats: dict[str, Any]) -> dict[str, int | float]:
    """The numeric stats, as materialization metadata."""
    return {key: value for key, value in stats.items() if isinstance(value, int | float)}


def _prefixed(stats: dict[str, Any], prefix: str) -> dict[str, int]:
    return {key.split("/", 1)[1]: value for key, value in sorted(stats.items()) if key.startswith(prefix)}


@dg.asset(
    deps=[
        dg.AssetDep(CLEAN_ARTICLES, partition_mapping=EVERY_SHARD_OF_THE_DAY),
        dg.AssetDep(ENRICHED_ARTICLES, partition_mapping=EVERY_SHARD_OF_THE_DAY),
        dg.AssetDep("deduplicated_articles", partition_mapping=PREVIOUS_DAY),
    ],
    code_version=versions.DEDUP_VERSION,
    kinds={"sql"},
    check_specs=[
        _spec(
            checks.CANONICAL_URLS_UNIQUE, "deduplicated_articles", "Originals have distinct canonical URLs."
        )
    ],
    **DAY_LEVEL,
)
def deduplicated_articles(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    """Mark same-URL, same-text and near-duplicate copies (``duplicate_of_id``); nothing is deleted.

    Then the originals whose shard step borrowed a near copy's analysis get their own
    (NER), so that clustering reads each original's own entities.
    """
    engine = warehouse.engine()
    rebuild = rebuilds(context)
    per_day = {}
    try:
        for day in _days(context):  # each day's dedup, then its originals' own analyses
            stats = _run_stage(
                context, engine, "dedup", versions.DEDUP_VERSION,
                lambda run_id, day=day: dedup_partition(engine, day, run_id, rebuild=rebuild), day,
            )
            if borrowed_originals(engine, day):
                own = _run_stage(
                    context, engine, ANALYSE_STAGE, versions.ENRICH_VERSION,
                    lambda run_id, day=day: analyse_borrowed_originals(engine, day, stage_run_id=run_id),
                    day,
                )
                stats["originals_analysed"] = own["articles"]
            per_day[day] = stats
    finally:
        close_pool()  # the NER workers an earlier step of this process left for the catch-up
    return dg.MaterializeResult(
        metadata={**_numbers(_summed(per_day)), "rebuild": rebuild},
        check_results=[_all_days([checks.canonical_urls_unique(engine, day) for day in per_day])],
    )


@dg.asset(
    deps=[deduplicated_articles, dg.AssetDep("stories", partition_mapping=PREVIOUS_DAY)],
    code_version=versions.CLUSTER_VERSION,
    kinds={"sql"},
    check_specs=[
        _spec(checks.EVERY_ARTICLE_IN_A_STORY, "stories", "Every article of the day belongs to a story."),
        _spec(checks.STORY_COUNTS_MATCH, "stories", "Each story's article_count is its number of members."),
    ],
    **DAY_LEVEL,
)
def stories(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Group the day's articles into stories across outlets and days, with relations."""
    engine = warehouse.engine()
    rebuild = rebuilds(context)
    per_day = _each_day(
        context, engine, "cluster", versions.CLUSTER_VERSION,
        lambda day, run_id: cluster_partition(engine, day, run_id, rebuild=rebuild),
    )
    return dg.MaterializeResult(
        metadata={**_numbers(_summed(per_day)), "rebuild": rebuild},
        check_results=[
            _all_days([checks.every_article_in_a_story(engine, day) for day in per_day]),
            _all_days([checks.story_counts_match(engine, day) for day in per_day]),
        ],
    )


@dg.asset(
    deps=[stories],
    code_version=versions.ENRICH_VERSION,
    kinds={"sql"},
    **DAY_LEVEL,
)
def story_enrichment(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    """Copies take their original's entities and keywords; stories get theirs (no NER here)."""
    engine = warehouse.engine()
    rebuild = rebuilds(context)
    per_day = _each_day(
        context, engine, FINISH_STAGE, versions.ENRICH_VERSION,
        lambda day, run_id: finish_partition(engine, day, stage_run_id=run_id, rebuild=rebuild),
    )
    stats = _summed(per_day)
    per_source: Counter[str] = Counter()
    for day in per_day:
        per_source.update(articles_per_source(engine, day))
    return dg.MaterializeResult(
        metadata={
            **{key: value for key, value in _numbers(stats).items() if "/" not in key},
            "rebuild": rebuild,
            **plottable("languages", _prefixed(stats, "language/")),
            **plottable("articles_per_source", dict(per_source)),
        },
    )


ALL_ASSETS = [crawl_and_clean, deduplicated_articles, stories, story_enrichment]
