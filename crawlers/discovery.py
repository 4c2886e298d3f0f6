"""Parse discovery pages into candidate article links: feeds, hub pages and sitemaps.

Pure functions over response bodies (no network, no warehouse): the spiders
call them and turn what they return into requests and warehouse rows.
"""

from __future__ import annotations

import calendar
import gzip
import io
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser
from lxml import etree, html

MAX_SITEMAP_BYTES = 50 * 1024 * 1024
# Longest text kept in a feed's people fields (author, creator, name, e-mail...). Real ones
# are a few dozen characters; feedparser's e-mail regex takes seconds on a long almost-address.
MAX_PERSON_FIELD_CHARS = 512
_PERSON_FIELD = re.compile(
    rb"(<(?:[A-Za-z_][\w.-]*:)?(?:author|creator|contributor|publisher|name|email|managingEditor|webMaster)"
    rb"(?:\s[^<>]*)?>\s*(?:<!\[CDATA\[)?)([^<\]]{%d,})" % (MAX_PERSON_FIELD_CHARS + 1),
    re.IGNORECASE,
)
_PARTIAL_TAIL = re.compile(rb"&[#\w]{0,10}$")
# feedparser flags these, but the feed itself is fine (a charset or media type mismatch).
_BENIGN_BOZO = (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)

# First path segments that name navigation, never a story.
_NAVIGATION_SEGMENTS = {
    "about",
    "account",
    "advertise",
    "author",
    "authors",
    "careers",
    "category",
    "categories",
    "contact",
    "help",
    "hub",
    "login",
    "newsletter",
    "newsletters",
    "privacy",
    "register",
    "search",
    "section",
    "sections",
    "signin",
    "subscribe",
    "tag",
    "tags",
    "terms",
    "topic",
    "topics",
    "feeds",
    "rss",
    "static",
    "assets",
    "cdn-cgi",
}
_DATE_IN_PATH = re.compile(r"/(19|20)\d{2}[/-](0?[1-9]|1[0-2])([/-](0?[1-9]|[12]\d|3[01]))?(/|-)")
_LONG_ID = re.compile(r"\d{6,}")
_FILE_EXTENSIONS = re.compile(r"\.(jpe?g|png|gif|webp|svg|pdf|zip|mp3|mp4|css|js|xml|rss|ico)$", re.I)


@dataclass(frozen=True)
class FeedEntryData:
    """One feed entry: identity, link and what the feed says about it."""

    entry_key: str
    guid: str | None
    url: str | None
    title: str | None
    summary: str | None
    authors: list[str]
    published_at: datetime | None
    updated_at: datetime | None


@dataclass(frozen=True)
class FeedParseResult:
    """The entries of a feed, and why parsing failed when nothing usable came out."""

    entries: list[FeedEntryData]
    error: str | None
    detail: str | None = None
    # What the feed says about its own pace (adaptive polling takes them as lower bounds):
    ttl: str | None = None  # RSS <ttl>, minutes
    update_period: str | None = None  # sy:updatePeriod
    update_frequency: str | None = None  # sy:updateFrequency


@dataclass(frozen=True)
class HubLinkData:
    """An article link found on a hub page."""

    url: str
    anchor_text: str | None


@dataclass(frozen=True)
class SitemapData:
    """A parsed sitemap: either child sitemaps (an index) or page URLs."""

    is_index: bool
    sitemaps: list[str]
    urls: list[SitemapUrl]
    error: str | None = None


@dataclass(frozen=True)
class SitemapUrl:
    """A ``<url>`` entry, with Google News fields when present."""

    url: str
    lastmod: datetime | None
    news_title: str | None
    news_published_at: datetime | None


