"""Per-field differences between an article row's stored values and a fresh extraction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pipelines.extract.model import ExtractedPage, text_hash

COMPARED_FIELDS = (
    "page_type", "title", "body_hash", "authors", "published_at", "published_offset_minutes",
    "modified_at", "language", "site_name", "description", "section", "tags", "image_url",
    "canonical_url", "truncated", "word_count",
)


def _normal(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and value[10] == "T":
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).isoformat()
        except ValueError:
            return value
    if isinstance(value, tuple):
        return list(value)
    return value


def changed_fields(old: dict[str, Any], new: ExtractedPage) -> dict[str, list[Any]]:
    """Return {field: [old, new]} for each compared field whose value differs.

    `old` holds the row's current values under ExtractedPage's field names; it may carry
    "body_text" or "body_hash" (the hash is computed from the text when only text is given).
    Fields missing from `old` are compared as None. Datetimes compare as ISO strings.
    """
    old_values = dict(old)
    if "body_hash" not in old_values:
        old_values["body_hash"] = text_hash(old_values.get("body_text"))
    new_record = new.to_record()
    changes: dict[str, list[Any]] = {}
    for name in COMPARED_FIELDS:
        before, after = _normal(old_values.get(name)), _normal(new_record.get(name))
        if before != after:
            changes[name] = [before, after]
    return changes
