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
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import threads

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
        async for output in result:
            if isinstance(output, Request) and "storyline_identity" in output.meta:
                held.append(output)
                if len(held) >= LOOKUP_BATCH:
                    for request in await self._unknown(held):
                        yield request
                    held = []
                continue
            yield output
        if held:
            for request in await self._unknown(held):
                yield request

    async def _unknown(self, requests: list[Request]) -> list[Request]:
        identities = {request.meta["storyline_identity"] for request in requests}
        fresh = identities - self.requested - self.sink.stored_identities
        stored = await maybe_deferred_to_future(
            threads.deferToThread(self.sink.store.stored_identities, fresh)
        ) if fresh else set()
        stats = self.crawler.stats
        passed = []
        for request in requests:
            identity = request.meta["storyline_identity"]
            if identity in stored or identity in self.requested or identity in self.sink.stored_identities:
                stats.inc_value("storyline/articles_skipped_known")
                continue
            source = request.meta.get("storyline_source", "")
            if self.max_per_source and self.requested_per_source[source] >= self.max_per_source:
                stats.inc_value("storyline/articles_skipped_limit")
                continue
            self.requested.add(identity)
            self.requested_per_source[source] += 1
            passed.append(request)
        return passed