def parse_feed(body: bytes, url: str, content_type: str | None = None) -> FeedParseResult:
    """Parse an RSS 0.9x/1.0/2.0, Atom or JSON Feed 1.0/1.1 document; links resolve against ``url``.

    XML feeds go through feedparser (6.0 reads no JSON Feed); a JSON content type, or a
    body that opens with ``{``, is read by :func:`parse_json_feed`.
    """
    if is_json_document(body, content_type):
        return parse_json_feed(body, url)
    headers = {"content-location": url, "content-type": content_type or "application/xml"}
    body = trim_person_fields(body)
    parsed = feedparser.parse(io.BytesIO(body), response_headers=headers)
    entries: list[FeedEntryData] = []
    for entry in parsed.entries:
        link = entry.get("link")
        link = urljoin(url, link) if link else None
        guid = entry.get("id") or None
        key = guid or link
        if not key:
            continue
        authors = [a.get("name") for a in entry.get("authors", []) if a.get("name")]
        if not authors and entry.get("author"):
            authors = [entry["author"]]
        entries.append(
            FeedEntryData(
                entry_key=key[:2000],
                guid=guid,
                url=link,
                title=_clean(entry.get("title")),
                summary=_clean(entry.get("summary")),
                authors=authors,
                # RSS 1.0's dc:date and Atom's lone <updated> arrive as "updated" only.
                published_at=_struct_time(
                    entry.get("published_parsed")
                    or entry.get("created_parsed")
                    or entry.get("updated_parsed")
                ),
                updated_at=_struct_time(entry.get("updated_parsed")),
            )
        )
    channel = parsed.get("feed", {})
    pace = {
        "ttl": _text_or_none(channel.get("ttl")),
        "update_period": _text_or_none(channel.get("sy_updateperiod")),
        "update_frequency": _text_or_none(channel.get("sy_updatefrequency")),
    }
    problem = parsed.get("bozo_exception")
    if parsed.get("bozo") and not isinstance(problem, _BENIGN_BOZO):
        detail = f"{type(problem).__name__}: {problem}"[:2000]
        if not entries:
            return FeedParseResult([], "bad_feed", detail)
        # Lenient parsing still found entries: use them, but say the feed is broken.
        recovered = f"{len(entries)} entries recovered; {detail}"
        return FeedParseResult(entries, "malformed_feed", recovered, **pace)
    if not entries and not parsed.get("version"):
        return FeedParseResult([], "bad_feed", "not an RSS, Atom or JSON Feed document")
    return FeedParseResult(entries, None, **pace)


def _text_or_none(value: object) -> str | None:
    return value.strip()[:100] or None if isinstance(value, str) else None


