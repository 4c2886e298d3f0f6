"""The deployment configs under config/deploy/ load in Dagster, and `storyline worker` starts.

Instances are built from the files as shipped, on a throw-away PostgreSQL database (see
test_dagster_instance.py; skipped without a server, failed under
STORYLINE_REQUIRE_POSTGRES=1). The Kubernetes files are loaded with a local kubeconfig
file in place of in-cluster credentials: nothing here talks to a cluster. The worker
test starts a real Celery worker on the Redis server at 127.0.0.1:6379 (skipped when none
answers) and stops it.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import dagster as dg
import pytest
import yaml
from dagster._core.run_coordinator import QueuedRunCoordinator, SubmitRunContext
from sqlalchemy.engine import make_url

from dagster_project.executors import executor_config, pipeline_executor
from storyline.worker import WorkerSetupError, worker_command, worker_environment
from tests.test_dagster_instance import postgres_database_url  # noqa: F401 - a fixture

REPO_ROOT = Path(__file__).resolve().parent.parent
CELERY_DIR = REPO_ROOT / "config" / "deploy" / "celery"
K8S_DIR = REPO_ROOT / "config" / "deploy" / "k8s"
REDIS = ("127.0.0.1", 6379)

CELERY_ENV = {
    "STORYLINE_CELERY_BROKER": "redis://127.0.0.1:6379/13",
    "STORYLINE_CELERY_BACKEND": "redis://127.0.0.1:6379/14",
}


@pytest.fixture
def celery_env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    for name, value in CELERY_ENV.items():
        monkeypatch.setenv(name, value)
    return CELERY_ENV


@pytest.fixture
def instance_env(postgres_database_url, monkeypatch: pytest.MonkeyPatch):  # noqa: F811 - the fixture
    """The DAGSTER_PG_* variables for the throw-away database, and a run limit of 3."""
    url = make_url(postgres_database_url)
    values = {
        "DAGSTER_PG_HOST": url.host,
        "DAGSTER_PG_PORT": str(url.port or 5432),
        "DAGSTER_PG_DB": url.database,
        "DAGSTER_PG_USER": url.username,
        "DAGSTER_PG_PASSWORD": url.password or "",
        "STORYLINE_MAX_CONCURRENT_RUNS": "3",
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


def _home(tmp_path: Path, document: dict) -> str:
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text(yaml.safe_dump(document), encoding="utf-8")
    return str(home)


def _load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


# --- the Celery deployment ----------------------------------------------------------------------


@pytest.mark.postgres
def test_celery_instance_queues_runs_in_postgres_with_env_limits(tmp_path, instance_env):
    home = _home(tmp_path, _load(CELERY_DIR / "dagster.yaml"))
    with dg.DagsterInstance.from_config(home) as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        assert type(instance.event_log_storage).__name__ == "PostgresEventLogStorage"
        assert instance.run_storage.postgres_url.startswith("postgresql+psycopg2://")
        assert type(instance.run_coordinator).__name__ == "ShardTaggingRunCoordinator"
        assert isinstance(instance.run_coordinator, QueuedRunCoordinator)
        assert type(instance.run_launcher).__name__ == "DefaultRunLauncher"
        queue = instance.get_concurrency_config().run_queue_config
        assert queue.max_concurrent_runs == 3
        limits = {limit["key"]: limit["limit"] for limit in queue.tag_concurrency_limits}
        assert limits == {
            "dagster/partition": 1,
            "dagster/asset_partition_range_start": 1,
            "dagster/partition/shard": 1,
        }
        assert instance.run_retries_enabled and instance.run_retries_max_retries == 2
        # A run is stored and read back through that storage.
        run = instance.create_run_for_job(dg.GraphDefinition("noop").to_job(), run_id=str(uuid.uuid4()))
        assert instance.get_run_by_id(run.run_id) is not None


@pytest.mark.postgres
def test_the_run_queue_never_starts_a_second_crawler_of_one_shard(tmp_path, instance_env):
    """The daemon's own dequeue decision, on the deployment's instance: with a crawl of shard 0
    running, the queue starts shard 1's crawl of the same day, and holds every other run of
    shard 0 (another day too) and the second run of shard 1, though runs are free (limit 3)."""
    from dagster._core.remote_origin import (
        InProcessCodeLocationOrigin,
        RemoteJobOrigin,
        RemoteRepositoryOrigin,
    )
    from dagster._core.types.loadable_target_origin import LoadableTargetOrigin
    from dagster._daemon.run_coordinator.queued_run_coordinator_daemon import QueuedRunCoordinatorDaemon

    from dagster_project.definitions import defs
    from dagster_project.partitions import crawl_shard_partitions

    job = defs.resolve_job_def("crawl_shard")
    home = _home(tmp_path, _load(CELERY_DIR / "dagster.yaml"))

    def key(day: str, shard: str) -> dg.MultiPartitionKey:
        return dg.MultiPartitionKey({"day": day, "shard": shard})

    with dg.DagsterInstance.from_config(home) as instance:
        location = InProcessCodeLocationOrigin(
            LoadableTargetOrigin(module_name="dagster_project.definitions"), location_name="storyline"
        )
        origin = RemoteJobOrigin(RemoteRepositoryOrigin(location, "__repository__"), job.name)

        def run(partition: dg.MultiPartitionKey, status: dg.DagsterRunStatus) -> str:
            stored = instance.add_run(dg.DagsterRun(
                job_name=job.name, run_id=str(uuid.uuid4()), status=status, remote_job_origin=origin,
                tags=crawl_shard_partitions.get_tags_for_partition_key(partition),
            ))
            return stored.run_id

        run(key("2026-12-01", "0"), dg.DagsterRunStatus.STARTED)
        queued = {
            name: run(partition, dg.DagsterRunStatus.QUEUED)
            for name, partition in [
                ("day 2 shard 0", key("2026-12-02", "0")),
                ("day 1 shard 1", key("2026-12-01", "1")),
                ("day 2 shard 1", key("2026-12-02", "1")),
            ]
        }
        # An asset backfill's run of one partition carries only range tags; submitted
        # through the deployment's coordinator, it is queued with its day and shard tags.
        from_backfill = instance.add_run(dg.DagsterRun(
            job_name=job.name, run_id=str(uuid.uuid4()), remote_job_origin=origin,
            tags={"dagster/asset_partition_range_start": "2026-12-03|0",
                  "dagster/asset_partition_range_end": "2026-12-03|0"},
        ))
        submitted = instance.run_coordinator.submit_run(SubmitRunContext(from_backfill, workspace=None))
        assert submitted.status == dg.DagsterRunStatus.QUEUED
        assert submitted.tags["dagster/partition/shard"] == "0"
        assert submitted.tags["dagster/partition/day"] == "2026-12-03"
        with QueuedRunCoordinatorDaemon(interval_seconds=1) as daemon:
            chosen = daemon._get_runs_to_dequeue(  # noqa: SLF001 - the daemon's decision itself
                instance, instance.get_concurrency_config(), fixed_iteration_time=None
            )
    assert [run.run_id for run in chosen] == [queued["day 1 shard 1"]]


def test_the_instance_refuses_to_start_without_its_variables(tmp_path, monkeypatch):
    for name in ("DAGSTER_PG_HOST", "DAGSTER_PG_PASSWORD", "STORYLINE_MAX_CONCURRENT_RUNS"):
        monkeypatch.delenv(name, raising=False)
    home = _home(tmp_path, _load(CELERY_DIR / "dagster.yaml"))
    with pytest.raises(Exception, match="DAGSTER_PG_HOST"):
        dg.DagsterInstance.from_config(home)


def test_no_celery_run_launcher_anywhere():
    for path in (CELERY_DIR / "dagster.yaml", K8S_DIR / "dagster.yaml"):
        assert "CeleryRunLauncher" not in str(_load(path)), path


def test_celery_yaml_is_accepted_by_dagster_celery(celery_env):
    from dagster_celery.cli import get_validated_config

    config = get_validated_config(str(CELERY_DIR / "celery.yaml"))
    assert config["broker"] == celery_env["STORYLINE_CELERY_BROKER"]
    assert config["backend"] == celery_env["STORYLINE_CELERY_BACKEND"]
    source = config["config_source"]
    assert source["task_acks_late"] is True and source["worker_prefetch_multiplier"] == 1
    # Steps in the worker's own process: the clean step's extraction pool cannot start
    # inside a prefork child ("daemonic processes are not allowed to have children").
    assert source["worker_pool"] == "solo"


def test_a_worker_without_its_broker_variable_is_refused_by_name(monkeypatch, tmp_path):
    # dagster-celery's own check lets this through and then fails on None.
    monkeypatch.delenv("STORYLINE_CELERY_BROKER", raising=False)
    monkeypatch.setenv("STORYLINE_CELERY_BACKEND", "redis://127.0.0.1:6379/14")
    with pytest.raises(WorkerSetupError, match=r'celery.yaml: .*environment variable "STORYLINE_CELERY_BROKER"'):
        worker_command(CELERY_DIR / "celery.yaml")
    misspelt = tmp_path / "celery.yaml"
    misspelt.write_text("execution:\n  config:\n    brokr: redis://127.0.0.1:6379/0\n", encoding="utf-8")
    with pytest.raises(WorkerSetupError, match=r"celery.yaml: .*brokr"):
        worker_command(misspelt)


@dg.asset
def one_number() -> dg.MaterializeResult:
    """A stand-in asset: the executor's config is the job's, whatever the assets."""
    return dg.MaterializeResult(metadata={"value": 1})


def _resolved_execution(executor: dg.ExecutorDefinition) -> dict:
    defs = dg.Definitions(assets=[one_number], jobs=[dg.define_asset_job("probe")], executor=executor)
    job = defs.resolve_job_def("probe")
    return dict(dg.validate_run_config(job, {})["execution"])


def test_the_executor_follows_storyline_executor(celery_env, monkeypatch):
    monkeypatch.delenv("STORYLINE_EXECUTOR", raising=False)
    assert pipeline_executor() is dg.in_process_executor

    monkeypatch.setenv("STORYLINE_EXECUTOR", "celery")
    executor = pipeline_executor()
    execution = _resolved_execution(executor)
    assert list(execution) == ["storyline_celery"]
    assert execution["storyline_celery"]["broker"] == celery_env["STORYLINE_CELERY_BROKER"]
    assert execution["storyline_celery"]["config_source"]["task_acks_late"] is True

    with pytest.raises(ValueError, match="STORYLINE_EXECUTOR='dask': expected in_process, celery or k8s"):
        pipeline_executor("dask")


@pytest.mark.timeout(120)
def test_the_code_location_runs_its_jobs_on_celery_when_deployed_so(celery_env):
    # A fresh interpreter: the code location reads STORYLINE_EXECUTOR when it is loaded.
    script = (
        "from dagster_project.definitions import defs\n"
        "for name in ('daily_pipeline', 'rederive_from_archive'):\n"
        "    print(name, defs.resolve_job_def(name).executor_def.name)\n"
    )
    names = {}
    for executor in ("celery", "in_process"):
        result = subprocess.run(
            [sys.executable, "-c", script],
            cwd=REPO_ROOT,
            env={**os.environ, "STORYLINE_EXECUTOR": executor},
            capture_output=True,
            text=True,
            timeout=100,
        )
        assert result.returncode == 0, result.stderr[-2000:]
        names[executor] = dict(line.split() for line in result.stdout.splitlines())
    assert names["celery"] == {"daily_pipeline": "storyline_celery", "rederive_from_archive": "storyline_celery"}
    assert names["in_process"] == {"daily_pipeline": "in_process", "rederive_from_archive": "in_process"}


def test_executor_config_names_a_file_without_it(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("broker: redis://x\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"broken.yaml: expected an execution: config: mapping"):
        executor_config(path)


# --- the Kubernetes alternative -------------------------------------------------------------------


@pytest.fixture
def kubeconfig(tmp_path: Path) -> str:
    """A kubeconfig file naming a cluster that is never contacted."""
    path = tmp_path / "kubeconfig"
    path.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [{"name": "none", "cluster": {"server": "https://127.0.0.1:6443"}}],
                "users": [{"name": "none", "user": {"token": "unused"}}],
                "contexts": [{"name": "none", "context": {"cluster": "none", "user": "none"}}],
                "current-context": "none",
            }
        ),
        encoding="utf-8",
    )
    return str(path)


@pytest.mark.postgres
def test_k8s_instance_builds_its_run_launcher(tmp_path, instance_env, kubeconfig, monkeypatch):
    pytest.importorskip("dagster_k8s", reason="dagster-k8s is in the test and k8s extras")
    monkeypatch.setenv("STORYLINE_IMAGE", "registry.internal/storyline:0.1.0")
    document = _load(K8S_DIR / "dagster.yaml")
    launcher = document["run_launcher"]["config"]
    assert launcher["load_incluster_config"] is True  # as shipped: credentials from the pod
    launcher.update(load_incluster_config=False, kubeconfig_file=kubeconfig)
    with dg.DagsterInstance.from_config(_home(tmp_path, document)) as instance:
        run_launcher = instance.run_launcher
        assert type(run_launcher).__name__ == "K8sRunLauncher"
        assert run_launcher.job_namespace == "storyline"
        assert run_launcher.job_image == "registry.internal/storyline:0.1.0"
        assert run_launcher.instance_config_map == "storyline-dagster-instance"
        assert type(instance.run_coordinator).__name__ == "ShardTaggingRunCoordinator"
        assert isinstance(instance.run_coordinator, QueuedRunCoordinator)


def test_k8s_run_launcher_and_executor_configs_validate():
    k8s = pytest.importorskip("dagster_k8s", reason="dagster-k8s is in the test and k8s extras")
    from dagster._config import validate_config

    launcher = _load(K8S_DIR / "dagster.yaml")["run_launcher"]
    assert (launcher["module"], launcher["class"]) == ("dagster_k8s", "K8sRunLauncher")
    checked = validate_config(k8s.K8sRunLauncher.config_type(), launcher["config"])
    assert checked.success, checked.errors

    execution = executor_config(K8S_DIR / "executor.yaml")
    checked = validate_config(k8s.k8s_job_executor.config_schema.config_type, execution)
    assert checked.success, checked.errors
    resolved = _resolved_execution(pipeline_executor("k8s"))
    assert resolved["storyline_k8s"]["job_namespace"] == "storyline"
    assert resolved["storyline_k8s"]["max_concurrent"] == 4

    broken = {**execution, "max_concurrent": "four"}
    assert not validate_config(k8s.k8s_job_executor.config_schema.config_type, broken).success


def test_workspace_names_the_code_location():
    from dagster._core.workspace.load import location_origins_from_yaml_paths

    origins = location_origins_from_yaml_paths([str(CELERY_DIR / "workspace.yaml")])
    assert [origin.location_name for origin in origins] == ["storyline"]
    assert origins[0].loadable_target_origin.module_name == "dagster_project.definitions"


# --- storyline worker -----------------------------------------------------------------------------


def test_worker_command_wraps_dagster_celery_without_secrets(celery_env):
    command = worker_command(CELERY_DIR / "celery.yaml", name="w1", queues=["dagster"])
    assert command[:7] == [sys.executable, "-m", "dagster_celery.cli", "worker", "start", "-A", "dagster_celery.app"]
    assert command[command.index("--config-yaml") + 1] == str(CELERY_DIR / "celery.yaml")
    assert command[-4:] == ["--name", "w1", "--queue", "dagster"]
    assert not any("redis://" in part for part in command), "a broker URL leaked onto the command line"

    with pytest.raises(WorkerSetupError, match=r"nowhere.yaml: Celery config not found"):
        worker_command("nowhere.yaml")


def test_worker_environment_needs_dagster_home_and_finds_celery():
    with pytest.raises(WorkerSetupError, match="DAGSTER_HOME is not set"):
        worker_environment({"PATH": "/usr/bin"})
    environment = worker_environment({"PATH": "/usr/bin", "DAGSTER_HOME": "/srv/home"})
    first = environment["PATH"].split(os.pathsep)[0]
    assert Path(first, "celery").exists(), "celery is not installed beside this Python"


def _redis_answers() -> bool:
    try:
        socket.create_connection(REDIS, timeout=1).close()
        return True
    except OSError:
        return False


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_storyline_worker_joins_the_broker_and_stops(tmp_path, celery_env):
    if not _redis_answers():
        pytest.skip("no Redis server on 127.0.0.1:6379")
    from celery import Celery

    name = f"storyline-test-{uuid.uuid4().hex[:8]}"
    (tmp_path / "home").mkdir()
    storyline = Path(sys.executable).with_name("storyline")
    worker = subprocess.Popen(
        [str(storyline), "worker", "--name", name],
        cwd=REPO_ROOT,
        env={**os.environ, "DAGSTER_HOME": str(tmp_path / "home")},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group: dagster-celery starts celery as a child
    )
    app = Celery(broker=celery_env["STORYLINE_CELERY_BROKER"], backend=celery_env["STORYLINE_CELERY_BACKEND"])
    try:
        answered = []
        deadline = time.monotonic() + 60
        while not answered and time.monotonic() < deadline and worker.poll() is None:
            answered = [reply for reply in app.control.ping(timeout=1) if f"{name}@" in next(iter(reply))]
        assert answered, f"worker {name} never answered: {worker.stderr.read().decode()[-2000:] if worker.poll() is not None else 'still starting'}"
        stats = app.control.inspect(destination=[next(iter(answered[0]))], timeout=5).stats()
        assert "solo" in next(iter(stats.values()))["pool"]["implementation"], "celery.yaml's pool was not applied"
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=30)
        app.close()
