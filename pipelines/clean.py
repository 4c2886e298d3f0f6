"""The clean stage: stored pages from the WARC archive become news stories in ``articles``.

For one partition, the pages the crawl stored (article fetches with a body, marked by
``fetches.url_identity``) are read back from the archive (never refetched), extracted on
every core (:class:`pipelines.extract.ExtractionPool`) and written in batches, one short
transaction each. A news story (:func:`pipelines.news_pages.page_reason` gives no reason)
is upserted into ``articles`` on its fetch; any other page is recorded on its fetch only
(page type, reason, note) and never appears in ``articles``: when a re-extraction finds
that a stored article is no story after all, its row is removed (:func:`remove_articles`).
Every page's fetch names the clean run that classified it (``fetches.extracted_by_id``).
A scheduled run extracts only the pages not classified yet
(:data:`pipelines.warehouse.pending.CLEAN`), and can follow a running crawl, extracting
what it lands while it fetches (:func:`clean_partition` with ``crawl_done``); a rebuild
extracts every stored page of the partition, so a page a better extractor recognises as
a story gets its article row then. When an article had been extracted before and the
output differs, an ``extraction_changes`` row records what changed. Running it twice
leaves the same rows.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, delete, func, or_, select, union_all, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from pipelines import revisions
from pipelines.correction_notices import correction_notice
from pipelines.extract import (
    EXTRACTOR_VERSION,
    ExtractedPage,
    ExtractionPool,
    PageHints,
    changed_fields,
    extractor_settings_hash,
)
from pipelines.extract.pool import UNREADABLE, ArchivedPage
from pipelines.news_pages import page_reason
from pipelines.progress import Report, Tracker, extraction_tracker
from pipelines.warehouse import pending
from pipelines.warehouse.db import session_scope, upsert
from pipelines.warehouse.models import (
    Article,
    CrawlRun,
    ExtractionChange,
    FeedEntry,
    Fetch,
    HubLink,
    SitemapEntry,
    Story,
    StoryArticle,
)

WRITE_BATCH = 200
# Pages taken at a time while following a crawl.
STREAM_BATCH = 400
# Article columns compared with a new extraction (named as ExtractedPage fields).
_COMPARED = {
    "page_type": Article.page_type,
    "title": Article.title,
    "body_hash": Article.text_sha256,
    "authors": Article.authors,
    "author_organisations": Article.author_organisations,
    "published_at": Article.published_at,
    "published_offset_minutes": Article.published_offset_minutes,
    "modified_at": Article.modified_at,
    "site_name": Article.site_name,
    "description": Article.description,
    "section": Article.section,
    "tags": Article.tags,
    "image_url": Article.image_url,
    "truncated": Article.truncated,
}
# Fields other stages own (the crawler sets the canonical URL, enrich refines language and
# word count): a difference there is not the extractor's doing.
_OWNED_ELSEWHERE = ("canonical_url", "language", "word_count")


def clean_partition(
    engine: Engine,
    partition_key: str,
    *,
    stage_run_id: int,
    workers: int | None = None,
    page_timeout_s: float = 30.0,
    rebuild: bool = True,
    pool: ExtractionPool | None = None,
    crawl_done: threading.Event | None = None,
    poll_s: float = 0.5,
    progress: Report | None = None,
    only: ColumnElement[bool] | None = None,
) -> dict[str, Any]:
    """Extract the partition's stored pages; return counts for metadata.

    ``only`` narrows the pages to those matching a condition on ``fetches`` (one crawl
    shard's, :func:`pipelines.warehouse.shard_members.shard_pages`).

    With ``rebuild`` every page is extracted, else only pages never classified. With
    ``crawl_done`` the stage follows a crawl that is still landing pages: it extracts
    what is there, waits up to ``poll_s`` when nothing is (less once the event is set),
    and returns once ``crawl_done`` is set and nothing is left. ``pool`` is an extraction
    pool to use (else one of ``workers`` processes is started and stopped here). Raises
    nothing for bad pages (they become typed rows); database errors propagate.
    ``progress`` receives a progress line every few seconds (pages extracted, errors, rate).
    """
    stats: Counter[str] = Counter(pages=0)
    tracker = extraction_tracker(progress)
    owned = pool is None
    pool = pool or ExtractionPool(workers, page_timeout_s)
    try:
        if crawl_done is None:
            pages = _load_pages(engine, partition_key, rebuild=rebuild, only=only)
            _clean_batch(engine, pool, pages, stage_run_id, stats, tracker)
        else:
            while True:
                finished = crawl_done.is_set()
                pages = _load_pages(engine, partition_key, rebuild=False, limit=STREAM_BATCH, only=only)
                if pages:
                    _clean_batch(engine, pool, pages, stage_run_id, stats, tracker)
                elif finished:
                    break
                else:
                    crawl_done.wait(poll_s)
    finally:
        if owned:
            pool.close()
    tracker.finish()
    return dict(stats)


def _clean_batch(
    engine: Engine,
    pool: ExtractionPool,
    pages: dict[str, dict[str, Any]],
    stage_run_id: int,
    stats: Counter[str],
    tracker: Tracker,
) -> None:
    """Extract ``pages`` (fetch id -> page row) and write them, WRITE_BATCH at a time."""
    hints = _load_hints(engine, [page["canonical_url"] for page in pages.values()])
    pending: list[tuple[dict[str, Any], ExtractedPage]] = []
    unreadable: list[tuple[dict[str, Any], ExtractedPage]] = []

    def jobs() -> Iterator[tuple[str, ArchivedPage, str, PageHints | None]]:
        for fetch_id, page in pages.items():
            if not page["warc_path"]:
                note = "no archived response for this fetch"
                unreadable.append((page, ExtractedPage(page_type="error", page_note=note)))
                continue
            # The worker reads the record itself (one ranged read), off this process.
            record = ArchivedPage(page["warc_path"], page["warc_offset"], page["warc_length"])
            yield fetch_id, record, page["url"], _hints_for(page, hints)

    # Batches are written by one writer thread while the workers go on extracting; at most
    # one batch waits for it. Every write has finished when this returns.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="clean-writer") as writer:
        writing: Future | None = None
        for fetch_id, extracted in tracker.track(pool.map(jobs()), added=len(pages)):
            pending.append((pages[fetch_id], extracted))
            if len(pending) >= WRITE_BATCH:
                if writing is not None:
                    writing.result()
                writing = writer.submit(_write, engine, pending, stage_run_id, stats)
                pending = []
        if writing is not None:
            writing.result()
    _write(engine, pending + unreadable, stage_run_id, stats)
    stats["pages"] += len(pages)


def _load_pages(
    engine: Engine,
    partition_key: str,
    *,
    rebuild: bool,
    limit: int | None = None,
    only: ColumnElement[bool] | None = None,
) -> dict[str, dict[str, Any]]:
    """Return the partition's stored pages (fetch id -> row), with their article if any.

    ``only``: a condition on ``fetches`` the pages must meet.
    """
    columns = [
        Fetch.id.label("fetch_id"),
        Fetch.crawl_run_id,
        Fetch.source_id,
        Fetch.first_url.label("url"),
        Fetch.canonical_url,
        Fetch.url_identity,
        Fetch.requested_url_identity,
        Fetch.requested_at.label("fetched_at"),
        Fetch.warc_path,
        Fetch.warc_offset,
        Fetch.warc_length,
        Fetch.content_type,
        Fetch.page_type.label("fetch_page_type"),
        Fetch.extracted_by_id.label("fetch_extracted_by_id"),
        Fetch.revisit_of_id,
        CrawlRun.partition_key,
        Article.id,
        Article.extractor_version,
        *(column.label(f"old_{name}") for name, column in _COMPARED.items()),
    ]
    query = (
        select(*columns)
        .join(CrawlRun, CrawlRun.id == Fetch.crawl_run_id)
        # A page's article: the one on its fetch, or the one a revisit fetched again.
        .outerjoin(Article, or_(Article.fetch_id == Fetch.id, Article.id == Fetch.revisit_of_id))
        .where(CrawlRun.partition_key == partition_key, pending.STORED_PAGE)
        .order_by(Fetch.requested_at, Fetch.id)
    )
    if not rebuild:
        query = query.where(pending.CLEAN)
    if only is not None:
        query = query.where(only)
    if limit:
        query = query.limit(limit)
    with session_scope(engine) as session:
        return {row.fetch_id: dict(row._mapping) for row in session.execute(query)}


def _load_hints(engine: Engine, canonical_urls: list[str]) -> dict[str, dict[str, Any]]:
    """Feed publication dates and titles, and when each URL was first seen in discovery."""
    hints: dict[str, dict[str, Any]] = {}
    with session_scope(engine) as session:
        for start in range(0, len(canonical_urls), 500):
            chunk = canonical_urls[start : start + 500]
            feed_rows = session.execute(
                select(FeedEntry.canonical_url, FeedEntry.published_at, FeedEntry.title)
                .where(FeedEntry.canonical_url.in_(chunk))
                .order_by(FeedEntry.first_seen_at)
            )
            for url, published, title in feed_rows:
                entry = hints.setdefault(url, {})
                entry.setdefault("feed_published_at", published)
                entry.setdefault("feed_title", title)
            sightings = union_all(
                *(
                    select(model.canonical_url.label("url"), model.first_seen_at.label("seen")).where(
                        model.canonical_url.in_(chunk)
                    )
                    for model in (FeedEntry, HubLink, SitemapEntry)
                )
            ).subquery()
            first_seen = session.execute(
                select(sightings.c.url, func.min(sightings.c.seen)).group_by(sightings.c.url)
            )
            for url, seen in first_seen:
                hints.setdefault(url, {})["first_seen_at"] = seen
    return hints


def _hints_for(page: dict[str, Any], hints: dict[str, dict[str, Any]]) -> PageHints:
    known = hints.get(page["canonical_url"], {})
    first_seen: datetime | None = known.get("first_seen_at") or page["fetched_at"]
    return PageHints(
        feed_published_at=known.get("feed_published_at"),
        feed_title=known.get("feed_title"),
        first_seen_at=min(first_seen, page["fetched_at"]) if first_seen else page["fetched_at"],
        http_content_type=page["content_type"],
    )


# Notes of pages whose raw response could not be had from the archive.
_RAW_MISSING = (UNREADABLE, "no archived response")
_EXTRACTION_FAILURES = ("extraction timed out", "extraction worker died", *_RAW_MISSING)


def _failed_to_extract(extracted: ExtractedPage) -> bool:
    """True when extraction itself failed (time limit, crash, archive), not the page."""
    return extracted.page_type == "error" and (extracted.page_note or "").startswith(_EXTRACTION_FAILURES)


def _write(
    engine: Engine,
    results: list[tuple[dict[str, Any], ExtractedPage]],
    stage_run_id: int,
    stats: Counter[str],
) -> None:
    """Write one batch of results in one short transaction: stories upserted into
    ``articles`` on their fetch, every page's type and reason onto its fetch (bulk UPDATE by
    primary key), articles that turned out to be no story removed. A revisit's page becomes
    its article's next revision when it changed it (:mod:`pipelines.revisions`)."""
    if not results:
        return
    settings_hash = extractor_settings_hash()
    now = datetime.now().astimezone()
    versions = revisions.ArticleVersions.load(engine, (page for page, _ in results))
    changes = []
    articles: list[dict[str, Any]] = []
    revised: list[dict[str, Any]] = []
    first_versions: list[tuple[dict[str, Any], str | None]] = []
    kept: list[dict[str, Any]] = []
    fetches: list[dict[str, Any]] = []
    stamped: list[dict[str, Any]] = []
    demoted: list[int] = []
    # Stories in crawl order, so that new article ids follow the order pages were fetched.
    in_crawl_order = sorted(results, key=lambda result: (result[0]["fetched_at"], result[0]["fetch_id"]))
    for page, extracted in in_crawl_order:
        stats[f"page_type/{extracted.page_type}"] += 1
        if (extracted.page_note or "").startswith(_RAW_MISSING):
            stats["raw_missing"] += 1
        if extracted.truncated:
            stats["truncated"] += 1
        if extracted.page_note and "timed out" in extracted.page_note:
            stats["timed_out"] += 1
        if _failed_to_extract(extracted) and (page["old_page_type"] or page["fetch_page_type"]) is not None:
            # A timeout or a lost archive says nothing new about the page: keep what
            # an earlier run made of it, and say why it was not refreshed.
            stats["kept_previous"] += 1
            if page["id"] is not None:
                note = f"{extracted.page_note}; previous extraction kept"
                kept.append({"id": page["id"], "extraction_note": note})
            if page["fetch_extracted_by_id"] is None:  # no longer pending (a followed crawl loops)
                stamped.append({"id": page["fetch_id"], "extracted_by_id": stage_run_id})
            continue
        reason = page_reason(extracted.page_type, extracted.page_note, extracted.title, extracted.description)
        fetches.append(
            {
                "id": page["fetch_id"],
                "page_type": extracted.page_type,
                "page_reason": reason,
                "page_note": extracted.page_note,
                "extracted_by_id": stage_run_id,
            }
        )
        if reason is not None:
            stats[f"not_stories/{reason}"] += 1
            # A revisit that finds no story keeps the article it revisited as it was.
            if page["id"] is not None and page["revisit_of_id"] is None:
                demoted.append(page["id"])
            continue
        is_article = extracted.page_type == "article"
        # Only articles keep text on their row (a live blog's text stays out of the warehouse):
        # compare with, and write, what the row will hold.
        stored = extracted if is_article else replace(extracted, body_text=None, word_count=0)
        revisit = page["id"] is not None and page["revisit_of_id"] is not None
        if page["id"] is not None and versions.is_older(page):
            stats["older_versions"] += 1  # a rebuild's earlier version: the article shows a later one
            continue
        if revisit:
            if not versions.revise(page, stored, stored.body_text, stage_run_id=stage_run_id, now=now):
                stats["revisits_unchanged"] += 1
                continue
            stats["revisions"] += 1
        else:
            stats["stories"] += 1
        if is_article and not (extracted.body_text or "").strip():
            stats["empty_body"] += 1
        if not revisit and page["extractor_version"] is not None:
            old = {name: page[f"old_{name}"] for name in _COMPARED}
            diff = {
                name: values
                for name, values in changed_fields(old, stored).items()
                if name not in _OWNED_ELSEWHERE
            }
            if diff:
                stats["changed"] += 1
                changes.append(
                    {
                        "article_id": page["id"],
                        "stage_run_id": stage_run_id,
                        "old_extractor_version": page["extractor_version"],
                        "new_extractor_version": EXTRACTOR_VERSION,
                        "old_text_sha256": page["old_body_hash"],
                        "new_text_sha256": stored.body_hash,
                        "changed_fields": diff,
                        "changed_at": now,
                    }
                )
        articles.append(
            {
                **{name: page[name] for name in _PAGE_COLUMNS},
                "page_type": extracted.page_type,
                "title": extracted.title,
                "body_text": stored.body_text,
                "text_sha256": stored.body_hash,
                "authors": extracted.authors,
                "author_organisations": extracted.author_organisations,
                "published_at": extracted.published_at,
                "published_offset_minutes": extracted.published_offset_minutes,
                "modified_at": extracted.modified_at,
                "date_source": extracted.date_source,
                "date_candidates": extracted.date_candidates,
                "date_rule": extracted.date_rule or None,
                "description": extracted.description,
                "site_name": extracted.site_name,
                "section": extracted.section,
                "tags": extracted.tags,
                "image_url": extracted.image_url,
                "language": extracted.language,
                "word_count": stored.word_count,
                "truncated": extracted.truncated,
                "extraction_note": extracted.page_note,
                "extractor_version": EXTRACTOR_VERSION,
                "extractor_settings_hash": settings_hash,
                "extracted_by_id": stage_run_id,
            }
        )
        if revisit:
            # The article (on its first fetch, in its partition) shows the new version.
            row = articles.pop()
            revised.append({"id": page["id"], **{name: row[name] for name in _EXTRACTED_COLUMNS}})
        else:
            first_versions.append((page, correction_notice(stored.body_text)))
    stats["removed"] += len(demoted)
    with session_scope(engine) as session:
        for rows, model in ((kept, Article), (fetches, Fetch), (stamped, Fetch), (revised, Article)):
            if rows:
                session.execute(update(model), rows)
        remove_articles(session, demoted)
        upsert(session, Article, articles, key=["fetch_id"], update=_EXTRACTED_COLUMNS)
        upsert(session, ExtractionChange, changes, key=["article_id", "stage_run_id"])
        versions.rows.extend(revisions.first_revisions(session, first_versions, stage_run_id, now))
        versions.write(session)


