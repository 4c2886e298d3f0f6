"""A story behind thousands of nested elements is extracted whole, or recorded as lost to nesting."""

from __future__ import annotations

import pytest

from pipelines.extract import extract_page
from pipelines.extract.flatten import unwrap_deep_wrappers

PARAGRAPHS = [
    f"Paragraph {n}: the quay board of Lowmere met on Monday and agreed to repair the old sea wall."
    for n in range(8)
]
STORY = "<article><h1>Sea wall repair agreed</h1>" + "".join(f"<p>{p}</p>" for p in PARAGRAPHS) + "</article>"
URL = "http://127.0.0.1/news/2026/12/01/sea-wall.html"


def page(before: str, after: str = "") -> str:
    return f"<html><head><title>Sea wall repair agreed</title></head><body>{before}{STORY}{after}</body></html>"


@pytest.mark.parametrize(
    "html",
    [
        page("<div>" * 5000),
        page("<div class='wrap'>" * 5000, "</div>" * 5000 + "<footer>Contact us</footer>"),
        page("<section><span>" * 2500, "</span></section>" * 2500),
    ],
    ids=["unclosed-divs", "closed-divs-with-attributes", "sections-and-spans"],
)
def test_a_story_behind_five_thousand_wrappers_is_extracted_whole(html):
    extracted = extract_page(html, URL)
    assert extracted.page_type == "article", extracted.page_note
    assert sum(p in extracted.body_text for p in PARAGRAPHS) >= 0.9 * len(PARAGRAPHS)
    assert "wrapper elements below level 200 unwrapped" in extracted.page_note
    assert not extracted.truncated


def test_unwrapping_cuts_only_the_deep_wrapper_tags():
    html = "<p>top</p>" + "<div id='x'>" * 300 + "<p>deep &amp; kept</p>" + "</div>" * 300
    flat, unwrapped = unwrap_deep_wrappers(html, 200)
    assert unwrapped == 100
    assert flat == "<p>top</p>" + "<div id='x'>" * 200 + "<p>deep &amp; kept</p>" + "</div>" * 200
    assert unwrap_deep_wrappers("<div><p>shallow</p></div>", 200) == ("<div><p>shallow</p></div>", 0)


def test_a_story_below_tables_and_lists_nested_past_the_parser_limit_is_extracted_whole():
    # Tables and lists are structure, not wrappers; past the wrappers' pass, every element
    # but the text blocks is unwrapped down there, so libxml2 drops nothing.
    for before in ("<table><tr><td>" * 1000, "<ul><li>" * 1500):
        extracted = extract_page(page(before), URL)
        assert extracted.page_type == "article", extracted.page_note
        assert sum(p in extracted.body_text for p in PARAGRAPHS) >= 0.9 * len(PARAGRAPHS)
        assert "more elements below level 200 unwrapped" in extracted.page_note
        assert "dropped" not in extracted.page_note
