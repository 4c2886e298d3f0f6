"""Exact-duplicate keys: canonical URLs and normalized-text hashes.

Two articles are exact duplicates when their canonical URLs are equal (the same page
reached through tracking parameters, a fragment, a default port or a trailing slash;
canonicalization is :func:`pipelines.urls.canonicalize_url`, the one the crawler uses)
or when their bodies are equal after case folding, Unicode normalization and
whitespace/punctuation collapsing (the same wire copy served under two URLs).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

from pipelines.urls import canonicalize_url

_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


def url_key(url: str | None) -> str | None:
    """Return the exact-duplicate key of ``url``: its canonical form, or ``None``.

    ``None`` means "no URL identity": ``url`` is empty or not an absolute http(s) URL
    (such articles can still be text or near duplicates). Never raises.
    """
    if not url or not url.strip():
        return None
    try:
        return canonicalize_url(url)
    except ValueError:
        return None


def normalize_text(text: str) -> str:
    """Return ``text`` case-folded, NFKC-normalized, with punctuation and whitespace collapsed.

    Two bodies that differ only in typography (curly quotes, dashes, line breaks) map to
    the same string.
    """
    text = text or ""
    if text.isascii():
        folded = text.lower()  # the same as NFKC + casefold for ASCII, and cheaper
    else:
        folded = unicodedata.normalize("NFKC", text).casefold()
    return _NON_WORD.sub(" ", folded).strip()


def text_fingerprint(text: str) -> str | None:
    """Return the SHA-256 hex digest of :func:`normalize_text`, or ``None`` for an empty body."""
    return normalized_fingerprint(normalize_text(text))


def normalized_fingerprint(normalized: str) -> str | None:
    """Return the SHA-256 hex digest of already-normalized text, or ``None`` when empty."""
    if not normalized:
        return None
    return hashlib.sha256(normalized.encode("utf-8")).hexdigest()
