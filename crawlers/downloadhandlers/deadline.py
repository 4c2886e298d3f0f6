"""HTTP(S) downloads bounded in time twice: per attempt and per URL, and told apart when too large.

Scrapy's ``HTTP11DownloadHandler`` already stops an attempt ``DOWNLOAD_TIMEOUT``
seconds after it starts, headers and body included, so a trickling body is cut like
a silent one. This handler adds the URL's budget: ``STORYLINE_FETCH_DEADLINE`` seconds
on the network in all, its retries and redirect hops included. Each attempt adds the
time it took to ``meta["storyline_network_seconds"]`` (retries and hops copy meta, so
they carry the sum) and gets ``min(DOWNLOAD_TIMEOUT, budget left)``; one that would
start with nothing left fails as a timeout without connecting. Time queued behind the
host's politeness delay or backoff does not count: waiting is not the host's fault,
and counting it would turn a polite wait into a lost story.

The moment an attempt leaves for the network is written to ``meta["storyline_started"]``,
which the fetch recorder stores as ``fetches.requested_at`` (the recorder's own stamp is
taken earlier, before the host's politeness delay or backoff).

It also counts each response's bytes (signal ``bytes_received``) so that a body
cancelled for passing ``DOWNLOAD_MAXSIZE`` while streaming (an endless chunked body,
no ``Content-Length``) fails with a message saying so, which the fetch recorder stores
as ``too_large``; Scrapy's own cancellation there carries no message.

Enable with ``DOWNLOAD_HANDLERS = {"http": ..., "https": ...}`` (see ``crawlers.settings``).
"""

from __future__ import annotations

import weakref
from datetime import UTC, datetime
from time import monotonic

from scrapy import Request, signals
from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.crawler import Crawler
from scrapy.exceptions import DownloadCancelledError, DownloadTimeoutError
from scrapy.http import Response

SPENT_KEY = "storyline_network_seconds"


def network_budget_left(request: Request, deadline: float) -> float:
    """Seconds of the URL's network budget ``deadline`` that ``request``'s chain has not spent."""
    return deadline - request.meta.get(SPENT_KEY, 0.0)


class DeadlineDownloadHandler(HTTP11DownloadHandler):
    """Scrapy's HTTP/1.1 handler, with each attempt's timeout capped by the URL's budget."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self._deadline = crawler.settings.getfloat("STORYLINE_FETCH_DEADLINE", 60.0)
        self._timeout = crawler.settings.getfloat("DOWNLOAD_TIMEOUT")
        self._maxsize = crawler.settings.getint("DOWNLOAD_MAXSIZE")
        self._received: weakref.WeakKeyDictionary[Request, int] = weakref.WeakKeyDictionary()
        crawler.signals.connect(self._count_bytes, signal=signals.bytes_received)

    async def download_request(self, request: Request) -> Response:
        left = network_budget_left(request, self._deadline)
        attempt = request.meta.setdefault(
            "storyline_attempt_timeout", request.meta.get("download_timeout") or self._timeout
        )
        if left <= 0:
            raise DownloadTimeoutError(
                f"Not sending {request.url}: earlier attempts spent its {self._deadline:g}s budget "
                "(STORYLINE_FETCH_DEADLINE, crawl.fetch_deadline)."
            )
        request.meta["download_timeout"] = min(attempt, left)
        request.meta["storyline_started"] = datetime.now(UTC)
        self._received[request] = 0
        started = monotonic()
        try:
            return await super().download_request(request)
        except DownloadCancelledError as exc:
            maxsize = request.meta.get("download_maxsize", self._maxsize)
            received = self._received.get(request, 0)
            if str(exc) or not maxsize or received <= maxsize:
                raise
            raise DownloadCancelledError(
                f"Cancelled {request.url}: the body passed the download max size ({maxsize} bytes, "
                f"DOWNLOAD_MAXSIZE) while streaming, after {received} bytes."
            ) from exc
        finally:
            request.meta[SPENT_KEY] = request.meta.get(SPENT_KEY, 0.0) + monotonic() - started
            self._received.pop(request, None)

    def _count_bytes(self, data: bytes, request: Request, spider: object = None) -> None:
        if request in self._received:
            self._received[request] += len(data)
