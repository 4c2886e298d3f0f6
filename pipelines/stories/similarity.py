"""Similarity of sparse term vectors and of word-passage hashes, for the story clusterer.

Vectors are dicts of term (or term id) -> weight, unit length. All sums are exactly
rounded (``math.fsum``), so results do not depend on the order terms are visited in.
"""

from __future__ import annotations

import heapq
import math
import operator
from collections.abc import Callable, Hashable

import numpy as np


def cosine(first: dict[Hashable, float], second: dict[Hashable, float]) -> float:
    """Return the dot product of two sparse vectors (the cosine of unit vectors)."""
    # fsum: exactly rounded, so the result does not depend on set iteration order.
    return math.fsum([first[term] * second[term] for term in first.keys() & second.keys()])


def residual_link(
    first: dict[Hashable, float], second: dict[Hashable, float],
    name: Callable[[Hashable], str] = str,
) -> float:
    """Return the cosine of two unit vectors without their heaviest shared entity.

    Shared terms are grouped into entities through name pairs ("baton", "rouge" and
    "baton_rouge" are one entity); the cosine less the largest group's share tells
    reports that agree on several details (names, numbers, places) from reports that
    only share one name, typically the city or outlet. ``name`` gives a key's term
    (vectors of the clusterer are keyed by term id).
    """
    shared = first.keys() & second.keys()
    if not shared:
        return 0.0
    parent: dict[str, str] = {}

    def find(word: str) -> str:
        root = parent.setdefault(word, word)
        while root != parent[root]:
            root = parent[root]
        return root

    groups: dict[str, list[float]] = {}
    terms = sorted((name(key), key) for key in shared)
    for term, _ in terms:
        words = term.split("_")
        root = find(words[0])
        for word in words[1:]:
            other = find(word)
            if other != root:
                parent[other] = root
    for term, key in terms:
        groups.setdefault(find(term.split("_", 1)[0]), []).append(first[key] * second[key])
    values = sorted(map(math.fsum, groups.values()))
    return math.fsum(values[:-1])


#: From this many scores up, :func:`top_items` finds the cut with numpy (a partition).
NUMPY_FROM = 48


def top_items(
    scores: dict[Hashable, float], count: int, name: Callable[[Hashable], str] = str
) -> list[tuple[Hashable, float]]:
    """Return the ``count`` items of ``scores`` with the highest value (ties: larger name).

    The same selection as ``heapq.nlargest`` keyed on ``(value, name(key))``, but the
    name is only looked up for the ties at the cut, not for every item.
    """
    if len(scores) <= count:
        return list(scores.items())
    if len(scores) < NUMPY_FROM:
        cutoff = heapq.nlargest(count, scores.values())[-1]
        best = [item for item in scores.items() if item[1] > cutoff]
    else:
        values = np.fromiter(scores.values(), float, len(scores))
        cutoff = np.partition(values, len(values) - count)[len(values) - count].item()
        keys = list(scores)
        best = [(keys[i], scores[keys[i]]) for i in np.flatnonzero(values > cutoff).tolist()]
    ties = sorted(
        ((name(key), key) for key, value in scores.items() if value == cutoff), reverse=True
    )
    best.extend((key, cutoff) for _, key in ties[: count - len(best)])
    return best


def heaviest(weights: dict[int, float], count: int) -> list[tuple[int, float]]:
    """Return the ``count`` heaviest items of ``weights``, heaviest first.

    Equal weights keep their order in ``weights`` (a centroid's order depends only on the
    articles added and their order, not on term ids), so no sort key is built per item.
    """
    # The same as sorted(..., reverse=True)[:count] (documented), with a heap of ``count``.
    return heapq.nlargest(count, weights.items(), key=operator.itemgetter(1))


def shared_passages(
    later: np.ndarray, earlier: np.ndarray, passage_words: int
) -> tuple[int, int, int]:
    """Count the passages of ``later`` that also occur in ``earlier``.

    Both arguments are word n-gram hashes in text order (``passage_words`` words each).
    Returns ``(passages, shared words, longest passage in words)``, where a passage is a
    maximal run of consecutive shared n-grams, i.e. at least ``passage_words`` words
    written identically in both texts.
    """
    if len(later) == 0 or len(earlier) == 0:
        return 0, 0, 0
    later_values = later.tolist()
    return passage_runs(
        later_values, frozenset(later_values), frozenset(earlier.tolist()), passage_words
    )


def passage_runs(
    later_values: list[int], later_set: frozenset[int], earlier_set: frozenset[int],
    passage_words: int,
) -> tuple[int, int, int]:
    """Return :func:`shared_passages` of hashes already turned into a list and sets."""
    common = later_set & earlier_set
    if not common:
        return 0, 0, 0
    mask = np.array(list(map(common.__contains__, later_values)), dtype=bool)
    padded = np.concatenate(([False], mask, [False]))
    changes = np.flatnonzero(padded[1:] != padded[:-1])
    starts, ends = changes[0::2], changes[1::2]
    lengths = ends - starts + passage_words - 1
    return int(len(starts)), int(lengths.sum()), int(lengths.max())
