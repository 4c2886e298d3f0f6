"""``storyline worker``: a Celery worker for Storyline's Dagster steps (``dagster-celery worker start``).

The worker reads the same ``celery.yaml`` as the executor (``STORYLINE_EXECUTOR=celery``,
see dagster_project/executors.py), so both name one broker. Broker and backend URLs,
passwords included, come from the environment that file names, never from this command
line. It needs ``DAGSTER_HOME`` (the instance's ``dagster.yaml``, where dagster-celery
also writes the worker's Celery settings) and the warehouse URL, sources config and
archive that every machine of the deployment shares.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

#: The Celery app whose tasks run Dagster steps.
CELERY_APP = "dagster_celery.app"


class WorkerSetupError(RuntimeError):
    """The worker cannot start: a missing config file or DAGSTER_HOME."""


def add_worker_command(commands: argparse._SubParsersAction) -> None:
    """Register ``storyline worker`` among the CLI's ``commands``."""
    help_text = "Start a Celery worker that runs Storyline's Dagster steps (dagster-celery)."
    worker = commands.add_parser("worker", help=help_text, description=help_text)
    worker.set_defaults(handler=_start)
    worker.add_argument(
        "--config",
        help="Celery settings (default: $STORYLINE_CELERY_CONFIG, else config/deploy/celery/celery.yaml)",
    )
    worker.add_argument("--name", help="worker name, shown with each step it runs (default: dagster-XXXXXX)")
    worker.add_argument(
        "--queue", action="append", help="queue to take steps from (repeatable; default: dagster)"
    )
    worker.add_argument("--loglevel", default="INFO")


def worker_command(
    config: str | os.PathLike[str] | None = None,
    *,
    name: str | None = None,
    queues: list[str] | None = None,
    loglevel: str = "INFO",
) -> list[str]:
    """Return the ``dagster-celery worker start`` command line for these options.

    A worker runs one step at a time (celery.yaml's ``worker_pool: solo``): for more at
    once, start more workers. Raises :class:`WorkerSetupError` when the config file is
    missing or does not validate (an unset variable, an unknown key).
    """
    from dagster_project.executors import CELERY_CONFIG  # imports Dagster: only when starting

    path = Path(config or os.environ.get("STORYLINE_CELERY_CONFIG") or CELERY_CONFIG)
    if not path.is_file():
        raise WorkerSetupError(
            f"{path}: Celery config not found (give --config or set STORYLINE_CELERY_CONFIG)"
        )
    checked_celery_config(path)
    command = [sys.executable, "-m", "dagster_celery.cli", "worker", "start", "-A", CELERY_APP]
    command += ["--config-yaml", str(path), "--loglevel", loglevel]
    if name:
        command += ["--name", name]
    for queue in queues or []:
        command += ["--queue", queue]
    return command


def checked_celery_config(path: str | os.PathLike[str]) -> dict:
    """Return the Celery settings of ``path`` with their environment variables filled in.

    dagster-celery itself fails obscurely on an unset variable; this raises
    :class:`WorkerSetupError` naming the file and the problem (an unset variable, a bad key).
    """
    from dagster._config import post_process_config, validate_config
    from dagster_celery.executor import celery_executor

    from dagster_project.executors import executor_config

    try:
        value = executor_config(path)
    except ValueError as exc:
        raise WorkerSetupError(str(exc)) from exc
    config_type = celery_executor.config_schema.config_type
    result = validate_config(config_type, value)
    if result.success:
        result = post_process_config(config_type, value)
    if not result.success:
        problems = [_problem(error) for error in result.errors]
        raise WorkerSetupError(f"{path}: {'; '.join(problems)}")
    return dict(result.value)


def _problem(error: object) -> str:
    """One line for a Dagster config error: the unset variable, or Dagster's own message."""
    detail = getattr(getattr(error, "error_data", None), "message", None) or getattr(error, "message", "")
    return str(detail).split("Error: ")[-1].strip().splitlines()[0]


def worker_environment(environ: dict[str, str] | None = None) -> dict[str, str]:
    """Return the worker's environment: ``environ`` with this Python's ``bin`` first on PATH.

    dagster-celery starts the ``celery`` program by name; this makes it the one installed
    beside Storyline. Raises :class:`WorkerSetupError` when DAGSTER_HOME is unset.
    """
    environment = dict(os.environ if environ is None else environ)
    if not environment.get("DAGSTER_HOME"):
        raise WorkerSetupError(
            "DAGSTER_HOME is not set: point it at the folder holding the instance's dagster.yaml"
        )
    bin_dir = str(Path(sys.executable).parent)
    environment["PATH"] = os.pathsep.join([bin_dir, environment.get("PATH", "")])
    return environment


def _start(args: argparse.Namespace) -> int:
    from storyline.cli import CommandError

    try:
        command = worker_command(
            args.config,
            name=args.name,
            queues=args.queue,
            loglevel=args.loglevel,
        )
        environment = worker_environment()
    except WorkerSetupError as exc:
        raise CommandError(str(exc)) from exc
    # The worker takes this process's place, so signals reach it directly.
    os.execve(command[0], command, environment)
    return 0  # not reached
