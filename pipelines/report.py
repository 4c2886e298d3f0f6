"""Summaries of the warehouse for people: counts per table, fetches by kind, errors by reason,
and what one crawl run did."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from pipelines.warehouse import pending
from pipelines.warehouse.db import session_scope
from pipelines.warehouse.models import (
    Article,
    Base,
    CrawlRun,
    Fetch,
    Source,
    Story,
    StoryArticle,
)


def warehouse_summary(session: Session, *, stories: int = 5) -> dict[str, Any]:
    """Return row counts per table, fetches per kind, errors per reason, page types and top stories."""
    counts = {
        name: session.execute(select(func.count()).select_from(table)).scalar_one()
        for name, table in sorted(Base.metadata.tables.items())
    }
    by_kind = dict(
        session.execute(select(Fetch.kind, func.count()).group_by(Fetch.kind).order_by(Fetch.kind)).all()
    )
    errors = dict(
        session.execute(
            select(Fetch.error, func.count())
            .where(Fetch.error.is_not(None))
            .group_by(Fetch.error)
            .order_by(func.count().desc(), Fetch.error)
        ).all()
    )
    page_types = dict(
        session.execute(
            select(func.coalesce(Fetch.page_type, "not yet cleaned"), func.count())
            .where(pending.STORED_PAGE)
            .group_by(Fetch.page_type)
            .order_by(func.count().desc())
        ).all()
    )
    per_source = dict(
        session.execute(
            select(Source.name, func.count(Article.id))
            .join(Article, Article.source_id == Source.id, isouter=True)
            .group_by(Source.name)
            .order_by(Source.name)
        ).all()
    )
    top = []
    for story in session.scalars(
        select(Story)
        .where(Story.article_count > 1)
        .order_by(Story.article_count.desc(), Story.id)
        .limit(stories)
    ):
        members = session.execute(
            select(Article.id, Article.title, Source.name, StoryArticle.relation)
            .join(StoryArticle, StoryArticle.article_id == Article.id)
            .join(Source, Source.id == Article.source_id, isouter=True)
            .where(StoryArticle.story_id == story.id)
            .order_by(Article.published_at, Article.id)
        ).all()
        top.append({"id": story.id, "title": story.title, "articles": [tuple(m) for m in members]})
    return {
        "tables": counts,
        "fetches_by_kind": by_kind,
        "errors_by_reason": errors,
        "pages_by_page_type": page_types,
        "articles_by_source": per_source,
        "stories": top,
    }


def format_summary(summary: dict[str, Any]) -> str:
    """Render :func:`warehouse_summary` as aligned text."""
    lines = ["Warehouse totals, rows per table:"]
    lines += [f"  {name:<20} {count:>7}" for name, count in summary["tables"].items()]
    for title, key in (
        ("Fetches by kind:", "fetches_by_kind"),
        ("Errors by reason:", "errors_by_reason"),
        ("Stored pages by page type:", "pages_by_page_type"),
        ("Articles by source:", "articles_by_source"),
    ):
        lines.append(title)
        values = summary[key]
        lines += [f"  {name:<24} {count:>7}" for name, count in values.items()] or ["  (none)"]
    if summary["stories"]:
        lines.append("Stories with more than one article:")
        for story in summary["stories"]:
            lines.append(f"  story {story['id']}: {story['title']}")
            for article_id, title, source, relation in story["articles"]:
                lines.append(f"    [{relation:<11}] #{article_id} {source}: {title}")
    return "\n".join(lines)


def articles_per_source(engine: Engine, partition_key: str) -> dict[str, int]:
    """Articles (page type ``article``) of a partition per source name."""
    with session_scope(engine) as session:
        rows = session.execute(
            select(func.coalesce(Source.name, "unknown"), func.count())
            .select_from(Article)
            .join(Source, Source.id == Article.source_id, isouter=True)
            .where(Article.partition_key == partition_key, Article.page_type == "article")
            .group_by(Source.name)
            .order_by(Source.name)
        ).all()
    return {name: count for name, count in rows}


def partition_totals(engine: Engine, partition_key: str) -> dict[str, int]:
    """Return a partition's stored pages, how many are extracted, and how many are articles."""
    with session_scope(engine) as session:
        pages, extracted = session.execute(
            select(func.count(), func.count(Fetch.extracted_by_id))
            .join(CrawlRun, CrawlRun.id == Fetch.crawl_run_id)
            .where(CrawlRun.partition_key == partition_key, pending.STORED_PAGE)
        ).one()
        articles = session.execute(
            select(func.count())
            .select_from(Article)
            .where(Article.partition_key == partition_key, Article.page_type == "article")
        ).scalar_one()
    return {"partition_pages": pages, "partition_extracted": extracted, "partition_articles": articles}


