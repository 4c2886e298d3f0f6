"""The `storyline` command as a user runs it: exit codes, one-line errors, lineage output."""

from __future__ import annotations

import json
import re
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines.warehouse.migrate import head_revision
from tests.conftest import REPO_ROOT, clean_stored_pages


def storyline(
    *args: str, stdin: str | None = None, env: dict | None = None
) -> subprocess.CompletedProcess[str]:
    import os

    return subprocess.run(
        [sys.executable, "-m", "storyline", *args],
        cwd=REPO_ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
        check=False,
    )


def test_bad_config_is_one_line_and_exit_1(tmp_path: Path):
    result = storyline(
        "crawl", "--config", str(tmp_path / "missing.yaml"), "--warehouse", f"sqlite:///{tmp_path}/w.db"
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [f"storyline: {tmp_path / 'missing.yaml'}: file not found"]


def test_unreachable_warehouse_is_a_systemic_failure(tmp_path: Path):
    config = tmp_path / "c.yaml"
    config.write_text("sources: [{name: A, feeds: ['http://127.0.0.1:9/feed']}]\n", encoding="utf-8")
    result = storyline(
        "crawl", "--config", str(config), "--warehouse", "postgresql://nobody@127.0.0.1:9/none"
    )
    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("storyline: cannot reach or migrate the warehouse")


def test_run_rejects_a_partition_outside_the_calendar(demo_site, tmp_path: Path):
    result = storyline(
        "run",
        "--config",
        "config/demo.yaml",
        "--warehouse",
        f"sqlite:///{tmp_path}/w.db",
        "--partition",
        "1999-01-01",
    )
    assert result.returncode == 1
    assert "no partition '1999-01-01'" in result.stderr.strip().splitlines()[-1]


def test_db_upgrade_is_repeatable(tmp_path: Path):
    url = f"sqlite:///{tmp_path}/w.db"
    first, second = (
        storyline("db", "upgrade", "--warehouse", url),
        storyline("db", "upgrade", "--warehouse", url),
    )
    assert first.returncode == second.returncode == 0
    assert first.stdout.strip() == second.stdout.strip() == f"warehouse at revision {head_revision()}"


@pytest.mark.slow
def test_crawl_then_lineage_and_summary(demo_site, tmp_path: Path):
    url = f"sqlite:///{tmp_path}/w.db"
    crawl = storyline("crawl", "--config", "config/demo.yaml", "--warehouse", url)
    assert crawl.returncode == 0, crawl.stderr
    assert "crawl run 1: succeeded" in crawl.stdout
    clean_stored_pages(url)  # the crawl stores pages; the clean stage makes the articles

    lineage = storyline("lineage", "1", "--warehouse", url)
    assert lineage.returncode == 0, lineage.stderr
    text = lineage.stdout
    for step in ("article", "fetch", "WARC record", "crawl run"):
        assert step in text
    assert "feed entry" in text or "hub link" in text or "sitemap entry" in text

    missing = storyline("lineage", "9999", "--warehouse", url)
    assert missing.returncode == 1 and "no article with id 9999" in missing.stderr

    summary = storyline("summary", "--warehouse", url)
    assert summary.returncode == 0 and "robots_disallowed" in summary.stdout


def test_extract_jsonl_gives_one_line_per_input_in_order():
    story = " ".join(["The harbour board voted on Tuesday to extend the night ferry timetable."] * 12)
    pages = [
        {
            "id": "a",
            "url": "http://127.0.0.1/news/2026/01/05/a.html",
            "html": f"<html lang='en'><head><title>Ferries run late - Harbour Times</title></head>"
            f"<body><article><h1>Ferries run late</h1><p>{story}</p><p>{story}</p></article></body></html>",
        },
        {"id": "b", "url": "http://127.0.0.1/b", "html": ""},
    ]
    stdin = "\n".join(json.dumps(p) for p in pages) + "\nnot json\n"
    result = storyline("extract", "--jsonl", "-", stdin=stdin)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line.get("id") for line in lines] == ["a", "b", None]
    assert lines[0]["page_type"] == "article" and lines[0]["title"] == "Ferries run late"
    assert "night ferry" in lines[0]["body_text"]
    assert lines[1]["page_type"] == "error"
    assert "error" in lines[2]


