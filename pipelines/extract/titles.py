"""Headline choice: the declared headline (og:title first), minus site names, as the page spells it."""

from __future__ import annotations

import html
import re
from collections import Counter
from urllib.parse import urlsplit

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


def _compact(text: str) -> str:
    return re.sub(r"\W+", "", text).casefold()


# Between a headline and a site name: spaced dashes, bars, colons, bullets, "*", a bar or
# full-width colon with or without spaces (CJK titles), and "--".
_NAME_SEPARATOR = re.compile(r"\s+[|\-–—:•·»/*]\s+|\s*[|：]\s*|\s+::\s+|--")


def _is_site_name(segment: str, names: set[str]) -> bool:
    key = _compact(segment)
    return bool(key) and any(
        key == name or (len(name) >= 3 and key.startswith(name))
        or (len(name) >= 4 and (name in key or key in name)) for name in names)


def strip_site_name(title: str, names: set[str]) -> str:
    """Return title without a leading or trailing segment naming the site ("... - Golem.de",
    "Tageblatt.lu | ..."); names are compact keys (see site_name_keys).

    Unlike strip_site_suffix, a segment that does not name the site stays: publishers end
    declared headlines with "- updates" or a second clause after a dash, and that is part of
    the headline they declare.
    """
    title = normalize_space(title)
    while True:
        separators = list(_NAME_SEPARATOR.finditer(title))
        if not separators:
            return title
        last, first = separators[-1], separators[0]
        if title[:last.start()].strip() and _is_site_name(title[last.end():], names):
            title = title[:last.start()].strip()
        elif title[first.end():].strip() and _is_site_name(title[:first.start()], names):
            title = title[first.end():].strip()
        else:
            return title


def site_name_keys(site_names: list[str], url: str | None) -> set[str]:
    """Return compact keys of the site's names and of its host ("golem.de" and "golem")."""
    keys = {_compact(html.unescape(name)) for name in site_names if name}
    host = (urlsplit(url).hostname or "").removeprefix("www.") if url else ""
    if host:
        keys.add(_compact(host))
        labels = host.split(".")
        keys.add(_compact(labels[-2] if len(labels) > 1 else labels[0]))
    return {key for key in keys if key}


def _declared(value: object, names: set[str]) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    return strip_site_name(html.unescape(value), names) or None


def choose_title(tree: HtmlElement, declared: Declared, site_name: str | None,
                 feed_title: str | None = None, url: str | None = None) -> str | None:
    """Return the headline the page declares for the article, in the spelling readers see.

    Sources in order: og:title (else twitter:title, filled from the same field), the JSON-LD
    headline, the meta title, the feed's title, the <title> element, the first <h1> (the
    declared ones first: a page may carry several <h1>s, not all of them the story's); site
    names are cut from each (strip_site_name; the <title> also loses short trailing
    segments, see strip_site_suffix).

    Where they disagree (measured on the 149 metadata dev pages, whose labels are the
    publishers' reviewed headlines):
    - og:title over a differently worded <h1> or JSON-LD headline: og:title is what the
      publisher declares as this story's headline; the <h1> and JSON-LD are often a longer
      display or search variant. Of 27 pages where og:title and the <h1> word it
      differently, the labels follow og:title on 16.
    - The <h1> over og:title when og:title is that <h1> with a section, topic or byline
      segment around it ("Tournament | Headline", "Headline - National", "Headline * Site *
      by Name") and the JSON-LD headline is the <h1> too: two sources against one, and the
      extra segment is navigation (5 pages, none against). Without a JSON-LD headline only a
      leading segment goes; a trailing one ("Headline - updates") is kept as declared.
    - Spelling: when sources have the chosen title's words but differ in typography (curly
      or straight quotes, dashes), the spelling most of them use wins, a tie going to the
      <h1>: it is the text on the page, and og:title is often typed with plain quotes
      (_spelling; +2 on the dev pages against keeping og:title's spelling).
    """
    ld = declared.main_ld() or {}
    site_names = [site_name or "", declared.first("og:site_name") or ""]
    names = site_name_keys(site_names, url)
    social = _declared(declared.first("og:title") or declared.first("twitter:title"), names)
    ld_headline = _declared(ld.get("headline"), names)
    h1s = [t for h in tree.iter("h1") for t in dict.fromkeys(
        (headline_text(h), normalize_space(h.text_content()))) if t]
    title_tag = tree.find(".//title")
    page_title = (strip_site_suffix(html.unescape(title_tag.text_content()), site_names)
                  if title_tag is not None else None)
    meta_title = _declared(declared.first("title", "headline", "dc.title", "sailthru.title"),
                           names)
    title = (social or ld_headline or meta_title
             or (normalize_space(feed_title) if feed_title else None)
             or page_title or (h1s[0] if h1s else None))
    if title is None:
        return None
    if title == page_title:
        # "<h1> - Site": a segment after a separator that follows the visible headline is the
        # site's name or section, even when no site name is known.
        for h1 in h1s:
            rest = title[len(h1):] if title.startswith(h1) else ""
            if rest and _SEPARATORS.match(rest):
                return h1
    if social and title == social and _compact(social) not in {_compact(h) for h in h1s}:
        key = _compact(social)
        for h1 in h1s:
            h1_key = _compact(h1)
            at = key.find(h1_key)
            if 2 * len(h1_key) < len(key) or at < 0:
                continue
            ld_key = _compact(ld_headline) if ld_headline else None
            if ld_key == h1_key or (at > 0 and ld_key is None):
                return h1
    # twitter:title is a vote of its own only beside og:title (else it is `social`).
    twitter = _declared(declared.first("twitter:title"), names) if declared.first(
        "og:title") else None
    return _spelling(title, [social, twitter, ld_headline, meta_title, page_title], h1s)


def _spelling(title: str, declared_forms: list[str | None], h1s: list[str]) -> str:
    """Return title as most sources spell it: each declared form and the first <h1> with the
    same words (typography aside: curly or straight quotes, dashes) is one vote; a tie goes to
    the <h1>, the text on the page."""
    folded = fold_typography(title)
    shown = next((h1 for h1 in h1s if fold_typography(h1) == folded), None)
    forms = [f for f in declared_forms if f and fold_typography(f) == folded]
    votes = Counter(forms + ([shown] if shown else []))
    best = max(votes.values(), default=0)
    if shown is not None and votes[shown] == best:
        return shown
    return next((f for f in forms if votes[f] == best), title)