def crawl_run_report(session: Session, crawl_run_id: int) -> dict[str, Any]:
    """What one crawl run did: responses fetched, 304s, pages stored, known ones skipped, failures.

    Raises ``LookupError`` when there is no such crawl run.
    """
    run = session.get(CrawlRun, crawl_run_id)
    if run is None:
        raise LookupError(f"no crawl run with id {crawl_run_id}")
    of_run = Fetch.crawl_run_id == crawl_run_id
    responses = session.execute(
        select(func.count(), func.count().filter(Fetch.status_code == 304))
        .select_from(Fetch)
        .where(of_run, Fetch.status_code.is_not(None))
    ).one()
    failures = session.execute(
        select(Fetch.error, func.count())
        .where(of_run, Fetch.error.is_not(None))
        .group_by(Fetch.error)
        .order_by(func.count().desc(), Fetch.error)
    ).all()
    stored = session.execute(
        select(func.count()).select_from(Fetch).where(of_run, pending.STORED_PAGE)
    ).scalar_one()
    return {
        "crawl_run_id": run.id,
        "mode": run.mode,
        "partition_key": run.partition_key,
        "status": run.status,
        "fetched": responses[0],
        "not_modified": responses[1],
        "pages_stored": stored,
        "skipped_as_known": (run.stats or {}).get("storyline/articles_skipped_known", 0),
        "documents_due": (run.stats or {}).get("storyline/documents_due", 0),
        "documents_not_due": (run.stats or {}).get("storyline/documents_not_due", 0),
        "stories_revisited": (run.stats or {}).get("storyline/revisits_due", 0),
        "failed_by_reason": dict(failures),
    }


def latest_crawl_run(session: Session, dagster_run_id: str | None = None) -> int | None:
    """The id of the newest crawl run (of ``dagster_run_id`` when given), or ``None``."""
    query = select(func.max(CrawlRun.id))
    if dagster_run_id is not None:
        query = query.where(CrawlRun.dagster_run_id == dagster_run_id)
    return session.execute(query).scalar_one()


def format_crawl_run_report(report: dict[str, Any], heading: str = "This crawl") -> str:
    """Render :func:`crawl_run_report` as aligned text."""
    lines = [
        f"{heading} (crawl run {report['crawl_run_id']}, {report['mode']}, "
        f"partition {report['partition_key']}, {report['status']}):",
        f"  {'documents due':<26} {report['documents_due']:>7}",
        f"  {'documents not due yet':<26} {report['documents_not_due']:>7}",
        f"  {'responses fetched':<26} {report['fetched']:>7}",
        f"  {'not modified (304)':<26} {report['not_modified']:>7}",
        f"  {'pages stored':<26} {report['pages_stored']:>7}",
        f"  {'skipped as known':<26} {report['skipped_as_known']:>7}",
        f"  {'stories revisited':<26} {report['stories_revisited']:>7}",
    ]
    failures = report["failed_by_reason"]
    lines += [f"  {'failed: ' + reason:<26} {count:>7}" for reason, count in failures.items()]
    if not failures:
        lines.append(f"  {'failed':<26} {0:>7}")
    return "\n".join(lines)


def format_source_documents(rows: list[tuple[str, Any]], now: datetime) -> str:
    """Render ``source_documents`` rows (with their source names) as one aligned line each:
    source, kind, URL, origin, interval, last result and when it is next due."""
    if not rows:
        return "no source documents yet: a crawl records every feed, hub, sitemap and homepage it polls"
    header = ("source", "kind", "url", "origin", "interval", "last result", "next due")
    table = [header]
    for name, doc in rows:
        origin = doc.origin if doc.origin == "config" else f"{doc.found_by or 'discovered'}"
        if not doc.active:
            origin += " (unused)"
        result = doc.last_result or "never polled"
        if doc.last_result == "failed":
            result += f" ({doc.last_error}, {doc.consecutive_failures}x)"
        elif doc.last_items is not None:
            result += f" ({doc.last_new_items}/{doc.last_items} new)"
        table.append((name, doc.kind, doc.url, origin, _duration(doc.interval_seconds), result,
                      _due(doc.next_due_at, now)))
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
                     for row in table)


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds / size:.3g}{unit}"
    return f"{seconds:.0f}s"


def _due(when: datetime | None, now: datetime) -> str:
    if when is None or when <= now:
        return "now"
    return f"{when:%Y-%m-%d %H:%M} UTC (in {_duration((when - now).total_seconds())})"
