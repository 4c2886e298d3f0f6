"""Walk an article's lineage: article -> fetch -> WARC record -> discovering pages -> crawl run."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipelines.warehouse.models import (
    Article,
    ArticleRevision,
    CrawlRun,
    FeedEntry,
    Fetch,
    HubLink,
    SitemapEntry,
    SourceDocument,
    StageRun,
    StoryArticle,
)


class LineageError(LookupError):
    """The article (or a row its lineage names) does not exist."""


@dataclass
class LineageStep:
    """One link of the chain: what the row is and its identifying facts."""

    kind: str
    facts: dict[str, Any] = field(default_factory=dict)


def article_lineage(session: Session, article_id: int) -> list[LineageStep]:
    """Return the lineage chain of an article, newest step first.

    Raises :class:`LineageError` when no article has that id.
    """
    article = session.get(Article, article_id)
    if article is None:
        raise LineageError(f"no article with id {article_id}; list ids with: SELECT id, url FROM articles")
    steps = [
        LineageStep(
            "article",
            {
                "id": article.id,
                "url": article.url,
                "canonical_url": article.canonical_url,
                "partition": article.partition_key,
                "page_type": article.page_type,
                "title": article.title,
                "story_id": article.story_id,
                "duplicate_of_id": article.duplicate_of_id,
                "extractor_version": article.extractor_version,
            },
        )
    ]
    for label, stage_run_id in (
        ("extracted by", article.extracted_by_id),
        ("deduplicated by", article.deduped_by_id),
        ("clustered by", article.clustered_by_id),
        ("enriched by", article.enriched_by_id),
    ):
        stage_run = session.get(StageRun, stage_run_id) if stage_run_id else None
        if stage_run is not None:
            steps.append(LineageStep(f"stage run ({label})", _stage_facts(stage_run)))
    membership = session.get(StoryArticle, article.id)
    if membership is not None:
        steps.append(
            LineageStep(
                "story membership",
                {
                    "story_id": membership.story_id,
                    "relation": membership.relation,
                    "related_to_id": membership.related_to_id,
                    "similarity": membership.similarity,
                },
            )
        )
    steps.extend(_revisions(session, article.id))
    fetch_id: str | None = article.fetch_id
    first = True
    crawl_run_ids: list[int] = []
    while fetch_id:
        fetch = session.get(Fetch, fetch_id)
        if fetch is None:
            raise LineageError(f"fetch {fetch_id} named by the lineage of article {article_id} is missing")
        steps.append(LineageStep("fetch" if first else f"{fetch.kind} fetch", _fetch_facts(fetch)))
        if fetch.warc_path:
            steps.append(
                LineageStep(
                    "WARC record",
                    {
                        "file": fetch.warc_path,
                        "offset": fetch.warc_offset,
                        "length": fetch.warc_length,
                        "sha256": fetch.body_sha256,
                    },
                )
            )
        if fetch.crawl_run_id not in crawl_run_ids:
            crawl_run_ids.append(fetch.crawl_run_id)
        fetch_id = fetch.discovered_from_id
        first = False
    steps.extend(discovery_of(session, article.canonical_url))
    for crawl_run_id in crawl_run_ids:
        run = session.get(CrawlRun, crawl_run_id)
        if run is not None:
            steps.append(
                LineageStep(
                    "crawl run",
                    {
                        "id": run.id,
                        "started_at": run.started_at,
                        "finished_at": run.finished_at,
                        "status": run.status,
                        "mode": run.mode,
                        "partition": run.partition_key,
                        "dagster_run_id": run.dagster_run_id,
                        "code_version": run.code_version,
                        "config": run.config_path,
                    },
                )
            )
    return steps


def _revisions(session: Session, article_id: int) -> list[LineageStep]:
    """The article's later versions (revision 2 on), newest first, each with its fetch and WARC record."""
    query = (
        select(ArticleRevision)
        .where(ArticleRevision.article_id == article_id, ArticleRevision.revision > 1)
        .order_by(ArticleRevision.revision.desc())
    )
    return [
        LineageStep(
            f"revision {revision.revision}",
            {
                "fetch_id": revision.fetch_id,
                "fetched_at": revision.fetched_at,
                "warc_file": revision.warc_path,
                "warc_offset": revision.warc_offset,
                "changed": ", ".join(revision.changed_fields),
                "diff": revision.diff_summary,
                "correction_notice": revision.correction_notice,
            },
        )
        for revision in session.scalars(query)
    ]


def format_lineage(steps: list[LineageStep]) -> str:
    """Render a lineage chain as indented text, one step per block."""
    lines = []
    for depth, step in enumerate(steps):
        lines.append(f"{'  ' * min(depth, 1)}{'-> ' if depth else ''}{step.kind}")
        for key, value in step.facts.items():
            if value is not None:
                lines.append(f"{'  ' * min(depth, 1)}     {key}: {value}")
    return "\n".join(lines)


def _fetch_facts(fetch: Fetch) -> dict[str, Any]:
    return {
        "id": fetch.id,
        "kind": fetch.kind,
        "url": fetch.url,
        "final_url": fetch.final_url,
        "status_code": fetch.status_code,
        "error": fetch.error,
        "requested_at": fetch.requested_at,
        "content_type": fetch.content_type,
        "crawl_run_id": fetch.crawl_run_id,
    }


def _stage_facts(stage_run: StageRun) -> dict[str, Any]:
    return {
        "id": stage_run.id,
        "stage": stage_run.stage,
        "partition": stage_run.partition_key,
        "dagster_run_id": stage_run.dagster_run_id,
        "code_version": stage_run.code_version,
        "finished_at": stage_run.finished_at,
    }


def discovery_of(session: Session, canonical_url: str) -> list[LineageStep]:
    """Return every feed entry, hub link and sitemap entry that pointed at ``canonical_url``."""
    steps: list[LineageStep] = []
    for entry in session.scalars(select(FeedEntry).where(FeedEntry.canonical_url == canonical_url)):
        steps.append(
            LineageStep(
                "feed entry",
                {
                    "feed": entry.feed_url,
                    "guid": entry.guid,
                    "title": entry.title,
                    "published_at": entry.published_at,
                    "first_seen_at": entry.first_seen_at,
                },
            )
        )
    for link in session.scalars(select(HubLink).where(HubLink.canonical_url == canonical_url)):
        steps.append(
            LineageStep(
                "hub link",
                {
                    "hub": link.hub_url,
                    "anchor": link.anchor_text,
                    "first_seen_at": link.first_seen_at,
                    "last_seen_at": link.last_seen_at,
                },
            )
        )
    for entry in session.scalars(select(SitemapEntry).where(SitemapEntry.canonical_url == canonical_url)):
        steps.append(LineageStep("sitemap entry", {"sitemap": entry.sitemap_url, "lastmod": entry.lastmod}))
    facts = [step.facts for step in steps]
    documents = {fact.get("feed") or fact.get("hub") or fact.get("sitemap") for fact in facts}
    found = select(SourceDocument).where(
        SourceDocument.url.in_(sorted(documents)), SourceDocument.origin == "discovered"
    )
    for document in session.scalars(found.order_by(SourceDocument.url)):
        steps.append(
            LineageStep(
                f"discovered {document.kind}",
                {
                    "url": document.url,
                    "found_by": document.found_by,
                    "found_on": document.found_on,
                    "found_fetch_id": document.found_fetch_id,
                    "first_found_at": document.first_found_at,
                },
            )
        )
    return steps
