"""The crawl's single way out: rows batched into the warehouse, bodies into WARC files.

One :class:`CrawlSink` exists per crawler (:func:`get_sink`). It opens the crawl
run when the crawler is built, buffers rows in memory and writes a batch every
``STORYLINE_BATCH_SIZE`` rows, or every ``STORYLINE_FLUSH_INTERVAL`` seconds when
rows wait (so the clean stage, which follows the crawl, gets pages soon), in a
worker thread (one transaction per batch, one batch at a time), so the reactor never
waits on the database. On close it writes what is left and finishes the crawl run
with its stats.
"""

from __future__ import annotations

import json
import logging
import weakref
from collections import Counter
from typing import Any

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import defer, threads

from crawlers.partition import crawl_partition_key
from crawlers.polling import PollBook, clock_now
from pipelines.archive import CrawlArchive
from pipelines.config import StorylineConfig, load_config
from pipelines.polling import PollBounds
from pipelines.revisits import RevisitSchedule
from pipelines.shards import shard_label, sources_in_shard
from pipelines.warehouse.crawl_store import CrawlBatch, CrawlStore
from pipelines.warehouse.migrate import migrated_engine
from pipelines.warehouse.revisits import due_revisits
from pipelines.warehouse.source_documents import load_documents, write_crawl_documents

logger = logging.getLogger(__name__)


def get_sink(crawler: Crawler) -> CrawlSink:
    """Return the crawler's sink, creating (and opening) it on first use."""
    sink = getattr(crawler, "_storyline_sink", None)
    if sink is None:
        sink = CrawlSink(crawler)
        crawler._storyline_sink = sink  # type: ignore[attr-defined]
    return sink


