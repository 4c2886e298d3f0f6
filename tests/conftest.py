"""Shared fixtures: warehouses on SQLite and PostgreSQL, the demo site, crawls in a child process.

PostgreSQL tests use 127.0.0.1:5432, database ``test``, each in a fresh schema that
is dropped afterwards. They skip when no server answers, and fail instead when
``STORYLINE_REQUIRE_POSTGRES=1`` (as ``.ci/run`` sets).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text

from pipelines.warehouse.db import make_engine
from pipelines.warehouse.migrate import upgrade

REPO_ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = os.environ.get("STORYLINE_TEST_POSTGRES_URL", "postgresql+psycopg://root@127.0.0.1:5432/test")
SHARED_DIR = Path(os.environ.get("STORYLINE_SHARED_DIR", REPO_ROOT.parent / "shared"))


def postgres_available() -> str | None:
    """Return why PostgreSQL cannot be used, or None when it answers."""
    try:
        engine = create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(text("select 1"))
        engine.dispose()
        return None
    except Exception as exc:  # noqa: BLE001 - any failure means "not available"
        return f"PostgreSQL at {POSTGRES_URL} is not reachable ({type(exc).__name__})"


def require_postgres() -> None:
    """Skip (or fail under STORYLINE_REQUIRE_POSTGRES=1) when PostgreSQL is unreachable."""
    reason = postgres_available()
    if reason is None:
        return
    if os.environ.get("STORYLINE_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"{reason}, and STORYLINE_REQUIRE_POSTGRES=1")
    pytest.skip(reason)


@contextmanager
def fresh_warehouse(backend: str, directory: Path) -> Iterator[str]:
    """Yield the URL of a migrated, empty warehouse: a SQLite file in ``directory``, or a
    fresh PostgreSQL schema (dropped afterwards; skips or fails as :func:`require_postgres`)."""
    if backend == "sqlite":
        url = f"sqlite:///{directory / 'warehouse.db'}"
        upgrade(url)
        yield url
        return
    require_postgres()
    schema = f"storyline_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'create schema "{schema}"'))
    url = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    try:
        upgrade(url)
        yield url
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'drop schema "{schema}" cascade'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def warehouse_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty warehouse: a SQLite file, or a fresh PostgreSQL schema."""
    with fresh_warehouse(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def warehouse(warehouse_url: str) -> Iterator[Engine]:
    """An engine on :func:`warehouse_url`."""
    engine = make_engine(warehouse_url)
    yield engine
    engine.dispose()


@pytest.fixture
def archive_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temporary WARC archive folder, also exported as STORYLINE_ARCHIVE_DIR."""
    path = tmp_path / "archive"
    monkeypatch.setenv("STORYLINE_ARCHIVE_DIR", str(path))
    return path


@pytest.fixture
def demo_site(monkeypatch: pytest.MonkeyPatch, archive_dir: Path) -> Iterator[Any]:
    """The bundled demo site on loopback, with STORYLINE_DEMO_HOST pointing at it."""
    from storyline.demo_site import DemoSite

    with DemoSite() as site:
        monkeypatch.setenv("STORYLINE_DEMO_HOST", site.host_port)
        yield site


def run_crawl(config: str | Path, warehouse_url: str, *extra: str) -> dict[str, Any]:
    """Crawl in a child process (a fresh Twisted reactor) and return the crawl outcome JSON.

    Fails the test with the child's stderr when it exits non-zero.
    """
    command = crawl_command(config, warehouse_url, *extra)
    result = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=300, check=False)
    if result.returncode != 0:
        pytest.fail(f"crawl exited {result.returncode}:\n{result.stderr[-4000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def crawl_command(config: str | Path, warehouse_url: str, *extra: str) -> list[str]:
    """The command line of a crawl in a child process (run it from ``REPO_ROOT``)."""
    return [sys.executable, "-m", "crawlers.run", "--config", str(config), "--warehouse", warehouse_url, *extra]


def write_config(path: Path, host_port: str, sources: list[dict[str, Any]], **crawl: Any) -> Path:
    """Write a test config for a fixture server: politeness off, the server allowed."""
    import yaml

    settings = {
        "download_delay": 0,
        "autothrottle": False,
        "concurrent_requests_per_domain": 8,
        "retry_times": 0,
    }
    settings.update(crawl)
    document = {
        "network": {"allow_private": [host_port]},
        "crawl": settings,
        "archive": {"dir": str(path.parent / "archive")},
        "sources": sources,
    }
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


def demo_config_with(tmp_path: Path, section: str, **values: Any) -> Path:
    """Write a copy of config/demo.yaml with ``values`` set in its ``section`` (crawl, archive)."""
    import yaml

    document = yaml.safe_load((REPO_ROOT / "config" / "demo.yaml").read_text(encoding="utf-8"))
    document.setdefault(section, {}).update(values)
    path = tmp_path / "demo.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


def clean_stored_pages(warehouse_url: str, *, rebuild: bool = False) -> dict[str, dict[str, Any]]:
    """Run the clean stage over every partition the crawls stored pages in (one worker;
    the pages not cleaned yet, or all with ``rebuild``); return its stats per partition.
    News stories become ``articles`` rows."""
    from sqlalchemy import select

    from pipelines.clean import clean_partition
    from pipelines.warehouse.db import session_scope
    from pipelines.warehouse.models import CrawlRun
    from pipelines.warehouse.stage_runs import stage_run

    engine = make_engine(warehouse_url)
    try:
        with session_scope(engine) as session:
            partitions = sorted(set(session.scalars(select(CrawlRun.partition_key))) - {None})
        stats = {}
        for partition in partitions:
            with stage_run(engine, "clean", partition, code_version="test") as run:
                stats[partition] = clean_partition(
                    engine, partition, stage_run_id=run.id, workers=1, rebuild=rebuild
                )
        return stats
    finally:
        engine.dispose()