# An article row's columns that come from its stored page (the crawl's facts).
_PAGE_COLUMNS = (
    "fetch_id",
    "crawl_run_id",
    "source_id",
    "partition_key",
    "fetched_at",
    "url",
    "canonical_url",
    "url_identity",
    "requested_url_identity",
)
# The columns a re-extraction rewrites on an existing article row.
_EXTRACTED_COLUMNS = [
    "page_type", "title", "body_text", "text_sha256", "authors", "author_organisations",
    "published_at", "published_offset_minutes", "modified_at", "date_source", "date_candidates",
    "date_rule", "description", "site_name", "section", "tags", "image_url", "language",
    "word_count", "truncated", "extraction_note", "extractor_version", "extractor_settings_hash",
    "extracted_by_id",
]


def remove_articles(session: Session, article_ids: list[int]) -> None:
    """Remove article rows that a re-extraction found to be no news story.

    Their page stays on its fetch. What pointed at them lets go: their extraction
    changes and story memberships go, copies of them lose their duplicate mark, relations
    and story origins naming them are cleared, and the articles that shared a story or a
    duplicate mark with them become pending again for dedup and clustering (their lineage
    columns are reset), so the next runs of those stages decide them anew.
    """
    if not article_ids:
        return
    for start in range(0, len(article_ids), 500):
        ids = article_ids[start : start + 500]
        stories = select(Article.story_id).where(Article.id.in_(ids), Article.story_id.is_not(None))
        session.execute(
            update(Article)
            .where(Article.story_id.in_(stories), Article.id.not_in(ids))
            .values(clustered_by_id=None)
        )
        session.execute(
            update(Article)
            .where(Article.duplicate_of_id.in_(ids))
            .values(duplicate_of_id=None, duplicate_kind=None, deduped_by_id=None, clustered_by_id=None)
        )
        session.execute(update(StoryArticle).where(StoryArticle.related_to_id.in_(ids)).values(related_to_id=None))
        session.execute(delete(StoryArticle).where(StoryArticle.article_id.in_(ids)))
        session.execute(update(Story).where(Story.origin_article_id.in_(ids)).values(origin_article_id=None))
        session.execute(delete(ExtractionChange).where(ExtractionChange.article_id.in_(ids)))
        revisions.forget(session, ids)
        session.execute(delete(Article).where(Article.id.in_(ids)))
