"""Quality gates on the labelled dev corpus (skipped when ../shared is absent)."""

from __future__ import annotations

import pytest

from benchmarks.extraction import corpus_dir, load_items, score_body, score_metadata

EXTRACTION = corpus_dir("extraction")
METADATA = corpus_dir("metadata")
pytestmark = pytest.mark.skipif(
    not (EXTRACTION.is_dir() and METADATA.is_dir()),
    reason=f"labelled corpus not found at {EXTRACTION.parent}; set STORYLINE_SHARED_DIR",
)


def test_body_f1_on_extraction_set() -> None:
    assert score_body(load_items(EXTRACTION)).f1 >= 0.97


def test_metadata_set() -> None:
    score = score_metadata(load_items(METADATA))
    assert score.body.f1 >= 0.91
    assert score.title_exact >= 0.75
    assert score.authors_f1 >= 0.85
    assert score.date_day_exact >= 0.96
