"""Headline choice: the <h1> when declared titles agree, minus site or section suffixes."""

from __future__ import annotations

import re

from lxml.html import HtmlElement

from pipelines.extract.structured import Declared
from pipelines.extract.text import normalize_space

_SEPARATORS = re.compile(r"\s+[|\-–—:•·»/]\s+|\s+::\s+")


def _key(text: str) -> str:
    return re.sub(r"\W+", " ", text).strip().casefold()


def strip_site_suffix(title: str, site_names: list[str]) -> str:
    """Return title without a trailing (or leading) " - Site Name" / "| Section" part."""
    title = normalize_space(title)
    for name in site_names:
        if name and title.casefold().startswith(name.casefold()):
            rest = title[len(name):]
            if re.match(r"^\s*[:|\-–—»]\s+\S", rest):
                title = re.sub(r"^\s*[:|\-–—»]\s+", "", rest)
    parts = _SEPARATORS.split(title)
    if len(parts) < 2:
        return title
    site_keys = {_key(name) for name in site_names if name}
    # Drop known site names at either end, then any short trailing segment (a section label).
    while len(parts) > 1 and (_key(parts[-1]) in site_keys or any(
        k and (k in _key(parts[-1]) or _key(parts[-1]) in k) for k in site_keys
    )):
        parts.pop()
    while len(parts) > 1 and _key(parts[0]) in site_keys:
        parts.pop(0)
    if len(parts) > 1 and len(parts[-1].split()) <= 3 and len(" ".join(parts[:-1]).split()) >= 4:
        parts.pop()
    # Keep the original separators inside the remaining headline.
    first, last = parts[0], parts[-1]
    start = title.find(first)
    end = title.rfind(last) + len(last)
    return title[start:end].strip() if start >= 0 and end > start else " ".join(parts)


def _h1_texts(tree: HtmlElement) -> list[str]:
    return [t for t in (normalize_space(h.text_content()) for h in tree.iter("h1")) if t]


def choose_title(tree: HtmlElement, declared: Declared, site_name: str | None,
                 feed_title: str | None = None) -> str | None:
    """Return the headline: an <h1> matching a declared title, else the best declared title."""
    ld = declared.main_ld() or {}
    declared_titles = [
        t for t in (
            declared.first("og:title"), declared.first("twitter:title"),
            ld.get("headline") if isinstance(ld.get("headline"), str) else None,
            declared.first("title", "headline", "dc.title", "sailthru.title"),
            feed_title,
        ) if t
    ]
    title_tag = tree.find(".//title")
    if title_tag is not None and title_tag.text_content().strip():
        declared_titles.append(normalize_space(title_tag.text_content()))
    site_names = [site_name or "", declared.first("og:site_name") or ""]
    cleaned = [strip_site_suffix(t, site_names) for t in declared_titles]
    keys = [_key(t) for t in cleaned]
    for h1 in _h1_texts(tree):
        hk = _key(h1)
        if hk and any(hk == k or (len(hk) > 15 and (hk in k or k in hk)) for k in keys if k):
            return h1
    return cleaned[0] if cleaned else (_h1_texts(tree) or [None])[0]
