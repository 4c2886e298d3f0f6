"""Which stored pages are news stories (rows of ``articles``), and why the others are not.

The warehouse contract: ``articles`` holds news stories only, that is articles, live blogs
and paywalled teasers that have a headline and a lede. Every other page stays on its
``fetches`` row with its page type and a short reason code (``page_reason``) beside the
readable note (``page_note``). :func:`page_reason` is the one place that decides.
"""

from __future__ import annotations

#: Page types that are news stories by themselves.
STORY_TYPES = ("article", "live_blog")
#: How the extractor's note starts for a page whose story is behind a paywall or consent wall.
WALL_NOTE = "consent or paywall stub"

# (page type, start of the note or None for any, reason code), first match wins. The
# notes are the extractor's (pipelines.extract.page_type, core, pool).
_REASONS = (
    ("error", "extraction timed out", "extraction_failed"),
    ("error", "extraction worker died", "extraction_failed"),
    ("error", "extraction failed", "extraction_failed"),
    ("error", "no archived response", "raw_missing"),
    ("error", "raw page unreadable", "raw_missing"),
    ("error", "binary content", "binary"),
    ("error", "empty response body", "empty"),
    ("error", "empty page", "empty"),
    ("error", "error page", "error_page"),
    ("error", None, "unreadable"),
    ("stub", WALL_NOTE, "wall"),
    ("stub", None, "too_short"),
    ("index", None, "navigation"),
    ("js_shell", None, "js_shell"),
    ("video", None, "video"),
    ("gallery", None, "gallery"),
)


def is_paywall_teaser(page_type: str | None, note: str | None, title: str | None, lede: str | None) -> bool:
    """True for a story behind a wall that still shows its headline and a lede.

    A wall page without either (a bare consent or sign-in page) is no story.
    """
    return (
        page_type == "stub"
        and (note or "").startswith(WALL_NOTE)
        and bool((title or "").strip())
        and bool((lede or "").strip())
    )


def page_reason(page_type: str | None, note: str | None, title: str | None, lede: str | None) -> str | None:
    """Return ``None`` when the page is a news story (it belongs in ``articles``), else the
    short reason code recorded on its fetch: ``binary``, ``empty``, ``nesting``,
    ``navigation``, ``js_shell``, ``error_page``, ``wall``, ``too_short``, ``video``,
    ``gallery``, ``extraction_failed``, ``raw_missing``, ``unreadable`` or ``unclassified``.

    ``lede`` is the page's declared description (what a teaser shows of the story).
    """
    if page_type in STORY_TYPES or is_paywall_teaser(page_type, note, title, lede):
        return None
    text = note or ""
    if "below that depth was dropped" in text:
        return "nesting"  # the story may lie deeper than the parser could follow
    for kind, start, reason in _REASONS:
        if page_type == kind and (start is None or text.startswith(start)):
            return reason
    return "unclassified"
