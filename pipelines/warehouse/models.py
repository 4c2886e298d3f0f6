"""SQLAlchemy models of the warehouse: the tables downstream users query.

Every table is documented column by column in ``docs/warehouse.md``; that file
and this one change together. Natural keys carry unique constraints so that
writes can be idempotent upserts.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always read back time-zone aware (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        if isinstance(value, datetime):
            return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return value

    def process_result_value(self, value: Any, dialect: Any) -> Any:
        if isinstance(value, datetime):
            return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return value


class Base(DeclarativeBase):
    """Declarative base of every warehouse table."""

    type_annotation_map = {datetime: UTCDateTime(), dict: JSON, list: JSON}


# Integer primary keys that autoincrement on SQLite and PostgreSQL alike.
IntPK = BigInteger().with_variant(Integer, "sqlite")


class Source(Base):
    """An outlet named in the config (one row per ``sources[].name``)."""

    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(IntPK, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    config: Mapped[dict] = mapped_column(default=dict)
    first_seen_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class StageRun(Base):
    """One execution of a pipeline stage over one partition (the lineage anchor).

    Rows written by the clean, dedup, cluster and enrich stages point here, so
    each names the Dagster run, the partition and the code version that wrote it.
    """

    __tablename__ = "stage_runs"

    id: Mapped[int] = mapped_column(IntPK, primary_key=True, autoincrement=True)
    stage: Mapped[str] = mapped_column(String(40))
    partition_key: Mapped[str | None] = mapped_column(String(40))
    dagster_run_id: Mapped[str | None] = mapped_column(String(64))
    code_version: Mapped[str] = mapped_column(String(80))
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(20), default="running")
    stats: Mapped[dict] = mapped_column(default=dict)

    __table_args__ = (Index("ix_stage_runs_stage_partition", "stage", "partition_key"),)


class CrawlRun(Base):
    """One crawl: a Scrapy process run over the configured sources."""

    __tablename__ = "crawl_runs"

    id: Mapped[int] = mapped_column(IntPK, primary_key=True, autoincrement=True)
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(20), default="running")
    mode: Mapped[str] = mapped_column(String(20), default="live")
    config_path: Mapped[str | None] = mapped_column(Text)
    partition_key: Mapped[str | None] = mapped_column(String(40), index=True)
    # "N/S": shard N of S (pipelines/shards.py); NULL for a crawl of every source.
    shard: Mapped[str | None] = mapped_column(String(20))
    dagster_run_id: Mapped[str | None] = mapped_column(String(64))
    code_version: Mapped[str | None] = mapped_column(String(80))
    warc_path: Mapped[str | None] = mapped_column(Text)
    stats: Mapped[dict] = mapped_column(default=dict)
    error: Mapped[str | None] = mapped_column(Text)
    # The time the crawl's schedules (polls, revisits) took as now: STORYLINE_CLOCK_NOW or
    # the real start. NULL for runs made before schedules read it.
    clock_at: Mapped[datetime | None]


class Fetch(Base):
    """One HTTP request of any kind, with its outcome (a failure is a row too)."""

    __tablename__ = "fetches"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    crawl_run_id: Mapped[int] = mapped_column(ForeignKey("crawl_runs.id"), index=True)
    source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id"))
    kind: Mapped[str] = mapped_column(String(12))
    url: Mapped[str] = mapped_column(Text)
    final_url: Mapped[str | None] = mapped_column(Text)
    canonical_url: Mapped[str | None] = mapped_column(Text)
    discovered_from_id: Mapped[str | None] = mapped_column(ForeignKey("fetches.id"))
    status_code: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(String(40))
    error_detail: Mapped[str | None] = mapped_column(Text)
    requested_at: Mapped[datetime]
    duration_ms: Mapped[float | None] = mapped_column(Float)
    content_type: Mapped[str | None] = mapped_column(String(200))
    content_length: Mapped[int | None] = mapped_column(BigInteger)
    body_sha256: Mapped[str | None] = mapped_column(String(64))
    warc_path: Mapped[str | None] = mapped_column(Text)
    warc_offset: Mapped[int | None] = mapped_column(BigInteger)
    warc_length: Mapped[int | None] = mapped_column(BigInteger)
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    # A stored page (an article fetch that answered 200 with HTML): where its chain of
    # redirects and retries started, and the URL identities the crawl looks up to skip it.
    first_url: Mapped[str | None] = mapped_column(Text)
    url_identity: Mapped[str | None] = mapped_column(Text, index=True)
    requested_url_identity: Mapped[str | None] = mapped_column(Text, index=True)
    # What the clean stage made of a stored page; a news story also gets an articles row.
    page_type: Mapped[str | None] = mapped_column(String(20))
    page_reason: Mapped[str | None] = mapped_column(String(40))
    page_note: Mapped[str | None] = mapped_column(Text)
    extracted_by_id: Mapped[int | None] = mapped_column(ForeignKey("stage_runs.id"))
    # A revisit of a stored story (pipelines/revisits.py): the article whose page it fetched again.
    revisit_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("articles.id", use_alter=True, name="fk_fetches_revisit_of"), index=True
    )

    __table_args__ = (Index("ix_fetches_url_kind", "url", "kind"),)


class Sighting:
    """Columns of a link seen on a discovery page: when first and last, and by which fetches."""

    first_seen_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    first_fetch_id: Mapped[str] = mapped_column(ForeignKey("fetches.id"))
    last_fetch_id: Mapped[str] = mapped_column(ForeignKey("fetches.id"))


class FeedEntry(Sighting, Base):
    """An entry of an RSS/Atom feed, keyed by feed and entry identity."""

    __tablename__ = "feed_entries"

    id: Mapped[int] = mapped_column(IntPK, primary_key=True, autoincrement=True)
    source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id"))
    feed_url: Mapped[str] = mapped_column(Text)
    entry_key: Mapped[str] = mapped_column(Text)
    guid: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    canonical_url: Mapped[str | None] = mapped_column(Text, index=True)
    title: Mapped[str | None] = mapped_column(Text)
    summary: Mapped[str | None] = mapped_column(Text)
    authors: Mapped[list] = mapped_column(default=list)
    published_at: Mapped[datetime | None]
    updated_at: Mapped[datetime | None]

    __table_args__ = (UniqueConstraint("feed_url", "entry_key", name="uq_feed_entries_feed_entry"),)


class HubLink(Sighting, Base):
    """An article link seen on a hub (section/topic index) page."""

    __tablename__ = "hub_links"

    id: Mapped[int] = mapped_column(IntPK, primary_key=True, autoincrement=True)
    source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id"))
    hub_url: Mapped[str] = mapped_column(Text)
    url: Mapped[str] = mapped_column(Text)
    canonical_url: Mapped[str] = mapped_column(Text, index=True)
    anchor_text: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (UniqueConstraint("hub_url", "canonical_url", name="uq_hub_links_hub_url"),)


class SitemapEntry(Sighting, Base):
    """A ``<url>`` of an XML or Google News sitemap."""

    __tablename__ = "sitemap_entries"

    id: Mapped[int] = mapped_column(IntPK, primary_key=True, autoincrement=True)
    source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id"))
    sitemap_url: Mapped[str] = mapped_column(Text)
    url: Mapped[str] = mapped_column(Text)
    canonical_url: Mapped[str] = mapped_column(Text, index=True)
    lastmod: Mapped[datetime | None]
    news_title: Mapped[str | None] = mapped_column(Text)
    news_published_at: Mapped[datetime | None]

    __table_args__ = (
        UniqueConstraint("sitemap_url", "canonical_url", name="uq_sitemap_entries_sitemap_url"),
    )


class SourceDocument(Base):
    """A homepage, feed, hub or sitemap of a source: where it came from and when it is next due.

    Configured documents and those discovered from a homepage alike; the crawl polls each
    on its own adaptive interval (``pipelines/polling.py``).
    """

    __tablename__ = "source_documents"

    id: Mapped[int] = mapped_column(IntPK, primary_key=True, autoincrement=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"))
    kind: Mapped[str] = mapped_column(String(12))
    url: Mapped[str] = mapped_column(Text)
    origin: Mapped[str] = mapped_column(String(12))
    found_by: Mapped[str | None] = mapped_column(String(20))
    found_on: Mapped[str | None] = mapped_column(Text)
    found_fetch_id: Mapped[str | None] = mapped_column(ForeignKey("fetches.id"))
    first_found_at: Mapped[datetime]
    last_found_at: Mapped[datetime]
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    interval_seconds: Mapped[float | None] = mapped_column(Float)
    next_due_at: Mapped[datetime | None] = mapped_column(index=True)
    last_polled_at: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    last_result: Mapped[str | None] = mapped_column(String(20))
    last_error: Mapped[str | None] = mapped_column(String(40))
    last_items: Mapped[int | None]
    last_new_items: Mapped[int | None]
    consecutive_failures: Mapped[int] = mapped_column(default=0)
    publisher_min_seconds: Mapped[float | None] = mapped_column(Float)
    publisher_hint: Mapped[str | None] = mapped_column(Text)
    last_fetch_id: Mapped[str | None] = mapped_column(ForeignKey("fetches.id"))

    __table_args__ = (UniqueConstraint("source_id", "url", name="uq_source_documents_source_url"),)


class Story(Base):
    """One news event: the articles of every outlet that reported it."""

    __tablename__ = "stories"

    id: Mapped[int] = mapped_column(IntPK, primary_key=True, autoincrement=True)
    title: Mapped[str | None] = mapped_column(Text)
    first_published_at: Mapped[datetime | None]
    last_updated_at: Mapped[datetime | None] = mapped_column(index=True)
    article_count: Mapped[int] = mapped_column(default=0)
    outlet_count: Mapped[int] = mapped_column(default=0)
    origin_article_id: Mapped[int | None] = mapped_column(
        ForeignKey("articles.id", use_alter=True, name="fk_stories_origin_article")
    )
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    stage_run_id: Mapped[int | None] = mapped_column(ForeignKey("stage_runs.id"))
    # Internal to the cluster stage (what its archive keeps of the story, by partition);
    # the format follows the clusterer version. See pipelines.stories.store.
    cluster_state: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))


class Article(Base):
    """One news story (article, live blog, paywalled teaser) found by the clean stage in a
    stored page; later stages fill its duplicates, story and enrichment. Other pages stay
    on their fetch (``fetches.page_type``, ``page_reason``)."""

    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(IntPK, primary_key=True, autoincrement=True)
    fetch_id: Mapped[str] = mapped_column(ForeignKey("fetches.id"), unique=True)
    crawl_run_id: Mapped[int] = mapped_column(ForeignKey("crawl_runs.id"), index=True)
    source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id"))
    partition_key: Mapped[str] = mapped_column(String(40), index=True)
    fetched_at: Mapped[datetime]
    url: Mapped[str] = mapped_column(Text)
    canonical_url: Mapped[str] = mapped_column(Text, index=True)
    # URL identities (pipelines.urls.url_identity) of the canonical and of the requested URL:
    # what the crawl looks up, per batch of discovered links, to skip stored stories.
    url_identity: Mapped[str | None] = mapped_column(Text, index=True)
    requested_url_identity: Mapped[str | None] = mapped_column(Text, index=True)
    # clean / extract
    page_type: Mapped[str | None] = mapped_column(String(20))
    title: Mapped[str | None] = mapped_column(Text)
    body_text: Mapped[str | None] = mapped_column(Text)
    text_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    authors: Mapped[list | None]
    author_organisations: Mapped[list | None]
    published_at: Mapped[datetime | None]
    published_offset_minutes: Mapped[int | None]
    modified_at: Mapped[datetime | None]
    date_source: Mapped[str | None] = mapped_column(String(40))
    date_candidates: Mapped[list | None]
    date_rule: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    site_name: Mapped[str | None] = mapped_column(Text)
    section: Mapped[str | None] = mapped_column(Text)
    tags: Mapped[list | None]
    image_url: Mapped[str | None] = mapped_column(Text)
    truncated: Mapped[bool] = mapped_column(Boolean, default=False)
    extraction_note: Mapped[str | None] = mapped_column(Text)
    extractor_version: Mapped[str | None] = mapped_column(String(40))
    extractor_settings_hash: Mapped[str | None] = mapped_column(String(16))
    # enrich
    language: Mapped[str | None] = mapped_column(String(12))
    word_count: Mapped[int | None]
    keywords: Mapped[list | None]
    entities: Mapped[list | None]
    enricher_version: Mapped[str | None] = mapped_column(String(80))
    enrichment_applied: Mapped[list | None]
    # dedup / cluster
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id"))
    duplicate_kind: Mapped[str | None] = mapped_column(String(20))
    story_id: Mapped[int | None] = mapped_column(ForeignKey("stories.id"), index=True)
    # lineage of the stages that wrote this row
    extracted_by_id: Mapped[int | None] = mapped_column(ForeignKey("stage_runs.id"))
    deduped_by_id: Mapped[int | None] = mapped_column(ForeignKey("stage_runs.id"))
    clustered_by_id: Mapped[int | None] = mapped_column(ForeignKey("stage_runs.id"))
    enriched_by_id: Mapped[int | None] = mapped_column(ForeignKey("stage_runs.id"))


class StoryArticle(Base):
    """An article's place in its story: its relation to the others, with evidence."""

    __tablename__ = "story_articles"

    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), primary_key=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id"), index=True)
    relation: Mapped[str] = mapped_column(String(20))
    related_to_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id"))
    similarity: Mapped[float | None] = mapped_column(Float)
    shared_passages: Mapped[int | None]
    evidence: Mapped[dict | None]
    stage_run_id: Mapped[int | None] = mapped_column(ForeignKey("stage_runs.id"))


