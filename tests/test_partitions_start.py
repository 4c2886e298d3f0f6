"""Where the daily partitions begin: a week before the first crawl, not years of grey days."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from dagster_project.partitions import BACKFILL_WINDOW_DAYS, partitions_start
from pipelines.plan import first_crawl_day
from pipelines.warehouse.db import make_engine, session_scope
from pipelines.warehouse.migrate import upgrade
from pipelines.warehouse.models import CrawlRun

TODAY = date(2026, 12, 3)


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'w.db'}"
    monkeypatch.delenv("STORYLINE_PARTITIONS_START", raising=False)
    monkeypatch.setenv("STORYLINE_WAREHOUSE_URL", url)
    return url


def _crawl_runs(url: str, *days: str) -> None:
    upgrade(url)
    engine = make_engine(url)
    with session_scope(engine) as session:
        for day in days:
            session.add(CrawlRun(started_at=datetime(2026, 1, 1, tzinfo=UTC), partition_key=day))
    engine.dispose()


def test_without_a_warehouse_the_partitions_begin_a_week_before_today_and_nothing_is_created(
    environment: str, tmp_path: Path
):
    assert BACKFILL_WINDOW_DAYS == 7
    assert partitions_start(TODAY) == "2026-11-26"
    assert not (tmp_path / "w.db").exists()
    assert first_crawl_day(f"sqlite:///{tmp_path}/no/such/dir/w.db") is None
    assert not (tmp_path / "no").exists()


def test_with_crawls_they_begin_a_week_before_the_first_crawl_day(environment: str):
    _crawl_runs(environment, "2026-10-20", "2026-10-12", "2026-11-30")
    assert partitions_start(TODAY) == "2026-10-05"


def test_a_warehouse_without_crawls_counts_as_none(environment: str):
    upgrade(environment)
    assert partitions_start(TODAY) == "2026-11-26"


def test_the_environment_sets_the_start(environment: str, monkeypatch: pytest.MonkeyPatch):
    _crawl_runs(environment, "2026-10-20")
    monkeypatch.setenv("STORYLINE_PARTITIONS_START", "2025-06-01")
    assert partitions_start(TODAY) == "2025-06-01"
