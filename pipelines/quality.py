"""Data-quality measurements of a partition, used by the Dagster asset checks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, and_, func, or_, select
from sqlalchemy.orm import aliased

from pipelines.warehouse.db import session_scope
from pipelines.warehouse.models import Article, CrawlRun, Fetch

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


def empty_bodies(engine: Engine, partition_key: str) -> Measure:
    """Articles (page type ``article``) of the partition whose body is missing or too short."""
    in_partition = and_(Article.partition_key == partition_key, Article.page_type == "article")
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


def incomplete_lineage(engine: Engine, partition_key: str) -> Measure:
    """Articles of the partition whose fetch, archived body or crawl run cannot be found."""
    fetch = aliased(Fetch)
    with session_scope(engine) as session:
        total = session.execute(
            select(func.count()).where(Article.partition_key == partition_key)
        ).scalar_one()
        broken = session.scalars(
            select(Article.url)
            .outerjoin(fetch, fetch.id == Article.fetch_id)
            .outerjoin(CrawlRun, CrawlRun.id == Article.crawl_run_id)
            .where(Article.partition_key == partition_key)
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


def last_successful_crawl(engine: Engine, partition_key: str) -> datetime | None:
    """When the newest successful crawl run of the partition finished (None if never)."""
    with session_scope(engine) as session:
        return session.execute(
            select(func.max(CrawlRun.finished_at)).where(
                CrawlRun.partition_key == partition_key, CrawlRun.status == "succeeded"
            )
        ).scalar_one()


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
