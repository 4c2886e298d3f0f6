"""extract_pages (process pool, time limit), run_extract_jsonl and changed_fields."""

from __future__ import annotations

import io
import json
from dataclasses import replace

from pipelines.extract import changed_fields, extract_page, extract_pages, run_extract_jsonl
from tests.test_extract_pages import NOW, STORY, seed_like_page


def test_pool_returns_every_page_and_times_out_slow_ones() -> None:
    small = seed_like_page()
    # 100,000 short paragraphs take far longer than the limit (about 25 s on one core);
    # one huge paragraph no longer does, since decoding and typing got faster.
    huge = seed_like_page(body_extra="<p>tidal pier work</p>" * 100_000)
    jobs = [("a", small, "https://x.example/a", None), ("slow", huge, "https://x.example/b", None),
            ("c", small.encode(), "https://x.example/c", None)]
    results = dict(extract_pages(jobs, workers=2, page_timeout_s=4.0))
    assert set(results) == {"a", "slow", "c"}
    assert results["a"].page_type == "article" and results["c"].page_type == "article"
    assert results["slow"].page_type == "error"
    assert results["slow"].page_note == "extraction timed out after 4s"


def test_jsonl_keeps_input_order_and_reports_bad_lines() -> None:
    lines = [
        json.dumps({"id": 1, "url": "https://x.example/1", "html": seed_like_page()}),
        "not json",
        json.dumps({"id": 3, "url": "https://x.example/3"}),
        json.dumps({"id": 4, "url": "https://x.example/4", "html": "<html><body></body></html>"}),
    ]
    out = io.StringIO()
    assert run_extract_jsonl(lines, out, workers=2) == 4
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [row.get("id") for row in rows] == [1, None, 3, 4]
    assert rows[0]["page_type"] == "article" and STORY[0] in rows[0]["body_text"]
    assert set(rows[0]) == {"id", "page_type", "title", "body_text", "authors", "published_at",
                            "modified_at", "language", "site_name", "description", "date_source",
                            "author_organisations", "note"}
    assert "error" in rows[1] and "error" in rows[2]
    assert rows[3]["page_type"] == "error"


def test_jsonl_takes_bytes_and_notes_a_timed_out_page() -> None:
    huge = seed_like_page(body_extra="<p>tidal pier work</p>" * 100_000)
    lines = [
        b"\xef\xbb\xbf" + json.dumps({"id": "slow", "url": "https://x.example/s", "html": huge}).encode(),
        b'{"id": "bad", "url": "https://x.example/b", "html": "caf\xe9"}',
        json.dumps({"id": "ok", "url": "https://x.example/o", "html": seed_like_page()}).encode(),
    ]
    out = io.StringIO()
    assert run_extract_jsonl(lines, out, workers=2, page_timeout_s=3.0) == 3
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [row.get("id") for row in rows] == ["slow", None, "ok"]
    assert rows[0]["page_type"] == "error" and rows[0]["note"] == "extraction timed out after 3s"
    assert rows[1]["error"].startswith("line 2: not UTF-8")
    assert rows[2]["page_type"] == "article"


def test_changed_fields_reports_only_what_differs() -> None:
    page = extract_page(seed_like_page(), "https://x.example/a", now=NOW)
    same = page.to_record()
    assert changed_fields(same, page) == {}
    old = dict(same, title="Old headline", body_text="old text")
    old.pop("body_hash")
    changes = changed_fields(old, page)
    assert set(changes) == {"title", "body_hash"}
    assert changes["title"] == ["Old headline", page.title]
    newer = replace(page, authors=["Someone Else"])
    assert set(changed_fields(same, newer)) == {"authors"}


def test_pool_reads_archived_pages_itself_and_requeues_pages_behind_a_stuck_one(tmp_path) -> None:
    from pipelines.archive import WarcArchive
    from pipelines.extract.pool import ArchivedPage, ExtractionPool

    archive = WarcArchive(tmp_path / "pages.warc.gz")
    huge = seed_like_page(body_extra="<p>tidal pier work</p>" * 100_000)
    small = seed_like_page()
    where = {}
    for key, body in [("slow", huge), *((f"page-{n}", small) for n in range(5))]:
        location = archive.write_response(url=f"https://x.example/{key}", status=200, headers=[],
                                          body=body.encode(), fetch_id=key)
        where[key] = ArchivedPage(location.path, location.offset, location.length)
    archive.close()
    jobs = [(key, record, f"https://x.example/{key}", None) for key, record in where.items()]
    jobs.append(("gone", ArchivedPage(str(tmp_path / "missing.warc.gz"), 0, 100), "https://x.example/g", None))
    with ExtractionPool(workers=1, page_timeout_s=3.0) as pool:  # one worker: pages queue behind "slow"
        results = dict(pool.map(jobs))
    assert set(results) == set(where) | {"gone"}
    assert results["slow"].page_note == "extraction timed out after 3s"
    assert all(results[f"page-{n}"].page_type == "article" for n in range(5))
    assert results["gone"].page_type == "error"
    assert results["gone"].page_note.startswith("raw page unreadable from archive")
