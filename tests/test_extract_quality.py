"""Quality gates on the labelled dev corpus (skipped when ../shared is absent).

Targets (issue 4) met on the dev pages are gated slightly below the target; the ones not
met yet are gated at the level measured when the gate was set, so they cannot slip back:
  body F1, extraction set  target 0.975  measured 0.9757 gate 0.970
  body F1, metadata set    target 0.96   measured 0.9636 gate 0.955 (the extractor's text,
                           live blog included; the clean stage stores article text only)
  title exact              target 0.90   measured 0.903  gate 0.89
  authors F1               target 0.93   measured 0.929  gate 0.929 (not met: every author
                           miss is a label crediting an organisation - AFP Deutschland, TPN,
                           Habertürk - which the issue says is not a person; 0.929 is the
                           ceiling for a people-only extractor on this set)
  date day-exact           target 0.97   measured 1.000  gate 0.96
  date with time+offset    target 0.97   measured 0.968  gate 0.96
  throughput vs trafilatura target 0.6x  measured ~0.74x gate 0.55x
"""

from __future__ import annotations

import pytest

from benchmarks.extraction import (
    corpus_dir,
    load_items,
    score_body,
    score_metadata,
    throughput_ratio,
)

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
    assert score.body.f1 >= 0.955
    assert score.title_exact >= 0.89
    assert score.authors_f1 >= 0.929
    assert score.date_day_exact >= 0.96
    assert score.date_time_offset >= 0.96


def test_throughput_against_bare_trafilatura() -> None:
    # Interleaved page by page, best of two per page: other jobs on the machine hit both.
    items = load_items(EXTRACTION)[::2] + load_items(METADATA)
    _, _, ratio = throughput_ratio(items, rounds=2)
    assert ratio >= 0.55
