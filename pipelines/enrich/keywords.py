"""Keywords of an article with YAKE (the yake-rust implementation): top 1-3-word phrases.

Phrases that are an entity, or take part of one without all of it ("Peskov told",
"Dhabi talks"), are dropped: entities have their own tables. So are phrases naming a
person, whose entity already says it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from pipelines.enrich.entities import EntitySpans, is_date_word

KEYWORDS_PER_ARTICLE = 10
MAX_WORDS = 3
#: Candidates YAKE returns before the entity filter.
CANDIDATES = 40
#: Languages yake-rust has stopword lists for; others get no stopwords.
YAKE_LANGUAGES = frozenset(
    "ar bg da de el en es et fa fi fr hi hr hu hy id it ja lt lv nl no pl pt ro ru sk sl sv tr uk zh".split()
)
# yake-rust names Czech "cz".
_YAKE_CODES = {"cs": "cz"}


@dataclass(frozen=True)
class Keyword:
    """A key phrase, its YAKE score (lower is more telling) and its rank in the article."""

    phrase: str
    score: float
    rank: int


@lru_cache(maxsize=8)
def _extractor(language: str | None):
    import yake_rust

    code = _YAKE_CODES.get(language or "", language)
    if code in YAKE_LANGUAGES or code == "cz":
        return yake_rust.Yake(language=code, ngrams=MAX_WORDS)
    return yake_rust.Yake(stopwords=set(), ngrams=MAX_WORDS)


def _crosses(words: tuple[str, ...], spans: EntitySpans) -> bool:
    if words in spans.names or spans.people_words.intersection(words):
        return True
    if all(any(word in name for name in spans.names) for word in words):
        return True  # made of entity words only ("Ukraine Ukraine")
    for name in spans.names:
        if not set(name).intersection(words):
            continue
        inside = any(words[i : i + len(name)] == name for i in range(len(words) - len(name) + 1))
        if not inside:
            return True
    return False


def keywords(
    text: str, language: str | None, spans: EntitySpans, limit: int = KEYWORDS_PER_ARTICLE
) -> list[Keyword]:
    """Return up to ``limit`` key phrases of ``text``, best first, none of them crossing an entity."""
    if not text.strip():
        return []
    found: list[Keyword] = []
    taken: list[tuple[str, ...]] = []
    for phrase, score in _extractor(language).get_n_best(text, n=CANDIDATES):
        words = tuple(phrase.casefold().split())
        if len(words) > MAX_WORDS or not any(w.isalpha() for w in words) or _crosses(words, spans):
            continue
        if any(is_date_word(word) for word in words) and len(words) == 1:
            continue
        if any(set(words) <= set(kept) or set(kept) <= set(words) for kept in taken):
            continue  # a part or an extension of a better phrase ("senior Kremlin")
        taken.append(words)
        found.append(Keyword(phrase, float(score), len(found) + 1))
        if len(found) == limit:
            break
    return found
