"""Duplicate detection: exact (canonical URL, normalized text) and near-duplicate (MinHash LSH)."""

from pipelines.dedup.exact import normalize_text, text_fingerprint, url_key
from pipelines.dedup.near import NearDuplicateIndex, minhash_signature, word_shingle_hashes

__all__ = [
    "NearDuplicateIndex",
    "minhash_signature",
    "normalize_text",
    "text_fingerprint",
    "url_key",
    "word_shingle_hashes",
]
