"""Run one crawl: a Scrapy process over a config, landing in the warehouse.

``crawl()`` runs Scrapy in the *current* process, which the Twisted reactor
allows once per process; long-lived callers (tests, Dagster) use
``python -m crawlers.run`` in a child process instead. Under Dagster Pipes the
child reports the crawl run's stats back as materialization metadata.

Exit status: 0 when the crawl finished (single failed fetches are rows, not
failures), 1 on a systemic failure with a one-line reason on stderr.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings
from sqlalchemy import select

from pipelines.warehouse.db import make_engine, resolve_warehouse_url, session_scope
from pipelines.warehouse.models import CrawlRun


@dataclass(frozen=True)
class CrawlOutcome:
    """What a crawl left in the warehouse's ``crawl_runs`` row."""

    crawl_run_id: int
    status: str
    error: str | None
    stats: dict[str, Any]


def crawl_settings(
    config_path: str,
    warehouse_url: str | None = None,
    *,
    mode: str = "live",
    day: str | None = None,
    partition_key: str | None = None,
    dagster_run_id: str | None = None,
    code_version: str | None = None,
    shard: int | None = None,
    poll: str | None = None,
    now: str | None = None,
    log_level: str = "WARNING",
) -> Settings:
    """Return Scrapy settings for one crawl (project settings plus the run's own).

    ``poll`` is ``due`` (fetch the documents whose next-due time has come) or ``all``
    (every one); by default ``$STORYLINE_POLL``, else ``due``. ``now`` (ISO 8601) is the
    time the poll schedule takes as now (tests drive the schedule with it).
    """
    settings = Settings()
    settings.setmodule("crawlers.settings", priority="project")
    settings.setdict(
        {
            "STORYLINE_CONFIG": config_path,
            "STORYLINE_WAREHOUSE_URL": resolve_warehouse_url(warehouse_url),
            "STORYLINE_CRAWL_MODE": mode,
            "STORYLINE_BACKFILL_DAY": day,
            "STORYLINE_PARTITION_KEY": partition_key,
            "STORYLINE_DAGSTER_RUN_ID": dagster_run_id,
            "STORYLINE_CODE_VERSION": code_version,
            "STORYLINE_SHARD": shard,
            "STORYLINE_POLL": poll or os.environ.get("STORYLINE_POLL") or "due",
            "STORYLINE_CLOCK_NOW": now,
            "LOG_LEVEL": log_level,
        },
        priority="cmdline",
    )
    return settings


def crawl(
    config_path: str,
    warehouse_url: str | None = None,
    *,
    spider: str = "news",
    progress: Callable[[str], None] | None = None,
    **options: Any,
) -> CrawlOutcome:
    """Crawl every source of ``config_path`` in this process and return the run's outcome.

    ``progress`` receives the crawl's progress lines (``crawlers.extensions.progress``).
    Raises ``pipelines.config.ConfigError`` for a bad config and ``RuntimeError`` when
    the crawler could not start (for example an unreachable warehouse).
    """
    settings = crawl_settings(config_path, warehouse_url, **options)
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(spider)
    with progress_lines_to(progress):
        process.crawl(crawler)
        process.start()
    sink = getattr(crawler, "_storyline_sink", None)
    if sink is None:
        raise RuntimeError("the crawler did not start; see the log above")
    return read_outcome(settings.get("STORYLINE_WAREHOUSE_URL"), sink.crawl_run_id)


class _LineHandler(logging.Handler):
    def __init__(self, report: Callable[[str], None]) -> None:
        super().__init__(logging.INFO)
        self.report = report

    def emit(self, record: logging.LogRecord) -> None:
        self.report(record.getMessage())


@contextmanager
def progress_lines_to(report: Callable[[str], None] | None) -> Iterator[None]:
    """Send the ``crawlers.progress`` lines to ``report`` (instead of the log) for the block."""
    if report is None:
        yield
        return
    logger = logging.getLogger("crawlers.progress")
    handler, propagate, level = _LineHandler(report), logger.propagate, logger.level
    logger.addHandler(handler)
    logger.propagate, logger.level = False, logging.INFO
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.propagate, logger.level = propagate, level


def read_outcome(warehouse_url: str, crawl_run_id: int) -> CrawlOutcome:
    """Read a crawl run's status and stats back from the warehouse."""
    engine = make_engine(warehouse_url)
    try:
        with session_scope(engine) as session:
            run = session.execute(select(CrawlRun).where(CrawlRun.id == crawl_run_id)).scalar_one()
            return CrawlOutcome(run.id, run.status, run.error, dict(run.stats or {}))
    finally:
        engine.dispose()


