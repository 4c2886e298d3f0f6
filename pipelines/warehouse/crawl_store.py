"""Warehouse writes of the crawl: crawl runs, sources, fetches and discovery rows.

Plain synchronous SQLAlchemy, called by the crawler from a worker thread. Every
write is an upsert on a natural key, so replaying a batch changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, func, select, update

from pipelines.warehouse.db import session_scope, upsert
from pipelines.warehouse.models import (
    Article,
    CrawlRun,
    FeedEntry,
    Fetch,
    HubLink,
    SitemapEntry,
    Source,
)

# Kinds whose responses are worth a conditional GET next time.
CONDITIONAL_KINDS = ("feed", "hub", "sitemap")


@dataclass
class CrawlBatch:
    """Rows gathered by the crawler since the last flush, written in one transaction."""

    fetches: dict[str, dict[str, Any]] = field(default_factory=dict)
    fetch_updates: list[dict[str, Any]] = field(default_factory=list)
    feed_entries: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    hub_links: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    sitemap_entries: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    articles: list[dict[str, Any]] = field(default_factory=list)

    def __len__(self) -> int:
        return (
            len(self.fetches)
            + len(self.fetch_updates)
            + len(self.feed_entries)
            + len(self.hub_links)
            + len(self.sitemap_entries)
            + len(self.articles)
        )

    def add_fetch(self, row: dict[str, Any]) -> None:
        """Add a fetch row (keyed by its id)."""
        self.fetches[row["id"]] = row

    def update_fetch(self, change: dict[str, Any]) -> None:
        """Change a fetch: in place when it is still buffered here, else by a later UPDATE."""
        pending = self.fetches.get(change["id"])
        if pending is not None:
            pending.update(change)
        else:
            self.fetch_updates.append(change)

    def add_seen(self, table: str, key: tuple[str, str], row: dict[str, Any]) -> None:
        """Add a feed entry, hub link or sitemap entry; a repeat keeps its first sighting."""
        rows: dict[tuple[str, str], dict[str, Any]] = getattr(self, table)
        earlier = rows.get(key)
        if earlier is not None:
            row = {
                **row,
                "first_seen_at": earlier["first_seen_at"],
                "first_fetch_id": earlier["first_fetch_id"],
            }
        rows[key] = row


class CrawlStore:
    """The crawl's connection to the warehouse."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def start_run(
        self,
        *,
        config_path: str | None,
        mode: str,
        partition_key: str | None,
        dagster_run_id: str | None,
        code_version: str | None,
    ) -> int:
        """Insert a ``crawl_runs`` row in status ``running`` and return its id."""
        with session_scope(self.engine) as session:
            run = CrawlRun(
                started_at=datetime.now(UTC),
                status="running",
                mode=mode,
                config_path=config_path,
                partition_key=partition_key,
                dagster_run_id=dagster_run_id,
                code_version=code_version,
                stats={},
            )
            session.add(run)
            session.flush()
            return run.id

    def set_warc_path(self, crawl_run_id: int, warc_path: str) -> None:
        """Record the WARC file a crawl writes to."""
        with session_scope(self.engine) as session:
            session.execute(update(CrawlRun).where(CrawlRun.id == crawl_run_id).values(warc_path=warc_path))

    def finish_run(
        self, crawl_run_id: int, *, status: str, stats: Mapping[str, Any], error: str | None = None
    ) -> None:
        """Close a crawl run with its final status and stats."""
        with session_scope(self.engine) as session:
            session.execute(
                update(CrawlRun)
                .where(CrawlRun.id == crawl_run_id)
                .values(finished_at=datetime.now(UTC), status=status, stats=dict(stats), error=error)
            )

    def ensure_sources(self, sources: Iterable[tuple[str, dict[str, Any]]]) -> dict[str, int]:
        """Upsert the configured sources and return their ids by name."""
        now = datetime.now(UTC)
        rows = [
            {"name": name, "config": config, "first_seen_at": now, "updated_at": now}
            for name, config in sources
        ]
        with session_scope(self.engine) as session:
            upsert(session, Source, rows, key=["name"], update=["config", "updated_at"])
            names = [row["name"] for row in rows]
            found = session.execute(select(Source.name, Source.id).where(Source.name.in_(names)))
            return {name: source_id for name, source_id in found}

    def known_article_urls(self) -> set[str]:
        """Return every canonical URL (and requested URL) of an article already stored."""
        with session_scope(self.engine) as session:
            known: set[str] = set()
            for url, canonical in session.execute(select(Article.url, Article.canonical_url)):
                known.add(canonical)
                known.add(url)
            return known

    def validators(self) -> dict[str, tuple[str | None, str | None]]:
        """Return the newest (ETag, Last-Modified) seen per feed, hub and sitemap URL."""
        newest = (
            select(Fetch.url, func.max(Fetch.requested_at).label("at"))
            .where(Fetch.kind.in_(CONDITIONAL_KINDS), Fetch.status_code == 200)
            .where((Fetch.etag.is_not(None)) | (Fetch.last_modified.is_not(None)))
            .group_by(Fetch.url)
            .subquery()
        )
        query = select(Fetch.url, Fetch.etag, Fetch.last_modified).join(
            newest, (Fetch.url == newest.c.url) & (Fetch.requested_at == newest.c.at)
        )
        with session_scope(self.engine) as session:
            return {url: (etag, modified) for url, etag, modified in session.execute(query)}

    def write_batch(self, batch: CrawlBatch) -> None:
        """Write one batch in a single transaction, parents before children."""
        with session_scope(self.engine) as session:
            upsert(session, Fetch, batch.fetches.values(), key=["id"])
            # Updates of fetches written by an earlier batch: bulk UPDATE by primary key,
            # one executemany per set of changed columns.
            by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = {}
            for change in batch.fetch_updates:
                by_columns.setdefault(tuple(sorted(change)), []).append(change)
            for changes in by_columns.values():
                session.execute(update(Fetch), changes)
            seen_updates = ["last_seen_at", "last_fetch_id"]
            upsert(
                session,
                FeedEntry,
                batch.feed_entries.values(),
                key=["feed_url", "entry_key"],
                update=[*seen_updates, "title", "summary", "updated_at", "url", "canonical_url"],
            )
            upsert(
                session,
                HubLink,
                batch.hub_links.values(),
                key=["hub_url", "canonical_url"],
                update=[*seen_updates, "anchor_text"],
            )
            upsert(
                session,
                SitemapEntry,
                batch.sitemap_entries.values(),
                key=["sitemap_url", "canonical_url"],
                update=[*seen_updates, "lastmod", "news_title", "news_published_at"],
            )
            upsert(session, Article, batch.articles, key=["fetch_id"])
