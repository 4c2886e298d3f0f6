"""When an undated article says it was written: the dateline its own text states.

An article without a publication date often still says when it was written: a dateline
("September 18th, 2013 4: 16 PM", "27 NOVEMBER, 2005", "PUBLISHED: 9 June 2013 | ...")
on a line of its own near the top. A full date inside a sentence ("she was born on April
22, 1923 in ...") is left out: it is often about the background, not the article.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime

_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH = (
    r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DAY = r"(\d{1,2})(?:st|nd|rd|th)?"
# A full date is found from its year (a cheap search), then the month and day before it
# ("September 18th, 2013", "27 of November, 2005") or after it ("2013-09-18").
_YEAR_FOUND = re.compile(r"(?:19|20)\d\d")  # a whole word: checked on the match
_BEFORE_YEAR = re.compile(
    rf"(?<![^\W_])(?:{_MONTH}\s+{_DAY}|{_DAY}\s+(?:of\s+)?{_MONTH})[^\S\n]*,?[^\S\n]*$",
    re.IGNORECASE,
)
_AFTER_YEAR = re.compile(r"-(\d\d)-(\d\d)(?![^\W_])")
_BEFORE_CHARS = 32
_LOWER_WORD = re.compile(r"\b[a-z]+\b")
DATELINE_WORDS = 3


def _in_word(text: str, index: int) -> bool:
    """Return whether ``text[index]`` is a letter or digit (``False`` outside the text)."""
    return 0 <= index < len(text) and text[index].isalnum()


def datelines(text: str, max_words: int = DATELINE_WORDS) -> list[datetime]:
    """Return :func:`iter_datelines` of ``text`` as a list."""
    return list(iter_datelines(text, max_words))


def iter_datelines(text: str, max_words: int = DATELINE_WORDS) -> Iterator[datetime]:
    """Yield the full dates ``text`` writes on lines of their own (datelines), in text order.

    A dateline ("September 18th, 2013 4: 16 PM", "PUBLISHED: 9 June 2013 | UPDATED: ...")
    has at most ``max_words`` lower-case words on its line; a date inside a sentence ("she
    was born on April 22, 1923 in ...") is about something else, often the background.
    Dates are midnight UTC; impossible ones (February 30) are left out.
    """
    for year_match in _YEAR_FOUND.finditer(text):
        start, end = year_match.span()
        if _in_word(text, start - 1) or _in_word(text, end):
            continue
        year = int(year_match.group())
        line_start = text.rfind("\n", 0, start) + 1
        before = _BEFORE_YEAR.search(text, max(line_start, start - _BEFORE_CHARS), start)
        after = None if before else _AFTER_YEAR.match(text, end)
        if before:
            month1, day1, day2, month2 = before.groups()
            month = _MONTHS.index((month1 or month2)[:3].lower()) + 1
            day = int(day1 or day2)
        elif after:
            month, day = int(after.group(1)), int(after.group(2))
        else:
            continue
        line_end = text.find("\n", end)
        line = text[line_start : line_end if line_end >= 0 else len(text)]
        if _LOWER_WORD.findall(line)[max_words:]:
            continue
        try:
            yield datetime(year, month, day, tzinfo=UTC)
        except ValueError:
            continue


def dateline(title: str, text: str) -> datetime | None:
    """Return the article's first dateline (:func:`datelines` of its title and text), if any."""
    return next(iter_datelines(f"{title}\n{text}"), None)
