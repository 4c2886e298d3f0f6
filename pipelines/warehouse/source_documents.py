"""Warehouse side of ``source_documents``: configured and discovered documents, and their schedules.

Read once when a crawl starts (:func:`load_documents`), written when it ends
(:func:`write_crawl_documents`): the configured documents, what homepages revealed, and
each polled document's next-due time (:mod:`pipelines.polling`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from pipelines.polling import PollBounds, PollOutcome, Schedule, next_schedule
from pipelines.warehouse.db import session_scope, upsert
from pipelines.warehouse.models import FeedEntry, HubLink, SitemapEntry, Source, SourceDocument

#: A document's identity: (source id, URL).
DocumentKey = tuple[int, str]


@dataclass(frozen=True)
class KnownDocument:
    """A ``source_documents`` row as a crawl plans with it."""

    kind: str
    url: str
    origin: str
    active: bool
    schedule: Schedule


@dataclass
class Finding:
    """A document a homepage revealed (written as an ``origin = 'discovered'`` row)."""

    source_id: int
    kind: str
    url: str
    found_by: str
    found_on: str
    fetch_id: str | None


@dataclass
class Poll:
    """One poll of a document during a crawl: its fetches and how it went."""

    source_id: int
    kind: str
    url: str
    fetch_ids: list[str] = field(default_factory=list)
    items: int = 0  # entries, links and sitemap URLs its fetches listed
    failed: bool = False
    error: str | None = None
    not_modified: bool = False
    publisher_min_seconds: float | None = None
    publisher_hint: str | None = None


def load_documents(engine: Engine, source_ids: Iterable[int]) -> dict[DocumentKey, KnownDocument]:
    """The ``source_documents`` rows of ``source_ids``, by (source id, URL)."""
    ids = list(source_ids)
    with session_scope(engine) as session:
        rows = session.scalars(select(SourceDocument).where(SourceDocument.source_id.in_(ids))).all()
        return {
            (row.source_id, row.url): KnownDocument(
                row.kind,
                row.url,
                row.origin,
                row.active,
                _schedule_of(row),
            )
            for row in rows
        }


def write_crawl_documents(
    engine: Engine,
    *,
    configured: Sequence[tuple[int, str, str]],
    discovered: dict[int, list[Finding]],
    polls: Sequence[Poll],
    now: datetime,
    bounds: PollBounds,
    rediscover_seconds: float,
) -> Counter[str]:
    """Write what a crawl learnt about its sources' documents, in one transaction.

    ``configured`` holds (source id, kind, URL) of every document the config lists;
    ``discovered`` the findings of each homepage searched (the source's earlier findings
    missing from them become inactive); ``polls`` the documents fetched. Returns the
    polls counted by result (``failed``, ``not_modified``, ...).
    """
    with session_scope(engine) as session:
        rows = [
            {"source_id": source_id, "kind": kind, "url": url, "origin": "config", "active": True,
             "first_found_at": now, "last_found_at": now, "consecutive_failures": 0}
            for source_id, kind, url in configured
        ]
        upsert(session, SourceDocument, rows, key=["source_id", "url"], update=["origin", "kind", "active"])
        by_source: dict[int, list[str]] = {}
        for source_id, _kind, url in configured:
            by_source.setdefault(source_id, []).append(url)
        for source_id, urls in by_source.items():
            # Taken out of the config since: kept for the record, no longer polled.
            session.execute(
                update(SourceDocument)
                .where(SourceDocument.source_id == source_id, SourceDocument.origin == "config")
                .where(SourceDocument.url.not_in(urls))
                .values(active=False)
            )
        for source_id, findings in discovered.items():
            _write_findings(session, source_id, findings, now)
        return _write_polls(session, polls, now, bounds, rediscover_seconds)


def _write_findings(session: Session, source_id: int, findings: list[Finding], now: datetime) -> None:
    rows = [
        {
            "source_id": f.source_id, "kind": f.kind, "url": f.url, "origin": "discovered",
            "found_by": f.found_by, "found_on": f.found_on, "found_fetch_id": f.fetch_id,
            "first_found_at": now, "last_found_at": now, "active": True, "consecutive_failures": 0,
        }
        for f in findings
    ]
    upsert(session, SourceDocument, rows, key=["source_id", "url"], update=["last_found_at", "active"])
    session.execute(
        update(SourceDocument)
        .where(
            SourceDocument.source_id == source_id,
            SourceDocument.origin == "discovered",
            SourceDocument.url.not_in([f.url for f in findings] or [""]),
        )
        .values(active=False)
    )


def _write_polls(
    session: Session, polls: Sequence[Poll], now: datetime, bounds: PollBounds, rediscover_seconds: float
) -> Counter[str]:
    results: Counter[str] = Counter()
    if not polls:
        return results
    fetch_ids = [fetch_id for poll in polls for fetch_id in poll.fetch_ids]
    new_items = _new_items_by_fetch(session, fetch_ids)
    current = {
        (row.source_id, row.url): row
        for row in session.scalars(
            select(SourceDocument).where(SourceDocument.source_id.in_({poll.source_id for poll in polls}))
        )
    }
    changes = []
    for poll in polls:
        row = current.get((poll.source_id, poll.url))
        if row is None:
            continue  # a document neither configured nor discovered (cannot happen in a crawl)
        outcome = PollOutcome(
            failed=poll.failed,
            not_modified=poll.not_modified,
            items=poll.items,
            new_items=sum(new_items[f] for f in poll.fetch_ids),
            publisher_min_seconds=poll.publisher_min_seconds,
        )
        before = _schedule_of(row)
        if poll.kind == "homepage":
            after = _homepage_schedule(before, outcome, now, bounds, rediscover_seconds)
        else:
            after = next_schedule(before, outcome, now, bounds)
        results[outcome.result] += 1
        changes.append(
            {
                "id": row.id,
                "interval_seconds": after.interval_seconds,
                "next_due_at": after.next_due_at,
                "last_success_at": after.last_success_at,
                "consecutive_failures": after.consecutive_failures,
                "last_polled_at": now,
                "last_result": outcome.result,
                "last_error": poll.error if poll.failed else None,
                "last_items": outcome.items if not poll.failed else row.last_items,
                "last_new_items": outcome.new_items if not poll.failed else row.last_new_items,
                "publisher_min_seconds": poll.publisher_min_seconds,
                "publisher_hint": poll.publisher_hint,
                "last_fetch_id": poll.fetch_ids[0] if poll.fetch_ids else row.last_fetch_id,
            }
        )
    if changes:
        session.execute(update(SourceDocument), changes)
    return results


def _schedule_of(row: SourceDocument) -> Schedule:
    return Schedule(row.interval_seconds, row.next_due_at, row.last_success_at, row.consecutive_failures)


def _homepage_schedule(
    before: Schedule, outcome: PollOutcome, now: datetime, bounds: PollBounds, rediscover_seconds: float
) -> Schedule:
    """A homepage is searched again every ``rediscover_seconds``; a failed search backs off
    from the polling minimum instead, so that a source does not wait days for its documents."""
    if outcome.failed:
        return next_schedule(replace(before, interval_seconds=bounds.min_seconds), outcome, now, bounds)
    return Schedule(rediscover_seconds, now + timedelta(seconds=rediscover_seconds), now, 0)


def _new_items_by_fetch(session: Session, fetch_ids: list[str]) -> Counter[str]:
    """Per fetch: the feed entries, hub links and sitemap URLs it was the first to see."""
    new_items: Counter[str] = Counter()
    for start in range(0, len(fetch_ids), 500):
        chunk = fetch_ids[start : start + 500]
        for model in (FeedEntry, HubLink, SitemapEntry):
            query = select(model.first_fetch_id, func.count()).where(model.first_fetch_id.in_(chunk))
            new_items.update(dict(session.execute(query.group_by(model.first_fetch_id)).tuples().all()))
    return new_items


def list_documents(session: Session) -> list[tuple[str, SourceDocument]]:
    """Every source document with its source's name, by source, kind and URL."""
    query = (
        select(Source.name, SourceDocument)
        .join(Source, Source.id == SourceDocument.source_id)
        .order_by(Source.name, SourceDocument.kind, SourceDocument.url)
    )
    return [(name, document) for name, document in session.execute(query).tuples()]
