"""Extractor version and the settings that shape its output (recorded on every article row)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import trafilatura

from pipelines.extract.model import TEXT_PAGE_TYPES

EXTRACTOR_VERSION = "2026.12.2"



class Settings(dict[str, Any]):
    """The extractor's knobs by name; `tracking()` records which ones a run reads."""

    _reads: set[str] | None = None

    def __getitem__(self, key: str) -> Any:
        if self._reads is not None:
            self._reads.add(key)
        return super().__getitem__(key)

    @contextmanager
    def tracking(self) -> Iterator[set[str]]:
        """Yield the set of keys read (through `settings[key]`) until the block ends."""
        self._reads = reads = set()
        try:
            yield reads
        finally:
            self._reads = None


# Every knob that changes what extract_page returns, each read where it acts (a test proves
# that every key is read). Changing one changes the settings hash, which is how the warehouse
# tells which rows a re-extraction backfill may change.
SETTINGS = Settings({
    # trafilatura.extract arguments for the body (body.py)
    "trafilatura_favor_precision": True,
    "trafilatura_include_comments": False,
    "trafilatura_include_tables": True,
    # fast=True skips trafilatura's readability/justext comparison: a third faster, but body F1
    # fell on every dev set (extraction 0.985 -> 0.979, metadata 0.964 -> 0.943).
    "trafilatura_fast": False,
    # When the precise pass gives under body_fallback_min_words words and under
    # body_fallback_min_ratio of what the default (recall) pass gives, the default pass wins.
    "body_fallback_min_words": 60,
    "body_fallback_min_ratio": 0.5,
    "container_expansion": True,
    "declared_body_agreement": 0.85,
    "declared_body_line_share": 0.2,
    "declared_body_more": 0.2,
    "drop_captions": True,
    "drop_hidden_tab_panes": True,
    "drop_nested_other_posts": True,
    "text_page_types": list(TEXT_PAGE_TYPES),
    "max_html_bytes": 8_000_000,
    "min_article_words": 60,
    "future_date_tolerance_s": 600,
    "language_min_words": 15,
    "language_sample_chars": 1000,
})
# Libraries whose version changes the output; hashed with SETTINGS, but not knobs.
LIBRARY_VERSIONS = {"trafilatura": trafilatura.__version__}


def extractor_settings_hash() -> str:
    """Return 16 hex characters identifying SETTINGS and LIBRARY_VERSIONS (stable across runs
    and machines)."""
    blob = json.dumps({"settings": dict(SETTINGS), "libraries": LIBRARY_VERSIONS},
                      sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]
