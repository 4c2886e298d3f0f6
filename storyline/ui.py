"""Start the Dagster UI and daemon (``dagster dev``) on this code location.

Used by ``storyline ui`` (and so ``make ui``) and by the tests that drive the
UI and its GraphQL API. ``DAGSTER_HOME`` gets the instance settings of
``config/dagster.yaml`` unless it already has a ``dagster.yaml``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from dagster_project.instance import prepare_dagster_home

REPO_ROOT = Path(__file__).resolve().parent.parent


def dagster_dev_command(host: str, port: int) -> list[str]:
    """The ``dagster dev`` command line for this code location."""
    dagster = Path(sys.executable).with_name("dagster")
    program = [str(dagster)] if dagster.exists() else [sys.executable, "-m", "dagster"]
    return [*program, "dev", "-m", "dagster_project.definitions", "-h", host, "-p", str(port)]


@contextmanager
def dagster_dev(
    *,
    dagster_home: str | os.PathLike[str],
    env: Mapping[str, str] | None = None,
    host: str = "127.0.0.1",
    port: int = 3000,
    startup_timeout_s: float = 180.0,
    log_path: str | os.PathLike[str] | None = None,
) -> Iterator[str]:
    """Run ``dagster dev`` until the block ends; yields the UI's base URL once it answers.

    Raises ``RuntimeError`` when the server exits or does not answer in time.
    """
    home = prepare_dagster_home(dagster_home)
    environment = {**os.environ, **(env or {}), "DAGSTER_HOME": str(home)}
    log = open(log_path or home / "dagster-dev.log", "ab")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        dagster_dev_command(host, port),
        cwd=REPO_ROOT,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base_url = f"http://{host}:{port}"
    try:
        _wait_until_up(process, base_url, startup_timeout_s)
        yield base_url
    finally:
        _stop(process)
        log.close()


def _wait_until_up(process: subprocess.Popen, base_url: str, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"dagster dev exited with status {process.returncode}; see its log")
        try:
            with urllib.request.urlopen(f"{base_url}/server_info", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.5)
    raise RuntimeError(f"dagster dev did not answer on {base_url} within {timeout_s:.0f} s")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGINT)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