class CrawlSink:
    """Buffers crawl rows and writes them to the warehouse and the WARC archive."""

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.config = load_config(settings.get("STORYLINE_CONFIG"))
        shard = None
        if settings.get("STORYLINE_SHARD") is not None:
            # One shard's crawl: only the sources whose registrable domain hashes to it.
            self.config = sources_in_shard(self.config, settings.getint("STORYLINE_SHARD"))
            shard = shard_label(settings.getint("STORYLINE_SHARD"), self.config.crawl.shards)
        self.mode = settings.get("STORYLINE_CRAWL_MODE") or "live"
        self.batch_size = settings.getint("STORYLINE_BATCH_SIZE", 500)
        self.store = CrawlStore(migrated_engine(settings.get("STORYLINE_WAREHOUSE_URL")))
        self.partition_key = crawl_partition_key(settings)
        now = clock_now(settings.get("STORYLINE_CLOCK_NOW"))
        self.crawl_run_id = self.store.start_run(
            config_path=self.config.path,
            mode=self.mode,
            partition_key=self.partition_key,
            dagster_run_id=settings.get("STORYLINE_DAGSTER_RUN_ID"),
            code_version=settings.get("STORYLINE_CODE_VERSION"),
            shard=shard,
            clock_at=now,
        )
        self.source_ids = self.store.ensure_sources(
            (
                source.name,
                {
                    **({"homepage": source.homepage} if source.homepage else {}),
                    "feeds": list(source.feeds),
                    "hubs": list(source.hubs),
                    "sitemaps": list(source.sitemaps),
                },
            )
            for source in self.config.sources
        )
        self.counts: Counter[str] = Counter()
        backfill = self.mode == "sitemap_backfill"
        self.polls = PollBook(
            load_documents(self.store.engine, self.source_ids.values()),
            self.source_ids,
            # A sitemap backfill reads every sitemap whatever its schedule, and leaves it alone.
            mode="all" if backfill else settings.get("STORYLINE_POLL") or "due",
            now=now,
            bounds=PollBounds(
                settings.getfloat("STORYLINE_POLL_MIN_SECONDS", 900.0),
                settings.getfloat("STORYLINE_POLL_MAX_SECONDS", 86400.0),
            ),
            rediscover_seconds=settings.getfloat("STORYLINE_REDISCOVER_DAYS", 7.0) * 86400,
            count=lambda key, n: self.counts.update({key: n}),
        )
        self._keep_schedules = not backfill
        # Stored stories due to be fetched again (a sitemap backfill revisits nothing).
        self.revisits = [] if backfill else due_revisits(
            self.store.engine,
            self.source_ids.values(),
            now,
            RevisitSchedule.of(settings.getlist("STORYLINE_REVISIT_HOURS")),
        )
        # URL identities of the pages this crawl stored (earlier ones are looked up).
        self.stored_identities: set[str] = set()
        self.validators = self.store.validators()
        # This crawl's own WARC files, named by crawl run, host and serial, where every worker reads.
        self.archive = CrawlArchive(
            settings.get("STORYLINE_ARCHIVE_DIR") or self.config.archive_dir,
            partition_key=self.partition_key,
            crawl_run_id=self.crawl_run_id,
            max_file_bytes=self.config.archive_max_file_bytes,
        )
        self.store.set_warc_path(self.crawl_run_id, self.archive.path)
        self.recorded_requests: weakref.WeakSet[Request] = weakref.WeakSet()
        self._batch = CrawlBatch()
        self._lock = defer.DeferredLock()
        self._write_error: BaseException | None = None
        self._flush_interval = settings.getfloat("STORYLINE_FLUSH_INTERVAL", 1.0)
        self._timer: Any = None
        crawler.signals.connect(self._spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self._spider_closed, signal=signals.spider_closed)

    def _spider_opened(self, spider: Any) -> None:
        # Imported here: twisted.internet.task installs the default reactor on import, and
        # Scrapy installs its own first.
        from twisted.internet import task

        if self._flush_interval > 0:
            self._timer = task.LoopingCall(self._flush_waiting)
            self._timer.start(self._flush_interval, now=False)

    def _flush_waiting(self) -> None:
        """Write the rows waiting, unless a batch is being written already."""
        if len(self._batch) and not self._lock.locked:
            self.flush()

    # --- buffering ------------------------------------------------------------------
    def add_fetch(self, row: dict[str, Any]) -> None:
        """Buffer one ``fetches`` row (one HTTP exchange or refused request)."""
        self._batch.add_fetch(row)
        self.counts[f"fetches/{row['kind']}"] += 1
        if row.get("error"):
            self.counts[f"errors/{row['error']}"] += 1
        self._maybe_flush()

    def add_row(self, table: str, row: dict[str, Any], key: tuple[str, str] | None = None) -> None:
        """Buffer a row for ``table`` (see :class:`crawlers.items.WarehouseRow`)."""
        if table in ("feed_entries", "hub_links", "sitemap_entries"):
            self._batch.add_seen(table, key or ("", ""), row)
        elif table == "fetch_updates":
            self._batch.update_fetch(row)
            if row.get("error"):
                self.counts[f"errors/{row['error']}"] += 1
        else:
            raise ValueError(f"unknown warehouse table {table!r}")
        self.counts[f"rows/{table}"] += 1
        self._maybe_flush()

    def _maybe_flush(self) -> None:
        if len(self._batch) >= self.batch_size:
            self.flush()

    def flush(self) -> defer.Deferred:
        """Write the buffered rows in a worker thread; returns when they are committed."""
        batch, self._batch = self._batch, CrawlBatch()
        if not len(batch):
            return defer.succeed(None)
        self.archive.flush()
        deferred = self._lock.run(threads.deferToThread, self.store.write_batch, batch)
        deferred.addErrback(self._on_write_error)
        return deferred

    def _on_write_error(self, failure: Any) -> None:
        logger.error("warehouse write failed: %s", failure.getErrorMessage())
        if self._write_error is None:
            self._write_error = failure.value
            spider = self.crawler.spider
            if self.crawler.engine is not None and spider is not None:
                self.crawler.engine.close_spider(spider, "warehouse_error")

    # --- closing --------------------------------------------------------------------
    async def _spider_closed(self, spider: Any, reason: str) -> None:
        await maybe_deferred_to_future(self._close(reason))

    @defer.inlineCallbacks
    def _close(self, reason: str) -> Any:
        if self._timer is not None and self._timer.running:
            self._timer.stop()
        yield self.flush()
        yield self._lock.acquire()
        self._lock.release()
        self.archive.close()
        if self._write_error is not None:
            status, error = "failed", f"warehouse write failed: {self._write_error}"
        elif reason == "finished":
            status, error = "succeeded", None
        else:
            status, error = "failed", f"crawl stopped: {reason}"
        if status == "succeeded":
            # Only a finished crawl moves schedules on: after a killed one, all stays due.
            try:
                results = yield threads.deferToThread(self._write_documents)
                self.counts.update({f"storyline/polls_{name}": n for name, n in results.items()})
            except Exception as exc:  # noqa: BLE001 - the run fails with the reason
                status, error = "failed", f"warehouse write failed: {exc}"
        stats = {**_jsonable(self.crawler.stats.get_stats()), **dict(sorted(self.counts.items()))}
        yield threads.deferToThread(
            self.store.finish_run, self.crawl_run_id, status=status, stats=stats, error=error
        )


    def _write_documents(self) -> Counter[str]:
        """Write the configured and discovered documents and the polls' next-due times."""
        return write_crawl_documents(
            self.store.engine,
            configured=list(_configured_documents(self.config, self.source_ids)),
            discovered=self.polls.findings,
            polls=list(self.polls.polls.values()) if self._keep_schedules else [],
            now=self.polls.now,
            bounds=self.polls.bounds,
            rediscover_seconds=self.polls.rediscover_seconds,
        )


def _configured_documents(config: StorylineConfig, source_ids: dict[str, int]) -> Any:
    """(source id, kind, URL) of every homepage, feed, hub and sitemap the config lists."""
    for source in config.sources:
        source_id = source_ids[source.name]
        if source.homepage:
            yield source_id, "homepage", source.homepage
        for kind, urls in source.configured.items():
            for url in urls:
                yield source_id, kind, url


def _jsonable(stats: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(stats, default=str))
