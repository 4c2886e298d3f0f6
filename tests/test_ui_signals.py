"""`storyline ui` stopped with `kill PID` (SIGTERM) takes every process it started down with it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from tests.support.dagster_helpers import free_port

pytestmark = pytest.mark.slow


def _descendants(root: int) -> set[int]:
    """Every live process below ``root``, read from /proc."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = set(), [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def test_sigterm_stops_dagster_dev_and_everything_it_started(tmp_path: Path):
    port = free_port()
    env = {
        **os.environ,
        "DAGSTER_HOME": str(tmp_path / "home"),
        "STORYLINE_DEMO_HOST": "127.0.0.1:9",
        "STORYLINE_ARCHIVE_DIR": str(tmp_path / "archive"),
    }
    ui = subprocess.Popen(
        [sys.executable, "-m", "storyline", "ui", "--config", "config/demo.yaml",
         "--warehouse", f"sqlite:///{tmp_path / 'w.db'}", "--port", str(port)],
        cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        line = ui.stdout.readline()  # printed once the UI answers
        assert line.startswith("Dagster UI on"), line + ui.stderr.read()
        deadline = time.monotonic() + 120
        started: set[int] = set()
        # The webserver, the daemon and a code server come up around the same time.
        while time.monotonic() < deadline and len(started) < 4:
            started = _descendants(ui.pid)
            time.sleep(1)
        assert len(started) >= 3, f"expected dagster dev, webserver and daemon, found {started}"

        ui.send_signal(signal.SIGTERM)
        assert ui.wait(timeout=90) == 0, ui.stderr.read()
    finally:
        if ui.poll() is None:
            ui.kill()
    left = {pid for pid in started if _alive(pid)}
    for pid in left:  # do not leak them into the rest of the test session
        os.kill(pid, signal.SIGKILL)
    assert not left, f"processes left running after SIGTERM: {left}"
    assert _port_is_free(port), f"port {port} is still held"
