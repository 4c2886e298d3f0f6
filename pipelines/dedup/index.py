"""One duplicate index over a sliding time window: exact and near copies, with their roots.

:class:`DuplicateIndex` holds articles in processing order (publication time, then id)
and answers, for a new article, whether it copies a held one:

1. the same URL identity (``"url"``, :func:`pipelines.dedup.exact.url_key`);
2. the same normalized body (``"text"``, :func:`pipelines.dedup.exact.text_fingerprint`);
3. word 5-shingle Jaccard at or above the threshold, estimated by MinHash LSH
   (``"near"``, :class:`pipelines.dedup.near.NearDuplicateIndex`).

A match names the *root* original: a copy of a copy points at the first article. Copies
are held for their URL and text keys (the first holder of a key keeps it) but never
enter the near-duplicate index. An article leaves the index once the newest publication
time seen is more than ``window_seconds`` past its own (undated articles count at the
time they were added), so memory stays bounded; :meth:`advance` returns the articles it
let go, in order, so that a caller holding more about them (the story clusterer) lets
them go too. The dedup stage and the story clusterer both use this class, so they
decide alike.
"""

from __future__ import annotations

import heapq
from collections.abc import Hashable
from dataclasses import dataclass

import numpy as np

from pipelines.dedup.exact import normalized_fingerprint, normalized_words, url_key
from pipelines.dedup.near import (
    NEAR_DUPLICATE_THRESHOLD,
    NearDuplicateIndex,
    minhash_signature,
    signature_bands,
    text_token_hashes,
    word_shingle_hashes,
)

DAY_SECONDS = 86_400.0
#: How long an article stays in the index after the newest publication time seen.
DEFAULT_WINDOW_DAYS = 30.0


@dataclass(frozen=True)
class DuplicateKeys:
    """What the index compares of one article."""

    url_key: str | None
    text_key: str | None
    signature: np.ndarray
    bands: list[bytes]
    shingle_count: int


def duplicate_keys(url: str | None, text: str | None) -> DuplicateKeys:
    """Return the :class:`DuplicateKeys` of an article's (canonical) URL and body text."""
    words = normalized_words(text or "")
    normalized = " ".join(words)
    shingles = word_shingle_hashes(text_token_hashes(normalized))
    signature = minhash_signature(shingles)
    return DuplicateKeys(
        url_key=url_key(url),
        text_key=normalized_fingerprint(normalized),
        signature=signature,
        bands=signature_bands(signature),
        shingle_count=len(shingles),
    )


@dataclass(frozen=True)
class DuplicateMatch:
    """A held article that a new one copies: its root original, how, and how closely."""

    original: Hashable
    kind: str
    similarity: float


def id_order(ident: Hashable) -> tuple:
    """Return a sort key for an article id: integers by value (7 before 25), others as text."""
    return (0, ident) if isinstance(ident, int) else (1, str(ident))


class DuplicateIndex:
    """Exact and near-duplicate lookup over a time window, with root tracking and eviction."""

    def __init__(
        self,
        near_threshold: float = NEAR_DUPLICATE_THRESHOLD,
        window_seconds: float = DEFAULT_WINDOW_DAYS * DAY_SECONDS,
    ) -> None:
        self.window_seconds = window_seconds
        self._by_url: dict[str, Hashable] = {}
        self._by_text: dict[str, Hashable] = {}
        self._near = NearDuplicateIndex(near_threshold)
        self._keys: dict[Hashable, tuple[str | None, str | None]] = {}
        self._root: dict[Hashable, Hashable] = {}
        self._expiry: list[tuple[float, str, Hashable]] = []
        self.clock: float | None = None

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._keys

    def advance(self, time: float | None) -> list[Hashable]:
        """Move the clock to ``time`` (POSIX seconds; ``None`` leaves it) and let old articles go.

        Returns the ids let go, oldest first. The clock never moves back.
        """
        if time is None:
            return []
        if self.clock is None or time > self.clock:
            self.clock = time
        horizon = self.clock - self.window_seconds
        evicted = []
        while self._expiry and self._expiry[0][0] < horizon:
            _, _, doc_id = heapq.heappop(self._expiry)
            if self._forget(doc_id):
                evicted.append(doc_id)
        return evicted

    def find(self, keys: DuplicateKeys) -> DuplicateMatch | None:
        """Return the held article that ``keys`` copies (URL, then text, then near), or ``None``.

        Of several near matches the most similar wins, then the lowest id.
        """
        for kind, key, table in (("url", keys.url_key, self._by_url), ("text", keys.text_key, self._by_text)):
            if key and key in table:
                return DuplicateMatch(self.root_of(table[key]), kind, 1.0)
        if keys.shingle_count:
            matches = self._near.query(keys.signature, keys.bands)
            if matches:
                original, similarity = min(matches, key=lambda m: (-m[1], id_order(m[0])))
                return DuplicateMatch(self.root_of(original), "near", similarity)
        return None

    def root_of(self, doc_id: Hashable) -> Hashable:
        """Return the root original of held article ``doc_id`` (itself when it is no copy)."""
        return self._root.get(doc_id, doc_id)

    def add(
        self,
        doc_id: Hashable,
        keys: DuplicateKeys,
        time: float | None,
        *,
        copy: bool = False,
        root: Hashable | None = None,
    ) -> None:
        """Hold ``doc_id`` (call :meth:`advance` with its time first).

        ``copy`` marks it a duplicate (held for its URL and text keys, not for near
        lookups); ``root`` is the original it copies, when known (it may have left the
        window already). Raises ``ValueError`` when ``doc_id`` is already held.
        """
        if doc_id in self._keys:
            raise ValueError(f"article {doc_id!r} is already held by the duplicate index")
        if root is not None:
            self._root[doc_id] = root
        self._keys[doc_id] = (keys.url_key, keys.text_key)
        if keys.url_key and keys.url_key not in self._by_url:
            self._by_url[keys.url_key] = doc_id
        if keys.text_key and keys.text_key not in self._by_text:
            self._by_text[keys.text_key] = doc_id
        if not copy and keys.shingle_count:
            self._near.insert(doc_id, keys.signature, keys.bands)
        expires = time if time is not None else self.clock
        if expires is not None:
            heapq.heappush(self._expiry, (expires, str(doc_id), doc_id))

    def seed(
        self, doc_id: Hashable, keys: DuplicateKeys, time: float | None, duplicate_of: Hashable | None
    ) -> None:
        """Hold an article decided earlier: a copy of ``duplicate_of`` (of its root when held)."""
        root = self.root_of(duplicate_of) if duplicate_of is not None and duplicate_of in self else None
        self.add(doc_id, keys, time, copy=duplicate_of is not None, root=root)

    def _forget(self, doc_id: Hashable) -> bool:
        held = self._keys.pop(doc_id, None)
        if held is None:
            return False
        url, text = held
        if url and self._by_url.get(url) == doc_id:
            del self._by_url[url]
        if text and self._by_text.get(text) == doc_id:
            del self._by_text[text]
        self._near.remove([doc_id])
        self._root.pop(doc_id, None)
        return True
