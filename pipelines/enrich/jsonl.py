"""JSON-lines front end of the enricher, behind ``storyline enrich --jsonl IN``.

Input lines are ``{"id", "title", "text"}`` with an optional ``"language"`` (the page's
declared language: kept when detection is unsure). Output is one line per input, in input
order: ``{"id", "language", "entities": [{"text", "type", "country", "mentions"}],
"keywords": [...]}``, from :func:`pipelines.enrich.analyse.enrich_documents`, the code the
Dagster asset runs.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TextIO

from pipelines.enrich.analyse import Document, enrich_documents
from pipelines.jsonlines import decoded_lines


def document_from_record(record: object, *, line_number: int) -> Document:
    """Return the :class:`Document` of one decoded input line.

    Raises ``ValueError`` naming the line when it is not an object, has no ``id`` or a field
    is not a string.
    """
    if not isinstance(record, dict):
        raise ValueError(f"line {line_number}: expected a JSON object, got {type(record).__name__}")
    if record.get("id") in (None, ""):
        raise ValueError(f"line {line_number}: the object has no \"id\"; every article needs one")
    for name in ("title", "text", "language"):
        if record.get(name) is not None and not isinstance(record[name], str):
            raise ValueError(f"line {line_number}: \"{name}\" must be a string, got {record[name]!r}")
    return Document(
        key=record["id"],
        title=record.get("title") or "",
        text=record.get("text") or "",
        declared_language=record.get("language") or None,
    )


def run_enrich_jsonl(lines: Iterable[str], out: TextIO, workers: int | None = None) -> int:
    """Enrich the articles of ``lines`` and write one JSON line per article to ``out``.

    Returns the number of articles written. Blank lines are skipped. Raises ``ValueError``
    naming the line for invalid JSON or a bad record (before any output), and
    :class:`pipelines.enrich.model.ModelError` when the NER model is missing or altered.
    """
    documents: list[Document] = []
    for line_number, record in decoded_lines(lines):
        documents.append(document_from_record(record, line_number=line_number))
    for document, result in zip(documents, enrich_documents(documents, workers=workers), strict=True):
        out.write(json.dumps(result.as_json(document.key), ensure_ascii=False) + "\n")
    return len(documents)
