"""Record every HTTP exchange as a ``fetches`` row and archive every response body.

Sitting closest to the network, this middleware sees each attempt: every
redirect hop and every retry is its own fetch, linked to the one before it by
``discovered_from_id``. Responses go to the WARC archive as received; the row
keeps the file, offset, length and SHA-256. Download errors (timeout, DNS,
refused, too large...) become rows with a short ``error`` code. Requests refused
before reaching the network (robots.txt, the private-address guard) are recorded
by the spider's errback through :func:`record_failure`, which also puts the reason on
an exchange that was recorded but then dropped further in: a redirect not followed
(``redirect_loop``, ``redirect_refused``), a body over ``DOWNLOAD_MAXSIZE`` once
decompressed (``too_large``).
"""

from __future__ import annotations

import uuid
import weakref
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import urljoin

from scrapy import Request, Spider, exceptions
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from twisted.internet import defer, error
from twisted.web._newclient import ResponseNeverReceived

from crawlers.downloadermiddlewares.private_address import BlockedRequest
from crawlers.sink import CrawlSink, get_sink

# Download exceptions (Scrapy's own and Twisted's) by the short code stored in fetches.error.
_FAILURE_CODES: list[tuple[type[BaseException] | tuple[type[BaseException], ...], str]] = [
    ((exceptions.CannotResolveHostError, error.DNSLookupError), "dns"),
    (
        (exceptions.DownloadTimeoutError, error.TimeoutError, error.TCPTimedOutError, defer.TimeoutError),
        "timeout",
    ),
    ((exceptions.DownloadConnectionRefusedError, error.ConnectionRefusedError), "connection_refused"),
    ((exceptions.DownloadCancelledError, defer.CancelledError), "cancelled"),
    (exceptions.ResponseDataLossError, "truncated_response"),
    (exceptions.UnsupportedURLSchemeError, "bad_scheme"),
    (
        (exceptions.DownloadFailedError, ResponseNeverReceived, error.ConnectionLost, error.ConnectionDone),
        "connection_lost",
    ),
]


def classify_failure(exception: BaseException) -> tuple[str, str]:
    """Return a short error code and a readable detail for a failed request."""
    detail = f"{type(exception).__name__}: {exception}".strip()
    reason = getattr(exception, "reason", None)
    if isinstance(reason, str):
        return reason, getattr(exception, "detail", detail)
    message = str(exception)
    if isinstance(exception, IgnoreRequest):
        if "robots.txt" in message:
            return "robots_disallowed", detail
        if "DOWNLOAD_MAXSIZE" in message and "decompression" in message:
            # Scrapy's HttpCompressionMiddleware stops inflating at the limit (a gzip bomb).
            return "too_large", detail
        return "ignored", detail
    for kinds, code in _FAILURE_CODES:
        if isinstance(exception, kinds):
            if code == "cancelled" and "max size" in message:
                return "too_large", detail
            return code, detail
    return "download_error", detail


def http_error_detail(status: int) -> str | None:
    """``HTTP 404 Not Found`` for an error status (the number alone if it has no standard phrase)."""
    if status < 400:
        return None
    try:
        return f"HTTP {status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"HTTP {status}"


def fetch_kind(request: Request) -> str:
    """Return the fetch kind of a request (feed, hub, sitemap, article or robots)."""
    kind = request.meta.get("storyline_kind")
    if kind:
        return kind
    return "robots" if request.url.endswith("/robots.txt") else "other"


def base_fetch_row(sink: CrawlSink, request: Request, fetch_id: str) -> dict[str, Any]:
    """Return the columns of a fetch row that do not depend on the outcome."""
    source = request.meta.get("storyline_source")
    return {
        "id": fetch_id,
        "crawl_run_id": sink.crawl_run_id,
        "source_id": sink.source_ids.get(source) if source else None,
        "kind": fetch_kind(request),
        "url": request.url,
        "discovered_from_id": request.meta.get("storyline_prev_fetch")
        or request.meta.get("storyline_parent_fetch"),
        "requested_at": request.meta.get("storyline_started") or datetime.now(UTC),
        "revisit_of_id": request.meta.get("storyline_revisit"),
    }


