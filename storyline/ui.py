"""Start the Dagster UI and daemon (``dagster dev``) on this code location.

Used by ``storyline ui`` (and so ``make ui``) and by the tests that drive the
UI and its GraphQL API. ``DAGSTER_HOME`` gets the instance settings of
``config/dagster.yaml`` unless it already has a ``dagster.yaml``.

``dagster dev`` runs in a process group of its own (with the webserver, the daemon
and the code server it starts); when the block ends, the group gets the signal that
ended it (SIGINT for Ctrl-C, SIGTERM for ``kill``) and is waited for, so no process
is left holding the port.
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
from types import FrameType

from dagster_project.instance import prepare_dagster_home

REPO_ROOT = Path(__file__).resolve().parent.parent
STOP_TIMEOUT_S = 30.0


class Stopped(KeyboardInterrupt):
    """A stop signal (SIGTERM, SIGHUP) turned into an exception in the main thread."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


@contextmanager
def stop_on_signals(*signums: int) -> Iterator[None]:
    """Raise :class:`Stopped` in the main thread when one of ``signums`` arrives, for the block."""

    def stop(signum: int, _frame: FrameType | None) -> None:
        raise Stopped(signum)

    previous = {signum: signal.signal(signum, stop) for signum in signums}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


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
    stop_with = signal.SIGINT
    try:
        _wait_until_up(process, base_url, startup_timeout_s)
        yield base_url
    except Stopped as stopped:
        stop_with = stopped.signum
        raise
    finally:
        _stop(process, stop_with)
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


def _stop(process: subprocess.Popen, signum: int = signal.SIGINT) -> None:
    """Send ``signum`` to the whole group of ``process`` and wait until none of it is left.

    What still runs after STOP_TIMEOUT_S is killed.
    """
    if not _signal_group(process, signum) or _wait_for_group(process, STOP_TIMEOUT_S):
        return
    _signal_group(process, signal.SIGKILL)
    _wait_for_group(process, 10.0)


def _signal_group(process: subprocess.Popen, signum: int) -> bool:
    """Signal the process group led by ``process``; False when no process of it is left."""
    process.poll()  # reap the leader if it has exited, so it does not linger as a zombie
    try:
        os.killpg(process.pid, signum)
    except ProcessLookupError:
        return False
    return True


def _wait_for_group(process: subprocess.Popen, timeout_s: float) -> bool:
    """Wait until every process of the group has exited; False when some remain at the deadline."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not _signal_group(process, 0):
            return True
        time.sleep(0.2)
    return False
