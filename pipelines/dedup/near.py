"""Near-duplicate detection: word-shingle MinHash signatures in a banded LSH index.

Syndicated wire copy and edited re-fetches of one article share most of their word
5-shingles. Each body becomes a MinHash signature (computed with numpy from stable
64-bit token hashes, so signatures are identical across processes and runs); the
signatures are cut into ``LSH_BANDS`` bands of ``LSH_ROWS`` values, each band (tagged with
its number) a key of one hash table (the banding datasketch's ``MinHashLSH`` picks for
threshold 0.4, done here with a plain dict: about thirty times cheaper per article, and
removal is exact).
Two articles become candidates when any band matches, and a candidate counts as a
near-duplicate when its estimated Jaccard similarity reaches the threshold. Entries can be
removed, so callers keep the index bounded to a time window.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from typing import Any

import numpy as np

SHINGLE_WORDS = 5
NUM_PERM = 128
NEAR_DUPLICATE_THRESHOLD = 0.5
LSH_BANDS = 32
LSH_ROWS = 4

_MASK64 = np.uint64(0xFFFFFFFFFFFFFFFF)
_rng = np.random.RandomState(20260126)
# Multiply-shift hash family: (a * x + b) mod 2**64, keep the high 32 bits; a is odd.
_PERM_A = (
    _rng.randint(1, 2**62, size=NUM_PERM, dtype=np.int64).astype(np.uint64) << np.uint64(1)
) | np.uint64(1)
_PERM_B = _rng.randint(0, 2**62, size=NUM_PERM, dtype=np.int64).astype(np.uint64)
_SHINGLE_MULTIPLIER = np.uint64(0x100000001B3)
_BAND_DTYPE = np.dtype((np.void, LSH_ROWS * 8))

# Word hashes: a polynomial hash of the word's UTF-8 bytes, sum(byte[k] * P**k) mod 2**64,
# read off one running sum over the whole text, then a splitmix64 finaliser mixes the bits.
_WORD_BASE = 0x9E3779B97F4A7C15  # odd, so invertible mod 2**64
_MIX_1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX_2 = np.uint64(0x94D049BB133111EB)
_powers = np.ones(1, dtype=np.uint64)  # P**i
_inverse_powers = np.ones(1, dtype=np.uint64)  # P**-i mod 2**64


def _power_tables(size: int) -> tuple[np.ndarray, np.ndarray]:
    """Return ``P**i`` and ``P**-i`` (mod 2**64) for ``i < size`` at least (grown on demand)."""
    global _powers, _inverse_powers
    if len(_powers) < size:
        size = max(size, 2 * len(_powers))
        one = np.ones(1, dtype=np.uint64)
        _powers = np.concatenate((one, np.cumprod(np.full(size - 1, _WORD_BASE, dtype=np.uint64))))
        inverse = pow(_WORD_BASE, -1, 2**64)
        _inverse_powers = np.concatenate(
            (one, np.cumprod(np.full(size - 1, inverse, dtype=np.uint64)))
        )
    return _powers, _inverse_powers


def text_token_hashes(text: str) -> np.ndarray:
    """Return a stable 64-bit hash (``uint64``) per word of ``text``, words split on single spaces.

    For normalized text (:func:`pipelines.dedup.exact.normalize_text`: words joined by one
    space). The same word gets the same hash in every text, process and run; the hashes are
    computed for the whole text at once with numpy, not word by word.
    """
    data = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
    size = len(data)
    if size == 0:
        return np.zeros(0, dtype=np.uint64)
    spaces = np.flatnonzero(data == 32)
    starts = np.concatenate(([0], spaces + 1))
    ends = np.append(spaces, size)
    if (ends == starts).any():
        keep = ends > starts  # empty words (repeated spaces) are no words
        starts, ends = starts[keep], ends[keep]
    powers, inverse_powers = _power_tables(size + 1)
    running = np.zeros(size + 1, dtype=np.uint64)
    np.cumsum(data * powers[:size], out=running[1:])  # wraps around mod 2**64, as intended
    mixed = (running[ends] - running[starts]) * inverse_powers[starts]
    mixed ^= mixed >> np.uint64(30)
    mixed *= _MIX_1
    mixed ^= mixed >> np.uint64(27)
    mixed *= _MIX_2
    mixed ^= mixed >> np.uint64(31)
    return mixed


def token_hashes(words: Sequence[str]) -> np.ndarray:
    """Return :func:`text_token_hashes` of words (which must not contain spaces)."""
    return text_token_hashes(" ".join(words))


def word_shingle_hashes(hashes: np.ndarray, size: int = SHINGLE_WORDS) -> np.ndarray:
    """Return one ``uint64`` hash per run of ``size`` consecutive words (all of them, in order).

    A text shorter than ``size`` words yields a single shingle of the whole text, an empty
    text an empty array.
    """
    count = len(hashes)
    if count == 0:
        return np.zeros(0, dtype=np.uint64)
    width = min(size, count)
    # Array arithmetic on uint64 wraps around silently (mod 2**64), as intended here.
    combined = hashes[: count - width + 1].copy()
    for offset in range(1, width):
        combined = combined * _SHINGLE_MULTIPLIER + hashes[offset : count - width + 1 + offset]
    return combined


def minhash_signature(shingles: np.ndarray) -> np.ndarray:
    """Return the ``NUM_PERM``-value MinHash signature (``uint64``) of a set of shingle hashes.

    An empty input gets the all-maximum signature, which matches nothing.
    """
    if len(shingles) == 0:
        return np.full(NUM_PERM, np.uint64(0xFFFFFFFF), dtype=np.uint64)
    # (a * x + b) mod 2**64 for every shingle and permutation, in one buffer. Repeated
    # shingles cannot change a minimum, and taking the high bits is monotone, so it
    # commutes with the minimum: shift the 128 minima, not every product.
    mixed = np.multiply.outer(shingles, _PERM_A)  # wraps around mod 2**64, no warning
    mixed += _PERM_B
    return mixed.min(axis=0) >> np.uint64(32)


# Signature values are below 2**32: the band number, put in the high bits of each value,
# makes the keys of different bands different, so that one table holds every band.
_BAND_TAGS = (np.arange(NUM_PERM, dtype=np.uint64) // np.uint64(LSH_ROWS)) << np.uint64(32)


def signature_bands(signature: np.ndarray) -> list[bytes]:
    """Return the ``LSH_BANDS`` keys (``LSH_ROWS`` values and the band number, as bytes).

    Of one signature, or a list of keys per row of a 2-D array of signatures.
    """
    tagged = np.ascontiguousarray(signature, dtype=np.uint64) | _BAND_TAGS
    return tagged.view(_BAND_DTYPE).tolist()


def estimate_jaccard(first: np.ndarray, second: np.ndarray) -> float:
    """Return the Jaccard similarity estimated from two MinHash signatures."""
    return float(np.count_nonzero(first == second)) / len(first)


class _Bucket(dict):
    """Several keys sharing one band key (insertion-ordered, values unused)."""


class NearDuplicateIndex:
    """A removable banded MinHash LSH index of article signatures.

    ``threshold`` is the Jaccard similarity of word 5-shingles at which two bodies count
    as near-duplicates; the banding (``LSH_BANDS`` x ``LSH_ROWS``) finds pairs at 0.5 with
    probability above 0.99. Keys are article ids (any hashable). Memory grows with the
    number of keys held; callers :meth:`remove` keys that leave their time window.
    """

    def __init__(self, threshold: float = NEAR_DUPLICATE_THRESHOLD, num_perm: int = NUM_PERM):
        if num_perm != NUM_PERM:
            raise ValueError(f"num_perm must be {NUM_PERM} (signatures are computed with it)")
        # Band key -> the key holding it, or a _Bucket of several (one dict for all bands).
        self._buckets: dict[bytes, Any] = {}
        self._signatures: dict[Hashable, tuple[np.ndarray, list[bytes]]] = {}
        self.threshold = threshold

    def __len__(self) -> int:
        return len(self._signatures)

    def __contains__(self, key: object) -> bool:
        return key in self._signatures

    @staticmethod
    def _bands(signature: np.ndarray) -> list[bytes]:
        return signature_bands(signature)

    def query(
        self, signature: np.ndarray, bands: list[bytes] | None = None
    ) -> list[tuple[Hashable, float]]:
        """Return ``(key, estimated Jaccard)`` of held entries at or above the threshold.

        Best match first; ties broken by insertion order. ``bands`` is
        :func:`signature_bands` of ``signature`` when the caller has it already.
        """
        if bands is None:
            bands = self._bands(signature)
        candidates: dict[Hashable, None] = {}
        for held in map(self._buckets.get, bands):
            if held is None:
                continue
            if type(held) is _Bucket:
                candidates.update(held)
            else:
                candidates[held] = None
        matches = []
        for key in candidates:
            similarity = estimate_jaccard(signature, self._signatures[key][0])
            if similarity >= self.threshold:
                matches.append((key, similarity))
        matches.sort(key=lambda match: -match[1])
        return matches

    def insert(
        self, key: Hashable, signature: np.ndarray, bands: list[bytes] | None = None
    ) -> None:
        """Add ``key`` with its signature; re-inserting a held key is a no-op.

        ``bands`` is :func:`signature_bands` of ``signature`` when the caller has it already.
        """
        if key in self._signatures:
            return
        if bands is None:
            bands = self._bands(signature)
        self._signatures[key] = (signature, bands)
        buckets = self._buckets
        shared = [band for band in bands if band in buckets]  # rare: another text's band
        merged = []
        for band in shared:
            held = buckets[band]
            bucket = held if type(held) is _Bucket else _Bucket.fromkeys((held,))
            bucket[key] = None
            merged.append(bucket)
        buckets.update(dict.fromkeys(bands, key))
        buckets.update(zip(shared, merged, strict=True))

    def remove(self, keys: Iterable[Hashable]) -> None:
        """Drop ``keys`` from the index (unknown keys are ignored)."""
        for key in keys:
            held = self._signatures.pop(key, None)
            if held is None:
                continue
            buckets = self._buckets
            for band in held[1]:
                bucket = buckets[band]
                if type(bucket) is not _Bucket:
                    del buckets[band]
                    continue
                del bucket[key]
                if len(bucket) == 1:
                    buckets[band] = next(iter(bucket))
