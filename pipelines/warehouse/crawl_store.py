"""Warehouse writes of the crawl: crawl runs, sources, fetches and discovery rows.

The crawl writes no ``articles`` row: a stored page is a fetch marked with its URL
identities, and the clean stage adds the article when the page is a news story.

Plain synchronous SQLAlchemy, called by the crawler from a worker thread. Every
write is an upsert on a natural key, so replaying a batch changes nothing.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select, update

from pipelines.warehouse.db import session_scope, upsert
from pipelines.warehouse.models import (
    CrawlRun,
    FeedEntry,
    Fetch,
    HubLink,
    SitemapEntry,
    Source,
)

# Kinds whose responses are worth a conditional GET next time (a probe that found a feed or
# sitemap was its first poll).
CONDITIONAL_KINDS = ("feed", "hub", "sitemap", "probe")


@dataclass
class CrawlBatch:
    """Rows gathered by the crawler since the last flush, written in one transaction."""

    fetches: dict[str, dict[str, Any]] = field(default_factory=dict)
    fetch_updates: list[dict[str, Any]] = field(default_factory=list)
    feed_entries: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    hub_links: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    sitemap_entries: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)

    def __len__(self) -> int:
        return (
            len(self.fetches)
            + len(self.fetch_updates)
            + len(self.feed_entries)
            + len(self.hub_links)
            + len(self.sitemap_entries)
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
        shard: str | None = None,
        clock_at: datetime | None = None,
    ) -> int:
        """Insert a ``crawl_runs`` row in status ``running`` and return its id.

        ``clock_at`` is the time the crawl's schedules take as now (default: the start).

        The row names this process (host, pid, process start) in ``stats`` until the run
        finishes, so that a later crawl can tell a run whose process died
        (:meth:`close_abandoned_runs`, called here first).
        """
        self.close_abandoned_runs()
        started = datetime.now(UTC)
        with session_scope(self.engine) as session:
            run = CrawlRun(
                started_at=started,
                clock_at=clock_at or started,
                status="running",
                mode=mode,
                config_path=config_path,
                partition_key=partition_key,
                dagster_run_id=dagster_run_id,
                code_version=code_version,
                shard=shard,
                stats=_process_identity(os.getpid()),
            )
            session.add(run)
            session.flush()
            return run.id

    def close_abandoned_runs(self) -> list[int]:
        """Mark ``failed`` the running crawl runs of this host whose process is gone.

        A crawl killed mid-way (SIGKILL, out of memory, a lost machine) never finishes its
        row. Only runs started on this host are judged, by their recorded pid and process
        start time; runs of other hosts are left alone. Returns the ids closed.
        """
        host = socket.gethostname()
        closed: list[int] = []
        with session_scope(self.engine) as session:
            running = session.scalars(select(CrawlRun).where(CrawlRun.status == "running")).all()
            for run in running:
                stats = run.stats or {}
                pid = stats.get("storyline/pid")
                if stats.get("storyline/host") != host or not isinstance(pid, int):
                    continue
                if _process_identity(pid) == {key: stats.get(key) for key in _IDENTITY_KEYS}:
                    continue  # still running
                run.status = "failed"
                run.error = (
                    f"abandoned: crawl process {pid} on {host} ended without closing its run "
                    "(killed or crashed); fetches written before that are kept"
                )
                closed.append(run.id)
        return closed

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

    def stored_identities(self, identities: Iterable[str]) -> set[str]:
        """Return those of ``identities`` (:func:`~pipelines.urls.url_identity` values) that a
        stored page has, as its canonical URL's identity or its requested URL's: every page
        the crawl stored, news story or not (a junk page is not fetched again either).

        Looked up on the indexed identity columns of ``fetches``, 500 at a time.
        """
        wanted = sorted(set(identities))
        found: set[str] = set()
        with session_scope(self.engine) as session:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                for column in (Fetch.url_identity, Fetch.requested_url_identity):
                    found.update(session.execute(select(column).where(column.in_(chunk))).scalars())
        return found

    def validators(self) -> dict[str, tuple[str | None, str | None]]:
        """Return the newest (ETag, Last-Modified) seen per feed, hub and sitemap URL.

        Only crawls that finished count: a crawl that died (or was killed) may not have
        requested every article its feeds listed, so their pages are fetched in full again.
        """
        newest = (
            select(Fetch.url, func.max(Fetch.requested_at).label("at"))
            .join(CrawlRun, CrawlRun.id == Fetch.crawl_run_id)
            .where(Fetch.kind.in_(CONDITIONAL_KINDS), Fetch.status_code == 200)
            .where(CrawlRun.status == "succeeded")
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


_IDENTITY_KEYS = ("storyline/host", "storyline/pid", "storyline/process_started")


def _process_identity(pid: int) -> dict[str, Any]:
    """Return what identifies process ``pid`` on this host (empty dict when it is gone).

    The start time (from ``/proc`` where there is one) tells a live run from a new
    process that happens to reuse a dead run's pid.
    """
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return {}
    except PermissionError:
        pass  # alive, owned by someone else
    started: str | None = None
    stat = Path(f"/proc/{pid}/stat")
    try:
        fields = stat.read_text().rsplit(")", 1)[1].split()
        if fields[0] == "Z":
            return {}  # a zombie: dead, not yet reaped
        started = fields[19]
    except (OSError, IndexError):
        started = None
    return {
        "storyline/host": socket.gethostname(),
        "storyline/pid": pid,
        "storyline/process_started": started,
    }
