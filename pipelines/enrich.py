"""The enrich stage: language, word count, keywords and named entities of each article.

Language comes from py3langid over the title and body (normalized probability;
below :data:`MIN_LANGUAGE_CONFIDENCE` the page's own declaration is kept).
Keywords are the body's most frequent content words weighted by position;
entities are runs of capitalised words (people, places, organisations) seen at
least twice. Both are deliberately simple baselines, recorded per row.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Any

from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier
from sqlalchemy import Engine, func, select, update

from pipelines.warehouse import pending
from pipelines.warehouse.db import session_scope
from pipelines.warehouse.models import Article

MIN_LANGUAGE_CONFIDENCE = 0.80
# py3langid's cost grows with its sample; 1,500 characters of title and body decide the
# language of a news article as well as 5,000 do (checked on the dev corpora), at a third
# of the cost.
LANGUAGE_SAMPLE_CHARS = 1500
KEYWORDS_PER_ARTICLE = 8
ENTITIES_PER_ARTICLE = 12
_WORD = re.compile(r"[^\W\d_][\w'’-]*", re.UNICODE)
_ENTITY = re.compile(r"\b(?:[A-Z][\w'’.-]+)(?:\s+(?:of|de|van|von|al|bin|the)?\s*[A-Z][\w'’.-]+)*")
_STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further had has
    have having he her here hers herself him himself his how i if in into is it its itself just me more
    most my myself no nor not now of off on once only or other our ours ourselves out over own same she
    should so some such than that the their theirs them themselves then there these they this those
    through to too under until up very was we were what when where which while who whom why will with
    would you your yours yourself yourselves said says say new one two three last first year years
    told according people since still may might many much like made make get got week day days time""".split()
)


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


def keywords(title: str, text: str, limit: int = KEYWORDS_PER_ARTICLE) -> list[str]:
    """Return the most telling content words: frequent in the body, counted double in the title."""
    counts: Counter[str] = Counter()
    for weight, source in ((2, title), (1, text)):
        for word in _WORD.findall(source.lower()):
            if len(word) > 3 and word not in _STOPWORDS:
                counts[word] += weight
    return [word for word, count in counts.most_common(limit) if count > 1]


def entities(text: str, limit: int = ENTITIES_PER_ARTICLE) -> list[dict[str, Any]]:
    """Return capitalised names that occur at least twice (or span two words), most frequent first."""
    counts: Counter[str] = Counter()
    for sentence in re.split(r"(?<=[.!?])\s+|\n+", text):
        for match in _ENTITY.finditer(sentence):
            name = match.group(0).strip(" .-’'")
            first_word = match.start() == 0
            words = name.split()
            if first_word and len(words) == 1:
                continue  # a capital at the start of a sentence is grammar, not a name
            if words and words[0].lower() in _STOPWORDS:
                words = words[1:]
                name = " ".join(words)
            if name and name.lower() not in _STOPWORDS:
                counts[name] += 1
    ranked = [(name, n) for name, n in counts.most_common() if n > 1 or " " in name]
    return [{"text": name, "count": n} for name, n in ranked[:limit]]


def enrich_partition(
    engine: Engine, partition_key: str, *, stage_run_id: int, rebuild: bool = True
) -> dict[str, Any]:
    """Enrich the partition's articles (page type ``article``); return counts for metadata.

    A scheduled run (``rebuild`` false) enriches only the articles extracted since they
    were last enriched (:data:`pipelines.warehouse.pending.ENRICH`); a rebuild enriches
    every one. Computes first, then writes in one short transaction (a bulk UPDATE by
    primary key). ``articles`` counts this run's articles, ``language/<code>`` the
    partition's articles by language.
    """
    condition = Article.page_type == "article" if rebuild else pending.ENRICH
    with session_scope(engine) as session:
        rows = session.execute(
            select(Article.id, Article.title, Article.body_text, Article.language)
            .where(Article.partition_key == partition_key, condition)
            .order_by(Article.id)
        ).all()
    values = []
    for article_id, title, body, declared in rows:
        body = body or ""
        values.append(
            {
                "id": article_id,
                "language": detect_language(f"{title or ''}\n{body}", declared),
                "word_count": word_count(body),
                "keywords": keywords(title or "", body),
                "entities": entities(body),
                "enriched_by_id": stage_run_id,
            }
        )
    with session_scope(engine) as session:
        if values:
            session.execute(update(Article), values)
        languages = session.execute(
            select(Article.language, func.count())
            .where(Article.partition_key == partition_key, Article.page_type == "article")
            .group_by(Article.language)
        ).all()
    stats: dict[str, Any] = {f"language/{language}": count for language, count in languages}
    stats["articles"] = len(values)
    return stats
