"""The crawl's own entry points on the demo site: `storyline crawl` backfills and `scrapy crawl`."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from pipelines.warehouse.db import make_engine, session_scope
from pipelines.warehouse.migrate import current_revision, head_revision
from pipelines.warehouse.models import Article, CrawlRun
from tests.conftest import REPO_ROOT, clean_stored_pages

pytestmark = pytest.mark.slow


def _crawl_runs_and_partitions(url: str) -> tuple[list[CrawlRun], set[str]]:
    """The crawl runs, and the partitions of the articles their stored pages became."""
    clean_stored_pages(url)
    engine = make_engine(url)
    try:
        with session_scope(engine) as session:
            runs = list(session.scalars(select(CrawlRun)))
            partitions = set(session.scalars(select(Article.partition_key)))
    finally:
        engine.dispose()
    return runs, partitions


def test_a_sitemap_backfill_from_the_cli_lands_in_the_day_it_backfills(demo_site, archive_dir, tmp_path):
    day = (demo_site.anchor_date - timedelta(days=1)).isoformat()
    url = f"sqlite:///{tmp_path / 'w.db'}"
    result = subprocess.run(
        [sys.executable, "-m", "storyline", "crawl", "--config", "config/demo.yaml", "--warehouse", url,
         "--mode", "sitemap_backfill", "--day", day],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=300, check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    (run,), partitions = _crawl_runs_and_partitions(url)
    assert run.mode == "sitemap_backfill" and run.partition_key == day
    assert partitions == {day}, "the backfilled day's articles belong to that day's partition"
    assert Path(run.warc_path).parent == archive_dir / day


def test_scrapy_crawl_on_a_fresh_warehouse_applies_the_migrations(demo_site, tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    result = subprocess.run(
        [str(Path(sys.executable).with_name("scrapy")), "crawl", "news",
         "-s", "STORYLINE_CONFIG=config/demo.yaml", "-s", f"STORYLINE_WAREHOUSE_URL={url}",
         "-s", "LOG_LEVEL=WARNING"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=300, check=False,
        env={**os.environ},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    engine = make_engine(url)
    try:
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()
    (run,), partitions = _crawl_runs_and_partitions(url)
    assert run.status == "succeeded" and len(partitions) == 1


def test_scrapy_crawl_of_a_sitemap_backfill_without_a_day_opens_no_crawl_run(tmp_path):
    url = f"sqlite:///{tmp_path / 'w.db'}"
    result = subprocess.run(
        [str(Path(sys.executable).with_name("scrapy")), "crawl", "news",
         "-s", "STORYLINE_CONFIG=config/demo.yaml", "-s", f"STORYLINE_WAREHOUSE_URL={url}",
         "-s", "STORYLINE_CRAWL_MODE=sitemap_backfill", "-s", "LOG_LEVEL=WARNING"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=300, check=False,
        env={**os.environ, "STORYLINE_DEMO_HOST": "127.0.0.1:9"},
    )
    assert "sitemap_backfill mode needs STORYLINE_BACKFILL_DAY" in result.stderr
    runs, _partitions = _crawl_runs_and_partitions(url)
    assert runs == []
