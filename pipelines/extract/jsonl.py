"""`storyline extract --jsonl IN`: lines {"id","url","html"} in, one result line per input out."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any, TextIO

from pipelines.extract.model import ExtractedPage
from pipelines.extract.pool import extract_pages

OUTPUT_KEYS = ("title", "body_text", "authors", "published_at", "modified_at", "language",
               "site_name", "description", "date_source")


def output_line(record_id: Any, page: ExtractedPage) -> dict[str, Any]:
    """Return the CLI's output object for one extracted page."""
    record = page.to_record()
    out = {"id": record_id, "page_type": page.page_type}
    out.update({key: record[key] for key in OUTPUT_KEYS})
    return out


def run_extract_jsonl(lines: Iterable[str], out: TextIO, *, workers: int | None = None,
                      page_timeout_s: float = 30.0) -> int:
    """Write one JSON line to out per input line, in input order; return how many were written.

    A line that is not a JSON object with string "url" and "html" yields {"id", "error"}
    naming the problem instead of stopping the run.
    """
    results: dict[int, dict[str, Any]] = {}
    ids: dict[int, Any] = {}
    errors: dict[int, dict[str, Any]] = {}
    total = 0

    def jobs() -> Iterator[tuple[int, str, str, None]]:
        nonlocal total
        for number, line in enumerate(lines):
            total = number + 1
            if not line.strip():
                errors[number] = {"id": None, "error": f"line {number + 1}: empty line"}
                continue
            try:
                item = json.loads(line)
            except ValueError as err:
                errors[number] = {"id": None, "error": f"line {number + 1}: not JSON ({err})"}
                continue
            if not isinstance(item, dict) or not isinstance(item.get("html"), str) \
                    or not isinstance(item.get("url"), str):
                record_id = item.get("id") if isinstance(item, dict) else None
                errors[number] = {"id": record_id, "error": f"line {number + 1}: expected an "
                                  'object with string "url" and "html" keys'}
                continue
            ids[number] = item.get("id")
            yield number, item["html"], item["url"], None

    written = 0
    next_line = 0
    for number, page in extract_pages(jobs(), workers=workers, page_timeout_s=page_timeout_s):
        results[number] = output_line(ids.pop(number), page)
        while next_line in results or next_line in errors:
            line_out = results.pop(next_line, None) or errors.pop(next_line)
            out.write(json.dumps(line_out, ensure_ascii=False) + "\n")
            written += 1
            next_line += 1
    while next_line < total:
        line_out = results.pop(next_line, None) or errors.pop(next_line)
        out.write(json.dumps(line_out, ensure_ascii=False) + "\n")
        written += 1
        next_line += 1
    return written
