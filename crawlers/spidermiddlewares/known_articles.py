"""Let through only article requests for stories not stored yet, looked up per discovery page.

The spider marks each article request it makes from a feed, hub or sitemap with the
URL identity of the link (``meta["storyline_identity"]``, see
:func:`pipelines.urls.url_identity`). This middleware holds the article requests of one
callback's output, looks their identities up in the warehouse in one query on the
indexed ``fetches.url_identity`` and ``fetches.requested_url_identity`` columns of stored
pages (news stories and the pages the clean stage found to be none alike; in a worker
thread, so the reactor never waits on the database), and passes on those that are
neither stored nor requested earlier in this crawl, up to
``STORYLINE_MAX_ARTICLES_PER_SOURCE`` per source (unset: no limit). Everything else the
callback yields passes straight through. Stats: ``storyline/articles_skipped_known`` and
``storyline/articles_skipped_limit``.

A discovery page whose links the limit cut short loses its validators (ETag and
Last-Modified on its fetch row): the next crawl asks for it in full instead of taking a
304, so the stories this crawl left out are requested then.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import threads

from crawlers.items import WarehouseRow
from crawlers.sink import get_sink

#: Article requests looked up together (one query) at most.
LOOKUP_BATCH = 500


class KnownArticleMiddleware:
    """Drops article requests of stored (or already requested) stories, per batch of links."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.sink = get_sink(crawler)
        limit = crawler.settings.get("STORYLINE_MAX_ARTICLES_PER_SOURCE")
        self.max_per_source = int(limit) if limit else None
        self.requested: set[str] = set()
        self.requested_per_source: Counter[str] = Counter()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> KnownArticleMiddleware:
        return cls(crawler)

    async def process_spider_output(
        self, response: Any, result: AsyncIterator[Any], spider: Any = None
    ) -> AsyncIterator[Any]:
        held: list[Request] = []
        cut = False  # the limit left out some of this page's stories
        async for output in result:
            if isinstance(output, Request) and "storyline_identity" in output.meta:
                held.append(output)
                if len(held) >= LOOKUP_BATCH:
                    passed, limited = await self._unknown(held)
                    cut = cut or limited
                    for request in passed:
                        yield request
                    held = []
                continue
            yield output
        if held:
            passed, limited = await self._unknown(held)
            cut = cut or limited
            for request in passed:
                yield request
        fetch_id = getattr(response, "meta", {}).get("fetch_id") if cut else None
        if fetch_id:
            yield WarehouseRow("fetch_updates", {"id": fetch_id, "etag": None, "last_modified": None})

    async def _unknown(self, requests: list[Request]) -> tuple[list[Request], bool]:
        """Return the requests to pass on, and whether the per-source limit dropped any."""
        identities = {request.meta["storyline_identity"] for request in requests}
        fresh = identities - self.requested - self.sink.stored_identities
        stored = await maybe_deferred_to_future(
            threads.deferToThread(self.sink.store.stored_identities, fresh)
        ) if fresh else set()
        stats = self.crawler.stats
        passed = []
        limited = False
        for request in requests:
            identity = request.meta["storyline_identity"]
            if identity in stored or identity in self.requested or identity in self.sink.stored_identities:
                stats.inc_value("storyline/articles_skipped_known")
                continue
            source = request.meta.get("storyline_source", "")
            if self.max_per_source and self.requested_per_source[source] >= self.max_per_source:
                stats.inc_value("storyline/articles_skipped_limit")
                limited = True
                continue
            self.requested.add(identity)
            self.requested_per_source[source] += 1
            passed.append(request)
        return passed, limited
