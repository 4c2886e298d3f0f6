"""Language and word count of an article.

Language comes from py3langid over the title and body (normalized probability;
below :data:`MIN_LANGUAGE_CONFIDENCE` the page's own declaration is kept). The pipeline's
enrich stage takes the language the clean stage detected (:mod:`pipelines.extract.language`,
in the extraction workers) and detects here only when there is none; ``storyline enrich
--jsonl`` detects here.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

MIN_LANGUAGE_CONFIDENCE = 0.80
# py3langid's cost grows with its sample; 1,500 characters of title and body decide the
# language of a news article as well as 5,000 do (checked on the dev corpora), at a third
# of the cost.
LANGUAGE_SAMPLE_CHARS = 1500
_WORD = re.compile(r"[^\W\d_][\w'’-]*", re.UNICODE)


@lru_cache(maxsize=1)
def _identifier() -> LanguageIdentifier:
    return LanguageIdentifier.from_modelpath(Path(MODEL_DIR) / MODEL_FILE, norm_probs=True)


def detect_language(text: str, declared: str | None = None) -> str | None:
    """Return the ISO 639-1 code of ``text``, or ``declared`` when detection is unsure."""
    sample = text[:LANGUAGE_SAMPLE_CHARS].strip()
    if not sample:
        return declared
    language, confidence = _identifier().classify(sample)
    if confidence >= MIN_LANGUAGE_CONFIDENCE or not declared:
        return language
    return declared


def word_count(text: str) -> int:
    """Return the number of words in ``text``."""
    return len(_WORD.findall(text))
