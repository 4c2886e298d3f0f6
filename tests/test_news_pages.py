"""Which extracted pages are news stories (articles rows) and the reason code of the others."""

from __future__ import annotations

import pytest

from pipelines.news_pages import page_reason

WALL = "consent or paywall stub: story text not in the page"


@pytest.mark.parametrize(
    ("page_type", "note", "title", "lede", "reason"),
    [
        ("article", None, "Pier vote", None, None),
        ("live_blog", "live blog: a stream of timed updates, not one article", "Live: storm", None, None),
        ("stub", WALL, "Market hall families", "How they kept it alive.", None),  # paywalled teaser
        ("stub", WALL, "Market hall families", None, "wall"),  # no lede: nothing of the story
        ("stub", WALL, None, "Cookies help us.", "wall"),
        ("stub", "too little text for an article (25 words)", "Pier", "Lede", "too_short"),
        ("error", "binary content, not HTML", None, None, "binary"),
        ("error", "empty response body", None, None, "empty"),
        ("error", "empty page: no visible text", None, None, "empty"),
        ("error", "error page: title 'Page not found'", "Page not found", None, "error_page"),
        ("error", "extraction timed out after 30s", None, None, "extraction_failed"),
        ("error", "raw page unreadable from archive: gone", None, None, "raw_missing"),
        ("index", "navigation: 0 sentences in 1001 body words, 1001 of 1001 words are links", None, None,
         "navigation"),
        ("js_shell", "JavaScript-only shell: 0 visible words", None, None, "js_shell"),
        ("video", "video page: too little text for an article", "Watch", "A minute", "video"),
        ("gallery", "gallery page", "Photos", None, "gallery"),
        ("error", "empty page: no visible text; nesting deeper than 2048 levels: content below that "
                  "depth was dropped", None, None, "nesting"),
    ],
)
def test_page_reason(page_type, note, title, lede, reason):
    assert page_reason(page_type, note, title, lede) == reason
