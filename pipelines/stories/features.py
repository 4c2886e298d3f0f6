"""Text features of one article for story clustering: weighted terms and word n-gram hashes.

Terms are lower-cased content words; words written with a capital letter (names of
people, places, organisations) and numbers get a higher weight, and title words count
more than body words. Weights become TF-IDF in :mod:`pipelines.stories.engine`, where the
document frequencies are kept online.
"""

from __future__ import annotations

import itertools
import math
import operator
import re
from collections import Counter
from collections.abc import Callable, Hashable
from dataclasses import dataclass

import numpy as np

from pipelines.dedup.exact import normalized_fingerprint, normalized_words
from pipelines.dedup.near import text_token_hashes, word_shingle_hashes
from pipelines.stories.stopwords import ENGLISH_STOP_WORDS
from pipelines.stories.vocabulary import TermVocabulary

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)
# The same tokens for ASCII text (no curly apostrophe possible), found about 40% faster.
_ASCII_WORD = re.compile(r"[A-Za-z0-9]+(?:'[A-Za-z0-9]+)*")
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

    terms: dict[Hashable, float]
    """Term (or term id) -> raw weight (sublinear term frequency times name/number/title boosts)."""
    shingles: np.ndarray
    """Hashes of word 5-grams of the normalized body (near-duplicate detection)."""
    passages: np.ndarray
    """Hashes of word n-grams (``passage_words`` long) of the normalized body, in text order."""
    word_count: int
    fingerprint: str | None
    """Exact-duplicate key of the body (:func:`pipelines.dedup.exact.text_fingerprint`)."""
    title_terms: tuple[Hashable, ...] = ()
    """The distinct content words of the title (no name pairs), in title order."""


_MAX_CACHED_TOKENS = 500_000
# What a raw token is: (key, term, is name or number, counts as a term, may be part of a
# name pair). The key is the term itself, or its id where a vocabulary numbers terms.
TokenInfo = tuple[Hashable, str, bool, bool, bool]
_token_cache: dict[str, TokenInfo] = {}


def _token_info(raw: str) -> TokenInfo:
    info = _token_cache.get(raw)
    if info is None:
        word = raw.lower().replace("’", "'")
        if word.endswith("'s"):
            word = word[:-2]
        stop = word in STOP_WORDS
        is_name = raw[0].isupper()
        is_term = not stop and (len(word) >= 2 or word.isdigit())
        info = (word, word, is_name or raw[0].isdigit(), is_term, is_name and not stop)
        if len(_token_cache) < _MAX_CACHED_TOKENS:
            _token_cache[raw] = info
    return info


def _token_lookup(
    vocabulary: TermVocabulary | None,
) -> tuple[Callable[[str], TokenInfo | None], Callable[[str], TokenInfo]]:
    """Return (cache lookup, computation) of token infos, keyed by term or by term id."""
    if vocabulary is None:
        return _token_cache.get, _token_info
    tokens = vocabulary.tokens

    def numbered(raw: str) -> TokenInfo:
        _, word, boosted, is_term, pairs_up = _token_info(raw)
        info = tokens[raw] = (vocabulary.id_of(word) if is_term else -1, word, boosted, is_term,
                              pairs_up)
        return info

    return tokens.get, numbered


def _is_title_case(tokens: list[str]) -> bool:
    """Return whether most longer words of a headline start with a capital letter."""
    long_words = [token for token in tokens if len(token) > 3 and token[0].isalpha()]
    return len(long_words) >= 3 and sum(token[0].isupper() for token in long_words) >= 0.7 * len(
        long_words
    )


