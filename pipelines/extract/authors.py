"""Author names: people only, as a list, from JSON-LD, meta tags and byline elements."""

from __future__ import annotations

import re
from typing import Any

from lxml.html import HtmlElement

from pipelines.extract.structured import Declared, as_list
from pipelines.extract.text import normalize_space

_PREFIX = re.compile(r"^(by|von|af|av|por|par|di|door|przez|tarafından|written by|words by|"
                     r"text:|texte?:|autor(in)?:|author:|reporting by)\s+", re.I)
_BRACKETS = re.compile(r"\s*[\[(][^\])]*[\])]")
_ROLE = re.compile(
    r"\s*[,|–—-]\s*(senior |chief |staff |deputy |associate |contributing |political |foreign )*"
    r"(reporter|writer|editor|correspondent|journalist|columnist|contributor|producer|"
    r"photographer|analyst|redakteur(in)?|korrespondent(in)?|editor-at-large|staff)\b.*$",
    re.I,
)
_ROLE_ONLY = re.compile(
    r"^([\w-]+ ){0,3}(reporter|writer|editor|correspondent|journalist|columnist|contributor|"
    r"producer|photographer|analyst|redakteur(in)?|korrespondent(in)?|staff)$",
    re.I,
)
_SPLIT = re.compile(r"\s*(?:,|;|&|\band\b|\bund\b|\boch\b|\bve\b|\bet\b|\by\b|\bna\b)\s*", re.I)
_NOT_NAME = re.compile(r"https?://|www\.|@|\d{3,}|^(admin|administrator|staff|editor|redaktion|"
                       r"newsroom|guest|unknown|anonymous)$", re.I)


def clean_author(raw: str) -> list[str]:
    """Return the people's names in one byline string (roles, 'By', bracketed initials removed)."""
    text = normalize_space(raw)
    text = _BRACKETS.sub("", text)
    text = _PREFIX.sub("", text)
    names = []
    for part in _SPLIT.split(text):
        part = _ROLE.sub("", _PREFIX.sub("", part)).strip(" .,:;|-–—")
        if not part or _NOT_NAME.search(part) or _ROLE_ONLY.match(part):
            continue
        if len(part) > 60 or len(part.split()) > 5:
            continue
        names.append(part)
    return names


def _ld_names(value: Any) -> tuple[list[str], list[str]]:
    people: list[str] = []
    orgs: list[str] = []
    for item in as_list(value):
        if isinstance(item, str):
            people.append(item)
        elif isinstance(item, dict):
            name = item.get("name")
            if isinstance(name, list):
                name = " ".join(str(n) for n in name)
            if isinstance(name, str) and name.strip():
                kind = item.get("@type")
                kinds = {k.lower() for k in as_list(kind) if isinstance(k, str)}
                (orgs if kinds & {"organization", "newsmediaorganization"} else people).append(name)
    return people, orgs


_BYLINE_XPATH = (
    "//*[@rel='author' or @itemprop='author' or contains(@class,'byline') or "
    "contains(@class,'author-name') or contains(@class,'author__name')]"
)


def choose_authors(tree: HtmlElement, declared: Declared, site_name: str | None) -> list[str]:
    """Return author names (deduplicated, in order); the outlet's own name is never a person."""
    ld = declared.main_ld() or {}
    people, orgs = _ld_names(ld.get("author"))
    raw: list[str] = people
    if not raw:
        raw = [a for a in declared.all("author", "article:author", "dc.creator",
                                       "sailthru.author", "parsely-author", "byl")
               if not a.startswith("http")]
    if not raw:
        for element in tree.xpath(_BYLINE_XPATH)[:3]:
            text = normalize_space(element.text_content())
            if 0 < len(text) < 120:
                raw.append(text)
                break
    if not raw:
        raw = orgs
    outlet = {n.casefold() for n in (site_name, declared.first("og:site_name")) if n}
    names: list[str] = []
    for entry in raw:
        for name in clean_author(entry):
            if name.casefold() in outlet and (len(raw) > 1 or people):
                continue
            if name.casefold() not in {n.casefold() for n in names}:
                names.append(name)
    return names
