"""Benchmark of a scheduled run late in a busy day: what the dedup and cluster stages cost.

A SQLite warehouse gets one crawl day of N synthetic articles (``benchmarks/clustering.py``'s
generator, squeezed into 24 hours, in publication order), and both stages run once. Then
the next run brings ``--new`` more articles (half of them published up to 90 minutes
before the newest stored one), and both stages run again, twice from the same
copy of the warehouse: once resuming from the states the first run left (what a
scheduled run does), once with those states removed (the stages then decide the whole
day again, as they did before states were kept). Prints the wall seconds of each stage,
the ratios, and whether both ended in the same rows.

    python benchmarks/incremental.py                  # N = 10,000, 100 new
    python benchmarks/incremental.py --articles 30000 --new 300
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
for path in (REPO_ROOT, REPO_ROOT / "benchmarks"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from clustering import synthetic_docs  # noqa: E402
from sqlalchemy import delete, insert, select  # noqa: E402

from pipelines.dedup.store import dedup_partition  # noqa: E402
from pipelines.stories.store import cluster_partition  # noqa: E402
from pipelines.warehouse.db import make_engine, session_scope  # noqa: E402
from pipelines.warehouse.migrate import upgrade  # noqa: E402
from pipelines.warehouse.models import (  # noqa: E402
    Article,
    CrawlRun,
    Fetch,
    StageCheckpoint,
    StoryArticle,
)
from pipelines.warehouse.stage_runs import stage_run  # noqa: E402

DAY = "2025-01-01"


def day_of_articles(count: int) -> list[dict]:
    """Return ``count`` synthetic articles published within one day, in publication order."""
    docs = synthetic_docs(count)
    start = datetime(2025, 1, 1, tzinfo=UTC).timestamp()
    days = max(1, count // 300)
    rows = []
    for doc in docs:
        when = start + (doc.published_at.timestamp() - start) / (days + 2.5)
        rows.append({"title": doc.title, "text": doc.text, "url": doc.url,
                     "source": doc.source, "published": datetime.fromtimestamp(when, UTC)})
    rows.sort(key=lambda row: (row["published"], row["url"]))
    return rows


def insert_articles(url: str, articles: list[dict]) -> None:
    """Insert ``articles`` as one crawl's fetches and article rows of :data:`DAY`."""
    engine = make_engine(url)
    with session_scope(engine) as session:
        crawl = CrawlRun(started_at=datetime(2025, 1, 1, tzinfo=UTC), partition_key=DAY, status="succeeded")
        session.add(crawl)
        session.flush()
        fetches, rows = [], []
        for article in articles:
            fetch_id = str(uuid.uuid4())
            fetches.append({"id": fetch_id, "crawl_run_id": crawl.id, "kind": "article",
                            "url": article["url"], "requested_at": article["published"]})
            rows.append({"fetch_id": fetch_id, "crawl_run_id": crawl.id, "partition_key": DAY,
                         "fetched_at": article["published"] + timedelta(minutes=5),
                         "url": article["url"], "canonical_url": article["url"],
                         "page_type": "article", "title": article["title"],
                         "body_text": article["text"], "published_at": article["published"],
                         "site_name": article["source"]})
        session.execute(insert(Fetch), fetches)
        session.execute(insert(Article), rows)
    engine.dispose()


def run_stages(url: str) -> dict[str, float]:
    """Run the dedup and cluster stages as a scheduled run does; returns their wall seconds."""
    engine = make_engine(url)
    timings: dict[str, float] = {}
    for stage, work in (("dedup", dedup_partition), ("cluster", cluster_partition)):
        started = time.perf_counter()
        with stage_run(engine, stage, DAY, code_version="bench") as run:
            result = work(engine, DAY, run.id, rebuild=False)
        timings[stage] = round(time.perf_counter() - started, 3)
        timings[f"{stage}_resumed"] = result.get("resumed", 0)
        timings[f"{stage}_handled"] = result.get("placed", result.get("decided", 0))
        timings[f"{stage}_state_mb"] = round(result.get("state_bytes", 0) / 1e6, 1)
    engine.dispose()
    return timings


def assignments(url: str) -> list[tuple]:
    engine = make_engine(url)
    with session_scope(engine) as session:
        rows = session.execute(
            select(Article.id, Article.story_id, Article.duplicate_of_id, StoryArticle.relation,
                   StoryArticle.related_to_id)
            .join(StoryArticle, StoryArticle.article_id == Article.id).order_by(Article.id)
        ).all()
    engine.dispose()
    return [tuple(row) for row in rows]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000, help="articles of the day before the run")
    parser.add_argument("--new", type=int, default=100, help="articles the last hour brings")
    args = parser.parse_args(argv)

    articles = day_of_articles(args.articles + args.new)
    for article in articles[args.articles :: 2]:  # every other new story is a little late
        article["published"] -= timedelta(minutes=90)
    workdir = Path(tempfile.mkdtemp(prefix="storyline-incremental-"))
    try:
        base = workdir / "base.db"
        upgrade(f"sqlite:///{base}")
        insert_articles(f"sqlite:///{base}", articles[: args.articles])
        first = run_stages(f"sqlite:///{base}")
        results = {"articles": args.articles, "new": args.new, "first_run": first}
        for name in ("resumed", "placed_again"):
            copy = workdir / f"{name}.db"
            shutil.copy(base, copy)
            url = f"sqlite:///{copy}"
            if name == "placed_again":
                engine = make_engine(url)
                with session_scope(engine) as session:
                    session.execute(delete(StageCheckpoint))
                engine.dispose()
            insert_articles(url, articles[args.articles :])
            results[name] = run_stages(url)
        same = assignments(f"sqlite:///{workdir / 'resumed.db'}") == assignments(
            f"sqlite:///{workdir / 'placed_again.db'}"
        )
        results["same_rows"] = same
        results["resumed_over_placed_again"] = {
            stage: round(results["resumed"][stage] / results["placed_again"][stage], 3)
            for stage in ("dedup", "cluster")
        }
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(json.dumps(results, indent=2))
    resumed = results["resumed"]
    return 0 if same and resumed["dedup_resumed"] == resumed["cluster_resumed"] == 1 else 1


if __name__ == "__main__":
    raise SystemExit(main())
