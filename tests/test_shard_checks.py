"""The asset checks of the day x shard step look at the partition's shard, not the whole day."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import update
from test_enrich_shards import SHARDS, _shard, _warehouse
from test_incremental import DAYS

from dagster_project import checks
from pipelines.warehouse.db import session_scope
from pipelines.warehouse.models import Article, CrawlRun


def test_checks_of_a_shard_count_only_its_articles_and_crawls(warehouse_url) -> None:
    engine = _warehouse(warehouse_url)
    day = DAYS[0]
    first, second = _shard(SHARDS[0]), _shard(SHARDS[1])
    with session_scope(engine) as session:  # the second shard's bodies came out empty
        session.execute(update(Article).values(word_count=80, language="en"))
        session.execute(update(Article).where(second, Article.partition_key == day).values(word_count=0))
        session.add(CrawlRun(started_at=datetime.now(UTC), finished_at=datetime.now(UTC),
                             partition_key="2031-06-04", shard="0/2", status="succeeded"))

    whole = checks.empty_bodies(engine, day)
    ok, empty = checks.empty_bodies(engine, day, first), checks.empty_bodies(engine, day, second)
    assert not whole.passed and ok.passed and not empty.passed
    counted = [result.metadata["rows_checked"].value for result in (whole, ok, empty)]
    assert counted[0] == counted[1] + counted[2] and min(counted) > 0
    assert checks.lineage_complete(engine, day, first).metadata["rows_checked"].value == counted[1]
    # A crawl of shard 0 does not make shard 1's partition fresh.
    assert checks.partition_fresh(engine, "2031-06-04", shard="0/2").passed
    assert not checks.partition_fresh(engine, "2031-06-04", shard="1/2").passed
