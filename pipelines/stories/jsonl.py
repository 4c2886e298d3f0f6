"""JSON-lines front end of the clusterer, behind ``storyline cluster --jsonl IN``.

Input lines are ``{"id", "url", "title", "text", "published_at", "source"}``, optionally
with ``"entities"`` as ``storyline enrich`` prints them (``[{"text", "type", "country",
"mentions"}]``: the clusterer's entity evidence); output is
one line per input, in input order: ``{"id", "story_id", "duplicate_of", "relation",
"related_to"}``, where ``relation`` and ``related_to`` mean what they mean in the
warehouse's ``story_articles`` (``origin``, ``copy``, ``rewrite``, ``independent``, and the
id of the article copied, rewritten or most resembled). Stories are numbered 1, 2, ... in
the order they first appear in the output. The decisions come from
the same :class:`~pipelines.stories.engine.StoryClusterer` the Dagster assets use.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TextIO

from pipelines.enrich.entities import Entity
from pipelines.enrich.store import entity_key
from pipelines.jsonlines import decoded_lines
from pipelines.stories.engine import StoryClusterer
from pipelines.stories.types import ClusterConfig, Doc


def parse_published_at(value: object, *, line_number: int) -> datetime | None:
    """Return an aware datetime for an ISO 8601 string (naive means UTC), or ``None``.

    Raises ``ValueError`` naming the line when the value is not a date.
    """
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise ValueError(f"line {line_number}: published_at must be an ISO 8601 string, got {value!r}")
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"line {line_number}: published_at {value!r} is not an ISO 8601 date "
            "(write e.g. 2026-01-26T09:30:00Z)"
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_entities(value: object, *, line_number: int) -> tuple[tuple[str, int], ...]:
    """Return ``(entity key, mentions)`` pairs of an ``"entities"`` value (``storyline enrich``'s shape).

    Raises ``ValueError`` naming the line when it is not a list of objects with a
    ``text``, a ``type`` and a positive whole number of ``mentions`` (1 when absent).
    """
    if value in (None, ""):
        return ()
    if not isinstance(value, list):
        raise ValueError(f"line {line_number}: entities must be a list, got {type(value).__name__}")
    pairs = []
    for item in value:
        mentions = item.get("mentions", 1) if isinstance(item, dict) else None
        if (
            not isinstance(item, dict) or not item.get("text") or not item.get("type")
            or not isinstance(mentions, int) or mentions < 1
        ):
            raise ValueError(
                f"line {line_number}: entity {item!r} needs \"text\", \"type\" and a positive "
                "\"mentions\" (as storyline enrich prints them)"
            )
        entity = Entity(name=str(item["text"]), type=str(item["type"]), mentions=mentions, first_offset=0,
                        surface_forms=[], country=item.get("country") or None)
        pairs.append((entity_key(entity), mentions))
    return tuple(pairs)


def doc_from_record(record: object, *, line_number: int) -> Doc:
    """Return the :class:`Doc` of one decoded input line.

    Raises ``ValueError`` naming the line when it is not an object, has no ``id``, or
    has malformed ``entities``.
    """
    if not isinstance(record, dict):
        raise ValueError(f"line {line_number}: expected a JSON object, got {type(record).__name__}")
    if record.get("id") in (None, ""):
        raise ValueError(f"line {line_number}: the object has no \"id\"; every article needs one")
    return Doc(
        id=record["id"],
        url=str(record.get("url") or ""),
        title=str(record.get("title") or ""),
        text=str(record.get("text") or ""),
        published_at=parse_published_at(record.get("published_at"), line_number=line_number),
        source=str(record.get("source") or ""),
        entities=parse_entities(record.get("entities"), line_number=line_number),
    )


def run_cluster_jsonl(
    lines: Iterable[str], out: TextIO, config: ClusterConfig | None = None
) -> int:
    """Cluster the articles of ``lines`` and write one JSON line per article to ``out``.

    Returns the number of articles written. Blank lines are skipped. Raises
    ``ValueError`` naming the line for invalid JSON, a missing ``id``, a bad date or an
    ``id`` seen twice.
    """
    docs: list[Doc] = []
    seen: dict[object, int] = {}
    for line_number, record in decoded_lines(lines):
        doc = doc_from_record(record, line_number=line_number)
        key = json.dumps(doc.id)
        if key in seen:
            raise ValueError(
                f"line {line_number}: id {doc.id!r} was already used on line {seen[key]}; "
                "ids must be unique"
            )
        seen[key] = line_number
        docs.append(doc)
    clusterer = StoryClusterer(config)
    assignments = {json.dumps(a.id): a for a in clusterer.add_many(docs)}
    numbers: dict[object, int] = {}
    for doc in docs:
        assignment = assignments[json.dumps(doc.id)]
        story_id = numbers.setdefault(assignment.story_key, len(numbers) + 1)
        line = {
            "id": doc.id,
            "story_id": story_id,
            "duplicate_of": assignment.duplicate_of,
            "relation": assignment.relation,
            "related_to": assignment.related_to,
        }
        out.write(json.dumps(line) + "\n")
    return len(docs)
