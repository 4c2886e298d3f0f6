"""The real Dagster UI in headless Chromium: launch a two-day backfill by clicking, as a user would.

Runs with ``make test-ui`` (marker ``ui``, excluded from the default run). Starts the demo site
and ``dagster dev`` on loopback, opens the asset graph of the ``storyline`` group, clicks
"Materialize all", types a two-day range into the day dimension of the launch dialog and picks
every shard,
clicks "Launch backfill", then waits for the backfill on the UI's backfill page. Screenshots
go to ``artifacts/`` (``ui-asset-graph.png``, ``ui-launch-dialog.png``,
``ui-backfill-finished.png``).

Chromium comes from Debian (``/usr/bin/chromium``; Playwright's own download does not work
here); the test is skipped with the reason when it is missing.
"""

from __future__ import annotations

import os
import re
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from pipelines.warehouse.migrate import upgrade
from pipelines.warehouse.models import CrawlRun, StageRun
from storyline.demo_site import DemoSite
from storyline.ui import dagster_dev

try:
    from tests.support.dagster_helpers import free_port, list_backfills, tail, wait_for_backfill
except ImportError:
    from support.dagster_helpers import free_port, list_backfills, tail, wait_for_backfill

pytestmark = [pytest.mark.ui, pytest.mark.slow, pytest.mark.timeout(900)]