def _term_weights(
    title: str, text: str, *, name_boost: float, title_boost: float, max_body_words: int,
    name_pairs: bool, vocabulary: TermVocabulary | None = None,
) -> dict[Hashable, float]:
    """Return term -> sublinear tf times the best boost it got (name/number, title).

    Works on distinct tokens (cached per spelling), so the cost per article is a regex
    scan plus a pass over its vocabulary. A name pair is two adjacent capitalised
    non-stop words ("Abu Dhabi"), far more specific than either word.
    """
    counts: dict[Hashable, int] = {}
    boosts: dict[Hashable, float] = {}
    cached, compute = _token_lookup(vocabulary)
    pair_key = vocabulary.id_of if vocabulary is not None else None
    for is_title, source, source_boost in ((True, title, title_boost), (False, text, 1.0)):
        tokens = (_ASCII_WORD if source.isascii() else _WORD).findall(source)
        if len(tokens) > max_body_words:
            tokens = tokens[:max_body_words]
        if not tokens:
            continue
        name_weight = source_boost * name_boost
        # In a Title Case headline capitals say nothing about names.
        title_case = is_title and _is_title_case(tokens)
        pair_words: dict[str, str] = {}  # raw token -> term, for tokens that may pair
        for raw, frequency in Counter(tokens).items():
            key, word, boosted, is_term, pairs_up = cached(raw) or compute(raw)
            if title_case:
                boosted, pairs_up = raw[0].isdigit(), False
            if pairs_up:
                pair_words[raw] = word
            if not is_term:
                continue
            counts[key] = counts.get(key, 0) + frequency
            boost = name_weight if boosted else source_boost
            if boost > boosts.get(key, 0.0):
                boosts[key] = boost
        if name_pairs and len(tokens) > 1 and pair_words:
            flags = list(map(pair_words.__contains__, tokens))
            adjacent = map(operator.and_, flags, itertools.islice(flags, 1, None))
            for first, second in itertools.compress(itertools.pairwise(tokens), adjacent):
                pair: Hashable = f"{pair_words[first]}_{pair_words[second]}"
                if pair_key is not None:
                    pair = pair_key(pair)
                counts[pair] = counts.get(pair, 0) + 1
                if name_weight > boosts.get(pair, 0.0):
                    boosts[pair] = name_weight
    log = math.log
    return {key: (1.0 + log(count)) * boosts[key] for key, count in counts.items()}


def title_terms(title: str, vocabulary: TermVocabulary | None = None) -> tuple[Hashable, ...]:
    """Return the distinct content words of ``title`` (the terms it adds, without name pairs).

    As terms, or as their ids in ``vocabulary`` when one is given.
    """
    if not title:
        return ()
    cached, compute = _token_lookup(vocabulary)
    keys: dict[Hashable, None] = {}
    for raw in (_ASCII_WORD if title.isascii() else _WORD).findall(title):
        key, _, _, is_term, _ = cached(raw) or compute(raw)
        if is_term:
            keys[key] = None
    return tuple(keys)


def extract_features(
    title: str | None,
    text: str | None,
    *,
    name_boost: float = 1.5,
    title_boost: float = 2.0,
    passage_words: int = 8,
    max_body_words: int = 3000,
    name_pairs: bool = True,
    vocabulary: TermVocabulary | None = None,
) -> TextFeatures:
    """Return the :class:`TextFeatures` of an article (empty parts for empty inputs).

    With a ``vocabulary``, terms (and title terms) are keyed by their ids in it.
    """
    body = text or ""
    terms = _term_weights(
        title or "", body, name_boost=name_boost, title_boost=title_boost,
        max_body_words=max_body_words, name_pairs=name_pairs, vocabulary=vocabulary,
    )
    words = normalized_words(body)
    normalized = " ".join(words)
    hashes = text_token_hashes(normalized)
    shingles = word_shingle_hashes(hashes)
    passages = (
        word_shingle_hashes(hashes, passage_words)
        if len(words) >= passage_words
        else np.zeros(0, dtype=np.uint64)
    )
    return TextFeatures(
        terms=terms, shingles=shingles, passages=passages, word_count=len(words),
        fingerprint=normalized_fingerprint(normalized),
        title_terms=title_terms(title or "", vocabulary),
    )
