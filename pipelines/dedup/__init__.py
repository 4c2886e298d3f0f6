"""Duplicate detection: exact (canonical URL, normalized text) and near-duplicate (MinHash LSH)."""

from pipelines.dedup.exact import canonicalize_url, normalize_text, text_fingerprint
from pipelines.dedup.near import NearDuplicateIndex, minhash_signature, word_shingle_hashes

__all__ = [
    "NearDuplicateIndex",
    "canonicalize_url",
    "minhash_signature",
    "normalize_text",
    "text_fingerprint",
    "word_shingle_hashes",
]
