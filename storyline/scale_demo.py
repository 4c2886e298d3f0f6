"""``make scale-demo``: the pipeline spread over two Celery workers on this machine.

Starts Redis and PostgreSQL when they are installed but stopped (and stops them again),
serves the demo site as two domains on loopback (two crawl shards,
``storyline.sharded_demo``), starts two ``storyline worker`` processes, the Dagster
daemon and the webserver with the deployment's own ``config/deploy/celery/`` files, then
backfills yesterday and today x both shards through the webserver's API, as the UI's
"Materialize" dialog does. It prints which worker ran which step and the warehouse
summary, and stops everything it started. Everything stays on 127.0.0.0/8; files go to
``data/scale-demo/`` (replaced on every run), the Dagster instance and the warehouse to
two PostgreSQL databases it recreates (``storyline_scale_demo_dagster`` and
``storyline_scale_demo``).

The PostgreSQL server is reached as ``$STORYLINE_SCALE_DEMO_PG`` (default
``postgresql://$USER@127.0.0.1:5432/postgres``, a role allowed to create databases).
"""

from __future__ import annotations

import getpass
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import timedelta
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url

REPO_ROOT = Path(__file__).resolve().parent.parent
CELERY_DIR = REPO_ROOT / "config" / "deploy" / "celery"
WORK_DIR = REPO_ROOT / "data" / "scale-demo"
BIN = Path(sys.executable).parent
ASSET_KEYS = [
    "raw_pages", "clean_articles", "enriched_articles", "deduplicated_articles", "stories", "story_enrichment"
]
WORKERS = ("worker-1", "worker-2")
INSTANCE_DB = "storyline_scale_demo_dagster"
WAREHOUSE_DB = "storyline_scale_demo"
REDIS_DB = 11


class DemoError(RuntimeError):
    """Something the demo needs is missing; the message says what to install or start."""


def _answers(port: int, host: str = "127.0.0.1") -> bool:
    try:
        socket.create_connection((host, port), timeout=1).close()
        return True
    except OSError:
        return False


def _wait_for_port(port: int, what: str, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while not _answers(port):
        if time.monotonic() > deadline:
            raise DemoError(f"{what} did not start listening on 127.0.0.1:{port}")
        time.sleep(0.3)


@contextmanager
def redis_running() -> Iterator[None]:
    """Redis on 127.0.0.1:6379 for the block: the running one, or one started here and stopped after."""
    if _answers(6379):
        yield
        return
    server = shutil.which("redis-server")
    if server is None:
        raise DemoError("no Redis on 127.0.0.1:6379 and redis-server is not installed (Debian: redis-server)")
    print("starting redis-server on 127.0.0.1:6379 (stopped again at the end)")
    process = subprocess.Popen(
        [server, "--bind", "127.0.0.1", "--port", "6379", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for_port(6379, "redis-server")
        yield
    finally:
        process.terminate()
        process.wait(timeout=30)


@contextmanager
def postgres_running() -> Iterator[None]:
    """PostgreSQL on 127.0.0.1:5432 for the block: the running one, or a Debian cluster started here."""
    if _answers(5432):
        yield
        return
    if shutil.which("pg_lsclusters") is None or shutil.which("pg_ctlcluster") is None:
        raise DemoError("no PostgreSQL on 127.0.0.1:5432 and it is not installed (Debian: postgresql)")
    clusters = subprocess.run(["pg_lsclusters", "--no-header"], capture_output=True, text=True).stdout.split()
    if len(clusters) < 2:
        raise DemoError("PostgreSQL is installed but has no cluster (pg_createcluster)")
    version, name = clusters[0], clusters[1]
    print(f"starting PostgreSQL cluster {version}/{name} (stopped again at the end)")
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, name, "start"], check=True)
    try:
        _wait_for_port(5432, "PostgreSQL")
        yield
    finally:
        subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, name, "stop"], check=False)


