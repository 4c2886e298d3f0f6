"""A three-day backfill launched the way the UI launches it, against ``dagster dev`` on loopback.

The demo site publishes on anchor-2, anchor-1 and anchor (today, UTC). First the test
process runs one full pass of anchor-2 (a past day never crawled: sitemap backfill). Then
``dagster dev`` (webserver and daemon) starts on the same warehouse and archive, and the
``launchPartitionBackfill`` mutation asks for every asset over the three days (the crawl's
partitions are day x shard: with one shard, ``DAY|0``; the day-level assets follow through
their partition mapping). Expected:

- anchor-2 was crawled already: replayed from the WARC archive, nothing fetched again;
- anchor-1 was never crawled: its articles are discovered from sitemaps and fetched;
- anchor is today: a live crawl;
- every day's articles carry stage runs of the backfill's runs for that day: the crawl
  and clean run of its shard, then the day-level runs (dedup, cluster, enrich), which
  take several days each (a partition range, oldest day first).
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from datetime import UTC, date, timedelta
from pathlib import Path

import dagster as dg
import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from pipelines.warehouse.migrate import upgrade
from pipelines.warehouse.models import Article, CrawlRun, Fetch, StageRun
from storyline.demo_site import DemoSite
from storyline.ui import dagster_dev

try:
    from tests.support.dagster_helpers import (
        Backfill,
        free_port,
        launch_asset_backfill,
        tail,
        wait_for_backfill,
    )
except ImportError:
    from support.dagster_helpers import Backfill, free_port, launch_asset_backfill, tail, wait_for_backfill

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

REPO_ROOT = Path(__file__).resolve().parent.parent
DEMO_CONFIG = REPO_ROOT / "config" / "demo.yaml"
ASSET_KEYS = [
    "raw_pages", "clean_articles", "enriched_articles", "deduplicated_articles", "stories", "story_enrichment"
]
BACKFILL_TIMEOUT_S = 480.0
#: The stages of the day x shard run (the others run in the day's run).
SHARD_STAGES = ("clean", "enrich")


@dataclasses.dataclass(frozen=True)
class BackfillOutcome:
    """What the scenario left behind, for the tests below to check."""

    before: str  # anchor-2: crawled in-process before the backfill
    never: str  # anchor-1: never crawled before the backfill
    today: str  # anchor
    pre_run_id: str
    backfill: Backfill
    run_by_day: dict[str, str]  # "DAY|0" -> the crawl-and-clean run of the day's one shard
    day_level_runs: dict[str, set[str]]  # "DAY" -> the runs of its dedup, cluster and story entities
    hits_before: Counter[str]
    hits_after: Counter[str]
    manifest: list
    base_url: str
    warehouse_url: str
    raw_pages_modes: dict[str, tuple[str, str]]  # day -> (run id, metadata "mode")
    log: str


def _day_path(day: str) -> str:
    return "/" + day.replace("-", "/") + "/"


@pytest.fixture(scope="module")
def outcome(tmp_path_factory) -> BackfillOutcome:
    from dagster_project.run import run_pass

    tmp = tmp_path_factory.mktemp("backfill")
    warehouse_url = f"sqlite:///{tmp / 'warehouse.db'}"
    upgrade(warehouse_url)
    home = tmp / "dagster_home"
    archive = tmp / "archive"

    with DemoSite() as site, pytest.MonkeyPatch.context() as env:
        anchor: date = site.anchor_date
        before, never, today = ((anchor - timedelta(days=n)).isoformat() for n in (2, 1, 0))
        env.setenv("STORYLINE_DEMO_HOST", site.host_port)
        env.setenv("STORYLINE_ARCHIVE_DIR", str(archive))
        env.delenv("DAGSTER_HOME", raising=False)

        pre = run_pass(
            config_path=str(DEMO_CONFIG),
            warehouse_url=warehouse_url,
            partition_key=before,
            instance=dg.DagsterInstance.ephemeral(),
        )
        assert pre.success, f"in-process pass of {before} failed: {pre.failure}"
        hits_before = Counter(site.hits)

        code_location_env = {
            "STORYLINE_CONFIG": str(DEMO_CONFIG),
            "STORYLINE_WAREHOUSE_URL": warehouse_url,
            "STORYLINE_DEMO_HOST": site.host_port,
            "STORYLINE_ARCHIVE_DIR": str(archive),
        }
        with dagster_dev(dagster_home=home, env=code_location_env, port=free_port()) as base_url:
            backfill_id = launch_asset_backfill(base_url, ASSET_KEYS, [f"{day}|0" for day in (before, never, today)])
            try:
                backfill = wait_for_backfill(base_url, backfill_id, timeout_s=BACKFILL_TIMEOUT_S)
            except TimeoutError as error:
                pytest.fail(f"{error}\n--- dagster dev log ---\n{tail(home / 'dagster-dev.log')}")
        hits_after = Counter(site.hits)
        manifest = list(site.manifest)
        base = site.base_url

    with dg.DagsterInstance.from_config(str(home)) as instance:
        records = instance.fetch_materializations(dg.AssetKey("raw_pages"), limit=20).records
        modes = {
            record.asset_materialization.partition.split("|")[0]: (
                record.run_id,
                record.asset_materialization.metadata["mode"].value,
            )
            for record in records
        }

    return BackfillOutcome(
        before=before,
        never=never,
        today=today,
        pre_run_id=pre.run_ids[0],  # the crawl-and-clean run of its one shard
        backfill=backfill,
        run_by_day={run.partition: run.run_id for run in backfill.runs if "|" in (run.partition or "")},
        day_level_runs={
            day: {run.run_id for run in backfill.runs if run.covers(day)} for day in (before, never, today)
        },
        hits_before=hits_before,
        hits_after=hits_after,
        manifest=manifest,
        base_url=base,
        warehouse_url=warehouse_url,
        raw_pages_modes=modes,
        log=tail(home / "dagster-dev.log"),
    )


@pytest.fixture(scope="module")
def db(outcome):
    engine = create_engine(outcome.warehouse_url)
    with Session(engine) as session:
        yield session
    engine.dispose()


def _crawl_runs(db: Session, day: str) -> list[CrawlRun]:
    return list(db.scalars(select(CrawlRun).where(CrawlRun.partition_key == day).order_by(CrawlRun.id)))


def _articles(db: Session, day: str) -> list[Article]:
    return list(db.scalars(select(Article).where(Article.partition_key == day).order_by(Article.id)))


def _path(outcome: BackfillOutcome, url: str) -> str:
    return url.removeprefix(outcome.base_url).split("?", 1)[0]


def test_backfill_runs_one_successful_run_per_day(outcome):
    backfill = outcome.backfill
    runs = ", ".join(f"{run.partition or run.partition_range}:{run.status}" for run in backfill.runs)
    assert backfill.status == "COMPLETED_SUCCESS", f"backfill {backfill.status}, runs {runs}\n{outcome.log}"
    days = [outcome.before, outcome.never, outcome.today]
    assert {run.status for run in backfill.runs} == {"SUCCESS"}, runs
    # One crawl-and-clean run per day of the one shard, then the day-level stages in runs
    # over a range of days.
    crawl_runs = sorted(run.partition for run in backfill.runs if "|" in (run.partition or ""))
    assert crawl_runs == [f"{day}|0" for day in sorted(days)], runs
    assert all(outcome.day_level_runs[day] for day in days), runs
    day_level = set().union(*outcome.day_level_runs.values())
    assert len(backfill.runs) == 3 + len(day_level), runs
    # The day-level stages run several days per run (oldest first), not one run per day and
    # stage, each waiting for a daemon tick.
    assert len(day_level) < 3 * len(days), runs
    assert outcome.pre_run_id not in outcome.run_by_day.values()


def test_crawl_step_picks_replay_sitemap_backfill_and_live(outcome):
    modes = {day: mode for day, (_run, mode) in outcome.raw_pages_modes.items()}
    assert modes == {outcome.before: "replay", outcome.never: "sitemap_backfill", outcome.today: "live"}
    for day, (run_id, _mode) in outcome.raw_pages_modes.items():
        assert run_id == outcome.run_by_day[f"{day}|0"], f"raw_pages {day} was materialized by another run"


def test_already_crawled_day_is_replayed_without_fetching_again(outcome, db):
    # Only the in-process pass ever crawled that day: the backfill added no crawl run for it.
    runs = _crawl_runs(db, outcome.before)
    assert [(run.mode, run.status, run.dagster_run_id) for run in runs] == [
        ("sitemap_backfill", "succeeded", outcome.pre_run_id)
    ]
    fetched_before = {path for path, count in outcome.hits_before.items() if count and ".html" in path}
    day_pages = {path for path in fetched_before if _day_path(outcome.before) in path}
    assert day_pages, f"the in-process pass fetched no article of {outcome.before}"
    # No page fetched before the backfill was requested again, by any of the three runs.
    refetched = {
        path: (outcome.hits_before[path], outcome.hits_after[path])
        for path in fetched_before
        if outcome.hits_after[path] != outcome.hits_before[path]
    }
    assert not refetched, f"pages fetched again (hits before, after): {refetched}"
    # The replay still re-derived the day: its articles were re-extracted by the backfill run.
    articles = _articles(db, outcome.before)
    assert articles, f"no articles for {outcome.before}"
    assert {article.crawl_run_id for article in articles} == {runs[0].id}
    extracted_by = {db.get(StageRun, article.extracted_by_id).dagster_run_id for article in articles}
    assert extracted_by == {outcome.run_by_day[f"{outcome.before}|0"]}


def test_never_crawled_day_is_discovered_from_sitemaps(outcome, db):
    runs = _crawl_runs(db, outcome.never)
    assert [(run.mode, run.status) for run in runs] == [("sitemap_backfill", "succeeded")]
    crawl = runs[0]
    assert crawl.dagster_run_id == outcome.run_by_day[f"{outcome.never}|0"]

    # Today's live crawl reads feeds that also list yesterday's articles; had it run first, it
    # would have stored them under today (crawl-time partitions) and left this day empty.
    live = _crawl_runs(db, outcome.today)
    assert live and crawl.started_at < live[0].started_at, (
        f"today's live crawl started before the sitemap backfill of {outcome.never}: the backfill's "
        "runs were not executed in partition order (check the instance's run queue and pool limits)"
    )
    articles = _articles(db, outcome.never)
    assert articles, f"the sitemap backfill of {outcome.never} stored no article"
    assert {article.crawl_run_id for article in articles} == {crawl.id}
    paths = {_path(outcome, article.url) for article in articles}
    for path in paths:
        assert outcome.hits_before[path] == 0, f"{path} had been fetched before the backfill"
        assert outcome.hits_after[path] >= 1, f"{path} was stored but the site never served it"

    # Exactly the sitemap pages whose lastmod falls on that day (UTC), no others.
    expected = {
        entry.url_path
        for entry in outcome.manifest
        if entry.in_sitemap and entry.modified.astimezone(UTC).date().isoformat() == outcome.never
    }
    assert paths == expected


def test_today_gets_a_live_crawl(outcome, db):
    runs = _crawl_runs(db, outcome.today)
    assert [(run.mode, run.status) for run in runs] == [("live", "succeeded")]
    assert runs[0].dagster_run_id == outcome.run_by_day[f"{outcome.today}|0"]
    # A live crawl reads feeds and hubs, which a sitemap backfill never does.
    kinds = set(db.scalars(select(Fetch.kind).where(Fetch.crawl_run_id == runs[0].id)))
    assert {"feed", "hub", "sitemap"} <= kinds, kinds
    articles = _articles(db, outcome.today)
    assert articles, f"the live crawl of {outcome.today} stored no article"
    assert {article.crawl_run_id for article in articles} == {runs[0].id}
    assert all(outcome.hits_before[_path(outcome, article.url)] == 0 for article in articles)


def test_every_day_has_rows_written_by_its_backfill_run(outcome, db):
    for day in (outcome.before, outcome.never, outcome.today):
        articles = _articles(db, day)
        assert articles, f"no articles for {day}"
        stage_runs = {
            stage: list(
                db.scalars(
                    select(StageRun).where(
                        StageRun.partition_key == day,
                        StageRun.stage == stage,
                        StageRun.dagster_run_id.in_(
                            {outcome.run_by_day[f"{day}|0"]} if stage in SHARD_STAGES
                            else outcome.day_level_runs[day]
                        ),
                    )
                )
            )
            for stage in ("clean", "enrich", "dedup", "cluster", "story_enrichment")
        }
        for stage, found in stage_runs.items():
            assert [run.status for run in found] == ["succeeded"], f"{day}: {stage} stage runs {found}"
        expected = {
            "extracted_by_id": stage_runs["clean"][0].id,
            "deduped_by_id": stage_runs["dedup"][0].id,
            "clustered_by_id": stage_runs["cluster"][0].id,
            # analysed in the shard's run, then restamped by the day's (copies, stories)
            "enriched_by_id": stage_runs["story_enrichment"][0].id,
        }
        # Every stored page was (re-)extracted by this run; news articles (not stubs, videos or
        # live blogs, which stop after the clean stage) went through every later stage too.
        for article in articles:
            assert article.extracted_by_id == expected["extracted_by_id"], f"{day}: {article.url}"
        news = [article for article in articles if article.page_type == "article"]
        assert news, f"{day}: no page was extracted as a news article"
        for article in news:
            written = {column: getattr(article, column) for column in expected}
            assert written == expected, f"{day}: article {article.url} has lineage {written}"
            assert article.body_text and article.word_count, f"{day}: {article.url} was not cleaned/enriched"
            assert article.story_id is not None, f"{day}: {article.url} has no story"

    # Every crawl run names the Dagster run that started it.
    missing = db.scalars(select(CrawlRun.id).where(CrawlRun.dagster_run_id.is_(None))).all()
    assert not missing, f"crawl runs without dagster_run_id: {missing}"
