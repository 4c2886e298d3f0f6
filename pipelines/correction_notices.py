"""Correction and update notices: the paragraph where a page says it was corrected or updated.

Newsrooms announce a change in a short paragraph at the top or the bottom of the story:
a label (``Correction:``, ``Clarification:``, ``Update:``, an editor's note about a
change), a sentence saying that this story was corrected or updated, or one naming an
earlier version of it (``An earlier version of this article misstated ...``), or an
``Updated ... to add ...`` line. :func:`correction_notice` looks for that structure: a
short paragraph (at most :data:`MAX_WORDS` words) among the first :data:`HEAD` or last
:data:`TAIL` paragraphs of the extracted text, opening with a label or stating the
change about *this* story. A story's own sentences about corrections elsewhere ("the
ministry corrected its report") are in the body's middle or name no earlier version of
this story, and do not count. Checked on the corpus pages (``../shared/corpus``):
``tests/test_correction_notices.py``.
"""

from __future__ import annotations

import re

#: A notice is a short paragraph ...
MAX_WORDS = 80
#: ... among the first or the last paragraphs of the text.
HEAD, TAIL = 3, 4
#: Longest notice kept (characters).
MAX_CHARS = 500

_THIS = r"(?:this|the\s+above)\s+(?:story|article|report|post|piece|column|item|headline|video|blog)"
_CHANGED = r"(?:corrected|updated|amended|clarified|changed|edited|revised)"
_CHANGE_WORDS = r"(?:correct|amend|updat|clarif|earlier\s+version|previous\s+version|misstat|misidentif)"
_PATTERNS = [
    # "Correction:", "Corrections -", "Clarification:", "UPDATE:" opening the paragraph.
    re.compile(r"^(?:correction|corrections|clarification|update)\s*[:\u2013\u2014-]", re.IGNORECASE),
    # "Editor's note: ... corrected / updated / an earlier version ...".
    re.compile(
        rf"^editor(?:['\u2019]s|s['\u2019]?)\s+note\s*[:\u2013\u2014-].*\b{_CHANGE_WORDS}", re.IGNORECASE
    ),
    # "This story has been corrected / was updated ...".
    re.compile(
        rf"\b{_THIS}\s+(?:has|have)\s+been\s+{_CHANGED}\b|\b{_THIS}\s+was\s+{_CHANGED}\b", re.IGNORECASE
    ),
    # "An earlier version of this article ...".
    re.compile(
        rf"\b(?:an?\s+|the\s+)?(?:earlier|previous|prior|original)\s+version\s+of\s+{_THIS}\b", re.IGNORECASE
    ),
    # "Updated at 5pm to add comments from ..." / "Updated with reaction from ...".
    re.compile(
        r"^updated?\b.{0,60}?\b(?:to\s+(?:add|include|reflect|correct|clarify|remove|note)\b"
        r"|with\s+(?:new|more|additional|further|comments?|details?|information|reaction|quotes?)\b)",
        re.IGNORECASE,
    ),
]


def paragraphs(text: str) -> list[str]:
    """The non-empty paragraphs (lines) of an extracted text."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def correction_notice(text: str | None) -> str | None:
    """Return the page's correction or update notice (the paragraph, trimmed), or None."""
    parts = paragraphs(text or "")
    if not parts:
        return None
    edges = parts[:HEAD] + [p for p in parts[max(HEAD, len(parts) - TAIL) :]]
    for paragraph in edges:
        if len(paragraph.split()) > MAX_WORDS:
            continue
        if any(pattern.search(paragraph) for pattern in _PATTERNS):
            return paragraph[:MAX_CHARS]
    return None