def fresh_databases(admin_url: str) -> tuple[URL, URL]:
    """Drop and create the demo's two databases; return (instance, warehouse) URLs."""
    admin = make_url(admin_url)
    engine = create_engine(admin.set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            for name in (INSTANCE_DB, WAREHOUSE_DB):
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:  # noqa: BLE001 - said in one line
        where = admin.render_as_string()
        raise DemoError(f"cannot create the demo databases through {where}: {error}") from error
    finally:
        engine.dispose()
    return admin.set(database=INSTANCE_DB), admin.set(drivername="postgresql+psycopg", database=WAREHOUSE_DB)


class Processes:
    """Long-running children, each in its own process group, stopped (SIGTERM, then SIGKILL) at the end."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env, self.logs = env, logs
        self.started: dict[str, subprocess.Popen] = {}

    def start(self, name: str, command: list[str]) -> None:
        log = (self.logs / f"{name}.log").open("w")
        self.started[name] = subprocess.Popen(
            command, cwd=REPO_ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def group_pids(self, name: str) -> set[int]:
        """Every process in ``name``'s process group (dagster-celery starts celery as a child)."""
        group = str(self.started[name].pid)
        listing = subprocess.run(["ps", "-o", "pid=", "-g", group], capture_output=True, text=True).stdout
        return {int(pid) for pid in listing.split()}

    def stop(self) -> None:
        for process in self.started.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for name, process in self.started.items():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                print(f"{name} did not stop in 30 s; killing it")
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


def wait_for_workers(env: dict[str, str], names: tuple[str, ...], timeout_s: float = 120) -> None:
    """Return once every named Celery worker answers a ping on the broker."""
    from celery import Celery

    app = Celery(broker=env["STORYLINE_CELERY_BROKER"], backend=env["STORYLINE_CELERY_BACKEND"])
    try:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            answered = {next(iter(reply)).split("@")[0] for reply in app.control.ping(timeout=1)}
            if set(names) <= answered:
                return
        raise DemoError(f"workers {names} did not all answer on the broker in {timeout_s:.0f} s")
    finally:
        app.close()


def wait_for_webserver(base_url: str, timeout_s: float = 180) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base_url}/server_info", timeout=2):
                return
        except OSError:
            time.sleep(1)
    raise DemoError(f"the webserver at {base_url} did not answer in {timeout_s:.0f} s")


def steps_by_worker(instance_home: str, owners: dict[int, str]) -> dict[tuple[str, str], str]:
    """Return (step, partition) -> who ran it: the owner of the process that logged its start.

    ``owners`` maps process ids to worker names; a step started elsewhere shows its pid.
    Reads the instance of ``instance_home`` (its variables must be in the environment).
    """
    import dagster as dg

    from storyline.backfills import run_partition, run_range

    steps: dict[tuple[str, str], str] = {}
    with dg.DagsterInstance.from_config(instance_home) as instance:
        for run in instance.get_runs():
            tags = [{"key": key, "value": value} for key, value in run.tags.items()]
            partition = run_partition(tags) or "..".join(run_range(tags) or ()) or "-"
            records = instance.get_records_for_run(run.run_id, of_type=dg.DagsterEventType.STEP_START).records
            for record in records:
                event = record.event_log_entry.dagster_event
                steps[(event.step_key, partition)] = owners.get(event.pid, f"pid {event.pid}")
    return steps


def main() -> int:
    """Run the demo; 0 when the backfill succeeded, 1 otherwise (the reason on stderr)."""
    try:
        return _run()
    except DemoError as error:
        print(f"scale-demo: {error}", file=sys.stderr)
        return 1


