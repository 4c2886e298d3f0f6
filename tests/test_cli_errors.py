"""The `storyline` command's error paths, as a user meets them: one line, exit 1, nothing created."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pipelines.warehouse.migrate import upgrade
from tests.conftest import REPO_ROOT

DEMO_CONFIG = str(REPO_ROOT / "config" / "demo.yaml")


def storyline(*args: str, cwd: Path = REPO_ROOT, stdout: int | None = subprocess.PIPE):
    """Run the command in a child process; its environment has the demo host set."""
    env = {**os.environ, "STORYLINE_DEMO_HOST": "127.0.0.1:9"}
    env.pop("STORYLINE_WAREHOUSE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "storyline", *args],
        cwd=cwd, env=env, stdout=stdout, stderr=subprocess.PIPE, text=True, timeout=120, check=False,
    )


def one_line_failure(result: subprocess.CompletedProcess[str]) -> str:
    """Assert the command failed with exactly one line on stderr (no traceback); return it."""
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("storyline: ")
    return lines[0]


def test_read_commands_on_a_missing_warehouse_create_nothing_and_point_at_the_demo(tmp_path: Path):
    (tmp_path / "data" / "demo").mkdir(parents=True)
    upgrade(f"sqlite:///{tmp_path / 'data' / 'demo' / 'warehouse.db'}")
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))

    for command in (["summary"], ["lineage", "8"]):
        line = one_line_failure(storyline(*command, cwd=tmp_path))
        assert line == (
            "storyline: no Storyline tables in sqlite:///data/warehouse.db: run `storyline db upgrade`, "
            "or did you mean data/demo/warehouse.db (--warehouse sqlite:///data/demo/warehouse.db)?"
        )
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before

    missing_dir = tmp_path / "nowhere" / "deeper"
    line = one_line_failure(storyline("summary", "--warehouse", f"sqlite:///{missing_dir}/w.db", cwd=tmp_path))
    assert "no Storyline tables in" in line and "storyline db upgrade" in line
    assert not (tmp_path / "nowhere").exists()


def test_an_empty_sqlite_file_is_no_warehouse_either(tmp_path: Path):
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    line = one_line_failure(storyline("summary", "--warehouse", f"sqlite:///{empty}", cwd=tmp_path))
    assert line == f"storyline: no Storyline tables in sqlite:///{empty}: run `storyline db upgrade`"


@pytest.mark.parametrize(
    "command",
    [
        ["summary"],
        ["lineage", "1"],
        ["db", "upgrade"],
        ["crawl", "--config", DEMO_CONFIG],
        ["run", "--config", DEMO_CONFIG],
        ["ui", "--config", DEMO_CONFIG],
    ],
    ids=lambda command: command[0] + (f"-{command[1]}" if command[0] == "db" else ""),
)
def test_every_command_on_a_mysql_url_names_the_missing_driver(command: list[str], tmp_path: Path):
    line = one_line_failure(storyline(*command, "--warehouse", "mysql://reader:secret@127.0.0.1/news",
                                      cwd=tmp_path))
    assert "mysql://reader:***@127.0.0.1/news" in line and "secret" not in line
    assert "driver (MySQLdb) is not installed" in line


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("postgresql://nobody@127.0.0.1:9/none", "cannot reach the warehouse"),
        ("::not a url", "cannot parse the warehouse URL"),
        ("nosuchdb://host/db", "unsupported warehouse URL"),
    ],
)
@pytest.mark.parametrize("command", [["summary"], ["lineage", "3"]], ids=["summary", "lineage"])
def test_read_commands_on_a_bad_url_fail_in_one_line(command: list[str], url: str, reason: str, tmp_path):
    assert reason in one_line_failure(storyline(*command, "--warehouse", url, cwd=tmp_path))


def test_summary_into_a_closed_pipe_is_one_line_not_a_traceback(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'w.db'}"
    upgrade(url)
    read_end, write_end = os.pipe()
    os.close(read_end)  # like `| head` that has already exited
    try:
        result = storyline("summary", "--warehouse", url, stdout=write_end)
    finally:
        os.close(write_end)
    assert "broken pipe" in one_line_failure(result)


def _future_day() -> str:
    return (datetime.now(UTC).date() + timedelta(days=2)).isoformat()


@pytest.mark.parametrize(
    ("arguments", "reason"),
    [
        (["--mode", "sitemap_backfill"], "--mode sitemap_backfill needs --day YYYY-MM-DD"),
        (["--mode", "sitemap_backfill", "--day", "2026-13-45"], "--day 2026-13-45: not a date"),
        (["--mode", "sitemap_backfill", "--day", "FUTURE"], "is in the future"),
        (["--day", "2026-01-05"], "--day 2026-01-05 needs --mode sitemap_backfill"),
    ],
    ids=["no-day", "bad-day", "future-day", "day-in-live-mode"],
)
def test_crawl_arguments_are_checked_before_anything_starts(arguments, reason, tmp_path: Path):
    arguments = [_future_day() if value == "FUTURE" else value for value in arguments]
    warehouse = tmp_path / "w.db"
    result = storyline("crawl", "--config", DEMO_CONFIG, "--warehouse", f"sqlite:///{warehouse}", *arguments)
    assert reason in one_line_failure(result)
    assert not warehouse.exists(), "nothing is created (no crawl run opened) for bad arguments"
