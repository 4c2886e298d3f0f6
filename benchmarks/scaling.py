"""What each stage costs per 1,000 articles: CPU seconds, peak memory, warehouse rows (issue 12).

Serves N article pages of 20 outlets on 127.0.0.1 (``benchmarks/loopback_site.py``, as
``benchmarks/pipeline.py`` does), then runs the stages of today's partition one after the
other, each in a child process of its own (``python benchmarks/scaling.py --stage NAME``)
so that its figures are its own:

- CPU seconds: ``getrusage(RUSAGE_CHILDREN)`` of this process after the stage minus
  before. This process is a child subreaper (as in ``benchmarks/pipeline.py``), so the
  processes the stage leaves behind (the extraction pool's forkserver and workers) are
  re-parented to it and reaped here, and their CPU counts too;
- peak memory: the stage process's own peak resident set (``VmHWM`` of ``/proc/self/status``;
  ``ru_maxrss`` would carry this process's over the exec). The clean stage's extraction
  processes and the enrich stage's NER processes (one per core each) hold their own
  beside it, not counted here;
- rows written: rows the stage inserted (counted per table before and after) plus rows it
  updated, as the stage reports them (``written``, ``pages``, ``articles``).

The clean stage runs after the crawl, not alongside it as ``crawl_and_clean`` does, so the
two are measured apart. Figures are per 1,000 stored articles (every page type), and the
ratios of docs/scaling.md are computed from them. Usage:
``python benchmarks/scaling.py [--pages 1000] [--workers 2] [--json]``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
# Not the benchmarks folder itself: its incremental.py would shadow the package Twisted needs.
if sys.path and Path(sys.path[0]).resolve() == REPO_ROOT / "benchmarks":
    sys.path.pop(0)
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from benchmarks.loopback_site import BenchSite  # noqa: E402
from benchmarks.pipeline import _templates, become_subreaper, write_config  # noqa: E402

#: In pipeline order; ``enrich`` is the shard-level analysis (NER), ``story_enrichment`` the
#: day-level step after clustering (copies, story entities).
STAGES = ("crawl", "clean", "enrich", "dedup", "cluster", "story_enrichment")
TABLES = (
    "crawl_runs", "sources", "fetches", "feed_entries", "hub_links", "sitemap_entries",
    "articles", "stage_runs", "stories", "story_articles", "extraction_changes",
)  # fmt: skip


def run_stage(stage: str, config: str, url: str, day: str, workers: int) -> dict[str, Any]:
    """Run one stage of ``day`` in this process; return its stats (rows it updated among them)."""
    from crawlers.run import crawl
    from pipelines.clean import clean_partition
    from pipelines.dedup.store import dedup_partition
    from pipelines.enrich import analyse_partition, finish_partition
    from pipelines.enrich.store import analyse_borrowed_originals, borrowed_originals
    from pipelines.stories.store import cluster_partition
    from pipelines.warehouse.db import make_engine
    from pipelines.warehouse.stage_runs import stage_run

    if stage == "crawl":
        outcome = crawl(config, url, partition_key=day)
        return {"status": outcome.status, "updated": 0}
    engine = make_engine(url)
    with stage_run(engine, stage, day, code_version="benchmark") as run:
        if stage == "clean":
            stats = clean_partition(engine, day, stage_run_id=run.id, workers=workers)
            updated = stats.get("pages", 0)
        elif stage == "dedup":
            stats = dedup_partition(engine, day, run.id)
            updated = stats["written"]
        elif stage == "cluster":
            stats = cluster_partition(engine, day, run.id)
            updated = stats["written"]
        elif stage == "enrich":
            stats = analyse_partition(engine, day, stage_run_id=run.id, workers=workers)
            updated = stats.get("articles", 0)
        else:
            stats = finish_partition(engine, day, stage_run_id=run.id)
            updated = stats.get("articles", 0)
    if stage == "dedup" and borrowed_originals(engine, day):  # as the dedup asset does
        with stage_run(engine, "enrich", day, code_version="benchmark") as own:
            found = analyse_borrowed_originals(engine, day, stage_run_id=own.id)
        stats["originals_analysed"] = found["articles"]
        updated += found["articles"]
    engine.dispose()
    return {**{k: v for k, v in stats.items() if isinstance(v, int | float)}, "updated": updated}


def _child_main(args: argparse.Namespace) -> int:
    stats = run_stage(args.stage, args.config, args.warehouse, args.day, args.workers)
    print(json.dumps({"stats": stats, "peak_rss_mb": _own_peak_rss_mb()}))
    return 0


def _own_peak_rss_mb() -> float:
    """This process's peak resident set since its exec (``VmHWM``), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _children_cpu() -> float:
    """CPU seconds of every reaped descendant so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _reap_orphans(timeout_s: float = 10.0) -> None:
    """Wait for the descendants re-parented to this subreaper (until none is left or timeout)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            time.sleep(0.05)