def _extract_bytes(data: bytes, tmp_path: Path, *, from_stdin: bool) -> list[dict]:
    """Run `storyline extract` on raw bytes (a file, or stdin) and return its output lines."""
    source = "-"
    if not from_stdin:
        source = str(tmp_path / "pages.jsonl")
        Path(source).write_bytes(data)
    result = subprocess.run(
        [sys.executable, "-m", "storyline", "extract", "--jsonl", source, "--workers", "1"],
        cwd=REPO_ROOT, input=data if from_stdin else None, capture_output=True, timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    return [json.loads(line) for line in result.stdout.decode("utf-8").splitlines()]


def _page_line(record_id: str, html: str) -> bytes:
    return json.dumps({"id": record_id, "url": f"http://127.0.0.1/{record_id}", "html": html},
                      ensure_ascii=False).encode("utf-8") + b"\n"


@pytest.mark.parametrize("from_stdin", [False, True], ids=["file", "stdin"])
def test_extract_jsonl_reports_a_line_that_is_not_utf8_and_keeps_the_others(
    tmp_path: Path, from_stdin: bool
):
    latin1 = b'{"id":"b","url":"http://127.0.0.1/b","html":"caf\xe9"}\n'
    # Valid UTF-8 whose JSON holds a lone surrogate, which cannot be written back as UTF-8.
    surrogate_id = b'{"id":"\\ud800","url":"http://127.0.0.1/d","html":"<p>four</p>"}\n'
    data = (b"\xef\xbb\xbf" + _page_line("a", "<p>caf\u00e9 one</p>") + latin1
            + _page_line("c", "<p>caf\u00e9 three</p>") + surrogate_id)
    lines = _extract_bytes(data, tmp_path, from_stdin=from_stdin)
    assert [line.get("id") for line in lines] == ["a", None, "c", "\ud800"]
    assert all("page_type" in lines[n] for n in (0, 2, 3))
    assert lines[1]["error"].startswith("line 2: not UTF-8")


def test_extract_jsonl_note_says_why_a_page_failed(tmp_path: Path):
    data = _page_line("empty", "") + _page_line("binary", "\x00" * 20 + "<p>x</p>")
    lines = _extract_bytes(data, tmp_path, from_stdin=True)
    assert [(line["id"], line["page_type"]) for line in lines] == [("empty", "error"),
                                                                   ("binary", "error")]
    assert lines[0]["note"] == "empty response body"
    assert lines[1]["note"] == "binary content, not HTML"


def test_cluster_jsonl_assigns_stories_and_duplicates():
    text = "The harbour board voted on Tuesday to extend the night ferry timetable through the winter months."
    rows = [
        {
            "id": 1,
            "url": "http://127.0.0.1/a",
            "title": "Ferries run late",
            "text": text,
            "published_at": "2026-01-05T10:00:00Z",
            "source": "A",
        },
        {
            "id": 2,
            "url": "http://127.0.0.1/a?utm_source=x",
            "title": "Ferries run late",
            "text": text,
            "published_at": "2026-01-05T11:00:00Z",
            "source": "B",
        },
    ]
    result = storyline("cluster", "--jsonl", "-", stdin="\n".join(json.dumps(r) for r in rows))
    assert result.returncode == 0, result.stderr
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert first == {"id": 1, "story_id": first["story_id"], "duplicate_of": None,
                     "relation": "origin", "related_to": None}
    assert second == {"id": 2, "story_id": first["story_id"], "duplicate_of": 1,
                      "relation": "copy", "related_to": 1}

    bad = storyline("cluster", "--jsonl", "-", stdin="{oops\n")
    assert bad.returncode == 1 and "line 1" in bad.stderr


@pytest.mark.slow
def test_demo_runs_the_whole_pipeline_with_a_new_dagster_home(tmp_path: Path):
    home = tmp_path / "dagster-home-not-created-yet"
    result = storyline(
        "demo",
        "--warehouse",
        f"sqlite:///{tmp_path}/demo.db",
        env={"DAGSTER_HOME": str(home), "STORYLINE_ARCHIVE_DIR": str(tmp_path / "archive")},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "pipeline pass for" in result.stdout and "succeeded" in result.stdout
    assert "Stories with more than one article:" in result.stdout
    assert "[rewrite    ]" in result.stdout and "[copy       ]" in result.stdout
    assert f"storyline summary --warehouse sqlite:///{tmp_path}/demo.db" in result.stdout
    assert (home / "dagster.yaml").exists(), "the Dagster home is created on first use"
    assert list((tmp_path / "archive").rglob("*.warc.gz")), "the raw pages went to the given archive"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _count(db: Path, query: str) -> int:
    with sqlite3.connect(db) as connection:
        return connection.execute(query).fetchone()[0]


@pytest.mark.slow
def test_a_second_demo_run_on_the_same_warehouse_stores_no_page_twice(tmp_path: Path):
    db, port = tmp_path / "demo.db", str(_free_port())
    env = {"DAGSTER_HOME": str(tmp_path / "home"), "STORYLINE_ARCHIVE_DIR": str(tmp_path / "archive")}
    counts = []
    for _ in range(2):
        result = storyline("demo", "--port", port, "--warehouse", f"sqlite:///{db}", env=env)
        assert result.returncode == 0, result.stderr[-3000:]
        counts.append(_count(db, "select count(*) from articles"))
    assert counts[0] >= 17 and counts[1] == counts[0]
    assert _count(db, "select count(*) from crawl_runs") == 2
    # The second crawl, moments later, found no feed, hub or sitemap due yet: it fetched nothing.
    assert _count(db, "select count(*) from fetches where crawl_run_id = 2") == 0
    assert _count(db, "select count(*) from source_documents where next_due_at is not null") == 20
    assert re.search(r"documents not due yet +20\n", result.stdout)


def test_demo_site_port_falls_back_to_a_free_one_when_the_default_is_taken(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    from storyline import cli

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        monkeypatch.setattr(cli, "DEMO_PORT", busy)
        with cli._start_demo_site(None) as site:
            assert site.host_port != f"127.0.0.1:{busy}"
        assert f"port {busy} is taken" in capsys.readouterr().err
        with pytest.raises(cli.CommandError, match=f"cannot serve the demo site on port {busy}"):
            cli._start_demo_site(busy)
