"""Scale-out on loopback: two days x two shards through Dagster's Celery executor and two
real ``storyline worker`` processes land exactly the rows of the same work run in process.

The demo site is served as two domains (127.0.0.2 and 127.0.0.3, shards 0 and 1;
``storyline.sharded_demo``). The reference is ``storyline run`` (in process) for
yesterday (a sitemap backfill) and today (a live crawl), into its own PostgreSQL schema.
The Celery side uses the deployment's own ``config/deploy/celery/dagster.yaml`` (the
instance on a throw-away PostgreSQL database), Redis on 127.0.0.1:6379 as broker, and the
same work as the deployment's runs: per day, the two shards' ``crawl_shard`` runs at once
(one step each, taken by the two workers), then the day's ``daily_pipeline`` run.
Skipped without Redis or PostgreSQL (failed under STORYLINE_REQUIRE_POSTGRES=1).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from sqlalchemy import create_engine, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, aliased

from pipelines.warehouse.models import Article, CrawlRun, StoryArticle
from storyline.sharded_demo import two_domain_sites, write_sharded_config
from tests.conftest import REPO_ROOT, fresh_warehouse
from tests.test_dagster_instance import postgres_database_url  # noqa: F401 - a fixture

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.timeout(600)]

CELERY_DIR = REPO_ROOT / "config" / "deploy" / "celery"
BIN = Path(sys.executable).parent
CRAWL = "raw_pages,clean_articles,enriched_articles"
DAY_PASS = "deduplicated_articles,stories,story_enrichment"


def _answers(port: int) -> bool:
    """Whether a server listens on 127.0.0.1:``port`` (Redis 6379, RabbitMQ 5672)."""
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


def _clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without Storyline's or Dagster's settings, plus ``extra``."""
    kept = {k: v for k, v in os.environ.items() if not k.startswith(("STORYLINE_", "DAGSTER_"))}
    return {**kept, **extra}


def _run(command: list[str], env: dict[str, str], timeout: float = 300) -> None:
    result = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{' '.join(command)} exited {result.returncode}:\n{result.stderr[-4000:]}"


class Workers:
    """``storyline worker`` processes, each in its own process group, stopped on exit."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.processes: dict[str, subprocess.Popen] = {}

    def start(self, name: str) -> None:
        self.processes[name] = subprocess.Popen(
            [str(BIN / "storyline"), "worker", "--name", name],
            cwd=REPO_ROOT, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True,
        )

    def wait_ready(self, timeout_s: float = 90) -> None:
        from celery import Celery

        app = Celery(broker=self.env["STORYLINE_CELERY_BROKER"], backend=self.env["STORYLINE_CELERY_BACKEND"])
        try:
            deadline = time.monotonic() + timeout_s
            while time.monotonic() < deadline:
                answered = {next(iter(reply)).split("@")[0] for reply in app.control.ping(timeout=1)}
                if set(self.processes) <= answered:
                    return
            pytest.fail(f"workers {sorted(self.processes)} did not all answer; answered: {sorted(answered)}")
        finally:
            app.close()

    def pids(self, name: str) -> set[int]:
        """Every process of a worker's process group (dagster-celery starts celery as a child)."""
        group = self.processes[name].pid
        out = subprocess.run(["ps", "-o", "pid=", "-g", str(group)], capture_output=True, text=True).stdout
        return {int(pid) for pid in out.split()}

    def kill(self, name: str) -> None:
        """Kill a worker and everything it started at once, as when its machine is lost."""
        os.killpg(self.processes[name].pid, signal.SIGKILL)
        self.processes[name].wait(timeout=30)

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


def warehouse_rows(url: str) -> dict[str, object]:
    """The rows the comparison covers, keyed by canonical URL (ids differ between warehouses)."""
    engine = create_engine(url)
    original, related = aliased(Article), aliased(Article)
    try:
        with Session(engine) as session:
            articles = session.execute(
                select(Article.canonical_url, Article.partition_key, Article.page_type, Article.title,
                       Article.text_sha256, Article.language, Article.word_count,
                       original.canonical_url, Article.duplicate_kind, Article.story_id)
                .outerjoin(original, original.id == Article.duplicate_of_id)
            ).all()
            members = session.execute(
                select(Article.canonical_url, StoryArticle.story_id, StoryArticle.relation,
                       related.canonical_url, StoryArticle.similarity)
                .join(Article, Article.id == StoryArticle.article_id)
                .outerjoin(related, related.id == StoryArticle.related_to_id)
            ).all()
            crawls = session.execute(select(CrawlRun.partition_key, CrawlRun.shard, CrawlRun.status)).all()
    finally:
        engine.dispose()
    return {
        "articles": sorted(tuple(row) for row in articles),
        "story_articles": sorted(
            (url, story, relation, related_url, round(similarity, 6) if similarity is not None else None)
            for url, story, relation, related_url, similarity in members
        ),
        "crawl_runs": sorted(tuple(row) for row in crawls),
    }


