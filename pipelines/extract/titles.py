"""Headline choice: the <h1> when declared titles agree, minus site or section suffixes."""

from __future__ import annotations

import html
import re

from lxml.html import HtmlElement

from pipelines.extract.structured import Declared
from pipelines.extract.text import fold_typography, normalize_space

_BYLINE_PART = re.compile(r"^(by|von|par|por)\s+\S", re.I)  # "| by Jane Doe" after the site name
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
    while len(parts) > 1 and (_key(parts[-1]) in site_keys or _BYLINE_PART.match(parts[-1]) or any(
        k and (k in _key(parts[-1]) or _key(parts[-1]) in k) for k in site_keys
    )):
        parts.pop()
    while len(parts) > 1 and _key(parts[0]) in site_keys:
        parts.pop(0)
    # Then short trailing segments ("| Harbour | Lowmere Ledger" when no site name is known).
    while len(parts) > 1 and len(parts[-1].split()) <= 3 and len(" ".join(parts[:-1]).split()) >= 4:
        parts.pop()
    # Keep the original separators inside the remaining headline.
    first, last = parts[0], parts[-1]
    start = title.find(first)
    end = title.rfind(last) + len(last)
    return title[start:end].strip() if start >= 0 and end > start else " ".join(parts)


# Parts of a headline element that are not the headline: a kicker/overline above it, text
# only screen readers get (" - " separators), hidden duplicates.
_KICKER_CLASS = re.compile(
    r"(overline|kicker|dachzeile|topline|eyebrow|supertitle|roofline|pretitle|spitzmarke|"
    r"h-offscreen|sr-only|screen-reader|visually-hidden|visuallyhidden)", re.I)


def _is_aside(element: HtmlElement) -> bool:
    return isinstance(element.tag, str) and (
        _KICKER_CLASS.search(element.get("class") or "") is not None
        or element.get("aria-hidden") == "true")


def _text_without_asides(element: HtmlElement, parts: list[str]) -> None:
    for child in element:
        if not _is_aside(child):
            parts.append(child.text or "")
            _text_without_asides(child, parts)
        parts.append(child.tail or "")  # the tail belongs to the parent, which is shown


def headline_text(element: HtmlElement) -> str:
    """Return an <h1>'s text without kicker, overline or screen-reader-only parts."""
    parts = [element.text or ""]
    _text_without_asides(element, parts)
    text = normalize_space("".join(parts))  # as text_content() joins them
    return text or normalize_space(element.text_content())


def _h1_texts(tree: HtmlElement) -> list[str]:
    return [t for t in (headline_text(h) for h in tree.iter("h1")) if t]


def _declared_titles(tree: HtmlElement, declared: Declared, ld: dict[str, object],
                     feed_title: str | None) -> list[list[str]]:
    """Return the page's declared titles grouped by independent source, in priority order.

    og:title and twitter:title are one source (sites fill both from one field).
    """
    social = [t for t in (declared.first("og:title"), declared.first("twitter:title")) if t]
    headline = ld.get("headline")
    title_tag = tree.find(".//title")
    groups = [
        social,
        [headline] if isinstance(headline, str) else [],
        [t for t in (declared.first("title", "headline", "dc.title", "sailthru.title"),) if t],
        [feed_title] if feed_title else [],
        [title_tag.text_content()] if title_tag is not None else [],
    ]
    return [[normalize_space(html.unescape(t)) for t in group if t.strip()] for group in groups]


def choose_title(tree: HtmlElement, declared: Declared, site_name: str | None,
                 feed_title: str | None = None) -> str | None:
    """Return the headline: an <h1> matching a declared title, else the best declared title.

    Without a matching <h1>, the declared title most independent sources agree on wins
    (ties go to the earlier source: og:title, JSON-LD headline, meta title, feed, <title>).
    When an <h1> and a declared title differ only in punctuation (curly quotes, dashes,
    case), the declared spelling is kept.
    """
    ld = declared.main_ld() or {}
    site_names = [site_name or "", declared.first("og:site_name") or ""]
    groups = [[strip_site_suffix(t, site_names) for t in group]
              for group in _declared_titles(tree, declared, ld, feed_title)]
    cleaned = [t for group in groups for t in group if t]
    keys = [_key(t) for t in cleaned]
    for h1 in _h1_texts(tree):
        hk = _key(h1)
        if not hk:
            continue
        for title, key in zip(cleaned, keys, strict=True):
            if key == hk and fold_typography(title) == fold_typography(h1) and title != h1:
                return title
        if any(hk == k or (len(hk) > 15 and (hk in k or k in hk)) for k in keys if k):
            return h1
    votes: dict[str, int] = {}
    first_form: dict[str, str] = {}
    for group in groups:
        for key in {_key(t) for t in group if _key(t)}:
            votes[key] = votes.get(key, 0) + 1
        for title in group:
            first_form.setdefault(_key(title), title)
    if votes:
        order = list(first_form)
        best = max(votes, key=lambda k: (votes[k], -order.index(k)))
        return first_form[best]
    return (_h1_texts(tree) or [None])[0]
