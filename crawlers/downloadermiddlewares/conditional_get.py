"""Conditional GET for feeds, hubs and sitemaps: send the validators we saw last time.

At spider open the newest ETag and Last-Modified of every feed, hub and sitemap
URL are read from the warehouse (``fetches``); requests of those kinds carry
``If-None-Match`` / ``If-Modified-Since`` so an unchanged page answers 304 and
costs nothing. A revisit of a stored story brings the validators of the story's last
fetch along (``meta["storyline_validators"]``, see ``pipelines/warehouse/revisits.py``).
Requests with ``meta["storyline_unconditional"]`` (a sitemap
backfill needs the whole body) are left alone.
"""

from __future__ import annotations

from scrapy import Request, Spider
from scrapy.crawler import Crawler

from crawlers.sink import get_sink

_KINDS = {"feed", "hub", "sitemap"}


class ConditionalGetMiddleware:
    """Adds ``If-None-Match`` / ``If-Modified-Since`` from remembered validators."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ConditionalGetMiddleware:
        return cls(crawler)

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        if "storyline_validators" in request.meta:
            etag, last_modified = request.meta["storyline_validators"]
        elif request.meta.get("storyline_kind") not in _KINDS or request.meta.get("storyline_unconditional"):
            return None
        else:
            etag, last_modified = get_sink(self.crawler).validators.get(request.url, (None, None))
        if etag and b"If-None-Match" not in request.headers:
            request.headers[b"If-None-Match"] = etag
        if last_modified and b"If-Modified-Since" not in request.headers:
            request.headers[b"If-Modified-Since"] = last_modified
        return None