class StageCheckpoint(Base):
    """A stage's state after it last ran over one partition (internal to the dedup and cluster stages).

    The stage's next scheduled run over the partition resumes from it and handles only
    the new articles, when that gives what a run over the whole partition would (see
    :mod:`pipelines.warehouse.checkpoints`). Not part of the public contract.
    """

    __tablename__ = "stage_checkpoints"

    stage: Mapped[str] = mapped_column(String(40), primary_key=True)
    partition_key: Mapped[str] = mapped_column(String(40), primary_key=True)
    version: Mapped[str] = mapped_column(String(120))
    article_count: Mapped[int]
    state: Mapped[bytes] = mapped_column(LargeBinary)
    stage_run_id: Mapped[int] = mapped_column(ForeignKey("stage_runs.id"))
    written_at: Mapped[datetime]


class ExtractionChange(Base):
    """What a re-extraction changed in an article (old and new text hash, fields)."""

    __tablename__ = "extraction_changes"

    id: Mapped[int] = mapped_column(IntPK, primary_key=True, autoincrement=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), index=True)
    stage_run_id: Mapped[int] = mapped_column(ForeignKey("stage_runs.id"))
    old_extractor_version: Mapped[str | None] = mapped_column(String(40))
    new_extractor_version: Mapped[str] = mapped_column(String(40))
    old_text_sha256: Mapped[str | None] = mapped_column(String(64))
    new_text_sha256: Mapped[str | None] = mapped_column(String(64))
    changed_fields: Mapped[dict] = mapped_column(default=dict)
    changed_at: Mapped[datetime]

    __table_args__ = (
        UniqueConstraint("article_id", "stage_run_id", name="uq_extraction_changes_article_run"),
    )


