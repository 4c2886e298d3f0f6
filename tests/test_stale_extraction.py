"""Which days an older extractor wrote: the SQL query and the sensor that re-derives them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import dagster as dg
from sqlalchemy import Engine

from dagster_project.resources import WarehouseResource
from dagster_project.sensors import stale_extraction
from pipelines import quality
from pipelines.extract import EXTRACTOR_VERSION, extractor_settings_hash
from pipelines.warehouse.db import session_scope
from pipelines.warehouse.models import Article, CrawlRun, Fetch

T0 = datetime(2031, 5, 20, 12, 0, tzinfo=UTC)


def _add_article(engine: Engine, day: str, version: str | None, settings_hash: str | None) -> None:
    """Store one article of day, as extracted by (version, settings_hash); None: not extracted."""
    with session_scope(engine) as session:
        crawl = CrawlRun(started_at=T0, partition_key=day)
        session.add(crawl)
        session.flush()
        fetch_id = str(uuid.uuid4())
        url = f"https://x.example/{fetch_id}"
        session.add(Fetch(id=fetch_id, crawl_run_id=crawl.id, kind="article", url=url,
                          requested_at=T0))
        session.flush()
        session.add(Article(fetch_id=fetch_id, crawl_run_id=crawl.id, partition_key=day,
                            fetched_at=T0, url=url, canonical_url=url, page_type="article",
                            extractor_version=version, extractor_settings_hash=settings_hash))


def _seed_days(engine: Engine) -> None:
    current = extractor_settings_hash()
    _add_article(engine, "2031-05-01", EXTRACTOR_VERSION, current)
    _add_article(engine, "2031-05-02", "2000.1.1", current)
    _add_article(engine, "2031-05-03", EXTRACTOR_VERSION, "0123456789abcdef")
    _add_article(engine, "2031-05-04", None, None)
    _add_article(engine, "2031-05-05", EXTRACTOR_VERSION, current)
    _add_article(engine, "2031-05-05", EXTRACTOR_VERSION, None)


def test_a_day_is_stale_when_its_extractor_version_or_settings_hash_differs(warehouse: Engine):
    _seed_days(warehouse)
    stale = quality.partitions_extracted_by_other_versions(
        warehouse, EXTRACTOR_VERSION, extractor_settings_hash()
    )
    assert stale == ["2031-05-02", "2031-05-03", "2031-05-05"]


def test_nothing_is_stale_when_every_day_has_the_current_extractor(warehouse: Engine):
    _add_article(warehouse, "2031-05-01", EXTRACTOR_VERSION, extractor_settings_hash())
    _add_article(warehouse, "2031-05-04", None, None)
    assert quality.partitions_extracted_by_other_versions(
        warehouse, EXTRACTOR_VERSION, extractor_settings_hash()
    ) == []


def test_sensor_run_keys_name_the_version_and_settings_hash(warehouse: Engine, warehouse_url: str):
    _seed_days(warehouse)
    context = dg.build_sensor_context(resources={"warehouse": WarehouseResource(url=warehouse_url)})
    requests = list(stale_extraction(context))
    current = f"{EXTRACTOR_VERSION}+{extractor_settings_hash()}"
    assert [(r.partition_key, r.run_key) for r in requests] == [
        (f"{day}|0", f"{day}|0@{current}") for day in ("2031-05-02", "2031-05-03", "2031-05-05")
    ]
