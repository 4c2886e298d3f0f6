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


# Scripts written without spaces between words: Han, Hiragana, Katakana, Hangul syllables.
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
_CHARS_PER_UNSPACED_WORD = 2


def length_in_words(text: str | None) -> int:
    """Return how many words text holds, also for scripts without spaces: \\w+ tokens, where
    a run of Chinese, Japanese or Korean characters counts one word per two characters (their
    usual word length) instead of one for the whole run."""
    if not text:
        return 0
    unspaced = len(_UNSPACED.findall(text))
    if not unspaced:
        return word_count(text)
    return word_count(_UNSPACED.sub("", text)) + unspaced // _CHARS_PER_UNSPACED_WORD


_SHINGLE = 4


def shingles(tokens: list[str]) -> list[tuple[str, ...]]:
    """Return the runs of four consecutive tokens (word 4-grams), in order."""
    return [tuple(tokens[i:i + _SHINGLE]) for i in range(len(tokens) - _SHINGLE + 1)]


def word_key(text: str) -> str:
    """Return text's lower-cased words joined by spaces (spacing and punctuation ignored)."""
    return " ".join(words(text.lower()))


_TYPOGRAPHY = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'",
                             "\u2032": "'", "\u201c": '"', "\u201d": '"', "\u201e": '"',
                             "\u2033": '"', "\u2013": "-", "\u2014": "-", "\u00a0": " "})


def fold_typography(text: str) -> str:
    """Return text with curly quotes, dashes and no-break spaces made plain, case-folded."""
    return normalize_space(text.translate(_TYPOGRAPHY)).casefold()
