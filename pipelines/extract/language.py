"""Language of a page as ISO 639-1: detected from the body text, else the page's declaration."""

from __future__ import annotations

import py3langid

from pipelines.extract.structured import Declared
from pipelines.extract.text import word_count


def _declared_code(declared: Declared) -> str | None:
    for raw in (declared.html_lang, declared.first("og:locale", "content-language", "language",
                                                  "dc.language", "inlanguage")):
        if raw:
            code = raw.strip().replace("_", "-").split("-")[0].lower()
            if len(code) == 2 and code.isalpha():
                return code
    return None


def detect_language(text: str | None, declared: Declared, min_words: int) -> str | None:
    """Return a two-letter language code; text with at least min_words words decides."""
    if text and word_count(text[:2000]) >= min_words:
        code, _ = py3langid.classify(text[:2000])
        return str(code)
    return _declared_code(declared)