def _counts(url: str) -> dict[str, int]:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            count = "select count(*) from {}"
            return {table: connection.execute(text(count.format(table))).scalar_one() for table in TABLES}
    finally:
        engine.dispose()


def measure(stage: str, config: Path, url: str, day: str, workers: int, log: Path) -> dict[str, Any]:
    """Run ``stage`` in a child process; return its CPU, peak memory, rows and wall time."""
    before = _counts(url)
    command = [sys.executable, __file__, "--stage", stage, "--config", str(config), "--warehouse", url,
               "--day", day, "--workers", str(workers)]  # fmt: skip
    cpu_before = _children_cpu()
    started = time.monotonic()
    with log.open("w") as errors:
        result = subprocess.run(
            command, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=errors, text=True, check=False
        )
    wall = time.monotonic() - started
    _reap_orphans()
    cpu_after = _children_cpu()
    if result.returncode != 0:
        tail = log.read_text(encoding="utf-8", errors="replace")[-3000:]
        raise RuntimeError(f"stage {stage} exited {result.returncode}; its log ends:\n{tail}")
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    figures["cpu_s"] = cpu_after - cpu_before
    after = _counts(url)
    inserted = {table: after[table] - before[table] for table in TABLES if after[table] != before[table]}
    inserted.pop("stage_runs", None)
    figures.update(wall_s=wall, inserted=inserted, rows=sum(inserted.values()) + figures["stats"]["updated"])
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="extraction processes")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--stage", choices=STAGES, help=argparse.SUPPRESS)
    parser.add_argument("--config", help=argparse.SUPPRESS)
    parser.add_argument("--warehouse", help=argparse.SUPPRESS)
    parser.add_argument("--day", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stage:
        return _child_main(args)

    from pipelines.warehouse.migrate import upgrade

    become_subreaper()
    templates, origin = _templates()
    load = os.getloadavg()
    print(f"pages: {args.pages}, from {origin}; extraction processes: {args.workers}")
    print(f"machine: {os.cpu_count()} cores, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    with (
        tempfile.TemporaryDirectory(prefix="storyline-scaling-") as tmp,
        BenchSite(args.pages, templates) as site,
    ):
        work = Path(tmp)
        config = write_config(site, work)
        url = f"sqlite:///{work / 'w.db'}"
        upgrade(url)
        day = datetime.now(UTC).date().isoformat()
        results = {
            stage: measure(stage, config, url, day, args.workers, work / f"{stage}.log") for stage in STAGES
        }
        articles = _counts(url)["articles"]
    per = 1000 / max(articles, 1)
    print(f"\narticles stored: {articles}; figures per 1,000 articles")
    header = f"{'stage':<16} {'CPU s':>8} {'wall s':>8} {'peak RSS MB':>12} {'rows':>8}"
    print(f"{header}  rows by table (inserted)")
    for stage, figures in results.items():
        inserted = ", ".join(f"{table} {count * per:.0f}" for table, count in figures["inserted"].items())
        print(
            f"{stage:<16} {figures['cpu_s'] * per:8.1f} {figures['wall_s'] * per:8.1f} "
            f"{figures['peak_rss_mb']:12.0f} {figures['rows'] * per:8.0f}  {inserted or '-'}"
        )
    enrich, dedup = results["enrich"]["stats"], results["dedup"]["stats"]
    print(
        f"NER: {enrich.get('analysed', 0)} texts in the enrich step ({enrich.get('borrowed', 0)} articles "
        f"borrowed a near copy's analysis, {enrich.get('reused', 0)} reused a stored one), "
        f"{dedup.get('originals_analysed', 0)} originals that had borrowed analysed after dedup"
    )
    if args.json:
        print(json.dumps({"articles": articles, "stages": results}, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