def is_json_document(body: bytes, content_type: str | None = None) -> bool:
    """Whether a feed body is JSON: by its media type (``application/feed+json``,
    ``application/json``), else by its first character."""
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    if media_type.endswith("json"):
        return True
    return body[:256].lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{"


def parse_json_feed(body: bytes, url: str) -> FeedParseResult:
    """Parse a JSON Feed 1.0 or 1.1 document (https://jsonfeed.org/version/1.1).

    Each item gives ``id`` (the entry key), ``url`` (else ``external_url``), ``title``,
    ``summary`` (else ``content_text``, else the text of ``content_html``),
    ``date_published``/``date_modified`` and its authors (1.1 ``authors``, 1.0 ``author``,
    else the feed's). Items that are not objects or have neither id nor url are skipped
    and the feed is then ``malformed_feed``; a document that is not a JSON Feed is ``bad_feed``.
    """
    try:
        document = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        return FeedParseResult([], "bad_feed", f"not JSON: {type(exc).__name__}: {exc}"[:2000])
    version = document.get("version") if isinstance(document, dict) else None
    if not isinstance(version, str) or "jsonfeed.org/version/" not in version:
        return FeedParseResult([], "bad_feed", "JSON, but not a JSON Feed (no jsonfeed.org version)")
    items = document.get("items")
    if not isinstance(items, list):
        return FeedParseResult([], "bad_feed", "a JSON Feed without an items list")
    feed_authors = _json_feed_authors(document)
    entries: list[FeedEntryData] = []
    for item in items:
        entry = _json_feed_entry(item, url, feed_authors)
        if entry is not None:
            entries.append(entry)
    skipped = len(items) - len(entries)
    if skipped and not entries:
        return FeedParseResult([], "bad_feed", f"none of its {len(items)} items has an id or url")
    if skipped:
        detail = f"{len(entries)} entries recovered; {skipped} items without an id or url, or not objects"
        return FeedParseResult(entries, "malformed_feed", detail)
    return FeedParseResult(entries, None)


def _json_feed_entry(item: Any, url: str, feed_authors: list[str]) -> FeedEntryData | None:
    if not isinstance(item, dict):
        return None
    raw_id = item.get("id")
    guid = str(raw_id).strip() if isinstance(raw_id, str | int) and not isinstance(raw_id, bool) else ""
    link = _json_text(item.get("url")) or _json_text(item.get("external_url"))
    link = urljoin(url, link) if link else None
    key = guid or link
    if not key:
        return None
    summary = _json_text(item.get("summary")) or _json_text(item.get("content_text"))
    if not summary and _json_text(item.get("content_html")):
        summary = _html_text(item["content_html"])
    updated = parse_w3c_datetime(_json_text(item.get("date_modified")))
    return FeedEntryData(
        entry_key=key[:2000],
        guid=guid or None,
        url=link,
        title=_clean(_json_text(item.get("title"))),
        summary=_clean(summary),
        authors=_json_feed_authors(item) or feed_authors,
        published_at=parse_w3c_datetime(_json_text(item.get("date_published"))) or updated,
        updated_at=updated,
    )


def _json_feed_authors(holder: dict[str, Any]) -> list[str]:
    """Names from JSON Feed 1.1 ``authors`` (a list) or 1.0 ``author`` (one object)."""
    people = holder.get("authors")
    if not isinstance(people, list):
        people = [holder.get("author")]
    names = [_json_text(person.get("name")) for person in people if isinstance(person, dict)]
    return [name[:MAX_PERSON_FIELD_CHARS] for name in names if name]


def _json_text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _html_text(fragment: str) -> str | None:
    try:
        return html.fragment_fromstring(fragment, create_parent="div").text_content()
    except (etree.ParserError, ValueError):
        return None


def trim_person_fields(body: bytes) -> bytes:
    """Return ``body`` with every author-like field cut to ``MAX_PERSON_FIELD_CHARS`` bytes.

    Works on the raw bytes before any parsing (plain text and CDATA alike), in linear time,
    so a feed cannot make the parser spend seconds per entry on a huge almost-e-mail author.
    """

    def cut(match: re.Match[bytes]) -> bytes:
        text = match.group(2)[:MAX_PERSON_FIELD_CHARS]
        text = _PARTIAL_TAIL.sub(b"", text)  # no half entity like "&am"
        while text and 0x80 <= text[-1] < 0xC0:  # no half UTF-8 character
            text = text[:-1]
        if text and text[-1] >= 0xC0:
            text = text[:-1]
        return match.group(1) + text

    return _PERSON_FIELD.sub(cut, body)


def looks_like_article_url(url: str, site_host: str | None = None) -> bool:
    """Guess whether ``url`` is a story page rather than navigation or an asset."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return False
    if site_host and (parts.hostname or "").lower() != site_host.lower():
        return False
    path = parts.path
    if _FILE_EXTENSIONS.search(path):
        return False
    segments = [s for s in path.split("/") if s]
    if not segments:
        return False
    # A path prefix like /outlet/ may precede the navigation word.
    if any(segment.lower() in _NAVIGATION_SEGMENTS for segment in segments[:2]):
        return bool(_DATE_IN_PATH.search(path + "/"))
    if _DATE_IN_PATH.search(path + "/"):
        return True
    last = re.sub(r"\.s?html?$", "", segments[-1])
    if last.count("-") + last.count("_") >= 3 and len(last) >= 20:
        return True
    return bool(_LONG_ID.search(last))


def hub_article_links(body: bytes, url: str, article_pattern: str | None = None) -> list[HubLinkData]:
    """Return the article links of a hub page in page order, without navigation.

    Links inside ``<nav>``, ``<header>`` and ``<footer>`` are skipped; the rest are
    kept when they match ``article_pattern`` (if given) or look like article URLs
    on the hub's own host.
    """
    if not body.strip():
        return []
    try:
        document = html.document_fromstring(body, base_url=url)
    except (etree.ParserError, ValueError):
        return []
    host = urlsplit(url).hostname
    pattern = re.compile(article_pattern) if article_pattern else None
    seen: set[str] = set()
    links: list[HubLinkData] = []
    for anchor in document.xpath("//a[@href][not(ancestor::nav or ancestor::header or ancestor::footer)]"):
        href = urljoin(url, anchor.get("href").strip()).split("#", 1)[0]
        matches = pattern.search(href) if pattern else looks_like_article_url(href, host)
        if not matches or href in seen:
            continue
        seen.add(href)
        text = " ".join(anchor.text_content().split()) or None
        links.append(HubLinkData(url=href, anchor_text=text))
    return links


def parse_sitemap(body: bytes, url: str) -> SitemapData:
    """Parse an XML sitemap, a sitemap index or a Google News sitemap (gzip allowed)."""
    if body[:2] == b"\x1f\x8b":
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(body)) as compressed:
                body = compressed.read(MAX_SITEMAP_BYTES + 1)
        except (OSError, EOFError) as exc:
            return SitemapData(False, [], [], error=f"bad gzip: {exc}")
        if len(body) > MAX_SITEMAP_BYTES:
            return SitemapData(False, [], [], error="sitemap larger than 50 MiB once decompressed")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=True, huge_tree=False)
    try:
        root = etree.fromstring(body, parser=parser)
    except etree.XMLSyntaxError as exc:
        return SitemapData(False, [], [], error=f"not XML: {exc}")
    if root is None:
        return SitemapData(False, [], [], error="empty or not XML")
    kind = etree.QName(root).localname
    if kind == "sitemapindex":
        locs = [urljoin(url, loc) for loc in _children_text(root, "sitemap", "loc")]
        return SitemapData(True, locs, [])
    if kind != "urlset":
        return SitemapData(False, [], [], error=f"not a sitemap (root element <{kind}>)")
    urls = []
    for node in root:
        if not isinstance(node.tag, str) or etree.QName(node).localname != "url":
            continue
        fields = _descendant_texts(node)
        loc = fields.get("loc")
        if not loc:
            continue
        urls.append(
            SitemapUrl(
                url=urljoin(url, loc),
                lastmod=parse_w3c_datetime(fields.get("lastmod")),
                news_title=fields.get("title"),
                news_published_at=parse_w3c_datetime(fields.get("publication_date")),
            )
        )
    return SitemapData(False, [], urls)


def parse_w3c_datetime(value: str | None) -> datetime | None:
    """Parse a W3C/ISO 8601 datetime or date into an aware UTC datetime (None if bad)."""
    if not value:
        return None
    text = value.strip().replace("Z", "+00:00")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _children_text(root: etree._Element, child: str, leaf: str) -> list[str]:
    found = []
    for node in root:
        if isinstance(node.tag, str) and etree.QName(node).localname == child:
            text = _descendant_texts(node).get(leaf)
            if text:
                found.append(text)
    return found


def _descendant_texts(node: etree._Element) -> dict[str, str]:
    texts: dict[str, str] = {}
    for element in node.iter():
        if isinstance(element.tag, str) and element.text and element.text.strip():
            texts.setdefault(etree.QName(element).localname, element.text.strip())
    return texts


def _struct_time(value: object) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return None


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    text = " ".join(value.split())
    return text or None
