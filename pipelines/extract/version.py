"""Extractor version and the settings that shape its output (recorded on every article row)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import trafilatura

from pipelines.extract.model import TEXT_PAGE_TYPES

EXTRACTOR_VERSION = "2026.11.8"

# Every knob that changes what extract_page returns. Changing one changes the settings hash,
# which is how the warehouse tells which rows a re-extraction backfill may change.
SETTINGS: dict[str, Any] = {
    "trafilatura": trafilatura.__version__,
    "trafilatura_favor_precision": True,
    "trafilatura_include_comments": False,
    "trafilatura_include_tables": True,
    "body_fallback_min_ratio": 0.5,
    "container_expansion": True,
    "declared_body_agreement": 0.85,
    "declared_body_line_share": 0.2,
    "drop_captions": True,
    "drop_hidden_tab_panes": True,
    "drop_nested_other_posts": True,
    "text_page_types": list(TEXT_PAGE_TYPES),
    "max_html_bytes": 8_000_000,
    "min_article_words": 60,
    "future_date_tolerance_s": 600,
    "language_min_words": 15,
    "language_sample_chars": 1000,
}


def extractor_settings_hash() -> str:
    """Return 16 hex characters identifying SETTINGS (stable across runs and machines)."""
    blob = json.dumps(SETTINGS, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]
