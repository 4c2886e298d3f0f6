"""The ``storyline`` command: crawl, run the pipeline, serve the demo, inspect the warehouse.

Every command exits 0 when its work completed (single failed fetches are rows in
the warehouse, not failures) and non-zero with a one-line reason otherwise.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from datetime import UTC, date, datetime
from typing import BinaryIO

from sqlalchemy.exc import SQLAlchemyError

from pipelines.config import ConfigError, load_config
from pipelines.warehouse.db import WarehouseError
from storyline.worker import add_worker_command

DEMO_CONFIG = "config/demo.yaml"
DEMO_WAREHOUSE = "sqlite:///data/demo/warehouse.db"
# The demo site's port is part of every demo URL: a fixed one lets a second demo run on the
# same warehouse recognise what it stored before (conditional GETs, no page stored twice).
DEMO_PORT = 8765


class CommandError(RuntimeError):
    """A systemic failure: printed as one line, exit status 1."""


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` and run the command; returns the process exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    try:
        status = args.handler(args) or 0
        sys.stdout.flush()  # here, so that a closed pipe is reported like any other failure
        return status
    except (CommandError, ConfigError, WarehouseError) as exc:
        return _fail(str(exc))
    except SQLAlchemyError as exc:
        from pipelines.warehouse.migrate import first_line

        return _fail(f"warehouse error: {first_line(exc)}")
    except BrokenPipeError:
        # Nothing more can be written there; point stdout at /dev/null so the exit is quiet.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return _fail("the output was closed before everything was written (broken pipe)")
    except KeyboardInterrupt:
        return 130


def _fail(reason: str) -> int:
    print(f"storyline: {reason}", file=sys.stderr)
    return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="storyline", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    def command(name: str, handler: Callable[[argparse.Namespace], int | None], help_text: str):
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.set_defaults(handler=handler)
        return sub

    crawl = command("crawl", _crawl, "Crawl every source of a config into the warehouse.")
    crawl.add_argument("--config", required=True, help="sources config (YAML)")
    _warehouse_option(crawl)
    crawl.add_argument("--mode", choices=["live", "sitemap_backfill"], default="live")
    crawl.add_argument("--day", help="YYYY-MM-DD: with --mode sitemap_backfill (and only then), the past day")
    _poll_option(crawl)
    crawl.add_argument("--log-level", default="WARNING")

    run = command("run", _run, "Run every stage (crawl, clean, dedup, cluster, enrich) for one partition.")
    run.add_argument("--config", required=True, help="sources config (YAML)")
    _warehouse_option(run)
    run.add_argument("--partition", help="UTC day YYYY-MM-DD (default: today)")
    run.add_argument("--workers", type=int, help="extraction processes (default: every core)")
    _poll_option(run)
    _verbose_option(run)

    demo = command("demo", _demo, "Serve the bundled offline news site and crawl it into data/demo/.")
    demo.add_argument("--serve", action="store_true", help="only serve the site until interrupted")
    demo.add_argument("--port", type=int, default=None,
                      help=f"default {DEMO_PORT}, or a free port when that one is taken")
    demo.add_argument("--warehouse", default=DEMO_WAREHOUSE, help=f"default {DEMO_WAREHOUSE}")
    _verbose_option(demo)

    extract = command(
        "extract", _extract, "Extract article text and metadata from pages given as JSON lines."
    )
    extract.add_argument(
        "--jsonl", required=True, help='input file of {"id","url","html"} lines, or - for stdin'
    )
    extract.add_argument("--workers", type=int, help="extraction processes (default: every core)")

    cluster = command(
        "cluster", _cluster, "Deduplicate and cluster articles given as JSON lines into stories."
    )
    cluster.add_argument(
        "--jsonl",
        required=True,
        help='input file of {"id","url","title","text","published_at","source"} lines',
    )

    enrich = command(
        "enrich", _enrich, "Find the entities, places and keywords of articles given as JSON lines."
    )
    enrich.add_argument(
        "--jsonl", required=True, help='input file of {"id","title","text"} lines (optional "language"), or -'
    )
    enrich.add_argument("--workers", type=int, help="NER processes (default: every core)")

    ui = command("ui", _ui, "Start the Dagster UI and daemon (dagster dev) with the schedule ready.")
    ui.add_argument(
        "--demo", action="store_true", help="serve the demo site and use its config and warehouse"
    )
    ui.add_argument("--config", help="sources config (default: $STORYLINE_CONFIG or config/sources.yaml)")
    _warehouse_option(ui)
    ui.add_argument("--host", default="127.0.0.1")
    ui.add_argument("--port", type=int, default=3000)

    lineage = command("lineage", _lineage, "Print an article's lineage down to the crawl run.")
    lineage.add_argument("article_id", type=int)
    _warehouse_option(lineage)

    sources = command(
        "sources", _sources, "List every feed, hub, sitemap and homepage: interval, last result, next due."
    )
    _warehouse_option(sources)
    sources_commands = sources.add_subparsers(title="sources commands", metavar="SOURCES_COMMAND")
    discover = sources_commands.add_parser(
        "discover",
        help="Find a homepage's feeds, sitemaps and hubs; print them as config YAML.",
        description="Find a homepage's feeds, sitemaps and hubs; print them as config YAML.",
    )
    discover.set_defaults(handler=_sources_discover)
    discover.add_argument("url", help="the site's homepage (http or https)")
    discover.add_argument(
        "--config", help="a config whose network rules apply (network.allow_private, politeness)"
    )

    summary = command("summary", _summary, "Print row counts, fetch errors and stories of a warehouse.")
    _warehouse_option(summary)

    db = command("db", _db_usage, "Manage the warehouse schema.")
    db_commands = db.add_subparsers(title="db commands", metavar="DB_COMMAND")
    upgrade = db_commands.add_parser("upgrade", help="Apply Alembic migrations up to the newest schema.")
    upgrade.set_defaults(handler=_db_upgrade)
    _warehouse_option(upgrade)

    add_worker_command(commands)
    return parser


def _poll_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--poll",
        choices=["due", "all"],
        help="due: fetch only the feeds, hubs and sitemaps whose next poll is due (the default, "
        "or $STORYLINE_POLL); all: every one now, a full crawl",
    )


def _verbose_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--verbose", action="store_true", help="also print Dagster's DEBUG events and preview/beta warnings"
    )


def _warehouse_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--warehouse",
        help="SQLAlchemy URL (default: $STORYLINE_WAREHOUSE_URL or sqlite:///data/warehouse.db)",
    )


def _upgrade(warehouse: str | None) -> str:
    from pipelines.warehouse.migrate import first_line, upgrade

    try:
        return upgrade(warehouse)
    except SQLAlchemyError as exc:
        raise CommandError(f"cannot reach or migrate the warehouse: {first_line(exc)}") from exc


def _open_for_reading(warehouse: str | None):
    """An engine on an existing, migrated warehouse; creates nothing (see ``open_migrated``)."""
    from pipelines.warehouse.migrate import open_migrated

    return open_migrated(warehouse, alternatives=[DEMO_WAREHOUSE])


def _db_usage(_args: argparse.Namespace) -> int:
    raise CommandError("usage: storyline db upgrade [--warehouse URL]")


def _db_upgrade(args: argparse.Namespace) -> int:
    revision = _upgrade(args.warehouse)
    print(f"warehouse at revision {revision}")
    return 0


def _crawl(args: argparse.Namespace) -> int:
    from crawlers.run import crawl

    day = _backfill_day(args.mode, args.day)
    load_config(args.config)
    _upgrade(args.warehouse)
    outcome = crawl(
        args.config, args.warehouse, mode=args.mode, day=day, poll=args.poll, log_level=args.log_level,
        progress=_to_stderr,
    )
    print(f"crawl run {outcome.crawl_run_id}: {outcome.status}")
    _print_crawl_report(args.warehouse, crawl_run_id=outcome.crawl_run_id)
    if outcome.status != "succeeded":
        raise CommandError(f"crawl run {outcome.crawl_run_id} failed: {outcome.error}")
    return 0


def _to_stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _backfill_day(mode: str, day: str | None) -> str | None:
    """Check ``--mode`` and ``--day`` of ``crawl`` together; return the day to backfill, if any."""
    if mode == "live":
        if day is not None:
            raise CommandError(
                f"--day {day} needs --mode sitemap_backfill; a live crawl always belongs to today (UTC)"
            )
        return None
    if day is None:
        raise CommandError("--mode sitemap_backfill needs --day YYYY-MM-DD, the past day to discover")
    try:
        parsed = date.fromisoformat(day)
    except ValueError:
        raise CommandError(f"--day {day}: not a date; expected YYYY-MM-DD") from None
    today = datetime.now(UTC).date()
    if parsed > today:
        raise CommandError(f"--day {day} is in the future (today is {today}, UTC): nothing is published yet")
    return parsed.isoformat()


def _run(args: argparse.Namespace) -> int:
    load_config(args.config)
    if args.poll:
        # The crawl runs in a child process of Dagster's step: it reads the choice from there.
        os.environ["STORYLINE_POLL"] = args.poll
    outcome = _run_pass(args.config, args.warehouse, args.partition, args.workers, verbose=args.verbose)
    print(f"pipeline pass for {outcome.partition_key}: succeeded (Dagster run {outcome.run_id})")
    _print_pass_crawls(args.warehouse, outcome.run_ids)
    return 0


def _run_pass(
    config: str,
    warehouse: str | None,
    partition: str | None,
    workers: int | None = None,
    *,
    verbose: bool = False,
):
    import dagster as dg

    if not verbose:
        for category in (dg.PreviewWarning, dg.BetaWarning):
            warnings.filterwarnings("ignore", category=category)
    _upgrade(warehouse)
    if warehouse:
        # The partitions begin a week before this warehouse's first crawl (dagster_project.partitions).
        os.environ["STORYLINE_WAREHOUSE_URL"] = warehouse
    # The crawl's shards (dagster_project.partitions) are those of this config.
    os.environ["STORYLINE_CONFIG"] = config
    from dagster_project.run import run_pass

    try:
        outcome = run_pass(
            config_path=config,
            warehouse_url=warehouse,
            partition_key=partition,
            workers=workers,
            log_level="DEBUG" if verbose else "INFO",
        )
    except ValueError as exc:
        raise CommandError(str(exc)) from exc
    if not outcome.success:
        raise CommandError(f"pipeline pass for {outcome.partition_key} failed: {outcome.failure}")
    return outcome


def _start_demo_site(port: int | None):
    """Start and return the demo site on ``port``, by default DEMO_PORT or else a free one."""
    from storyline.demo_site import DemoSite

    site = DemoSite(port=DEMO_PORT if port is None else port)
    try:
        site.start()
    except OSError as exc:
        if port is not None:
            raise CommandError(f"cannot serve the demo site on port {port}: {exc.strerror}") from exc
        site = DemoSite(port=0)
        site.start()
        print(f"port {DEMO_PORT} is taken, so the demo site is on {site.host_port}: pages that "
              "earlier demo runs stored had other URLs and are fetched and stored again",
              file=sys.stderr, flush=True)
    return site


def _demo(args: argparse.Namespace) -> int:
    with _start_demo_site(args.port) as site:
        os.environ["STORYLINE_DEMO_HOST"] = site.host_port
        if args.serve:
            print(f"demo site on {site.base_url} (Ctrl-C to stop)", flush=True)
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                return 0
        print(f"demo site on {site.base_url}; running the pipeline into {args.warehouse}", flush=True)
        outcome = _run_pass(DEMO_CONFIG, args.warehouse, None, verbose=args.verbose)
        print(f"pipeline pass for {outcome.partition_key}: succeeded (Dagster run {outcome.run_id})\n")
    _print_pass_crawls(args.warehouse, outcome.run_ids)
    print()
    _print_summary(args.warehouse, crawl_report=False)
    print(f"\nInspect the demo warehouse: storyline summary --warehouse {args.warehouse}"
          f"\n                        or: storyline lineage ARTICLE_ID --warehouse {args.warehouse}")
    return 0


def _open_input(path: str):
    if path == "-":
        return sys.stdin
    try:
        return open(path, encoding="utf-8")  # noqa: SIM115 - closed by the caller
    except OSError as exc:
        raise CommandError(f"cannot read {path}: {exc.strerror}") from exc


def _open_bytes_input(path: str) -> BinaryIO:
    """Return path (or stdin for "-") opened for reading bytes; raise CommandError if unreadable."""
    if path == "-":
        return sys.stdin.buffer
    try:
        return open(path, "rb")  # noqa: SIM115 - closed by the caller
    except OSError as exc:
        raise CommandError(f"cannot read {path}: {exc.strerror}") from exc


def _extract(args: argparse.Namespace) -> int:
    from pipelines.extract import run_extract_jsonl

    # Bytes, so that each line is decoded on its own and a bad one costs only that line.
    source = _open_bytes_input(args.jsonl)
    try:
        run_extract_jsonl(source, sys.stdout, workers=args.workers)
    finally:
        if source is not sys.stdin.buffer:
            source.close()
    return 0


def _cluster(args: argparse.Namespace) -> int:
    from pipelines.stories.jsonl import run_cluster_jsonl

    source = _open_input(args.jsonl)
    try:
        run_cluster_jsonl(source, sys.stdout)
    except ValueError as exc:
        raise CommandError(f"{args.jsonl}: {exc}") from exc
    finally:
        if source is not sys.stdin:
            source.close()
    return 0


def _enrich(args: argparse.Namespace) -> int:
    from pipelines.enrich.jsonl import run_enrich_jsonl
    from pipelines.enrich.model import ModelError

    source = _open_input(args.jsonl)
    try:
        run_enrich_jsonl(source, sys.stdout, workers=args.workers)
    except ValueError as exc:
        raise CommandError(f"{args.jsonl}: {exc}") from exc
    except ModelError as exc:
        raise CommandError(str(exc)) from exc
    finally:
        if source is not sys.stdin:
            source.close()
    return 0


def _ui(args: argparse.Namespace) -> int:
    import signal

    from storyline.ui import stop_on_signals

    env: dict[str, str] = {}
    try:
        with ExitStack() as stack:
            # `kill PID` stops the UI like Ctrl-C: the signal reaches dagster dev's whole group.
            stack.enter_context(stop_on_signals(signal.SIGTERM, signal.SIGHUP))
            _serve_ui(args, stack, env)
    except KeyboardInterrupt:  # Ctrl-C, or a stop signal (storyline.ui.Stopped)
        pass
    return 0


def _serve_ui(args: argparse.Namespace, stack: ExitStack, env: dict[str, str]) -> None:
    """Start what ``storyline ui`` serves on ``stack`` and wait until interrupted."""
    from storyline.ui import dagster_dev

    config, warehouse = args.config, args.warehouse
    if args.demo:
        site = stack.enter_context(_start_demo_site(None))
        env["STORYLINE_DEMO_HOST"] = os.environ["STORYLINE_DEMO_HOST"] = site.host_port
        config, warehouse = config or DEMO_CONFIG, warehouse or DEMO_WAREHOUSE
        print(f"demo site on {site.base_url}", flush=True)
    if config:
        load_config(config)
        env["STORYLINE_CONFIG"] = config
    if warehouse:
        env["STORYLINE_WAREHOUSE_URL"] = warehouse
    _upgrade(warehouse)
    home = os.environ.get("DAGSTER_HOME", ".dagster_home")
    try:
        url = stack.enter_context(dagster_dev(dagster_home=home, env=env, host=args.host, port=args.port))
    except RuntimeError as exc:
        raise CommandError(str(exc)) from exc
    print(f"Dagster UI on {url} (DAGSTER_HOME={home}); Ctrl-C to stop", flush=True)
    while True:
        time.sleep(3600)


def _print_summary(warehouse: str | None, *, crawl_report: bool = True) -> None:
    """Print the warehouse totals, after what the latest crawl run did (with ``crawl_report``)."""
    from pipelines.report import format_summary, warehouse_summary
    from pipelines.warehouse.db import session_scope

    if crawl_report and _print_crawl_report(warehouse, heading="Latest crawl"):
        print()
    engine = _open_for_reading(warehouse)
    try:
        with session_scope(engine) as session:
            print(format_summary(warehouse_summary(session)))
    finally:
        engine.dispose()


def _print_pass_crawls(warehouse: str | None, run_ids: tuple[str, ...]) -> None:
    """Print what the crawls of a pass's Dagster runs (one per shard) did, or that none fetched."""
    printed = [_print_crawl_report(warehouse, dagster_run_id=run_id, quiet=True) for run_id in run_ids]
    if not any(printed):
        print("This pass fetched nothing: the day was replayed from the raw archive.")