def record_failure(sink: CrawlSink, request: Request, exception: BaseException) -> str | None:
    """Record why ``request`` failed; return the id of a new fetch row, or None.

    Used by spiders' errbacks. A request refused before the network (robots.txt, the
    address guard) gets a row of its own. An exchange this middleware already recorded
    but that a later component dropped (an ``IgnoreRequest`` from a redirect not
    followed, or a body too large once decompressed) gets the reason on its row. A
    redirect hop whose target the guard refused is marked ``redirect_refused`` as well.
    """
    code, detail = classify_failure(exception)
    if request in sink.recorded_requests:
        if isinstance(exception, IgnoreRequest) and request.meta.get("fetch_id"):
            sink.add_row(
                "fetch_updates",
                {"id": request.meta["fetch_id"], "error": code, "error_detail": detail[:2000]},
            )
        return None
    fetch_id = str(uuid.uuid4())
    row = base_fetch_row(sink, request, fetch_id)
    hop = request.meta.get("fetch_id")
    if hop:
        # A redirect or retry of an exchange we did record: chain to it.
        row["discovered_from_id"] = hop
    row.update(error=code, error_detail=detail[:2000])
    sink.recorded_requests.add(request)
    sink.add_fetch(row)
    if hop and request.meta.get("redirect_urls") and isinstance(exception, BlockedRequest):
        refused = f"redirect to {request.url[:300]} refused ({code}): {detail}"
        sink.add_row(
            "fetch_updates", {"id": hop, "error": "redirect_refused", "error_detail": refused[:2000]}
        )
    return fetch_id


class FetchRecorderMiddleware:
    """Downloader middleware writing one fetch row (and WARC record) per HTTP exchange."""

    def __init__(self, sink: CrawlSink) -> None:
        self.sink = sink
        # Requests that reached this middleware, i.e. went on to the network.
        self._sent: weakref.WeakSet[Request] = weakref.WeakSet()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FetchRecorderMiddleware:
        return cls(get_sink(crawler))

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        previous = request.meta.get("fetch_id")
        if previous:
            request.meta["storyline_prev_fetch"] = previous
        request.meta["fetch_id"] = str(uuid.uuid4())
        request.meta["storyline_started"] = datetime.now(UTC)
        self._sent.add(request)
        return None

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Response:
        fetch_id = request.meta["fetch_id"]
        row = base_fetch_row(self.sink, request, fetch_id)
        headers = [
            (name.decode("latin-1"), value.decode("latin-1"))
            for name, values in response.headers.items()
            for value in values
        ]
        location = self.sink.archive.write_response(
            url=request.url,
            status=response.status,
            headers=headers,
            body=response.body,
            fetch_id=fetch_id,
            fetched_at=row["requested_at"],
        )
        final_url = response.url
        if 300 <= response.status < 400 and response.headers.get(b"Location"):
            final_url = urljoin(request.url, response.headers[b"Location"].decode("latin-1"))
        latency = request.meta.get("download_latency")
        row.update(
            final_url=final_url,
            status_code=response.status,
            error=f"http_{response.status}" if response.status >= 400 else None,
            error_detail=http_error_detail(response.status),
            duration_ms=round(latency * 1000, 2) if latency is not None else None,
            content_type=_header(response, b"Content-Type"),
            content_length=len(response.body),
            body_sha256=location.sha256,
            warc_path=location.path,
            warc_offset=location.offset,
            warc_length=location.length,
            etag=_header(response, b"ETag"),
            last_modified=_header(response, b"Last-Modified"),
        )
        self.sink.recorded_requests.add(request)
        self.sink.add_fetch(row)
        return response

    def process_exception(self, request: Request, exception: Exception, spider: Spider | None = None) -> None:
        if request in self.sink.recorded_requests or request not in self._sent:
            return None
        code, detail = classify_failure(exception)
        row = base_fetch_row(self.sink, request, request.meta["fetch_id"])
        started = row["requested_at"]
        row.update(
            error=code,
            error_detail=detail[:2000],
            duration_ms=round((datetime.now(UTC) - started).total_seconds() * 1000, 2),
        )
        self.sink.recorded_requests.add(request)
        self.sink.add_fetch(row)
        return None


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None
