"""Retries with exponential backoff that honour ``Retry-After`` on 429 and 503.

Replaces Scrapy's ``RetryMiddleware`` (same settings: ``RETRY_TIMES``,
``RETRY_HTTP_CODES``, ``RETRY_EXCEPTIONS``). Before a retry is scheduled it
waits ``STORYLINE_RETRY_BACKOFF_BASE ** attempt`` seconds, or the server's
``Retry-After`` (seconds or an HTTP date) when it sent one, capped at
``STORYLINE_RETRY_AFTER_MAX``; a longer ``Retry-After`` gives up at once.
"""

from __future__ import annotations

import asyncio
import logging
import random
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware, get_retry_request
from scrapy.http import Response
from scrapy.utils.response import response_status_message

logger = logging.getLogger(__name__)


def retry_after_seconds(value: str | bytes | None, now: datetime | None = None) -> float | None:
    """Parse a ``Retry-After`` header value into seconds from ``now`` (None if absent/bad)."""
    if value is None:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retry policy plus a wait before each retry."""

    def __init__(self, settings) -> None:  # noqa: ANN001 - Scrapy BaseSettings
        super().__init__(settings)
        self.backoff_base = settings.getfloat("STORYLINE_RETRY_BACKOFF_BASE", 2.0)
        self.retry_after_max = settings.getfloat("STORYLINE_RETRY_AFTER_MAX", 300.0)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BackoffRetryMiddleware:
        middleware = cls(crawler.settings)
        middleware.crawler = crawler
        return middleware

    async def process_response(self, request: Request, response: Response, spider: Spider | None = None):
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        wait = self._backoff(request)
        if response.status in (429, 503):
            asked = retry_after_seconds(response.headers.get(b"Retry-After"))
            if asked is not None:
                if asked > self.retry_after_max:
                    return response
                wait = asked
        retry = self._retry_request(request, response_status_message(response.status))
        if retry is None:
            return response
        await asyncio.sleep(wait)
        return retry

    async def process_exception(self, request: Request, exception: Exception, spider: Spider | None = None):
        if not isinstance(exception, self.exceptions_to_retry) or request.meta.get("dont_retry", False):
            return None
        retry = self._retry_request(request, exception)
        if retry is not None:
            await asyncio.sleep(self._backoff(request))
        return retry

    def _retry_request(self, request: Request, reason: str | Exception) -> Request | None:
        return get_retry_request(
            request,
            spider=self.crawler.spider,
            reason=reason,
            max_retry_times=request.meta.get("max_retry_times", self.max_retry_times),
            priority_adjust=request.meta.get("priority_adjust", self.priority_adjust),
            logger=logger,
        )

    def _backoff(self, request: Request) -> float:
        attempt = request.meta.get("retry_times", 0)
        return self.backoff_base**attempt * (0.5 + random.random() / 2)