class ArticleRevision(Base):
    """One version of an article: revision 1 is its first fetch, each later one a revisit
    whose text, title or dates differed (``pipelines/revisions.py``)."""

    __tablename__ = "article_revisions"

    id: Mapped[int] = mapped_column(IntPK, primary_key=True, autoincrement=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), index=True)
    revision: Mapped[int]
    fetch_id: Mapped[str] = mapped_column(ForeignKey("fetches.id"))
    # The raw response of this version (the fetch's WARC record), for replay.
    warc_path: Mapped[str | None] = mapped_column(Text)
    warc_offset: Mapped[int | None] = mapped_column(BigInteger)
    fetched_at: Mapped[datetime]
    title: Mapped[str | None] = mapped_column(Text)
    text_sha256: Mapped[str | None] = mapped_column(String(64))
    published_at: Mapped[datetime | None]
    modified_at: Mapped[datetime | None]
    # What differs from the revision before (empty for revision 1): field names, and for the
    # text the words added and removed and the paragraphs changed.
    changed_fields: Mapped[list] = mapped_column(default=list)
    words_added: Mapped[int | None]
    words_removed: Mapped[int | None]
    paragraphs_changed: Mapped[int | None]
    diff_summary: Mapped[str | None] = mapped_column(Text)
    correction_notice: Mapped[str | None] = mapped_column(Text)
    stage_run_id: Mapped[int | None] = mapped_column(ForeignKey("stage_runs.id"))
    recorded_at: Mapped[datetime]

    __table_args__ = (
        UniqueConstraint("article_id", "revision", name="uq_article_revisions_article_revision"),
        UniqueConstraint("article_id", "fetch_id", name="uq_article_revisions_article_fetch"),
    )