def _run() -> int:
    from storyline.backfills import free_port, launch_asset_backfill, wait_for_backfill
    from storyline.sharded_demo import two_domain_sites, write_sharded_config

    default_pg = f"postgresql://{getpass.getuser()}@127.0.0.1:5432/postgres"
    admin_url = os.environ.get("STORYLINE_SCALE_DEMO_PG", default_pg)
    shutil.rmtree(WORK_DIR, ignore_errors=True)
    (WORK_DIR / "logs").mkdir(parents=True)
    home = WORK_DIR / "dagster_home"
    home.mkdir()
    shutil.copy(CELERY_DIR / "dagster.yaml", home / "dagster.yaml")

    with ExitStack() as stack:
        stack.enter_context(redis_running())
        stack.enter_context(postgres_running())
        instance_url, warehouse_url = fresh_databases(admin_url)
        sites = stack.enter_context(two_domain_sites())
        config = write_sharded_config(WORK_DIR / "sources.yaml", sites, WORK_DIR / "archive")
        env = {
            **os.environ,
            "DAGSTER_HOME": str(home),
            "DAGSTER_PG_HOST": instance_url.host or "127.0.0.1",
            "DAGSTER_PG_PORT": str(instance_url.port or 5432),
            "DAGSTER_PG_DB": INSTANCE_DB,
            "DAGSTER_PG_USER": instance_url.username or "",
            "DAGSTER_PG_PASSWORD": instance_url.password or "",
            "STORYLINE_MAX_CONCURRENT_RUNS": str(len(WORKERS)),
            "STORYLINE_EXECUTOR": "celery",
            "STORYLINE_CELERY_BROKER": f"redis://127.0.0.1:6379/{REDIS_DB}",
            "STORYLINE_CELERY_BACKEND": f"redis://127.0.0.1:6379/{REDIS_DB}",
            "STORYLINE_CONFIG": str(config),
            "STORYLINE_WAREHOUSE_URL": warehouse_url.render_as_string(hide_password=False),
        }
        os.environ.update({name: value for name, value in env.items() if name.startswith("DAGSTER_")})
        processes = Processes(env, WORK_DIR / "logs")
        stack.callback(processes.stop)
        port = free_port()
        workspace = str(CELERY_DIR / "workspace.yaml")
        for name in WORKERS:
            processes.start(name, [str(BIN / "storyline"), "worker", "--name", name])
        processes.start("daemon", [str(BIN / "dagster-daemon"), "run", "-w", workspace])
        processes.start("webserver", [str(BIN / "dagster-webserver"), "-w", workspace, "-h", "127.0.0.1",
                                      "-p", str(port)])
        base_url = f"http://127.0.0.1:{port}"
        wait_for_workers(env, WORKERS)
        wait_for_webserver(base_url)
        print(f"two workers, the daemon and the webserver ({base_url}) are up; logs in {WORK_DIR / 'logs'}")

        today = sites[0].anchor_date
        days = [(today - timedelta(days=1)).isoformat(), today.isoformat()]
        partitions = [f"{day}|{shard}" for day in days for shard in (0, 1)]
        started = time.monotonic()
        backfill_id = launch_asset_backfill(base_url, ASSET_KEYS, partitions, title="scale-demo")
        print(f"backfill {backfill_id}: crawl {', '.join(partitions)}; day-level stages {', '.join(days)}")
        backfill = wait_for_backfill(base_url, backfill_id, timeout_s=900)
        print(f"backfill {backfill.status} in {time.monotonic() - started:.0f} s")

        owners = {pid: name for name in WORKERS for pid in processes.group_pids(name)}
        print("\nwhich worker ran which step:")
        steps = sorted(steps_by_worker(str(home), owners).items(), key=lambda item: (item[0][1], item[0][0]))
        width = max((len(partition) for (_, partition), _ in steps), default=14)
        for (step, partition), worker in steps:
            print(f"  {partition:<{width}} {step:<24} {worker}")
        print()
        summary = subprocess.run(
            [str(BIN / "storyline"), "summary", "--warehouse", env["STORYLINE_WAREHOUSE_URL"]],
            cwd=REPO_ROOT, check=False,
        )
    ok = backfill.status == "COMPLETED_SUCCESS" and summary.returncode == 0
    failed = f"the backfill or the summary failed; logs: {WORK_DIR / 'logs'}"
    print("\neverything the demo started is stopped." if ok else f"\n{failed}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
