"""The extractor's output record (ExtractedPage) and the outside facts it may use (PageHints)."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

PAGE_TYPES = ("article", "live_blog", "video", "gallery", "index", "error", "stub", "js_shell")
# Page types whose extracted text is returned (the clean stage stores text for articles only).
TEXT_PAGE_TYPES = ("article", "live_blog")


@dataclass
class PageHints:
    """Facts about a page known from outside its HTML (feed entry, fetch, HTTP headers)."""

    feed_published_at: datetime | None = None
    feed_title: str | None = None
    first_seen_at: datetime | None = None
    http_content_type: str | None = None


@dataclass
class ExtractedPage:
    """What the clean stage knows about one fetched page.

    body_text and word_count are set for the types in TEXT_PAGE_TYPES (article, live blog);
    other types carry none.
    """

    page_type: str
    page_note: str | None = None
    title: str | None = None
    body_text: str | None = None
    authors: list[str] = field(default_factory=list)  # people only
    author_organisations: list[str] = field(default_factory=list)  # agencies, the outlet
    published_at: datetime | None = None
    published_offset_minutes: int | None = None
    modified_at: datetime | None = None
    date_source: str | None = None
    date_rule: str = ""
    date_candidates: list[dict[str, Any]] = field(default_factory=list)
    description: str | None = None
    site_name: str | None = None
    section: str | None = None
    tags: list[str] = field(default_factory=list)
    image_url: str | None = None
    language: str | None = None
    canonical_url: str | None = None
    truncated: bool = False
    word_count: int = 0
    extractor_version: str = ""
    settings_hash: str = ""

    @property
    def body_hash(self) -> str | None:
        """Return the SHA-256 hex digest of body_text, or None when there is no body."""
        return text_hash(self.body_text)

    def to_record(self) -> dict[str, Any]:
        """Return a JSON-serialisable dict (datetimes as ISO 8601 strings) plus body_hash."""
        record = asdict(self)
        for key, value in record.items():
            if isinstance(value, datetime):
                record[key] = value.isoformat()
        record["body_hash"] = self.body_hash
        return record


def text_hash(text: str | None) -> str | None:
    """Return the SHA-256 hex digest of text, or None for None."""
    if text is None:
        return None
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
