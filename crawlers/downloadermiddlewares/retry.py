"""Retries that back off the *domain*, honour ``Retry-After`` and fit a per-URL deadline.

Replaces Scrapy's ``RetryMiddleware`` (same settings: ``RETRY_TIMES``,
``RETRY_HTTP_CODES``, ``RETRY_EXCEPTIONS``). A failed attempt is retried at once: the
retry goes back to the scheduler, and the wait happens in the host's download slot,
whose delay is raised to ``STORYLINE_RETRY_BACKOFF_BASE ** attempt`` seconds (with
jitter), or to the server's ``Retry-After`` (seconds or an HTTP date) on 429 and 503.
So every request to that host waits, not only the retry, and no downloader place is
held while waiting. A ``Retry-After`` longer than ``STORYLINE_RETRY_AFTER_MAX`` gives
up at once. The slot's own delay comes back with the first good answer after the wait.

``STORYLINE_FETCH_DEADLINE`` bounds the seconds one URL spends on the network in all
(``crawlers.downloadhandlers.deadline`` counts and enforces it): a retry is made only
while at least ``MIN_ATTEMPT_SECONDS`` of it are left.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from time import monotonic

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware, get_retry_request
from scrapy.http import Response
from scrapy.utils.response import response_status_message

from crawlers.downloadhandlers.deadline import network_budget_left

logger = logging.getLogger(__name__)
# A retry is only worth making with at least this many seconds left of the URL's deadline.
MIN_ATTEMPT_SECONDS = 1.0


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


@dataclass
class _SlotBackoff:
    """A download slot we slowed down: its own delay and jitter, and when the wait ends."""

    delay: float
    jitter: float
    until: float


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retry policy; the wait before a retry is a pause of the whole host."""

    def __init__(self, settings) -> None:  # noqa: ANN001 - Scrapy BaseSettings
        super().__init__(settings)
        self.backoff_base = settings.getfloat("STORYLINE_RETRY_BACKOFF_BASE", 2.0)
        self.retry_after_max = settings.getfloat("STORYLINE_RETRY_AFTER_MAX", 300.0)
        self.fetch_deadline = settings.getfloat("STORYLINE_FETCH_DEADLINE", 60.0)
        self._slowed: dict[str, _SlotBackoff] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BackoffRetryMiddleware:
        middleware = cls(crawler.settings)
        middleware.crawler = crawler
        # Sent before the downloader picks the slot's next request: the pause starts in time.
        crawler.signals.connect(middleware._response_downloaded, signal=signals.response_downloaded)
        return middleware

    def _response_downloaded(
        self, response: Response, request: Request, spider: Spider | None = None
    ) -> None:
        """Decide on a retry as soon as the answer is in, and pause the host for its wait."""
        self._hold(request)
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return
        wait = self._backoff(request)
        if response.status in (429, 503):
            asked = retry_after_seconds(response.headers.get(b"Retry-After"))
            if asked is not None and asked > self.retry_after_max:
                return  # not worth waiting for: give up at once
            wait = wait if asked is None else asked
        if self._may_retry(request):
            request.meta["storyline_retry_wait"] = wait
            self._slow_down(request, wait)

    def process_response(self, request: Request, response: Response, spider: Spider | None = None):
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            self._ease(request)
            return response
        wait = request.meta.pop("storyline_retry_wait", None)
        if wait is None:
            return response
        return self._retry_request(request, response_status_message(response.status)) or response

    def process_exception(self, request: Request, exception: Exception, spider: Spider | None = None):
        if not isinstance(exception, self.exceptions_to_retry) or request.meta.get("dont_retry", False):
            return None
        wait = self._backoff(request)
        if not self._may_retry(request):
            return None
        self._slow_down(request, wait)
        return self._retry_request(request, exception)

    def _may_retry(self, request: Request) -> bool:
        """Whether tries are left and the URL's network budget leaves room for one more."""
        tries = request.meta.get("max_retry_times", self.max_retry_times)
        if request.meta.get("retry_times", 0) >= tries:
            return False
        if network_budget_left(request, self.fetch_deadline) < MIN_ATTEMPT_SECONDS:
            self.crawler.stats.inc_value("storyline/retry_deadline_reached")
            logger.debug("Not retrying %s: its %ss deadline is spent", request, self.fetch_deadline)
            return False
        return True

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

    # --- the host's download slot -------------------------------------------------------
    def _slot(self, request: Request) -> tuple[str, object | None]:
        engine = self.crawler.engine
        if engine is None:
            return "", None
        downloader = engine.downloader
        key = request.meta.get(downloader.DOWNLOAD_SLOT) or downloader.get_slot_key(request)
        return key, downloader.slots.get(key)

    def _slow_down(self, request: Request, wait: float) -> None:
        """Make the host's slot wait ``wait`` seconds (counted from now) before its next request."""
        key, slot = self._slot(request)
        if slot is None or wait <= 0:
            return
        now = monotonic()
        state = self._slowed.get(key)
        if state is None:
            self._slowed[key] = _SlotBackoff(delay=slot.delay, jitter=slot.jitter, until=now + wait)
        else:
            state.until = max(state.until, now + wait)
        # No jitter while backing off: a Retry-After is a floor, not an average.
        slot.delay, slot.jitter = max(slot.delay, wait), 0.0
        slot.lastseen = max(slot.lastseen, now)
        self.crawler.stats.inc_value("storyline/slot_backoffs")

    def _hold(self, request: Request) -> None:
        """Keep a paused slot paused: AutoThrottle, which sees each response first, may have
        lowered its delay on an answer that was already on its way."""
        key, slot = self._slot(request)
        state = self._slowed.get(key)
        if slot is not None and state is not None and monotonic() < state.until:
            slot.delay = max(slot.delay, state.until - slot.lastseen)

    def _ease(self, request: Request) -> None:
        """After the wait, a good answer gives the host's slot its own delay back."""
        key, slot = self._slot(request)
        state = self._slowed.get(key)
        if state is None or monotonic() < state.until:
            return
        del self._slowed[key]
        if slot is not None:
            slot.delay, slot.jitter = state.delay, state.jitter
