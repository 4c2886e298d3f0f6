"""Crawl progress: pages fetched and queued, rate, errors and pages stored, every few seconds.

Logs one line on the ``crawlers.progress`` logger every ``STORYLINE_PROGRESS_INTERVAL``
seconds (0 turns it off) and once when the crawl closes, for example
``crawl: 120 pages fetched, 35 queued, 3 errors, 80 pages stored, 4.2 pages/s``.
``crawlers.run.crawl`` sends these lines to the terminal or to Dagster (Pipes).
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.utils.asyncio import create_looping_call

from crawlers.sink import get_sink
from pipelines.progress import Progress

logger = logging.getLogger("crawlers.progress")


class CrawlProgress:
    """Reports the crawl's progress on the ``crawlers.progress`` logger."""

    def __init__(self, crawler: Crawler, interval_s: float) -> None:
        self.crawler = crawler
        self.interval_s = interval_s
        self.progress = Progress("crawl", logger.info, interval_s=0)
        self.task: Any = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlProgress:
        interval_s = crawler.settings.getfloat("STORYLINE_PROGRESS_INTERVAL")
        if not interval_s:
            raise NotConfigured
        extension = cls(crawler, interval_s)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self, spider: Any) -> None:
        self.progress = Progress("crawl", logger.info, interval_s=0)
        self.task = create_looping_call(self.report)
        self.task.start(self.interval_s, now=False)

    def spider_closed(self, spider: Any, reason: str) -> None:
        if self.task is not None and self.task.running:
            self.task.stop()
        self.report()

    def report(self) -> None:
        """Log one progress line now."""
        stats = self.crawler.stats
        counts = get_sink(self.crawler).counts
        queued = stats.get_value("scheduler/enqueued", 0) - stats.get_value("scheduler/dequeued", 0)
        errors = sum(number for name, number in counts.items() if name.startswith("errors/"))
        self.progress.update(
            stats.get_value("downloader/response_count", 0),
            "fetched",
            counts={"queued": queued, "errors": errors, "pages stored": counts["pages/stored"]},
            final=True,
        )
