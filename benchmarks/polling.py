"""Benchmark of adaptive polling and revisits: requests per crawl, as ratios against a full crawl.

A loopback site of N article pages over 20 outlets (``benchmarks/loopback_site.py``: a
feed, a hub and a sitemap each, every article listed twice) is crawled for real, in child
processes, with the schedule's clock driven by ``--now`` (no sleeps):

1. a first crawl (everything is new: the baseline, a full crawl);
2. the clean stage, so the stored pages become stories (only stories are revisited);
3. a second crawl five minutes later with default polling (nothing is due);
4. a crawl with ``--poll all`` (every feed, hub and sitemap asked again, conditionally);
5. a simulated day: a scheduled crawl every hour for 24 hours, the site unchanged, with
   default polling and the default revisit schedule (1, 6, 24 and 72 hours after a story
   was stored): the documents come due as their intervals grow, and each story is asked
   again at 1, 6 and 24 hours (answered ``304``).

Prints the GETs the site answered per crawl, by kind and status, and each figure as a
ratio of the first crawl's. Request counts do not depend on the machine's load.

    python benchmarks/polling.py                 # N = 200
    python benchmarks/polling.py --pages 1000
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from benchmarks.loopback_site import BenchSite  # noqa: E402
from benchmarks.pipeline import _templates, write_config  # noqa: E402
from pipelines.clean import clean_partition  # noqa: E402
from pipelines.warehouse.db import make_engine, session_scope  # noqa: E402
from pipelines.warehouse.models import CrawlRun  # noqa: E402
from pipelines.warehouse.stage_runs import stage_run  # noqa: E402

KINDS = ("feed", "hub", "sitemap", "article", "robots", "other")


def crawl(config: Path, warehouse_url: str, now: datetime, *extra: str) -> dict:
    """Run one crawl in a child process at schedule time ``now``; return its outcome."""
    env = {**os.environ, "STORYLINE_WAREHOUSE_URL": warehouse_url}
    command = [sys.executable, "-m", "crawlers.run", "--config", str(config), "--now", now.isoformat()]
    command += extra
    result = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"crawl failed ({result.returncode}):\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def describe(counts: Counter[tuple[str, int]]) -> str:
    """``feed 20x200 20x304, article ...``: GETs by kind and status."""
    parts = []
    for kind in KINDS:
        statuses = {status: n for (k, status), n in sorted(counts.items()) if k == kind}
        if statuses:
            parts.append(f"{kind} " + " ".join(f"{n:g}x{status}" for status, n in statuses.items()))
    return ", ".join(parts) or "nothing"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=200, help="article pages on the site (default 200)")
    parser.add_argument("--hours", type=int, default=24, help="hourly crawls to simulate (default 24)")
    args = parser.parse_args()
    templates, origin = _templates()
    load = os.getloadavg()
    print(f"pages: {args.pages} over 20 outlets; templates: {origin}; load {load[0]:.2f} {load[1]:.2f}")
    with tempfile.TemporaryDirectory(prefix="storyline-polling-") as work_dir, BenchSite(
        args.pages, templates
    ) as site:
        work = Path(work_dir)
        config = write_config(site, work)
        warehouse_url = f"sqlite:///{work / 'warehouse.db'}"
        start = datetime.now(UTC).replace(microsecond=0)
        rows: list[tuple[str, Counter[tuple[str, int]]]] = []

        first = crawl(config, warehouse_url, start)
        rows.append(("first crawl (full)", site.take_counts()))
        engine = make_engine(warehouse_url)
        with session_scope(engine) as session:
            partition = session.get(CrawlRun, first["crawl_run_id"]).partition_key
        with stage_run(engine, "clean", partition, code_version="bench") as run:
            cleaned = clean_partition(engine, partition, stage_run_id=run.id, rebuild=False)
        engine.dispose()
        print(f"clean: {cleaned.get('stories', 0)} stories of {cleaned.get('pages', 0)} pages")

        crawl(config, warehouse_url, start + timedelta(minutes=5))
        rows.append(("second crawl, 5 min on (due only)", site.take_counts()))
        crawl(config, warehouse_url, start + timedelta(minutes=6), "--poll", "all")
        rows.append(("--poll all, 6 min on", site.take_counts()))
        day: Counter[tuple[str, int]] = Counter()
        for hour in range(1, args.hours + 1):
            crawl(config, warehouse_url, start + timedelta(hours=hour))
            day.update(site.take_counts())
        rows.append((f"{args.hours} hourly crawls (total)", day))
        hourly = Counter({key: round(n / args.hours, 1) for key, n in day.items()})
        rows.append(("  of which per hourly crawl", hourly))

    full = sum(rows[0][1].values())
    print(f"\n{'crawl':<36} {'GETs':>8} {'x full':>8}  by kind and status")
    for label, counts in rows:
        total = sum(counts.values())
        print(f"{label:<36} {total:>8.1f} {total / full:>8.3f}  {describe(counts)}")
    revisits = sum(n for (kind, _), n in day.items() if kind == "article")
    print(f"\nrevisits over the day: {revisits} article GETs ({revisits / max(1, args.pages):.2f} per page; "
          f"{sum(n for (k, s), n in day.items() if k == 'article' and s == 304)} answered 304)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