def summary_metadata(outcome: CrawlOutcome) -> dict[str, Any]:
    """The crawl figures worth showing in Dagster: fetches by kind, errors by reason."""
    stats = outcome.stats
    return {
        "crawl_run_id": outcome.crawl_run_id,
        "status": outcome.status,
        "fetches_by_kind": {k.split("/", 1)[1]: v for k, v in stats.items() if k.startswith("fetches/")},
        "errors_by_reason": {k.split("/", 1)[1]: v for k, v in stats.items() if k.startswith("errors/")},
        "pages_stored": stats.get("pages/stored", 0),
        "articles_skipped_known": stats.get("storyline/articles_skipped_known", 0),
        "feed_entries_seen": stats.get("rows/feed_entries", 0),
        "hub_links_seen": stats.get("rows/hub_links", 0),
        "sitemap_entries_seen": stats.get("rows/sitemap_entries", 0),
        # Adaptive polling: feeds, hubs, sitemaps and homepages fetched, and those left for later.
        "documents_due": stats.get("storyline/documents_due", 0),
        "documents_not_due": stats.get("storyline/documents_not_due", 0),
        # Revisits: stored stories fetched again on their schedule, and those answered 304.
        "revisits_due": stats.get("storyline/revisits_due", 0),
        "revisits_not_modified": stats.get("storyline/revisits_not_modified", 0),
    }


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m crawlers.run``; prints the outcome as one JSON line."""
    parser = argparse.ArgumentParser(prog="python -m crawlers.run", description=__doc__.splitlines()[0])
    parser.add_argument("--config", required=True)
    parser.add_argument(
        "--warehouse", help="warehouse URL (default: $STORYLINE_WAREHOUSE_URL, the place for secrets)"
    )
    parser.add_argument("--mode", choices=["live", "sitemap_backfill"], default="live")
    parser.add_argument("--day", help="YYYY-MM-DD, for --mode sitemap_backfill")
    parser.add_argument("--partition-key")
    parser.add_argument("--dagster-run-id")
    parser.add_argument("--code-version")
    parser.add_argument("--shard", type=int, help="crawl only this shard's sources (0 .. crawl.shards-1)")
    parser.add_argument(
        "--poll", choices=["due", "all"],
        help="due: only documents whose next poll is due (default, or $STORYLINE_POLL); all: every one",
    )
    parser.add_argument("--now", help="ISO 8601 time the poll schedule takes as now (default: the clock)")
    parser.add_argument("--spider", default="news")
    parser.add_argument("--log-level", default="WARNING")
    args = parser.parse_args(argv)
    options = {
        "mode": args.mode,
        "day": args.day,
        "partition_key": args.partition_key,
        "dagster_run_id": args.dagster_run_id,
        "code_version": args.code_version,
        "shard": args.shard,
        "poll": args.poll,
        "now": args.now,
        "log_level": args.log_level,
    }
    if "DAGSTER_PIPES_CONTEXT" in os.environ:
        from dagster_pipes import open_dagster_pipes

        with open_dagster_pipes() as pipes:
            code, outcome = _run(args, {**options, "progress": pipes.log.info}, quiet=True)
            if outcome is not None:
                pipes.report_asset_materialization(metadata=_pipes_metadata(outcome), asset_key="raw_pages")
            return code
    return _run(args, options)[0]


def _run(
    args: argparse.Namespace, options: dict[str, Any], *, quiet: bool = False
) -> tuple[int, CrawlOutcome | None]:
    try:
        outcome = crawl(args.config, args.warehouse, spider=args.spider, **options)
    except Exception as exc:  # noqa: BLE001 - a systemic failure: one line, non-zero exit
        print(f"crawl failed: {exc}", file=sys.stderr)
        return 1, None
    if not quiet:
        print(json.dumps(asdict(outcome), default=str))
    return (0 if outcome.status == "succeeded" else 1), outcome


def _pipes_metadata(outcome: CrawlOutcome) -> dict[str, Any]:
    """The summary as Pipes metadata: counts by kind and reason as a JSON table and as numbers
    (``fetches_by_kind/feed``, ``errors_by_reason/http_404``) that Dagster can plot."""
    metadata: dict[str, Any] = {}
    for key, value in summary_metadata(outcome).items():
        if isinstance(value, dict):
            metadata[key] = {"raw_value": value, "type": "json"}
            metadata.update({f"{key}/{name}": number for name, number in value.items()})
        else:
            metadata[key] = value
    return metadata


if __name__ == "__main__":
    sys.exit(main())