class Entity(Base):
    """One normalised named entity: a person, organisation, place or group (NORP)."""

    __tablename__ = "entities"

    id: Mapped[int] = mapped_column(IntPK, primary_key=True, autoincrement=True)
    # type, case-folded name and country: what makes two mentions one entity across articles.
    entity_key: Mapped[str] = mapped_column(String(400))
    name: Mapped[str] = mapped_column(Text)
    type: Mapped[str] = mapped_column(String(20), index=True)
    country_code: Mapped[str | None] = mapped_column(String(2), index=True)
    geonameid: Mapped[int | None] = mapped_column(BigInteger)
    disputed: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]

    __table_args__ = (UniqueConstraint("entity_key", name="uq_entities_entity_key"),)


class ArticleEntity(Base):
    """An entity an article names: how often, where first, and as which words."""

    __tablename__ = "article_entities"

    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), primary_key=True)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id"), primary_key=True, index=True)
    mentions: Mapped[int]
    first_offset: Mapped[int]
    surface_forms: Mapped[list] = mapped_column(default=list)
    enricher_version: Mapped[str] = mapped_column(String(80))


class ArticleKeyword(Base):
    """A key phrase of an article, with its YAKE score and rank."""

    __tablename__ = "article_keywords"

    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), primary_key=True)
    phrase: Mapped[str] = mapped_column(String(200), primary_key=True)
    score: Mapped[float] = mapped_column(Float)
    rank: Mapped[int]
    enricher_version: Mapped[str] = mapped_column(String(80))


