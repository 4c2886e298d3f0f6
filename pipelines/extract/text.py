"""Small text helpers shared by the extract modules."""

from __future__ import annotations

import re

_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"\w+")


def normalize_space(text: str) -> str:
    """Return text with runs of whitespace collapsed to one space and ends stripped."""
    return _SPACE.sub(" ", text).strip()


def word_count(text: str | None) -> int:
    """Return the number of \\w+ tokens in text (0 for None)."""
    return len(_WORD.findall(text or ""))