def _print_crawl_report(
    warehouse: str | None,
    *,
    crawl_run_id: int | None = None,
    dagster_run_id: str | None = None,
    heading: str = "This crawl",
    quiet: bool = False,
) -> bool:
    """Print what a crawl run did (the given one, that of a Dagster run, or the newest one).

    Returns False, after saying so for a Dagster run unless ``quiet``, when there is no such
    crawl run.
    """
    from pipelines.report import crawl_run_report, format_crawl_run_report, latest_crawl_run
    from pipelines.warehouse.db import session_scope

    engine = _open_for_reading(warehouse)
    try:
        with session_scope(engine) as session:
            if crawl_run_id is None:
                crawl_run_id = latest_crawl_run(session, dagster_run_id)
            if crawl_run_id is None:
                if dagster_run_id is not None and not quiet:
                    print("This pass fetched nothing: the day was replayed from the raw archive.")
                return False
            print(format_crawl_run_report(crawl_run_report(session, crawl_run_id), heading))
    finally:
        engine.dispose()
    return True


def _sources(args: argparse.Namespace) -> int:
    from pipelines.report import format_source_documents
    from pipelines.warehouse.db import session_scope
    from pipelines.warehouse.source_documents import list_documents

    engine = _open_for_reading(args.warehouse)
    try:
        with session_scope(engine) as session:
            print(format_source_documents(list_documents(session), datetime.now(UTC)))
    finally:
        engine.dispose()
    return 0


def _sources_discover(args: argparse.Namespace) -> int:
    from crawlers.homepage import discovery_yaml
    from crawlers.spiders.discover import discover_homepage
    from pipelines.urls import canonicalize_url

    try:
        canonicalize_url(args.url)
    except ValueError:
        raise CommandError(f"{args.url}: expected an absolute http(s) URL of a homepage") from None
    config = load_config(args.config) if args.config else None
    result = discover_homepage(args.url, config)
    if result.error:
        raise CommandError(f"cannot read the homepage {args.url}: {result.error}")
    print(discovery_yaml(result.homepage, result.site_name, result.found))
    if not result.found:
        print("storyline: nothing found on the homepage; a crawl searches it again", file=sys.stderr)
    return 0


def _summary(args: argparse.Namespace) -> int:
    _print_summary(args.warehouse)
    return 0


def _lineage(args: argparse.Namespace) -> int:
    from pipelines.lineage import LineageError, article_lineage, format_lineage
    from pipelines.warehouse.db import session_scope

    engine = _open_for_reading(args.warehouse)
    try:
        with session_scope(engine) as session:
            print(format_lineage(article_lineage(session, args.article_id)))
    except LineageError as exc:
        raise CommandError(str(exc)) from exc
    finally:
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
