"""Correction and update notices (pipelines/correction_notices.py): found by structure, not on normal text."""

from __future__ import annotations

import gzip
import json

import pytest

from pipelines.correction_notices import correction_notice
from pipelines.extract import extract_page
from tests.conftest import SHARED_DIR

STORY = [
    "The river ferry resumed service on Tuesday after a week of repairs to its landing ramp, "
    "the operator said, and the first crossing left on time at seven in the morning.",
    "Commuters said the detour by road had added forty minutes to their trips, and several "
    "shops on the east bank reported fewer customers while the ferry was out of service.",
    "The operator said a second boat would join the route in the spring, once its crew has "
    "finished training on the new engines and the landing has been widened.",
]


def text(*paragraphs: str) -> str:
    return "\n".join(paragraphs)


@pytest.mark.parametrize(
    "notice",
    [
        "Correction: A previous caption named the wrong ferry.",
        "CLARIFICATION \u2014 The operator runs two routes, not three.",
        "This story has been corrected to show that the ramp was repaired, not replaced.",
        "This article was updated on Wednesday with the operator's timetable.",
        "An earlier version of this article misstated the length of the detour.",
        "Updated at 5.40pm to add comments from the operator.",
        "Update: The second boat will join in April, the operator said on Wednesday.",
        "Editor\u2019s note: This story was amended after publication to correct a name.",
    ],
)
def test_a_notice_at_the_top_or_the_bottom_is_found(notice):
    assert correction_notice(text(*STORY, notice)) == notice
    assert correction_notice(text(notice, *STORY)) == notice


@pytest.mark.parametrize(
    "paragraph",
    [
        "The ministry said its report had been corrected after the figures were questioned.",
        "Updated 10:42 AM GMT, March 3, 2026",
        "An earlier version of the timetable showed crossings every twenty minutes.",
        "Editor's note: This story is part of our series on river towns.",
        "Correctional officers at the nearby prison were also delayed by the closure.",
    ],
)
def test_normal_sentences_and_datelines_are_no_notice(paragraph):
    assert correction_notice(text(*STORY, paragraph)) is None


def test_a_notice_in_the_middle_of_a_long_story_or_a_long_paragraph_is_not_taken():
    long_story = STORY * 4
    middle = long_story[:5] + ["This story has been updated."] + long_story[5:]
    assert correction_notice(text(*middle)) is None
    rambling = "Correction: " + " ".join(["the ferry ran late again"] * 20)
    assert correction_notice(text(*STORY, rambling)) is None
    assert correction_notice(None) is None and correction_notice("") is None


@pytest.mark.slow
def test_on_the_corpus_pages_it_fires_rarely_and_only_on_notices():
    """Every corpus page's reference text and our own extraction of it: a notice is rare,
    and whatever fires says that the story changed."""
    pages = sorted(
        path for corpus in ("extraction", "metadata", "metadata-extended")
        for path in (SHARED_DIR / "corpus" / corpus).glob("*.json")
    )
    if not pages:
        pytest.skip(f"no corpus pages under {SHARED_DIR / 'corpus'}")
    texts = fired = 0
    for path in pages:
        record = json.loads(path.read_text(encoding="utf-8"))
        candidates = [record.get("articleBody") or ""]
        html = path.with_name(path.name.removesuffix(".json") + ".html.gz")
        if html.exists():
            candidates.append(extract_page(gzip.decompress(html.read_bytes()), record.get("url") or "").body_text)
        for candidate in candidates:
            texts += 1
            notice = correction_notice(candidate)
            if notice is not None:
                fired += 1
                assert any(word in notice.lower() for word in ("correct", "updat", "earlier version", "amend"))
    assert texts > 400 and fired <= texts * 0.02
