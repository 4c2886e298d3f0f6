"""Find a page's ``<link rel="canonical">`` by scanning its bytes, without building a DOM.

The crawl needs one attribute of every article page before storing it; parsing a
200 kB page into a tree for that costs more than deflating it into the archive. A
regular-expression scan over the ``<link>`` tags finds the same link: the first
whose ``rel`` tokens include ``canonical`` and that has an ``href``. Tags inside HTML
comments, scripts and ``<template>`` elements are skipped.
"""

from __future__ import annotations

import html
import re

# One left-to-right scan: a comment, script or template is matched (and so skipped) whole, so a
# ``<link>`` inside one is never seen; only ``<link>`` matches fill the group.
_LINK_OUTSIDE_SKIPPED = re.compile(
    rb"<!--.*?-->|<script\b.*?</script\s*>|<template\b.*?</template\s*>|<link\b([^>]*)>", re.S | re.I
)
_HEAD_END = re.compile(rb"</head\s*>|<body\b", re.I)
_ATTRIBUTE = re.compile(rb"""([^\s=/>"']+)\s*(?:=\s*("[^"]*"|'[^']*'|[^\s>]+))?""")


def canonical_link(body: bytes) -> str | None:
    """Return the ``href`` of the page's first ``<link rel="canonical">`` (as written), or ``None``."""
    if b"canonical" not in body and b"CANONICAL" not in body.upper():
        return None
    end = _HEAD_END.search(body)
    # The head first (where the link belongs), then the rest of the page.
    parts = (body[: end.start()], body[end.start() :]) if end else (body,)
    for part in parts:
        found = _first_canonical(part)
        if found is not None:
            return found
    return None


def _first_canonical(markup: bytes) -> str | None:
    for match in _LINK_OUTSIDE_SKIPPED.finditer(markup):
        if match.group(1) is None:
            continue
        attributes = {}
        for name, value in _ATTRIBUTE.findall(match.group(1)):
            attributes.setdefault(name.lower(), value.strip(b"\"'"))
        rel = attributes.get(b"rel", b"").lower().split()
        href = attributes.get(b"href")
        if b"canonical" in rel and href and href.strip():
            return html.unescape(href.strip().decode("utf-8", "replace"))
    return None