@pytest.fixture(scope="module")
def sites():
    with two_domain_sites() as pair:
        yield pair


@pytest.fixture
def celery_deployment(postgres_database_url, tmp_path) -> Iterator[dict[str, str]]:  # noqa: F811 - the fixture
    """The deployment's environment: instance on PostgreSQL, Redis broker, executor celery."""
    if not _answers(6379):
        pytest.skip("no Redis server on 127.0.0.1:6379")
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text((CELERY_DIR / "dagster.yaml").read_text(encoding="utf-8"))
    url = make_url(postgres_database_url)
    database = 2 + uuid.uuid4().int % 12  # Redis databases 2..13, apart from other tests' runs
    yield {
        "DAGSTER_HOME": str(home),
        "DAGSTER_PG_HOST": url.host, "DAGSTER_PG_PORT": str(url.port or 5432),
        "DAGSTER_PG_DB": url.database, "DAGSTER_PG_USER": url.username or "",
        "DAGSTER_PG_PASSWORD": url.password or "",
        "STORYLINE_MAX_CONCURRENT_RUNS": "2",
        "STORYLINE_EXECUTOR": "celery",
        "STORYLINE_CELERY_BROKER": f"redis://127.0.0.1:6379/{database}",
        "STORYLINE_CELERY_BACKEND": f"redis://127.0.0.1:6379/{database}",
    }


def test_two_celery_workers_land_the_rows_of_an_in_process_run(sites, celery_deployment, tmp_path):
    today = sites[0].anchor_date
    days = [(today - timedelta(days=1)).isoformat(), today.isoformat()]
    with fresh_warehouse("postgresql", tmp_path / "ref") as reference, \
            fresh_warehouse("postgresql", tmp_path / "celery") as distributed:
        # In process: `storyline run` per day (one run per shard, then the day-level run).
        config = write_sharded_config(tmp_path / "in_process.yaml", sites, tmp_path / "archive-in-process")
        started = time.monotonic()
        for day in days:
            _run([str(BIN / "storyline"), "run", "--config", str(config), "--warehouse", reference,
                  "--partition", day], _clean_env())
        in_process_s = time.monotonic() - started

        config = write_sharded_config(tmp_path / "celery.yaml", sites, tmp_path / "archive-celery")
        env = _clean_env(**celery_deployment, STORYLINE_CONFIG=str(config), STORYLINE_WAREHOUSE_URL=distributed)
        workers = Workers(env)
        try:
            for name in ("worker-a", "worker-b"):
                workers.start(name)
            workers.wait_ready()
            started = time.monotonic()
            for day in days:
                materialize = [str(BIN / "dagster"), "asset", "materialize", "-m", "dagster_project.definitions"]
                shard_runs = [
                    subprocess.Popen([*materialize, "--select", CRAWL, "--partition", f"{day}|{shard}"],
                                     cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     text=True)
                    for shard in (0, 1)
                ]
                for run in shard_runs:
                    _, stderr = run.communicate(timeout=300)
                    assert run.returncode == 0, f"shard run of {day} failed:\n{stderr[-4000:]}"
                _run([*materialize, "--select", DAY_PASS, "--partition", day], env)
            celery_s = time.monotonic() - started
            step_workers = _steps_by_worker(celery_deployment["DAGSTER_HOME"], env, workers)
        finally:
            workers.stop()

        expected, landed = warehouse_rows(reference), warehouse_rows(distributed)
    print(f"\nwall time, same work: in process {in_process_s:.1f}s, two Celery workers {celery_s:.1f}s")
    for step, worker in sorted(step_workers.items()):
        print(f"  {step}: {worker}")
    assert expected["articles"], "the in-process run stored no article"
    assert {row[1] for row in expected["articles"]} == set(days)
    assert all(row[2] and row[9] for row in expected["articles"] if row[2] == "article"), "not every stage ran"
    assert {row[2] for row in expected["articles"]} >= {"article", "live_blog"}, "pages were not extracted"
    relations = {row[2] for row in expected["story_articles"]}
    assert relations >= {"origin", "rewrite"}, f"the work holds too little to compare: {relations}"
    assert landed == expected
    # Both workers took steps: each day's two shard crawls ran at once, one on each.
    assert set(step_workers.values()) == {"worker-a", "worker-b"}, step_workers


