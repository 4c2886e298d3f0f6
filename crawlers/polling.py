"""The crawl's polling book: which feeds, hubs, sitemaps and homepages are due, and how each poll went.

Built by the sink when a crawl starts, from the config and ``source_documents``. With
``STORYLINE_POLL = "due"`` (the default) a document is fetched only when its next-due time
has come (:mod:`pipelines.polling`); a document never polled is always due, so a first
crawl fetches everything. ``"all"`` fetches every document now (a full crawl; conditional
GET still applies). A homepage is fetched when it was never searched or its
``crawl.rediscover_days`` have passed, and only for the kinds the config does not list.
The time the schedule reads is ``STORYLINE_CLOCK_NOW`` when set (tests, replays), else
the real time.

The spider reports each poll here (:meth:`PollBook.poll`), the homepage search its
findings (:meth:`PollBook.found`); the sink writes both when the crawl ends.
Stats: ``storyline/documents_due``, ``storyline/documents_not_due``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from pipelines.config import SourceConfig
from pipelines.polling import PollBounds, publisher_min_interval
from pipelines.warehouse.source_documents import DocumentKey, Finding, KnownDocument, Poll

POLL_MODES = ("due", "all")


@dataclass(frozen=True)
class Planned:
    """A document to fetch now."""

    kind: str  # homepage, feed, hub or sitemap
    url: str


class PollBook:
    """What this crawl polls, and what its polls and homepage searches found."""

    def __init__(
        self,
        known: dict[DocumentKey, KnownDocument],
        source_ids: dict[str, int],
        *,
        mode: str,
        now: datetime,
        bounds: PollBounds,
        rediscover_seconds: float,
        count: Callable[[str, int], None],
    ) -> None:
        if mode not in POLL_MODES:
            raise ValueError(f"STORYLINE_POLL must be one of {', '.join(POLL_MODES)}, not {mode!r}")
        self.known = known
        self.source_ids = source_ids
        self.mode = mode
        self.now = now
        self.bounds = bounds
        self.rediscover_seconds = rediscover_seconds
        self._count = count
        self.polls: dict[DocumentKey, Poll] = {}
        self.findings: dict[int, list[Finding]] = {}
        self._requested: set[DocumentKey] = set()

    # --- planning -------------------------------------------------------------------------
    def is_due(self, source: SourceConfig, url: str) -> bool:
        """Whether ``url`` of ``source`` should be fetched now."""
        known = self.known.get((self.source_ids[source.name], url))
        return self.mode == "all" or known is None or known.schedule.is_due(self.now)

    def plan(self, source: SourceConfig, kinds: tuple[str, ...]) -> Iterator[Planned]:
        """The documents of ``source`` (of ``kinds``) to fetch now, counted as due or not.

        When its homepage is to be searched, the discovered documents come later, from
        :meth:`after_search`.
        """
        search = bool(source.homepage) and any(k in kinds for k in source.kinds_to_discover)
        if search and self.is_due(source, source.homepage or ""):
            self._count("storyline/documents_due", 1)
            yield Planned("homepage", source.homepage or "")
        else:
            if search:
                self._count("storyline/documents_not_due", 1)
            yield from self._due(source, self.discovered(source, kinds))
        for kind, urls in source.configured.items():
            if kind in kinds:
                yield from self._due(source, [Planned(kind, url) for url in urls])

    def after_search(self, source: SourceConfig, kinds: tuple[str, ...]) -> Iterator[Planned]:
        """The discovered documents of ``source`` to fetch now, once its homepage was searched."""
        yield from self._due(source, self.discovered(source, kinds))

    def discovered(self, source: SourceConfig, kinds: tuple[str, ...]) -> list[Planned]:
        """The documents discovered for ``source`` that it uses: active ones, of kinds not configured."""
        source_id = self.source_ids[source.name]
        wanted = [k for k in source.kinds_to_discover if k in kinds]
        if source_id in self.findings:
            return [Planned(f.kind, f.url) for f in self.findings[source_id] if f.kind in wanted]
        return [
            Planned(doc.kind, doc.url)
            for (owner, _url), doc in self.known.items()
            if owner == source_id and doc.origin == "discovered" and doc.active and doc.kind in wanted
        ]

    def _due(self, source: SourceConfig, documents: list[Planned]) -> Iterator[Planned]:
        source_id = self.source_ids[source.name]
        for document in documents:
            key = (source_id, document.url)
            if key in self._requested:
                continue
            self._requested.add(key)
            due = self.is_due(source, document.url)
            self._count("storyline/documents_due" if due else "storyline/documents_not_due", 1)
            if due:
                yield document

    # --- outcomes -------------------------------------------------------------------------
    def poll(self, source: SourceConfig, kind: str, url: str) -> Poll:
        """The record of this crawl's poll of ``url`` (created on first use)."""
        key = (self.source_ids[source.name], url)
        if key not in self.polls:
            self.polls[key] = Poll(key[0], kind, url)
        return self.polls[key]

    def fetched(self, source: SourceConfig, kind: str, url: str, fetch_id: str | None) -> None:
        """Count a fetch (the document's own, or a child sitemap's) towards its poll."""
        if fetch_id:
            self.poll(source, kind, url).fetch_ids.append(fetch_id)

    def listed(self, source: SourceConfig, kind: str, url: str, items: int) -> None:
        """Count the entries, links or sitemap URLs a fetch of the document listed."""
        self.poll(source, kind, url).items += items

    def failed(self, source: SourceConfig, kind: str, url: str, error: str | None) -> None:
        """Mark a poll failed (an error status, a download error, an unreadable document)."""
        poll = self.poll(source, kind, url)
        poll.failed, poll.error = True, error

    def not_modified(self, source: SourceConfig, kind: str, url: str) -> None:
        """Mark a poll answered ``304 Not Modified``."""
        self.poll(source, kind, url).not_modified = True

    def publisher_hints(
        self,
        source: SourceConfig,
        kind: str,
        url: str,
        *,
        ttl: str | None = None,
        update_period: str | None = None,
        update_frequency: str | None = None,
        cache_control: str | None = None,
    ) -> None:
        """Record the publisher's lower bound on the interval (ttl, sy:updatePeriod, max-age)."""
        seconds, hint = publisher_min_interval(
            ttl_minutes=ttl,
            update_period=update_period,
            update_frequency=update_frequency,
            cache_control=cache_control,
        )
        if seconds:
            poll = self.poll(source, kind, url)
            poll.publisher_min_seconds, poll.publisher_hint = seconds, hint

    def found(self, source: SourceConfig, findings: list[Finding]) -> None:
        """Record what a homepage search found for ``source``."""
        self.findings[self.source_ids[source.name]] = findings


def clock_now(setting: str | None) -> datetime:
    """The schedule's time: ``setting`` (ISO 8601, UTC when naive) or the real time."""
    if not setting:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(setting.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"STORYLINE_CLOCK_NOW must be an ISO 8601 time, not {setting!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
