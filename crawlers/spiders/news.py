"""Discovery spiders: from feeds, hub pages and sitemaps to article pages.

``news`` starts from every feed, hub and sitemap of the config; ``feeds``,
``hubs`` and ``sitemaps`` start from one kind only. All share the parsing below.
An article page is stored by marking its fetch (URLs and URL identities); the clean
stage decides whether it is a news story. A page already stored (this run or an earlier
one, story or not; http/https and www variants count as one, see ``url_identity``) is not
requested again. A live crawl fetches the sitemap articles whose lastmod (or
news publication date) lies within the last ``STORYLINE_SITEMAP_RECENT_DAYS`` days
(config ``crawl.sitemap_recent_days``, default 7), so a first crawl of a site gets its
recent stories. In ``sitemap_backfill`` mode only sitemaps are read and only articles
whose lastmod (or news publication date) falls on ``STORYLINE_BACKFILL_DAY`` are fetched.

Which documents a crawl fetches is the polling book's decision (``crawlers/polling.py``):
by default only those due, every one with ``STORYLINE_POLL=all``. A source that gives a
``homepage`` has its feeds, sitemaps and hubs discovered there (``crawlers/homepage.py``),
for the kinds its config does not list; they are then polled like configured ones (a feed
or sitemap found by probing its path is read from the probe's answer, not fetched again).
A stored story due for a revisit (``pipelines/revisits.py``) is requested again,
conditionally, with its fetch naming the article (``fetches.revisit_of_id``).

Run one from the repo root: ``scrapy crawl news -s STORYLINE_CONFIG=config/demo.yaml``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import scrapy
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.http.request import NO_CALLBACK
from scrapy.settings import BaseSettings
from twisted.python.failure import Failure

from crawlers.canonical import canonical_link
from crawlers.config_settings import scrapy_settings_for
from crawlers.discovery import FeedParseResult, hub_article_links, parse_feed, parse_sitemap
from crawlers.downloadermiddlewares.fetch_recorder import classify_failure, record_failure
from crawlers.homepage import Page, discover
from crawlers.items import WarehouseRow
from crawlers.offload import ParseFailed, ParseOffloader
from crawlers.ownership import SourceOwners
from crawlers.sink import CrawlSink, get_sink
from pipelines.config import SourceConfig, load_config
from pipelines.urls import canonicalize_url, identity_of, resolve_canonical, url_identity
from pipelines.warehouse.revisits import Revisit
from pipelines.warehouse.source_documents import Finding

HTML_TYPES = ("text/html", "application/xhtml+xml")


class NewsSpider(scrapy.Spider):
    """Discovers articles from every feed, hub and sitemap of the configured sources."""

    name = "news"
    start_kinds: tuple[str, ...] = ("feed", "hub", "sitemap")

    sink: CrawlSink
    parser: ParseOffloader

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        super().update_settings(settings)
        config = load_config(settings.get("STORYLINE_CONFIG"))
        settings.setdict(scrapy_settings_for(config), priority="spider")

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> NewsSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.sink = get_sink(crawler)
        spider.sources = {source.name: source for source in spider.sink.config.sources}
        spider.owners = SourceOwners(spider.sources.values())
        day = crawler.settings.get("STORYLINE_BACKFILL_DAY")
        spider.backfill_day = date.fromisoformat(day) if day else None
        if spider.sink.mode == "sitemap_backfill" and spider.backfill_day is None:
            raise ValueError("sitemap_backfill mode needs STORYLINE_BACKFILL_DAY (YYYY-MM-DD)")
        spider.parser = ParseOffloader.from_crawler(crawler)
        spider.sitemap_recent_days = crawler.settings.getfloat("STORYLINE_SITEMAP_RECENT_DAYS", 7.0)
        return spider

    # --- start -----------------------------------------------------------------------
    async def start(self) -> AsyncIterator[scrapy.Request]:
        kinds = self._kinds()
        for source in self.sources.values():
            for planned in self.sink.polls.plan(source, kinds):
                if planned.kind == "homepage":
                    yield self._homepage_request(source)
                else:
                    yield self._discovery_request(planned.url, planned.kind, source, parent=None)
        for revisit in self.sink.revisits:
            yield self._revisit_request(revisit)

    def _kinds(self) -> tuple[str, ...]:
        """The kinds of documents this crawl reads (a sitemap backfill reads sitemaps only)."""
        kinds = ("sitemap",) if self.sink.mode == "sitemap_backfill" else ("feed", "hub", "sitemap")
        return tuple(kind for kind in kinds if kind in self.start_kinds)

    def _discovery_request(
        self, url: str, kind: str, source: SourceConfig, parent: str | None, document: str | None = None
    ) -> scrapy.Request:
        callback = {"feed": self.parse_feed, "hub": self.parse_hub, "sitemap": self.parse_sitemap}[kind]
        return scrapy.Request(
            url,
            callback=callback,
            errback=self.on_error,
            dont_filter=parent is None,
            priority=10,
            meta={
                "storyline_kind": kind,
                "storyline_source": source.name,
                "storyline_parent_fetch": parent,
                # The polled document this fetch belongs to (a sitemap index, for its children).
                "storyline_document": document or url,
                "storyline_unconditional": self.sink.mode == "sitemap_backfill",
            },
        )

    def _homepage_request(self, source: SourceConfig) -> scrapy.Request:
        homepage = source.homepage or ""
        return scrapy.Request(
            homepage,
            callback=self.parse_homepage,
            errback=self.on_error,
            dont_filter=True,
            priority=20,
            meta={
                "storyline_kind": "homepage",
                "storyline_source": source.name,
                "storyline_parent_fetch": None,
                "storyline_document": homepage,
            },
        )

    def _revisit_request(self, revisit: Revisit) -> scrapy.Request:
        """A conditional request for a stored story due again (``pipelines/revisits.py``)."""
        self.sink.counts["storyline/revisits_due"] += 1
        names = {source_id: name for name, source_id in self.sink.source_ids.items()}
        return scrapy.Request(
            revisit.url,
            callback=self.parse_article,
            errback=self.on_error,
            dont_filter=True,
            meta={
                "storyline_kind": "article",
                "storyline_source": names.get(revisit.source_id),
                "storyline_parent_fetch": None,
                "storyline_revisit": revisit.article_id,
                "storyline_validators": (revisit.etag, revisit.last_modified),
            },
        )

    # --- homepages ------------------------------------------------------------------------
    async def parse_homepage(self, response: Response) -> AsyncIterator[Any]:
        """Search a homepage for the feeds, sitemaps and hubs its config does not list, record
        them, and request those due (see ``crawlers.homepage``)."""
        source = self._source(response)
        document = response.meta["storyline_document"]
        self.sink.polls.fetched(source, "homepage", document, response.meta["fetch_id"])
        probed: dict[str, Response] = {}
        if response.status != 200 or not _is_html(response):
            for row in _unusable_status(response):
                yield row
            reason = f"http_{response.status}" if response.status != 200 else "not_html"
            if response.status == 200:
                detail = f"content type {_content_type(response) or 'unknown'} is not HTML"
                yield _fetch_update(response, error="not_html", error_detail=detail)
            self.sink.polls.failed(source, "homepage", document, reason)
        else:
            page = Page(response.url, 200, response.body, _content_type(response), response.meta["fetch_id"])
            kinds = tuple(kind for kind in source.kinds_to_discover if kind in self._kinds())
            found = await discover(page, kinds, self._fetcher(source, response.meta["fetch_id"], probed))
            source_id = self.sink.source_ids[source.name]
            self.sink.polls.found(
                source, [Finding(source_id, f.kind, f.url, f.found_by, f.found_on, f.fetch_id) for f in found]
            )
        for planned in self.sink.polls.after_search(source, self._kinds()):
            answer = probed.get(planned.url)
            if answer is None or planned.kind not in ("feed", "sitemap"):
                yield self._discovery_request(planned.url, planned.kind, source, parent=None)
                continue
            # Found by probing its path: that answer is this crawl's poll of it (not fetched twice).
            async for output in self._read_probed(answer, planned.kind, source):
                yield output

    async def _read_probed(self, answer: Response, kind: str, source: SourceConfig) -> AsyncIterator[Any]:
        """Read a probe's answer as the poll of the feed or sitemap it revealed."""
        meta = {
            **answer.meta,
            "storyline_kind": kind,
            "storyline_source": source.name,
            "storyline_document": _origin_url(answer),
        }
        response = answer.replace(request=answer.request.replace(meta=meta))
        if kind == "feed":
            async for output in self.parse_feed(response):
                yield output
        else:
            for output in self.parse_sitemap(response):
                yield output

    def _after_search(self, source: SourceConfig) -> Iterator[scrapy.Request]:
        """Requests for the discovered documents of ``source`` that are due (after a failed
        search: those found earlier)."""
        for planned in self.sink.polls.after_search(source, self._kinds()):
            yield self._discovery_request(planned.url, planned.kind, source, parent=None)

    def _fetcher(self, source: SourceConfig, parent: str, probed: dict[str, Response]) -> Any:
        """A ``fetch(url, kind) -> Page`` for :func:`crawlers.homepage.discover`: through every
        downloader middleware (robots.txt, the address guard, the fetch recorder). Probes'
        responses are kept in ``probed`` (by URL requested)."""

        async def fetch(url: str, kind: str) -> Page:
            request = scrapy.Request(
                url,
                callback=NO_CALLBACK,
                dont_filter=True,
                meta={
                    "storyline_kind": kind,
                    "storyline_source": source.name,
                    "storyline_parent_fetch": parent,
                    "dont_obey_robotstxt": kind == "robots",
                },
            )
            try:
                response = await self.crawler.engine.download_async(request)
            except Exception as exc:  # noqa: BLE001 - recorded as the fetch's error; discovery goes on
                record_failure(self.sink, request, exc)
                return Page(url, 0, b"", None)
            if kind == "probe":
                probed[url] = response
            return Page(response.url, response.status, response.body, _content_type(response),
                        response.meta.get("fetch_id"))

        return fetch

    # --- discovery pages ----------------------------------------------------------------
    async def parse_feed(self, response: Response) -> AsyncIterator[Any]:
        """Record a feed's entries and request their articles.

        The feed is parsed in a worker process under a time budget (see
        ``crawlers.offload``), so a hostile feed never holds up the rest of the crawl;
        one that runs out of budget is recorded on its fetch as ``parse_timeout``, and
        asked for in full again next time.
        """
        if not self._track_poll(response):
            for row in _unusable_status(response):
                yield row
            return
        try:
            result = await self.parser.run(parse_feed, response.body, response.url, _content_type(response))
        except ParseFailed as exc:
            self._poll_failed(response, exc.reason)
            # No validators on this row: the next crawl must not get a 304 for a feed
            # whose entries it never read (it asks with an older fetch's, if any).
            yield _fetch_update(
                response, error=exc.reason, error_detail=exc.detail, etag=None, last_modified=None
            )
            return
        if result.error == "bad_feed":
            self._poll_failed(response, result.error)
        self.sink.polls.publisher_hints(
            self._source(response), "feed", response.meta["storyline_document"],
            ttl=result.ttl, update_period=result.update_period, update_frequency=result.update_frequency,
            cache_control=_header(response, b"Cache-Control"),
        )
        for row in self._feed_rows(response, result):
            yield row

    def _feed_rows(self, response: Response, result: FeedParseResult) -> Iterable[Any]:
        """A parsed feed's rows and requests: its error if any, its entries, their articles."""
        source = self._source(response)
        if result.error:
            yield _fetch_update(response, error=result.error, error_detail=result.detail)
        feed_url = _origin_url(response)
        sighting = self._sighting(response, source)
        self._listed(response, len(result.entries))
        for entry in result.entries:
            canonical = _canonical_or_none(entry.url)
            yield WarehouseRow(
                "feed_entries",
                {
                    **sighting,
                    "feed_url": feed_url,
                    "entry_key": entry.entry_key,
                    "guid": entry.guid,
                    "url": entry.url,
                    "canonical_url": canonical,
                    "title": entry.title,
                    "summary": entry.summary,
                    "authors": entry.authors,
                    "published_at": entry.published_at,
                    "updated_at": entry.updated_at,
                },
                key=(feed_url, entry.entry_key),
            )
            if entry.url and canonical:
                yield from self._article_request(entry.url, canonical, source, response)

    def parse_hub(self, response: Response) -> Iterator[Any]:
        """Record a hub page's article links (first and last seen) and request them."""
        if not self._track_poll(response):
            yield from _unusable_status(response)
            return
        if not _is_html(response):
            self._poll_failed(response, "not_html")
            detail = f"content type {_content_type(response) or 'unknown'} is not HTML"
            yield _fetch_update(response, error="not_html", error_detail=detail)
            return
        self._cache_hint(response)
        source = self._source(response)
        hub_url = _origin_url(response)
        sighting = self._sighting(response, source)
        links = hub_article_links(response.body, response.url, source.article_pattern)
        self._listed(response, len(links))
        for link in links:
            canonical = _canonical_or_none(link.url)
            if not canonical:
                continue
            yield WarehouseRow(
                "hub_links",
                {
                    **sighting,
                    "hub_url": hub_url,
                    "url": link.url,
                    "canonical_url": canonical,
                    "anchor_text": link.anchor_text,
                },
                key=(hub_url, canonical),
            )
            yield from self._article_request(link.url, canonical, source, response)

    def parse_sitemap(self, response: Response) -> Iterator[Any]:
        """Follow a sitemap index, or record a sitemap's URLs and request the wanted ones."""
        if not self._track_poll(response):
            yield from _unusable_status(response)
            return
        source = self._source(response)
        data = parse_sitemap(response.body, response.url)
        if data.error:
            self._poll_failed(response, "bad_sitemap")
            yield _fetch_update(response, error="bad_sitemap", error_detail=data.error)
            return
        self._cache_hint(response)
        for child in data.sitemaps:
            yield self._discovery_request(
                child, "sitemap", source, parent=response.meta["fetch_id"],
                document=response.meta.get("storyline_document"),
            )
        sitemap_url = _origin_url(response)
        sighting = self._sighting(response, source)
        self._listed(response, len(data.urls))
        now = sighting["last_seen_at"]
        for entry in data.urls:
            canonical = _canonical_or_none(entry.url)
            if not canonical:
                continue
            yield WarehouseRow(
                "sitemap_entries",
                {
                    **sighting,
                    "sitemap_url": sitemap_url,
                    "url": entry.url,
                    "canonical_url": canonical,
                    "lastmod": entry.lastmod,
                    "news_title": entry.news_title,
                    "news_published_at": entry.news_published_at,
                },
                key=(sitemap_url, canonical),
            )
            if self._wanted_from_sitemap(entry.lastmod or entry.news_published_at, now):
                yield from self._article_request(entry.url, canonical, source, response)

    # --- polls ----------------------------------------------------------------------------
    def _track_poll(self, response: Response) -> bool:
        """Count a feed, hub or sitemap response towards its document's poll; return whether
        it is a 200 to read (a 304 marks the poll not modified, another status failed)."""
        source, kind = self._source(response), response.meta["storyline_kind"]
        document = response.meta.get("storyline_document") or _origin_url(response)
        self.sink.polls.fetched(source, kind, document, response.meta.get("fetch_id"))
        if response.status == 200:
            return True
        if response.status == 304:
            self.sink.polls.not_modified(source, kind, document)
        else:
            status = response.status
            self._poll_failed(response, f"http_{status}" if status >= 400 else "unexpected_status")
        return False

    def _poll_failed(self, response: Response, reason: str) -> None:
        """Mark the poll failed when the document itself failed (a child sitemap's failure does not count)."""
        document = response.meta.get("storyline_document")
        if document and document == _origin_url(response):
            self.sink.polls.failed(self._source(response), response.meta["storyline_kind"], document, reason)

    def _listed(self, response: Response, items: int) -> None:
        document = response.meta.get("storyline_document") or _origin_url(response)
        self.sink.polls.listed(self._source(response), response.meta["storyline_kind"], document, items)

    def _cache_hint(self, response: Response) -> None:
        document = response.meta.get("storyline_document")
        if document and document == _origin_url(response):
            self.sink.polls.publisher_hints(
                self._source(response), response.meta["storyline_kind"], document,
                cache_control=_header(response, b"Cache-Control"),
            )

    def _sighting(self, response: Response, source: SourceConfig) -> dict[str, Any]:
        """The columns every feed entry, hub link and sitemap entry row shares."""
        now = datetime.now(UTC)
        fetch_id = response.meta["fetch_id"]
        return {
            "source_id": self.sink.source_ids.get(source.name),
            "first_seen_at": now,
            "last_seen_at": now,
            "first_fetch_id": fetch_id,
            "last_fetch_id": fetch_id,
        }

    def _wanted_from_sitemap(self, when: datetime | None, now: datetime) -> bool:
        if self.backfill_day is not None:
            return when is not None and when.astimezone(UTC).date() == self.backfill_day
        return when is not None and when >= now - timedelta(days=self.sitemap_recent_days)

    # --- articles ---------------------------------------------------------------------
    def _article_request(
        self, url: str, canonical: str, source: SourceConfig, parent: Response
    ) -> Iterator[scrapy.Request]:
        source = self.owners.owner(url, source)
        # Stored and already requested stories, and the per-source limit, are left to
        # KnownArticleMiddleware, which looks up a whole page of links at once.
        yield scrapy.Request(
            url,
            callback=self.parse_article,
            errback=self.on_error,
            meta={
                "storyline_kind": "article",
                "storyline_source": source.name,
                "storyline_parent_fetch": parent.meta["fetch_id"],
                "storyline_identity": url_identity(canonical),
            },
        )

    def parse_article(self, response: Response) -> Iterator[Any]:
        """Store an article page: its fetch now marks it as a stored page (URLs and URL
        identities); the clean stage decides whether it is a news story (an ``articles`` row).

        A revisit's page is stored the same way (its fetch names the article in
        ``revisit_of_id``; the clean stage compares it with the article's last version);
        a revisit answered ``304 Not Modified`` stays a fetch row and nothing more.
        """
        revisit = response.meta.get("storyline_revisit")
        if revisit is not None:
            outcome = {200: "fetched", 304: "not_modified"}.get(response.status, "failed")
            self.sink.counts[f"storyline/revisits_{outcome}"] += 1
            if response.status == 304:
                return
        if response.status != 200:
            yield from _unusable_status(response)
            return
        if not response.body.strip():
            yield _fetch_update(response, error="empty_body", error_detail="the page has no content")
            return
        if not _is_html(response):
            detail = f"content type {_content_type(response) or 'unknown'} is not HTML"
            yield _fetch_update(response, error="not_html", error_detail=detail)
            return
        canonical = resolve_canonical(response.url, canonical_link(response.body))
        identity = url_identity(canonical)
        self.sink.stored_identities.add(identity)
        self.sink.counts["pages/stored"] += 1
        yield _fetch_update(
            response,
            canonical_url=canonical,
            first_url=_origin_url(response),
            url_identity=identity,
            requested_url_identity=identity_of(_origin_url(response)),
        )

    # --- failures -----------------------------------------------------------------------
    def on_error(self, failure: Failure) -> Iterator[scrapy.Request]:
        """Record a request that failed before or during download; the crawl goes on.

        A polled document's failure marks its poll failed (it backs off); a homepage's
        also lets the documents found on it earlier be polled.
        """
        request = getattr(failure, "request", None)
        if request is None:
            return
        record_failure(self.sink, request, failure.value)
        document = request.meta.get("storyline_document")
        kind = request.meta.get("storyline_kind")
        if document and document == (request.meta.get("redirect_urls") or [request.url])[0]:
            source = self.sources[request.meta["storyline_source"]]
            self.sink.polls.failed(source, kind, document, classify_failure(failure.value)[0])
            if kind == "homepage":
                yield from self._after_search(source)

    def _source(self, response: Response) -> SourceConfig:
        return self.sources[response.meta["storyline_source"]]


