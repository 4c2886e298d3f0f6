"""Small text helpers shared by the extract modules."""

from __future__ import annotations

import re

_WORD = re.compile(r"\w+")


def normalize_space(text: str) -> str:
    """Return text with runs of whitespace collapsed to one space and ends stripped."""
    # str.split() splits on exactly the characters \s matches; about 5x faster than re.sub.
    return " ".join(text.split())


def words(text: str | None) -> list[str]:
    """Return the \\w+ tokens of text, in order (none for None)."""
    return _WORD.findall(text or "")


def word_count(text: str | None) -> int:
    """Return the number of \\w+ tokens in text (0 for None)."""
    return len(words(text))


def word_key(text: str) -> str:
    """Return text's lower-cased words joined by spaces (spacing and punctuation ignored)."""
    return " ".join(words(text.lower()))


_TYPOGRAPHY = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'",
                             "\u2032": "'", "\u201c": '"', "\u201d": '"', "\u201e": '"',
                             "\u2033": '"', "\u2013": "-", "\u2014": "-", "\u00a0": " "})


def fold_typography(text: str) -> str:
    """Return text with curly quotes, dashes and no-break spaces made plain, case-folded."""
    return normalize_space(text.translate(_TYPOGRAPHY)).casefold()
