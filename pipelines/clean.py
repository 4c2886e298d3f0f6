"""The clean stage: raw pages from the WARC archive become article text and metadata.

For one partition, stored article pages are read back from the archive (never
refetched), extracted on every core (:class:`pipelines.extract.ExtractionPool`), and
written onto their ``articles`` rows in batches (one bulk UPDATE by primary key per
batch); non-articles keep no text and their page type is recorded on the fetch too.
A scheduled run extracts only the pages not extracted yet
(:data:`pipelines.warehouse.pending.CLEAN`), and can follow a running crawl, extracting
what it lands while it fetches (:func:`clean_partition` with ``crawl_done``); a rebuild
extracts every page of the partition. When a row had been extracted before and the
output differs, an ``extraction_changes`` row records what changed. Running it twice
leaves the same rows.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, select, union_all, update
from sqlalchemy.sql.elements import ColumnElement

from pipelines.extract import (
    EXTRACTOR_VERSION,
    ExtractedPage,
    ExtractionPool,
    PageHints,
    changed_fields,
    extractor_settings_hash,
)
from pipelines.extract.pool import UNREADABLE, ArchivedPage
from pipelines.progress import Report, Tracker, extraction_tracker
from pipelines.warehouse import pending
from pipelines.warehouse.db import session_scope, upsert
from pipelines.warehouse.models import Article, ExtractionChange, FeedEntry, Fetch, HubLink, SitemapEntry

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
    crawl_done: Callable[[], bool] | None = None,
    poll_s: float = 0.5,
    progress: Report | None = None,
    only: ColumnElement[bool] | None = None,
) -> dict[str, Any]:
    """Extract the partition's article pages; return counts for metadata.

    ``only`` narrows the pages to those matching a condition on ``articles`` (one crawl
    shard's, :func:`pipelines.warehouse.shard_members.shard_articles`).

    With ``rebuild`` every page is extracted, else only pages never extracted. With
    ``crawl_done`` the stage follows a crawl that is still landing pages: it extracts
    what is there, waits ``poll_s`` when nothing is, and returns once ``crawl_done()``
    is true and nothing is left. ``pool`` is an extraction pool to use (else one of
    ``workers`` processes is started and stopped here). Raises nothing for bad pages
    (they become typed rows); database errors propagate. ``progress`` receives a
    progress line every few seconds (pages extracted, errors, rate).
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
                finished = crawl_done()
                pages = _load_pages(engine, partition_key, rebuild=False, limit=STREAM_BATCH, only=only)
                if pages:
                    _clean_batch(engine, pool, pages, stage_run_id, stats, tracker)
                elif finished:
                    break
                else:
                    time.sleep(poll_s)
    finally:
        if owned:
            pool.close()
    tracker.finish()
    return dict(stats)


def _clean_batch(
    engine: Engine,
    pool: ExtractionPool,
    pages: dict[int, dict[str, Any]],
    stage_run_id: int,
    stats: Counter[str],
    tracker: Tracker,
) -> None:
    """Extract ``pages`` (article id -> page row) and write them, WRITE_BATCH at a time."""
    hints = _load_hints(engine, [page["canonical_url"] for page in pages.values()])
    pending: list[tuple[dict[str, Any], ExtractedPage]] = []
    unreadable: list[tuple[dict[str, Any], ExtractedPage]] = []

    def jobs() -> Iterator[tuple[int, ArchivedPage, str, PageHints | None]]:
        for article_id, page in pages.items():
            if not page["warc_path"]:
                note = "no archived response for this fetch"
                unreadable.append((page, ExtractedPage(page_type="error", page_note=note)))
                continue
            # The worker reads the record itself (one ranged read), off this process.
            record = ArchivedPage(page["warc_path"], page["warc_offset"], page["warc_length"])
            yield article_id, record, page["url"], _hints_for(page, hints)

    # Batches are written by one writer thread while the workers go on extracting; at most
    # one batch waits for it. Every write has finished when this returns.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="clean-writer") as writer:
        writing: Future | None = None
        for article_id, extracted in tracker.track(pool.map(jobs()), added=len(pages)):
            pending.append((pages[article_id], extracted))
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
) -> dict[int, dict[str, Any]]:
    columns = [
        Article.id,
        Article.url,
        Article.canonical_url,
        Article.fetched_at,
        Article.fetch_id,
        Article.extractor_version,
        Fetch.warc_path,
        Fetch.warc_offset,
        Fetch.warc_length,
        Fetch.content_type,
        *(column.label(f"old_{name}") for name, column in _COMPARED.items()),
    ]
    query = (
        select(*columns)
        .join(Fetch, Fetch.id == Article.fetch_id)
        .where(Article.partition_key == partition_key)
        .order_by(Article.id)
    )
    if not rebuild:
        query = query.where(pending.CLEAN)
    if only is not None:
        query = query.where(only)
    if limit:
        query = query.limit(limit)
    with session_scope(engine) as session:
        return {row.id: dict(row._mapping) for row in session.execute(query)}


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
    """Write one batch of results: bulk UPDATEs by primary key in one short transaction."""
    if not results:
        return
    settings_hash = extractor_settings_hash()
    changes = []
    articles: list[dict[str, Any]] = []
    kept: list[dict[str, Any]] = []
    fetches: list[dict[str, Any]] = []
    for page, extracted in results:
        stats[f"page_type/{extracted.page_type}"] += 1
        if (extracted.page_note or "").startswith(_RAW_MISSING):
            stats["raw_missing"] += 1
        is_article = extracted.page_type == "article"
        # Only articles keep text on their row (a live blog's text stays out of the warehouse):
        # compare with, and write, what the row will hold.
        stored = extracted if is_article else replace(extracted, body_text=None, word_count=0)
        if is_article and not (extracted.body_text or "").strip():
            stats["empty_body"] += 1
        if extracted.truncated:
            stats["truncated"] += 1
        if extracted.page_note and "timed out" in extracted.page_note:
            stats["timed_out"] += 1
        if _failed_to_extract(extracted) and page["old_page_type"] is not None:
            # A timeout or a lost archive says nothing new about the page: keep what
            # an earlier run extracted, and say why it was not refreshed.
            stats["kept_previous"] += 1
            note = f"{extracted.page_note}; previous extraction kept"
            kept.append({"id": page["id"], "extraction_note": note})
            continue
        if page["extractor_version"] is not None:
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
                        "changed_at": datetime.now().astimezone(),
                    }
                )
        articles.append(
            {
                "id": page["id"],
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
        fetches.append(
            {"id": page["fetch_id"], "page_type": extracted.page_type, "page_note": extracted.page_note}
        )
    with session_scope(engine) as session:
        for rows, model in ((articles, Article), (kept, Article), (fetches, Fetch)):
            if rows:
                session.execute(update(model), rows)
        upsert(session, ExtractionChange, changes, key=["article_id", "stage_run_id"])