class TextAnalysis(Base):
    """The enrichment of one distinct text under one enricher version (internal to the enrich stage).

    Keyed by the sha256 of the analysed text (title, blank line, body): an article whose
    text was analysed before takes this result instead of running NER again, and a copy
    takes its original's. ``result`` holds language, word count, entities, keywords and
    the methods applied. Not part of the public contract (``article_entities`` and
    ``article_keywords`` are).
    """

    __tablename__ = "text_analyses"

    analysis_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    enricher_version: Mapped[str] = mapped_column(String(80), primary_key=True)
    result: Mapped[dict] = mapped_column(JSON)
    analysed_at: Mapped[datetime]


class StoryEntity(Base):
    """An entity of a story, summed over the story's articles."""

    __tablename__ = "story_entities"

    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"), primary_key=True)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id"), primary_key=True, index=True)
    article_count: Mapped[int]
    mentions: Mapped[int]
    enricher_version: Mapped[str] = mapped_column(String(80))


class StoryKeyword(Base):
    """A key phrase of a story: in how many of its articles, and its best score there."""

    __tablename__ = "story_keywords"

    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"), primary_key=True)
    phrase: Mapped[str] = mapped_column(String(200), primary_key=True)
    article_count: Mapped[int]
    score: Mapped[float] = mapped_column(Float)
    rank: Mapped[int]
    enricher_version: Mapped[str] = mapped_column(String(80))
