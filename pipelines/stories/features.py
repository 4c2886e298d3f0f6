"""Text features of one article for story clustering: weighted terms and word n-gram hashes.

Terms are lower-cased content words; words written with a capital letter (names of
people, places, organisations) and numbers get a higher weight, and title words count
more than body words. Weights become TF-IDF in :mod:`pipelines.stories.engine`, where the
document frequencies are kept online.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

import numpy as np
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from pipelines.dedup.exact import normalize_text
from pipelines.dedup.near import token_hashes, word_shingle_hashes

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)
STOP_WORDS = frozenset(ENGLISH_STOP_WORDS) | {
    "said", "says", "say", "told", "according", "mr", "mrs", "ms", "just", "like", "new",
    "year", "years", "old", "people", "time", "day", "week", "news", "report", "reported",
    "reports", "also", "would", "could", "one", "two", "first", "last", "including",
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    "copyright", "rights", "reserved", "com", "www", "http", "https", "s", "t",
}


@dataclass(frozen=True)
class TextFeatures:
    """What the clusterer needs from one article's title and body."""

    terms: dict[str, float]
    """Term -> raw weight (sublinear term frequency times name/number/title boosts)."""
    shingles: np.ndarray
    """Hashes of word 5-grams of the normalized body (near-duplicate detection)."""
    passages: np.ndarray
    """Hashes of word n-grams (``passage_words`` long) of the normalized body, in text order."""
    word_count: int


def _term_weights(
    title: str, text: str, *, name_boost: float, title_boost: float, max_body_words: int,
    name_pairs: bool,
) -> dict[str, float]:
    counts: Counter[str] = Counter()
    boosts: dict[str, float] = {}
    for source, source_boost in ((title, title_boost), (text, 1.0)):
        previous_name = ""
        for index, match in enumerate(_WORD.finditer(source)):
            if index >= max_body_words:
                break
            raw = match.group()
            word = raw.lower().replace("’", "'")
            if word.endswith("'s"):
                word = word[:-2]
            is_name = raw[0].isupper()
            if name_pairs and is_name and previous_name and word not in STOP_WORDS:
                # "First Last", "Abu Dhabi": a name pair is far more specific than its words.
                pair = f"{previous_name}_{word}"
                counts[pair] += 1
                if source_boost * name_boost > boosts.get(pair, 0.0):
                    boosts[pair] = source_boost * name_boost
            previous_name = word if is_name and word not in STOP_WORDS else ""
            if word in STOP_WORDS or (len(word) < 2 and not word.isdigit()):
                continue
            counts[word] += 1
            boost = source_boost
            if is_name or raw[0].isdigit():
                boost *= name_boost
            if boost > boosts.get(word, 0.0):
                boosts[word] = boost
    return {word: (1.0 + math.log(count)) * boosts[word] for word, count in counts.items()}


def extract_features(
    title: str | None,
    text: str | None,
    *,
    name_boost: float = 1.5,
    title_boost: float = 2.0,
    passage_words: int = 8,
    max_body_words: int = 3000,
    name_pairs: bool = True,
) -> TextFeatures:
    """Return the :class:`TextFeatures` of an article (empty parts for empty inputs)."""
    body = text or ""
    terms = _term_weights(
        title or "", body, name_boost=name_boost, title_boost=title_boost,
        max_body_words=max_body_words, name_pairs=name_pairs,
    )
    words = normalize_text(body).split()
    hashes = token_hashes(words)
    shingles = word_shingle_hashes(hashes)
    passages = (
        word_shingle_hashes(hashes, passage_words)
        if len(words) >= passage_words
        else np.zeros(0, dtype=np.uint64)
    )
    return TextFeatures(terms=terms, shingles=shingles, passages=passages, word_count=len(words))
