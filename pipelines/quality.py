"""Data-quality measurements of a partition, used by the Dagster asset checks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import ColumnElement, Engine, and_, func, or_, select
from sqlalchemy.orm import aliased

from pipelines.warehouse import pending
from pipelines.warehouse.db import session_scope
from pipelines.warehouse.models import Article, CrawlRun, Fetch, SitemapEntry, Story

#: An article with fewer words than this counts as having an empty body.
MIN_BODY_WORDS = 30


@dataclass(frozen=True)
class Measure:
    """How many rows were looked at and how many failed the rule, with examples."""

    total: int
    failing: int
    examples: list[str]

    @property
    def fraction(self) -> float:
        """Share of failing rows (0 when there are none)."""
        return self.failing / self.total if self.total else 0.0


def _within(condition: ColumnElement[bool], only: ColumnElement[bool] | None) -> ColumnElement[bool]:
    return condition if only is None else and_(condition, only)


def empty_bodies(engine: Engine, partition_key: str, only: ColumnElement[bool] | None = None) -> Measure:
    """Articles (page type ``article``) of the partition whose body is missing or too short.

    ``only``: a condition on ``articles`` narrowing them (one crawl shard's).
    """
    in_partition = _within(and_(Article.partition_key == partition_key, Article.page_type == "article"), only)
    empty = or_(Article.body_text.is_(None), func.coalesce(Article.word_count, 0) < MIN_BODY_WORDS)
    with session_scope(engine) as session:
        total = session.execute(select(func.count()).where(in_partition)).scalar_one()
        urls = session.scalars(select(Article.url).where(in_partition, empty).order_by(Article.id)).all()
    return Measure(total, len(urls), list(urls[:5]))


def duplicate_canonical_urls(engine: Engine, partition_key: str) -> Measure:
    """Canonical URLs of the partition held by two or more articles not marked as duplicates."""
    original = and_(Article.page_type == "article", Article.duplicate_of_id.is_(None))
    partition_urls = select(Article.canonical_url).where(Article.partition_key == partition_key, original)
    with session_scope(engine) as session:
        total = session.execute(
            select(func.count(func.distinct(Article.canonical_url))).where(
                Article.partition_key == partition_key, original
            )
        ).scalar_one()
        repeated = session.scalars(
            select(Article.canonical_url)
            .where(original, Article.canonical_url.in_(partition_urls))
            .group_by(Article.canonical_url)
            .having(func.count() > 1)
            .order_by(Article.canonical_url)
        ).all()
    return Measure(total, len(repeated), list(repeated[:5]))


def incomplete_lineage(
    engine: Engine, partition_key: str, only: ColumnElement[bool] | None = None
) -> Measure:
    """Articles of the partition whose fetch, archived body or crawl run cannot be found.

    ``only``: a condition on ``articles`` narrowing them (one crawl shard's).
    """
    fetch = aliased(Fetch)
    in_partition = _within(Article.partition_key == partition_key, only)
    with session_scope(engine) as session:
        total = session.execute(select(func.count()).where(in_partition)).scalar_one()
        broken = session.scalars(
            select(Article.url)
            .outerjoin(fetch, fetch.id == Article.fetch_id)
            .outerjoin(CrawlRun, CrawlRun.id == Article.crawl_run_id)
            .where(in_partition)
            .where(
                or_(
                    fetch.id.is_(None),
                    fetch.warc_path.is_(None),
                    fetch.body_sha256.is_(None),
                    CrawlRun.id.is_(None),
                )
            )
            .order_by(Article.id)
        ).all()
    return Measure(total, len(broken), list(broken[:5]))


def articles_without_story(engine: Engine, partition_key: str) -> Measure:
    """Articles (page type ``article``) of the partition that the cluster stage left without a story."""
    in_partition = and_(Article.partition_key == partition_key, Article.page_type == "article")
    with session_scope(engine) as session:
        total = session.execute(select(func.count()).where(in_partition)).scalar_one()
        urls = session.scalars(
            select(Article.url).where(in_partition, Article.story_id.is_(None)).order_by(Article.id)
        ).all()
    return Measure(total, len(urls), list(urls[:5]))


def story_counts_off(engine: Engine, partition_key: str) -> Measure:
    """Stories with members in the partition whose ``article_count`` is not their number of members."""
    members = (
        select(Article.story_id, func.count().label("members"))
        .where(Article.story_id.is_not(None))
        .group_by(Article.story_id)
        .subquery()
    )
    touched = select(Article.story_id).where(Article.partition_key == partition_key)
    with session_scope(engine) as session:
        rows = session.execute(
            select(Story.id, Story.article_count, func.coalesce(members.c.members, 0))
            .outerjoin(members, members.c.story_id == Story.id)
            .where(Story.id.in_(touched))
            .order_by(Story.id)
        ).all()
    wrong = [f"story {story_id}: article_count {count}, members {actual}"
             for story_id, count, actual in rows if count != actual]
    return Measure(len(rows), len(wrong), wrong[:5])


def articles_not_enriched(
    engine: Engine, partition_key: str, only: ColumnElement[bool] | None = None
) -> Measure:
    """Articles (page type ``article``) of the partition with no language or no word count.

    ``only``: a condition on ``articles`` narrowing them (one crawl shard's).
    """
    in_partition = _within(and_(Article.partition_key == partition_key, Article.page_type == "article"), only)
    missing = or_(Article.language.is_(None), Article.word_count.is_(None))
    with session_scope(engine) as session:
        total = session.execute(select(func.count()).where(in_partition)).scalar_one()
        urls = session.scalars(select(Article.url).where(in_partition, missing).order_by(Article.id)).all()
    return Measure(total, len(urls), list(urls[:5]))


@dataclass(frozen=True)
class StoredElsewhere:
    """Articles a sitemap dates to a day that live under later (crawl-day) partitions."""

    stored_in_partition: int
    elsewhere: dict[str, int]  # partition key -> articles

    @property
    def count(self) -> int:
        """How many of the day's sitemap articles live under a later partition."""
        return sum(self.elsewhere.values())


def day_stored_elsewhere(
    engine: Engine, partition_key: str, only: ColumnElement[bool] | None = None
) -> StoredElsewhere:
    """For a day, its pages stored and those its sitemaps date to it stored under later days.

    A sitemap backfill of a day fetches nothing already stored, so a day whose articles a
    live crawl took in later (partitions follow crawl time) stays empty; this says why.
    ``only``: a condition on ``fetches`` narrowing the pages (one crawl shard's).
    """
    day = date.fromisoformat(partition_key)
    start = datetime.combine(day, time(), tzinfo=UTC)
    end = start + timedelta(days=1)
    dated = func.coalesce(SitemapEntry.lastmod, SitemapEntry.news_published_at)
    on_day = select(SitemapEntry.canonical_url).where(dated >= start, dated < end)
    with session_scope(engine) as session:
        pages = select(Fetch.canonical_url, CrawlRun.partition_key).join(
            CrawlRun, CrawlRun.id == Fetch.crawl_run_id
        ).where(_within(pending.STORED_PAGE, only)).subquery()
        stored = session.execute(
            select(func.count()).select_from(pages).where(pages.c.partition_key == partition_key)
        ).scalar_one()
        elsewhere = session.execute(
            select(pages.c.partition_key, func.count(func.distinct(pages.c.canonical_url)))
            .where(pages.c.canonical_url.in_(on_day), pages.c.partition_key > partition_key)
            .group_by(pages.c.partition_key)
            .order_by(pages.c.partition_key)
        ).all()
    return StoredElsewhere(stored, dict(elsewhere))


def last_successful_crawl(engine: Engine, partition_key: str, shard: str | None = None) -> datetime | None:
    """When the newest successful crawl run of the partition finished (None if never).

    ``shard`` (``crawl_runs.shard``, ``"0/2"``): that shard's crawls, and crawls of every source.
    """
    condition = and_(CrawlRun.partition_key == partition_key, CrawlRun.status == "succeeded")
    if shard is not None:
        condition = and_(condition, or_(CrawlRun.shard == shard, CrawlRun.shard.is_(None)))
    with session_scope(engine) as session:
        return session.execute(select(func.max(CrawlRun.finished_at)).where(condition)).scalar_one()


def partitions_extracted_by_other_versions(
    engine: Engine, current_version: str, current_settings_hash: str
) -> list[str]:
    """Partitions holding articles written by another extractor version or settings hash.

    Articles never extracted (no version) do not count; an extracted one with no settings
    hash does, as its settings are unknown.
    """
    other = or_(
        Article.extractor_version != current_version,
        Article.extractor_settings_hash.is_distinct_from(current_settings_hash),
    )
    with session_scope(engine) as session:
        return list(
            session.scalars(
                select(Article.partition_key)
                .where(Article.extractor_version.is_not(None), other)
                .group_by(Article.partition_key)
                .order_by(Article.partition_key)
            )
        )
