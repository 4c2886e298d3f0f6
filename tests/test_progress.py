"""Progress lines: what they say, how often, and that a pass shows them in the terminal and in Dagster."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import dagster as dg
import pytest

from pipelines.progress import Progress, track
from tests.conftest import REPO_ROOT


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_line_says_done_of_total_the_counts_and_the_rate():
    clock, lines = Clock(), []
    progress = Progress("clean", lines.append, interval_s=5, clock=clock)
    clock.now += 4
    assert progress.line(8, "extracted", total=20, counts={"errors": 1}) == (
        "clean: 8/20 pages extracted, 1 errors, 2.0 pages/s"
    )


def test_lines_are_throttled_and_the_last_one_always_comes():
    clock, lines = Clock(), []

    def pages():
        for number in range(10):
            clock.now += 1.5  # one page every 1.5 s
            yield number

    assert list(track(pages(), lines.append, stage="clean", total=10, interval_s=5,
                      is_error=lambda n: n % 4 == 0, clock=clock)) == list(range(10))
    # The clock starts with the first page; then a line every 5 s at most, and the final one.
    assert [line.split(",")[0] for line in lines] == [
        "clean: 5/10 pages extracted", "clean: 9/10 pages extracted", "clean: 10/10 pages extracted"
    ]
    assert lines[-1].endswith("3 errors, 0.7 pages/s")


def test_without_a_reporter_the_items_pass_untouched():
    assert list(track(iter("abc"), None, stage="clean", total=3)) == ["a", "b", "c"]


def _storyline(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "storyline", *args], cwd=REPO_ROOT, env={**os.environ, **env},
        capture_output=True, text=True, timeout=600, check=False,
    )


@pytest.mark.slow
def test_a_pass_shows_progress_and_what_its_crawl_did_without_dagster_debug_lines(demo_site, tmp_path):
    home, url = tmp_path / "home", f"sqlite:///{tmp_path / 'w.db'}"
    command = ["run", "--config", "config/demo.yaml", "--warehouse", url]
    first = _storyline(*command, env={"DAGSTER_HOME": str(home)})
    assert first.returncode == 0, first.stderr[-3000:]
    assert re.search(r"crawl: \d+ pages fetched, \d+ queued, \d+ errors, \d+ pages stored", first.stderr)
    assert re.search(r"clean: (\d+)/\1 pages extracted, \d+ errors, [\d.]+ pages/s", first.stderr)
    assert " - DEBUG - " not in first.stderr and "PreviewWarning" not in first.stderr
    report = first.stdout.split("This crawl (crawl run 1, live", 1)[1]
    assert re.search(r"pages stored +[1-9]\d*\n", report) and "failed: http_404" in report

    # The same lines are in Dagster's event log of the pass's runs (the crawl runs per shard).
    assert re.search(r"Dagster run ([0-9a-f-]+)", first.stdout)
    with dg.DagsterInstance.from_config(str(home)) as instance:
        messages = [entry.user_message for run in instance.get_runs() for entry in instance.all_logs(run.run_id)]
    assert any(message.startswith("crawl: ") and "pages fetched" in message for message in messages)
    assert any(message.startswith("clean: ") and "pages extracted" in message for message in messages)

    # --verbose brings Dagster's own events back; the second crawl, a full one (--poll all,
    # nothing is due yet), asks conditionally.
    second = _storyline(*command, "--verbose", "--poll", "all", env={"DAGSTER_HOME": str(home)})
    assert second.returncode == 0, second.stderr[-3000:]
    assert " - DEBUG - " in second.stderr
    report = second.stdout.split("This crawl (crawl run 2, live", 1)[1]
    assert re.search(r"not modified \(304\) +[1-9]\d*\n", report)
    assert re.search(r"documents due +20\n", report)  # 15 configured, a homepage and its 4 findings
    assert re.search(r"pages stored +0\n", report)
