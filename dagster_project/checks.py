"""Asset checks: the rules each stage's output must keep, evaluated on the partition it wrote.

Each check is declared as a spec on its asset and evaluated inside that asset's
step (so it sees the partition being materialized); the measuring code lives in
:mod:`pipelines.quality`. The checks of the day x shard step look at the partition's
shard only (``only``: a condition from :mod:`pipelines.warehouse.shard_members`).
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta

import dagster as dg
from sqlalchemy import ColumnElement, Engine

from pipelines import quality

MAX_EMPTY_BODY_FRACTION = float(os.environ.get("STORYLINE_MAX_EMPTY_BODY_FRACTION", "0.05"))
FRESHNESS_HOURS = float(os.environ.get("STORYLINE_FRESHNESS_HOURS", "2"))

LINEAGE_COMPLETE = "lineage_complete"
PARTITION_FRESH = "partition_fresh"
EMPTY_BODIES = "empty_bodies_below_threshold"
CANONICAL_URLS_UNIQUE = "canonical_urls_unique"
DAY_STORED_HERE = "day_stored_here"
EVERY_ARTICLE_IN_A_STORY = "every_article_in_a_story"
STORY_COUNTS_MATCH = "story_counts_match_members"
ARTICLES_ENRICHED = "articles_enriched"

#: The asset each check belongs to (raw_pages and clean_articles share one step).
CHECKED_ASSET = {
    LINEAGE_COMPLETE: "raw_pages",
    PARTITION_FRESH: "raw_pages",
    EMPTY_BODIES: "clean_articles",
    CANONICAL_URLS_UNIQUE: "deduplicated_articles",
    DAY_STORED_HERE: "raw_pages",
    EVERY_ARTICLE_IN_A_STORY: "stories",
    STORY_COUNTS_MATCH: "stories",
    ARTICLES_ENRICHED: "enriched_articles",
}


def _measure_result(
    name: str, measure: quality.Measure, passed: bool, **extra: object
) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        check_name=name,
        asset_key=CHECKED_ASSET[name],
        passed=passed,
        metadata={
            "rows_checked": measure.total,
            "rows_failing": measure.failing,
            "failing_fraction": round(measure.fraction, 4),
            "examples": dg.MetadataValue.json(measure.examples),
            **extra,
        },
    )


def lineage_complete(
    engine: Engine, partition_key: str, only: ColumnElement[bool] | None = None
) -> dg.AssetCheckResult:
    """Every article (of the shard: ``only`` on ``articles``) has its fetch, raw page and crawl run."""
    measure = quality.incomplete_lineage(engine, partition_key, only)
    return _measure_result(LINEAGE_COMPLETE, measure, measure.failing == 0)


def partition_fresh(
    engine: Engine, partition_key: str, now: datetime | None = None, shard: str | None = None
) -> dg.AssetCheckResult:
    """Today's partition (its ``shard``, ``"0/2"``) was crawled within FRESHNESS_HOURS; a past one once."""
    now = now or datetime.now(UTC)
    finished = quality.last_successful_crawl(engine, partition_key, shard)
    if date.fromisoformat(partition_key) >= now.date():
        passed = finished is not None and now - finished <= timedelta(hours=FRESHNESS_HOURS)
        rule = f"crawled within {FRESHNESS_HOURS:g} h"
    else:
        passed = finished is not None
        rule = "crawled at least once"
    return dg.AssetCheckResult(
        check_name=PARTITION_FRESH,
        asset_key=CHECKED_ASSET[PARTITION_FRESH],
        passed=passed,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"last_successful_crawl": str(finished) if finished else "never", "rule": rule},
    )


def empty_bodies(
    engine: Engine, partition_key: str, only: ColumnElement[bool] | None = None
) -> dg.AssetCheckResult:
    """At most MAX_EMPTY_BODY_FRACTION of the articles (of the shard) have an empty body."""
    measure = quality.empty_bodies(engine, partition_key, only)
    return _measure_result(
        EMPTY_BODIES,
        measure,
        measure.fraction <= MAX_EMPTY_BODY_FRACTION,
        threshold=MAX_EMPTY_BODY_FRACTION,
        min_words=quality.MIN_BODY_WORDS,
    )


def canonical_urls_unique(engine: Engine, partition_key: str) -> dg.AssetCheckResult:
    """No two articles that are not marked duplicates share a canonical URL."""
    measure = quality.duplicate_canonical_urls(engine, partition_key)
    return _measure_result(CANONICAL_URLS_UNIQUE, measure, measure.failing == 0)


def day_stored_here(
    engine: Engine, partition_key: str, only: ColumnElement[bool] | None = None
) -> dg.AssetCheckResult:
    """Warn when the day stored no article because its articles live under later crawl days.

    Partitions follow crawl time: a live crawl stores yesterday's stories under today, and
    a sitemap backfill of yesterday then finds them known and fetches nothing. ``only``
    (on ``fetches``) narrows the pages to the shard's.
    """
    found = quality.day_stored_elsewhere(engine, partition_key, only)
    passed = found.stored_in_partition > 0 or found.count == 0
    metadata: dict[str, object] = {
        "articles_in_partition": found.stored_in_partition,
        "articles_under_other_days": found.count,
        **{f"articles_under/{day}": count for day, count in found.elsewhere.items()},
    }
    description = None
    if not passed:
        days = ", ".join(f"{count} under {day}" for day, count in found.elsewhere.items())
        description = (
            f"{partition_key} stored no article: the {found.count} articles its sitemaps date to "
            f"that day were already stored by a later crawl ({days}); partitions follow crawl time"
        )
    return dg.AssetCheckResult(
        check_name=DAY_STORED_HERE,
        asset_key=CHECKED_ASSET[DAY_STORED_HERE],
        passed=passed,
        severity=dg.AssetCheckSeverity.WARN,
        description=description,
        metadata=metadata,
    )


def every_article_in_a_story(engine: Engine, partition_key: str) -> dg.AssetCheckResult:
    """Every article (page type ``article``) of the partition belongs to a story."""
    measure = quality.articles_without_story(engine, partition_key)
    return _measure_result(EVERY_ARTICLE_IN_A_STORY, measure, measure.failing == 0)


def story_counts_match(engine: Engine, partition_key: str) -> dg.AssetCheckResult:
    """The stories the partition touches count exactly the articles that belong to them."""
    measure = quality.story_counts_off(engine, partition_key)
    return _measure_result(STORY_COUNTS_MATCH, measure, measure.failing == 0)


def articles_enriched(
    engine: Engine, partition_key: str, only: ColumnElement[bool] | None = None
) -> dg.AssetCheckResult:
    """Every article (page type ``article``, of the shard) has a language and a word count."""
    measure = quality.articles_not_enriched(engine, partition_key, only)
    return _measure_result(ARTICLES_ENRICHED, measure, measure.failing == 0)
