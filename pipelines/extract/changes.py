"""Per-field differences between an article row's stored values and a fresh extraction."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pipelines.extract.model import ExtractedPage, text_hash

COMPARED_FIELDS = (
    "page_type", "title", "body_hash", "authors", "author_organisations", "published_at",
    "published_offset_minutes",
    "modified_at", "language", "site_name", "description", "section", "tags", "image_url",
    "canonical_url", "truncated", "word_count",
)

_LIST_FIELDS = ("authors", "author_organisations", "tags")


def _utc_iso(value: datetime) -> str:
    # A naive timestamp is UTC (the warehouse stores UTC; SQLite drops the zone).
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value.isoformat()


def _normal(value: Any) -> Any:
    if isinstance(value, datetime):
        return _utc_iso(value)
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and value[10] == "T":
        try:
            return _utc_iso(datetime.fromisoformat(value.replace("Z", "+00:00")))
        except ValueError:
            return value
    if isinstance(value, tuple):
        return list(value)
    return value


def changed_fields(old: dict[str, Any], new: ExtractedPage) -> dict[str, list[Any]]:
    """Return {field: [old, new]} for each compared field whose value differs.

    `old` holds the row's current values under ExtractedPage's field names; it may carry
    "body_text" or "body_hash" (the hash is computed from the text when only text is given).
    Only fields present in `old` are compared, so a caller that does not store a field (or
    leaves it to another stage) never sees it reported as changed. Timestamps compare as
    instants (naive ones are taken as UTC), so a row read back from SQLite matches.
    """
    old_values = dict(old)
    if "body_hash" not in old_values and "body_text" in old_values:
        old_values["body_hash"] = text_hash(old_values.get("body_text"))
    new_record = new.to_record()
    changes: dict[str, list[Any]] = {}
    for name in COMPARED_FIELDS:
        if name not in old_values:
            continue
        before, after = _normal(old_values.get(name)), _normal(new_record.get(name))
        if name in _LIST_FIELDS:
            before, after = before or [], after or []  # NULL and [] both mean "none"
        if before != after:
            changes[name] = [before, after]
    return changes
