"""Discover a site's feeds, sitemaps and section hubs from its homepage.

- **Feeds**: the homepage's ``<link rel="alternate">`` of an RSS, Atom or JSON Feed type
  (``found_by`` ``link_alternate``); when it declares none, the common paths of
  :data:`GUESSED_FEED_PATHS` under the homepage's folder (the host's root for a homepage
  at ``/``) that answer with a feed (``guessed_path``).
- **Sitemaps**: the ``Sitemap:`` lines of the host's robots.txt (``robots_txt``); when it
  names none, the usual paths of :data:`USUAL_SITEMAP_PATHS` that answer with a sitemap
  (``usual_path``).
- **Hubs**: the links of the homepage's main navigation (``<nav>``, else ``<header>``) to
  section pages on its own host (``navigation``).

The parsing is pure; :func:`discover` drives the fetching through a ``fetch`` function the
caller gives (the crawl's spider, or ``storyline sources discover``), so the crawl's
network rules (robots.txt, the private-address guard, politeness) apply to every probe.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from lxml import etree, html

from crawlers.discovery import looks_like_article_url

#: Paths tried, in this order, when a homepage declares no feed.
GUESSED_FEED_PATHS = ("/feed", "/rss", "/feed.xml", "/rss.xml", "/atom.xml", "/index.xml", "/feed.json")
#: Paths tried when robots.txt names no sitemap.
USUAL_SITEMAP_PATHS = ("/sitemap.xml", "/sitemap_index.xml", "/news-sitemap.xml")
#: ``<link rel="alternate" type=...>`` values that announce a feed.
FEED_TYPES = {
    "application/rss+xml",
    "application/atom+xml",
    "application/rdf+xml",
    "application/feed+json",
    "application/json",
    "text/xml",
    "application/xml",
}
MAX_HUBS = 30
_FEEDLIKE = re.compile(rb"<(?:rss|feed|rdf:RDF)[\s>]|jsonfeed\.org/version/", re.IGNORECASE)
_SITEMAPLIKE = re.compile(rb"<(?:urlset|sitemapindex)[\s>]")
_NOT_A_SECTION = re.compile(
    r"/(?:about|account|contact|login|signin|register|subscribe|newsletters?|privacy|terms|help|search|"
    r"careers|advertise|feeds?|rss)(?:[/.?]|$)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Found:
    """A document discovered for a source: what, where, how and on which page."""

    kind: str  # feed, hub or sitemap
    url: str
    found_by: str  # link_alternate, guessed_path, robots_txt, usual_path or navigation
    found_on: str  # the page that named it (for a probed path: the URL itself)
    fetch_id: str | None = None  # the fetch of that page


@dataclass(frozen=True)
class Page:
    """What a discovery fetch answered (``status`` 0 when nothing came back)."""

    url: str
    status: int
    body: bytes
    content_type: str | None
    fetch_id: str | None = None


Fetch = Callable[[str, str], Awaitable["Page"]]


def declared_feeds(body: bytes, url: str) -> list[str]:
    """The feed URLs a page announces with ``<link rel="alternate">``, in page order."""
    document = _document(body, url)
    if document is None:
        return []
    feeds: list[str] = []
    for link in document.xpath("//link[@href][@rel]"):
        rels = link.get("rel", "").lower().split()
        media_type = link.get("type", "").split(";", 1)[0].strip().lower()
        if "alternate" in rels and media_type in FEED_TYPES:
            _append_new(feeds, urljoin(url, link.get("href").strip()))
    return feeds


def navigation_hubs(body: bytes, url: str) -> list[str]:
    """Section pages linked from the main navigation of a homepage (``<nav>``, else ``<header>``).

    Only links to the homepage's own host that are neither the homepage itself, nor article
    pages, nor service pages (about, login, feeds...) count; at most :data:`MAX_HUBS`.
    """
    document = _document(body, url)
    if document is None:
        return []
    host = (urlsplit(url).hostname or "").lower()
    home = urljoin(url, "/")
    anchors = document.xpath("//nav//a[@href]") or document.xpath("//header//a[@href]")
    hubs: list[str] = []
    for anchor in anchors:
        href = urljoin(url, anchor.get("href").strip()).split("#", 1)[0]
        parts = urlsplit(href)
        if parts.scheme not in ("http", "https") or (parts.hostname or "").lower() != host:
            continue
        if href.rstrip("/") in (home.rstrip("/"), url.rstrip("/")) or parts.query:
            continue
        if _NOT_A_SECTION.search(parts.path) or looks_like_article_url(href, host):
            continue
        _append_new(hubs, href)
        if len(hubs) >= MAX_HUBS:
            break
    return hubs


def robots_sitemaps(text: str, url: str) -> list[str]:
    """The ``Sitemap:`` URLs of a robots.txt, resolved against its URL."""
    found: list[str] = []
    for line in text.splitlines():
        name, _, value = line.partition(":")
        if name.strip().lower() == "sitemap" and value.strip():
            _append_new(found, urljoin(url, value.strip()))
    return found


def looks_like_feed(page: Page) -> bool:
    """Whether a probed page answered with an RSS, Atom or JSON Feed document."""
    return page.status == 200 and bool(_FEEDLIKE.search(page.body[:4096]))


def looks_like_sitemap(page: Page) -> bool:
    """Whether a probed page answered with a sitemap or sitemap index (gzip counts)."""
    if page.status != 200:
        return False
    return page.body[:2] == b"\x1f\x8b" or bool(_SITEMAPLIKE.search(page.body[:4096]))


async def discover(homepage: Page, kinds: Iterable[str], fetch: Fetch) -> list[Found]:
    """Find the documents of ``kinds`` (``feed``, ``hub``, ``sitemap``) for a fetched homepage.

    ``fetch(url, kind)`` gets a page (``kind`` is the fetch kind to record: ``probe`` for
    guessed paths, ``robots`` for robots.txt); it must not raise.
    """
    wanted = set(kinds)
    found: list[Found] = []
    root = urljoin(homepage.url, "/")
    if "feed" in wanted:
        declared = declared_feeds(homepage.body, homepage.url)
        found += [Found("feed", url, "link_alternate", homepage.url, homepage.fetch_id) for url in declared]
        if not declared:
            # Relative to the homepage's own folder: an outlet at /outlet/ has /outlet/feed.
            folder = urljoin(homepage.url, ".")
            found += await _probe(folder, GUESSED_FEED_PATHS, "feed", looks_like_feed, fetch)
    if "sitemap" in wanted:
        robots = await fetch(urljoin(root, "/robots.txt"), "robots")
        named = []
        if robots.status == 200:
            named = robots_sitemaps(robots.body.decode("utf-8", "replace"), robots.url)
        found += [Found("sitemap", url, "robots_txt", robots.url, robots.fetch_id) for url in named]
        if not named:
            found += await _probe(root, USUAL_SITEMAP_PATHS, "sitemap", looks_like_sitemap, fetch)
    if "hub" in wanted:
        hubs = navigation_hubs(homepage.body, homepage.url)
        found += [Found("hub", url, "navigation", homepage.url, homepage.fetch_id) for url in hubs]
    return found


async def _probe(
    root: str, paths: Iterable[str], kind: str, answers: Callable[[Page], bool], fetch: Fetch
) -> list[Found]:
    """Try ``paths`` under ``root`` at once; keep those that answer like a ``kind`` (one per final URL)."""
    urls = [urljoin(root, path.lstrip("/")) for path in paths]
    pages = await asyncio.gather(*(fetch(url, "probe") for url in urls))
    found: list[Found] = []
    finals: set[str] = set()
    for url, page in zip(urls, pages, strict=True):
        if answers(page) and page.url not in finals:
            finals.add(page.url)
            how = "guessed_path" if kind == "feed" else "usual_path"
            found.append(Found(kind, url, how, url, page.fetch_id))
    return found


_FOUND_BY = {
    "link_alternate": '<link rel="alternate"> on',
    "guessed_path": "answered at a common feed path",
    "robots_txt": "Sitemap: line of",
    "usual_path": "answered at a usual sitemap path",
    "navigation": "main navigation of",
}


def discovery_yaml(homepage: str, name: str | None, found: Iterable[Found]) -> str:
    """A config ``sources:`` entry for what a homepage revealed, each URL commented with where
    it was found. With ``homepage`` kept, a crawl searches the site again for the kinds left out."""
    host = urlsplit(homepage).hostname or homepage
    lines = [
        f"# Found from {homepage}; paste under sources: (the kinds you list win over discovery).",
        f"- name: {json.dumps(name or host, ensure_ascii=False)}",
        f"  homepage: {json.dumps(homepage)}",
    ]
    found = list(found)
    for kind, key in (("feed", "feeds"), ("hub", "hubs"), ("sitemap", "sitemaps")):
        of_kind = [f for f in found if f.kind == kind]
        if not of_kind:
            continue
        lines.append(f"  {key}:")
        for item in of_kind:
            where = _FOUND_BY.get(item.found_by, item.found_by)
            where = where if where.startswith("answered") else f"{where} {item.found_on}"
            lines.append(f"    - {json.dumps(item.url)}  # {where}")
    return "\n".join(lines)


def _document(body: bytes, url: str) -> html.HtmlElement | None:
    if not body.strip():
        return None
    try:
        return html.document_fromstring(body, base_url=url)
    except (etree.ParserError, ValueError):
        return None


def _append_new(items: list[str], item: str) -> None:
    if item not in items:
        items.append(item)