def _steps_by_worker(home: str, env: dict[str, str], workers: Workers) -> dict[str, str]:
    """Which worker ran each step of each run (``storyline.scale_demo.steps_by_worker``)."""
    from storyline.scale_demo import steps_by_worker

    owners = {pid: name for name in workers.processes for pid in workers.pids(name)}
    saved = {name: os.environ.get(name) for name in env if name.startswith(("DAGSTER_", "STORYLINE_MAX"))}
    os.environ.update({name: env[name] for name in saved})
    try:
        return {f"{step} {partition}": worker for (step, partition), worker in steps_by_worker(home, owners).items()}
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def test_sharded_config_places_outlets_by_address(sites, tmp_path):
    from pipelines.config import load_config
    from pipelines.shards import shard_of

    config = load_config(write_sharded_config(tmp_path / "c.yaml", sites, tmp_path / "archive"))
    assert {source.name: shard_of(source, 2) for source in config.sources} == {
        "Harbor Herald": 0, "Northgate Post": 0, "Valley Wire": 1, "Meridian Daily": 1}
    assert yaml.safe_load((tmp_path / "c.yaml").read_text())["crawl"]["shards"] == 2


def test_a_worker_killed_mid_step_leaves_no_row_lost_or_doubled(sites, celery_deployment, tmp_path):
    """RabbitMQ (the documented alternative broker) hands the step of a worker that died to
    the next worker at once (acks_late); the step re-runs and writes the same rows."""
    if not _answers(5672):
        pytest.skip("no RabbitMQ server on 127.0.0.1:5672")
    from pipelines.warehouse.models import StageRun

    day = f"{sites[0].anchor_date.isoformat()}|0"
    config = write_sharded_config(tmp_path / "celery.yaml", sites, tmp_path / "archive")
    with fresh_warehouse("postgresql", tmp_path / "w") as url:
        env = _clean_env(
            **{**celery_deployment, "STORYLINE_CELERY_BROKER": "pyamqp://guest:guest@127.0.0.1:5672//",
               "STORYLINE_CELERY_BACKEND": "rpc://"},
            STORYLINE_CONFIG=str(config), STORYLINE_WAREHOUSE_URL=url,
        )
        materialize = [str(BIN / "dagster"), "asset", "materialize", "-m", "dagster_project.definitions"]
        workers = Workers(env)
        engine = create_engine(url)
        try:
            workers.start("worker-a")
            workers.wait_ready()
            _run([*materialize, "--select", CRAWL, "--partition", day], env)
            expected = warehouse_rows(url)
            assert expected["articles"], "the crawl stored no article"
            assert all(row[2] for row in expected["articles"]), "the crawl's pages were not all extracted"

            # Re-extract (and re-analyse, as rederive_from_archive does) the shard from the
            # archive with one extraction process (a slow step), and kill its worker as soon
            # as the step has begun.
            with Session(engine) as session:
                seen = set(session.scalars(select(StageRun.id)))
            rerun = subprocess.Popen(
                [*materialize, "--select", "clean_articles,enriched_articles", "--partition", day,
                 "--config-json", '{"resources": {"extraction": {"config": {"workers": 1}}}}'],
                cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
            )
            killed = None
            deadline = time.monotonic() + 120
            while killed is None and time.monotonic() < deadline and rerun.poll() is None:
                with Session(engine) as session:
                    killed = session.scalars(
                        select(StageRun).where(StageRun.stage == "clean", StageRun.id.not_in(seen))
                    ).first()
                time.sleep(0.05)
            assert killed is not None, "the re-extraction step never started"
            workers.kill("worker-a")
            with Session(engine) as session:
                status = session.get(StageRun, killed.id).status
            assert status == "running", f"the step ended ({status}) before its worker was killed"

            workers.start("worker-b")  # takes the step the broker hands back
            _, stderr = rerun.communicate(timeout=240)
            assert rerun.returncode == 0, f"the run did not recover:\n{stderr[-4000:]}"
            landed = warehouse_rows(url)
            with Session(engine) as session:
                runs = session.scalars(
                    select(StageRun).where(StageRun.stage == "clean", StageRun.id.not_in(seen))
                    .order_by(StageRun.id)
                ).all()
                extracted_by = set(session.scalars(select(Article.extracted_by_id)))
        finally:
            workers.stop()
            engine.dispose()
    assert landed == expected
    # The killed attempt is marked abandoned by the one that re-ran the step, whose lineage
    # every article now carries.
    assert [(run.id, run.status) for run in runs] == [(killed.id, "abandoned"), (runs[-1].id, "succeeded")]
    assert extracted_by == {runs[-1].id}