REPO_ROOT = Path(__file__).resolve().parent.parent
DEMO_CONFIG = REPO_ROOT / "config" / "demo.yaml"
ARTIFACTS = REPO_ROOT / "artifacts"
CHROMIUM = Path(os.environ.get("STORYLINE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
CODE_LOCATION = "dagster_project.definitions"  # `dagster dev -m` names the location after the module
UI_TIMEOUT_MS = 60_000
BACKFILL_TIMEOUT_S = 480.0


@pytest.fixture
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: install Debian's chromium package (make chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def _dismiss_welcome(page) -> None:
    """Close the one-time "Join the Dagster community" dialog if this instance shows it."""
    skip = page.get_by_role("button", name="Skip")
    try:
        skip.wait_for(state="visible", timeout=5_000)
    except Exception:  # noqa: BLE001 - playwright's TimeoutError: the dialog is not shown
        return
    skip.click()
    skip.wait_for(state="hidden", timeout=UI_TIMEOUT_MS)


def test_backfill_two_days_from_the_asset_graph(browser, tmp_path):
    ARTIFACTS.mkdir(exist_ok=True)
    warehouse_url = f"sqlite:///{tmp_path / 'warehouse.db'}"
    upgrade(warehouse_url)
    home = tmp_path / "dagster_home"

    with DemoSite() as site:
        # Two past days never crawled: each becomes a sitemap-backfill crawl.
        days = [(site.anchor_date - timedelta(days=n)).isoformat() for n in (2, 1)]
        env = {
            "STORYLINE_CONFIG": str(DEMO_CONFIG),
            "STORYLINE_WAREHOUSE_URL": warehouse_url,
            "STORYLINE_DEMO_HOST": site.host_port,
            "STORYLINE_ARCHIVE_DIR": str(tmp_path / "archive"),
        }
        with dagster_dev(dagster_home=home, env=env, port=free_port()) as base_url:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.set_default_timeout(UI_TIMEOUT_MS)

            # 1. The asset graph of the storyline group.
            page.goto(f"{base_url}/locations/{CODE_LOCATION}/asset-groups/storyline")
            for asset in ("raw_pages", "clean_articles", "enriched_articles", "stories", "story_enrichment"):
                page.get_by_text(asset, exact=True).first.wait_for()
            _dismiss_welcome(page)
            page.screenshot(path=str(ARTIFACTS / "ui-asset-graph.png"))

            # 2. Materialize all -> partition selection of the crawl's day x shard partitions:
            #    a range of two days, every shard (the demo has one).
            page.get_by_role("button", name="Materialize all").click()
            dialog = page.get_by_role("dialog")
            dialog.get_by_text("Launch runs to materialize 6 assets").wait_for()
            selection = dialog.get_by_placeholder(re.compile(r"^ex: \d{4}-\d{2}-\d{2}"))
            selection.click()
            selection.fill(f"[{days[0]}...{days[1]}]")
            selection.press("Enter")
            launch = dialog.get_by_role("button", name="Launch backfill")
            assert not launch.is_enabled(), "Launch backfill is enabled before a shard is chosen"
            dialog.get_by_role("button", name="All").last.click()  # the shard dimension's "All"
            page.wait_for_function(
                "button => !button.disabled", arg=launch.element_handle(), timeout=UI_TIMEOUT_MS
            )
            page.screenshot(path=str(ARTIFACTS / "ui-launch-dialog.png"))

            known = {backfill["id"] for backfill in list_backfills(base_url)}
            launch.click()
            dialog.wait_for(state="hidden")

            # 3. The backfill the click created, followed on its page until it is done.
            backfill_id = _new_backfill(base_url, known)
            page.goto(f"{base_url}/runs/b/{backfill_id}?tab=runs")
            try:
                backfill = wait_for_backfill(base_url, backfill_id, timeout_s=BACKFILL_TIMEOUT_S)
            except TimeoutError as error:
                page.screenshot(path=str(ARTIFACTS / "ui-backfill-timeout.png"))
                pytest.fail(f"{error}\n--- dagster dev log ---\n{tail(home / 'dagster-dev.log')}")
            page.reload()
            page.get_by_text("Succeeded", exact=True).first.wait_for()  # the backfill status tag
            page.wait_for_timeout(1_500)  # let the run list settle before the picture
            page.screenshot(path=str(ARTIFACTS / "ui-backfill-finished.png"), full_page=True)
            page.close()

    runs = ", ".join(f"{run.partition or run.partition_range}:{run.status}" for run in backfill.runs)
    assert backfill.status == "COMPLETED_SUCCESS", f"backfill {backfill.status}: {runs}"
    assert {run.status for run in backfill.runs} == {"SUCCESS"}, runs
    # One crawl-and-clean run per day x shard, then the day-level stages in runs over the days.
    crawl_runs = {run.partition: run.run_id for run in backfill.runs if "|" in (run.partition or "")}
    assert sorted(crawl_runs) == [f"{day}|0" for day in days], runs
    day_runs = {day: {run.run_id for run in backfill.runs if run.covers(day)} for day in days}
    assert all(day_runs.values()), runs

    # The runs did their work: a sitemap-backfill crawl, the clean and enrich stages in the day x
    # shard run, dedup, clustering and the story entities in the day's runs.
    engine = create_engine(warehouse_url)
    try:
        with Session(engine) as db:
            for day in days:
                crawls = db.execute(
                    select(CrawlRun.mode, CrawlRun.status, CrawlRun.dagster_run_id).where(
                        CrawlRun.partition_key == day
                    )
                ).all()
                assert [tuple(crawl) for crawl in crawls] == [
                    ("sitemap_backfill", "succeeded", crawl_runs[f"{day}|0"])
                ]
                stages: dict[str, str] = {}  # each stage's first run (a day run may add an enrich
                # run after dedup, for originals that had borrowed a near copy's analysis)
                for stage, run_id in db.execute(
                    select(StageRun.stage, StageRun.dagster_run_id)
                    .where(StageRun.partition_key == day, StageRun.status == "succeeded")
                    .order_by(StageRun.id)
                ):
                    stages.setdefault(stage, run_id)
                assert set(stages) == {"clean", "enrich", "dedup", "cluster", "story_enrichment"}, stages
                assert stages["clean"] == stages["enrich"] == crawl_runs[f"{day}|0"]
                assert {stages[stage] for stage in ("dedup", "cluster", "story_enrichment")} <= day_runs[day]
    finally:
        engine.dispose()
    for name in ("ui-asset-graph.png", "ui-launch-dialog.png", "ui-backfill-finished.png"):
        assert (ARTIFACTS / name).stat().st_size > 10_000, f"artifacts/{name} looks empty"


def _new_backfill(base_url: str, known: set[str], timeout_s: float = 30.0) -> str:
    """Return the id of the backfill that appeared after the click (not in ``known``)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        fresh = [backfill["id"] for backfill in list_backfills(base_url) if backfill["id"] not in known]
        if fresh:
            assert len(fresh) == 1, f"one click launched several backfills: {fresh}"
            return fresh[0]
        time.sleep(0.5)
    raise AssertionError(f"no backfill appeared within {timeout_s:.0f} s of clicking Launch backfill")
