"""Exact-duplicate keys: canonical URLs without tracking noise, and normalized-text hashes.

Two articles are exact duplicates when their canonical URLs are equal (the same page
reached through tracking parameters, ``http``/``https``, ``www.`` or a trailing slash)
or when their bodies are equal after case folding, Unicode normalization and
whitespace/punctuation collapsing (the same wire copy served under two URLs).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Query parameters that only track the visit and never select content.
TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "dclid", "msclkid", "yclid", "igshid", "mc_cid", "mc_eid",
        "ocid", "cmpid", "smid", "smtyp", "ref", "ref_src", "referrer", "src", "source",
        "ito", "itm_source", "itm_medium", "itm_campaign", "guccounter", "_ga", "_gl",
        "share", "output", "amp",
    }
)
TRACKING_PREFIXES = ("utm_", "mkt_", "pk_", "hsa_", "at_")

_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


def canonicalize_url(url: str) -> str:
    """Return ``url`` reduced to a comparison key for "the same page".

    Lower-cases scheme and host, maps ``http`` to ``https``, drops ``www.``, default
    ports, fragments, tracking query parameters (``utm_*``, ``fbclid``, ...), a trailing
    ``/`` and ``/amp`` suffixes, and sorts the remaining query parameters. Never raises:
    a string that is not a URL is returned stripped.
    """
    text = (url or "").strip()
    try:
        parts = urlsplit(text)
    except ValueError:
        return text
    if not parts.netloc:
        return text
    scheme = "https" if parts.scheme.lower() in ("http", "https", "") else parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if host.startswith("www."):
        host = host[4:]
    if parts.port and parts.port not in (80, 443):
        host = f"{host}:{parts.port}"
    path = re.sub(r"/{2,}", "/", parts.path or "/")
    if path.endswith("/amp") or path.endswith("/amp/"):
        path = path[: path.rfind("/amp")] or "/"
    if len(path) > 1:
        path = path.rstrip("/")
    query = [
        (name, value)
        for name, value in parse_qsl(parts.query, keep_blank_values=False)
        if name.lower() not in TRACKING_PARAMS and not name.lower().startswith(TRACKING_PREFIXES)
    ]
    return urlunsplit((scheme, host, path, urlencode(sorted(query)), ""))


def normalize_text(text: str) -> str:
    """Return ``text`` case-folded, NFKC-normalized, with punctuation and whitespace collapsed.

    Two bodies that differ only in typography (curly quotes, dashes, line breaks) map to
    the same string.
    """
    folded = unicodedata.normalize("NFKC", text or "").casefold()
    return _NON_WORD.sub(" ", folded).strip()


def text_fingerprint(text: str) -> str | None:
    """Return the SHA-256 hex digest of :func:`normalize_text`, or ``None`` for an empty body."""
    normalized = normalize_text(text)
    if not normalized:
        return None
    return hashlib.sha256(normalized.encode("utf-8")).hexdigest()
