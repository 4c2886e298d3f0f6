"""`storyline extract --jsonl IN`: lines {"id","url","html"} in, one result line per input out.

Input lines are bytes (or str) taken one at a time: a line that is not UTF-8 or not JSON
gets an error line of its own, and a UTF-8 byte order mark at the start is skipped.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any, TextIO

from pipelines.extract.model import ExtractedPage
from pipelines.extract.pool import extract_pages

OUTPUT_KEYS = ("title", "body_text", "authors", "published_at", "modified_at", "language",
               "site_name", "description", "date_source")
BOM = "\ufeff"


def output_line(record_id: Any, page: ExtractedPage) -> dict[str, Any]:
    """Return the CLI's output object for one extracted page: the issue's keys, then the
    organisations the byline credits and "note", the extractor's page note."""
    record = page.to_record()
    out = {"id": record_id, "page_type": page.page_type}
    out.update({key: record[key] for key in OUTPUT_KEYS})
    out["author_organisations"] = page.author_organisations
    out["note"] = page.page_note
    return out


def decode_line(line: bytes | str, number: int) -> str:
    """Return line as text, without a byte order mark on the first line (number 0).

    Raises UnicodeDecodeError when a bytes line is not UTF-8.
    """
    text = line.decode("utf-8") if isinstance(line, bytes) else line
    return text.removeprefix(BOM) if number == 0 else text


def json_line(obj: dict[str, Any]) -> str:
    """Return obj as one line of JSON, non-ASCII kept as is unless it cannot be UTF-8."""
    text = json.dumps(obj, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate, e.g. from a "\\ud800" escape in the input
        text = json.dumps(obj)
    return text + "\n"


def run_extract_jsonl(lines: Iterable[bytes | str], out: TextIO, *, workers: int | None = None,
                      page_timeout_s: float = 30.0) -> int:
    """Write one JSON line to out per input line, in input order; return how many were written.

    A line that is not UTF-8, or not a JSON object with string "url" and "html", yields
    {"id", "error"} naming the line and the problem instead of stopping the run.
    """
    results: dict[int, dict[str, Any]] = {}
    ids: dict[int, Any] = {}
    errors: dict[int, dict[str, Any]] = {}

    def jobs() -> Iterator[tuple[int, str, str, None]]:
        for number, raw in enumerate(lines):
            try:
                line = decode_line(raw, number)
            except UnicodeDecodeError as err:
                errors[number] = {"id": None, "error": f"line {number + 1}: not UTF-8 ({err})"}
                continue
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

    next_line = 0

    def write_ready() -> None:
        """Write the finished lines that come next in input order."""
        nonlocal next_line
        while next_line in results or next_line in errors:
            out.write(json_line(results.pop(next_line, None) or errors.pop(next_line)))
            next_line += 1

    for number, page in extract_pages(jobs(), workers=workers, page_timeout_s=page_timeout_s):
        results[number] = output_line(ids.pop(number), page)
        write_ready()
    write_ready()  # error lines read after the last page finished
    return next_line
