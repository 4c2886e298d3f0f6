"""URL canonicalization: one identity per article, whatever tracking or casing it came with."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from w3lib.url import safe_url_string

# Query parameters that only track the click; they never change what page is served.
# fmt: off
_TRACKING_EXACT = {
    "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid", "igshid",
    "mc_cid", "mc_eid", "_ga", "_gl", "_hsenc", "_hsmi", "mkt_tok", "ocid", "cmpid",
    "ito", "s_cid", "ncid", "sr_share", "smid", "soc_src", "soc_trk", "share", "shared",
}
# fmt: on
_TRACKING_PREFIXES = ("utm_", "at_", "pk_", "mtm_", "hsa_")
_DEFAULT_PORTS = {"http": 80, "https": 443}
_MULTI_SLASH = re.compile(r"/{2,}")
# A URL already in canonical form, recognised without parsing it (most stored URLs): http(s),
# a lower-case host of dot-separated labels, no port, query or fragment, and a path of
# non-empty segments of unreserved characters (so no repeated or trailing slash).
_ALREADY_CANONICAL = re.compile(
    r"https?://[a-z0-9-]+(?:\.[a-z0-9-]+)*(?:/[A-Za-z0-9._~-]+)+|https?://[a-z0-9-]+(?:\.[a-z0-9-]+)*/"
)


def is_tracking_param(name: str) -> bool:
    """Return True when the query parameter ``name`` only tracks clicks."""
    lowered = name.lower()
    return lowered in _TRACKING_EXACT or lowered.startswith(_TRACKING_PREFIXES)


def canonicalize_url(url: str) -> str:
    """Return the canonical form of an absolute http(s) URL.

    Lowercases scheme and host, drops default ports, fragments and tracking
    parameters (``utm_*``, ``fbclid``, ``gclid`` ...), sorts the remaining query,
    collapses repeated slashes and removes a trailing slash (except for the root).
    Raises ``ValueError`` when ``url`` is not an absolute http(s) URL.
    """
    if _ALREADY_CANONICAL.fullmatch(url):
        return url
    return _canonicalize_parsed(url)


def _canonicalize_parsed(url: str) -> str:
    """Return :func:`canonicalize_url` of ``url``, always by parsing it."""
    parts = urlsplit(safe_url_string(url.strip()))
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        raise ValueError(f"not an absolute http(s) URL: {url!r}")
    host = parts.hostname.lower().rstrip(".")
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    path = _MULTI_SLASH.sub("/", parts.path or "/")
    if len(path) > 1 and path.endswith("/"):
        path = path.rstrip("/") or "/"
    query_pairs = [
        (name, value)
        for name, value in parse_qsl(parts.query, keep_blank_values=True)
        if not is_tracking_param(name)
    ]
    query = urlencode(sorted(query_pairs), doseq=True)
    return urlunsplit((scheme, netloc, path, query, ""))


def url_identity(canonical_url: str) -> str:
    """Return the story identity of a canonical URL: without its scheme and a leading
    ``www.`` (``//example.com/a``), as http and https, with or without ``www.``, serve one
    story on news sites. Other subdomains and ports stay part of the identity."""
    rest = canonical_url.split("://", 1)[-1]
    return "//" + rest.removeprefix("www.")


def identity_of(url: str) -> str | None:
    """Return :func:`url_identity` of ``url`` canonicalized, or ``None`` when it is not an
    absolute http(s) URL."""
    try:
        return url_identity(canonicalize_url(url))
    except ValueError:
        return None


def resolve_canonical(page_url: str, rel_canonical: str | None) -> str:
    """Return the canonical URL of a page, honouring its ``<link rel=canonical>``.

    A relative canonical is resolved against ``page_url``; a canonical that is not
    http(s) is ignored. Raises ``ValueError`` when ``page_url`` itself is not http(s).
    """
    if rel_canonical and rel_canonical.strip():
        candidate = urljoin(page_url, rel_canonical.strip())
        try:
            return canonicalize_url(candidate)
        except ValueError:
            pass
    return canonicalize_url(page_url)