class FeedsSpider(NewsSpider):
    """Discovers articles from the configured RSS/Atom feeds only."""

    name = "feeds"
    start_kinds = ("feed",)


class HubsSpider(NewsSpider):
    """Discovers articles from the configured hub pages only."""

    name = "hubs"
    start_kinds = ("hub",)


class SitemapsSpider(NewsSpider):
    """Discovers articles from the configured sitemaps (and sitemap indexes) only."""

    name = "sitemaps"
    start_kinds = ("sitemap",)


def _origin_url(response: Response) -> str:
    """The URL first requested, before any redirect."""
    return (response.meta.get("redirect_urls") or [response.url])[0]


def _content_type(response: Response) -> str | None:
    return _header(response, b"Content-Type")


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


def _is_html(response: Response) -> bool:
    content_type = (_content_type(response) or "").lower()
    if content_type:
        return content_type.startswith(HTML_TYPES)
    return response.body.lstrip()[:100].lower().startswith((b"<!doctype html", b"<html"))


def _canonical_or_none(url: str | None) -> str | None:
    if not url:
        return None
    try:
        return canonicalize_url(url)
    except ValueError:
        return None


def _unusable_status(response: Response) -> Iterator[WarehouseRow]:
    """Give a reason to a status other than 200 that nothing else explains.

    Errors (>= 400) already carry ``http_<status>`` and a 304 answers our conditional
    request for a discovery page; any other status (a 2xx that is not 200, a 3xx not
    followed, such as one without a ``Location``) ends as ``unexpected_status``.
    """
    status = response.status
    if status >= 400 or (status == 304 and response.meta.get("storyline_kind") != "article"):
        return
    detail = f"HTTP {status} where a 200 was needed"
    if 300 <= status < 400:
        location = (response.headers.get(b"Location") or b"none").decode("latin-1")[:300]
        detail += f"; redirect not followed (Location: {location})"
    yield _fetch_update(response, error="unexpected_status", error_detail=detail)


def _fetch_update(response: Response, **values: Any) -> WarehouseRow:
    return WarehouseRow("fetch_updates", {"id": response.meta["fetch_id"], **values})
