"""A loopback news site for ``benchmarks/pipeline.py``: N article pages over 20 outlets.

Every outlet has an RSS feed, a hub page and a sitemap; each lists two thirds of the
outlet's articles (article k of an outlet: feed when k % 3 is 0 or 1, hub when 1 or 2,
sitemap when 2 or 0), so all three discovery paths find articles and every article is
found twice. Pages are real pages of the extraction corpus (read at run time, cycled),
each with a generated paragraph after the first paragraph of its story so that no two
pages are equal, and a canonical link to its own URL. Without the corpus the pages come
from the bundled demo site's articles instead.

One server on ``127.0.0.1`` serves every outlet under its own path prefix (``/outlet-07/``):
the crawler gives an article to the source whose configured URLs share the longest path
prefix with it, and Scrapy keeps one download slot per host name, so one host with the
per-domain limit raised fetches like 20 hosts would. Pages are rendered per request from
a template, so 20,000 pages do not sit in memory. Feeds, hubs, sitemaps and articles carry
``ETag`` and ``Last-Modified`` and answer ``304`` to matching validators; ``counts`` tallies
GETs by kind of page and status.
"""

from __future__ import annotations

import gzip
import json
import random
import re
import zlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import lxml.html

from storyline.loopback import LoopbackServer

OUTLETS = 20
CANONICAL_MARK = "STORYLINEBENCHCANONICAL"
PARAGRAPH_MARK = "STORYLINEBENCHPARAGRAPH"
HTML = "text/html; charset=utf-8"

_WORDS = (
    "council harbour ferry budget river bridge station library market festival school hospital "
    "storm rail tram museum vote mayor minister report police court energy water farm port "
    "inquiry contract union strike tariff drought vaccine satellite orchestra stadium election "
    "reservoir shipyard bakery airline refinery glacier census pension theatre airport canal"
).split()
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class PageTemplate:
    """A page split around the canonical URL and the generated paragraph.

    The page is ``head + canonical URL + middle + paragraph + tail``.
    """

    origin: str
    head: str
    middle: str
    tail: str


def _normalized(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def make_template(html: str, origin: str, reference_body: str | None = None) -> PageTemplate:
    """Return ``html`` as a template: own canonical link, a slot for one more paragraph.

    Existing canonical links, ``og:url``, ``<base>`` and charset declarations are removed.
    The slot goes after the first place where the story's text starts (a ``<p>`` or text
    opening a paragraph of ``reference_body``, else the longest ``<p>``) at which bare
    ``trafilatura.extract`` keeps it, so the extracted texts of all pages differ too; else
    at the first such place, else at the end of ``<body>``. Raises ``ValueError`` for a page
    lxml cannot parse.
    """
    import trafilatura

    document = lxml.html.document_fromstring(html)
    for node in document.xpath(
        "//link[contains(translate(@rel, 'CANONIL', 'canonil'), 'canonical')] | //base"
        " | //meta[@property='og:url'] | //meta[@charset]"
        " | //meta[translate(@http-equiv, 'CONTEYP', 'conteyp')='content-type']"
    ):
        node.drop_tree()
    head = document.find("head")
    if head is None:
        head = lxml.html.Element("head")
        document.insert(0, head)
    head.insert(0, lxml.html.fragment_fromstring(f'<link rel="canonical" href="{CANONICAL_MARK}">'))
    head.insert(0, lxml.html.fragment_fromstring('<meta charset="utf-8">'))
    slot = lxml.html.fragment_fromstring(f"<p>{PARAGRAPH_MARK}</p>")
    probe = generated_paragraph(0, 0)
    chosen = None
    for anchor in _slot_anchors(document, reference_body):
        anchor.addnext(slot)
        text = _serialize(document)
        if (trafilatura.extract(text.replace(PARAGRAPH_MARK, probe)) or "").find(probe[:40]) >= 0:
            chosen = text
            break
        slot.getparent().remove(slot)
    if chosen is None:
        anchors = _slot_anchors(document, reference_body)
        if anchors:
            anchors[0].addnext(slot)
        else:
            body = document.find("body")
            (body if body is not None else document).append(slot)
        chosen = _serialize(document)
    head_part, rest = chosen.split(CANONICAL_MARK, 1)
    middle, tail = rest.split(PARAGRAPH_MARK, 1)
    return PageTemplate(origin=origin, head=head_part, middle=middle, tail=tail)


def _serialize(document: Any) -> str:
    return "<!DOCTYPE html>\n" + lxml.html.tostring(document, encoding="unicode", method="html")


def _slot_anchors(document: Any, reference_body: str | None, limit: int = 6) -> list[Any]:
    """Elements to put the slot after, best first: where the story's paragraphs start."""
    body = document.find("body")
    if body is None:
        return []
    anchors: list[Any] = []
    paragraphs = [(p, _normalized(p.text_content())) for p in body.iter("p")]
    keys = []
    if reference_body:
        starts = [_normalized(part) for part in reference_body.split("\n")]
        keys = [start[:30] for start in starts if len(start) >= 30][:12]
        anchors += [p for p, text in paragraphs if any(text.startswith(key) for key in keys)]
        for element in body.iter():
            if not isinstance(element.tag, str) or element.tag in ("script", "style"):
                continue
            if element.tail and any(key in _normalized(element.tail) for key in keys):
                anchors.append(element)
            elif element.text and any(key in _normalized(element.text) for key in keys):
                children = list(element)
                anchors.append(children[0] if children else element)
    anchors += [p for p, _ in sorted(paragraphs, key=lambda pair: -len(pair[1]))[:2] if p not in anchors]
    unique: list[Any] = []
    for anchor in anchors:
        if anchor not in unique and anchor is not body:
            unique.append(anchor)
    return unique[:limit]


def corpus_templates(directory: Path) -> list[PageTemplate]:
    """Return a template per page of the extraction corpus at ``directory`` (sorted by id).

    Raises ``FileNotFoundError`` when the directory holds no ``*.html.gz`` page.
    """
    templates = []
    for page in sorted(directory.glob("*.html.gz")):
        item_id = page.name.removesuffix(".html.gz")
        label_path = directory / f"{item_id}.json"
        label = json.loads(label_path.read_text(encoding="utf-8")) if label_path.exists() else {}
        html = gzip.decompress(page.read_bytes()).decode("utf-8", errors="replace")
        try:
            templates.append(make_template(html, f"corpus:{item_id[:12]}", label.get("articleBody")))
        except ValueError:
            continue
    if not templates:
        raise FileNotFoundError(f"no *.html.gz pages in {directory}")
    return templates


def demo_templates() -> list[PageTemplate]:
    """Return a template per article page of the bundled demo site (rendered on loopback)."""
    from storyline.demo_site import DemoSite

    with DemoSite() as site:
        bodies = [
            (entry.key, site.resource(entry.url_path))
            for entry in site.manifest
            if entry.is_article and entry.expected_status == 200
        ]
    return [
        make_template(resource.body.decode("utf-8"), f"demo:{key}")
        for key, resource in bodies
        if resource is not None
    ]


def generated_paragraph(number: int, seed: int) -> str:
    """Return page ``number``'s own paragraph: five sentences of seeded, deterministic words."""
    chooser = random.Random(seed * 1_000_003 + number)
    sentences = []
    for _ in range(5):
        words = [chooser.choice(_WORDS) for _ in range(chooser.randint(10, 18))]
        sentences.append(" ".join(words).capitalize() + ".")
    return f"Update {number}: " + " ".join(sentences)


class BenchSite(LoopbackServer):
    """``pages`` article pages over 20 outlets, with feeds, hubs and sitemaps, on loopback."""

    thread_name = "storyline-bench-site"

    def __init__(self, pages: int, templates: list[PageTemplate], seed: int = 11) -> None:
        super().__init__()
        if not templates:
            raise ValueError("BenchSite needs at least one page template")
        self.templates = templates
        self.seed = seed
        self.started = datetime.now(UTC).replace(microsecond=0)
        day = self.started.strftime("%Y/%m/%d")
        self.article_paths = [
            f"/outlet-{n % OUTLETS:02d}/{day}/story-{n:06d}-{_slug(n)}.html" for n in range(pages)
        ]
        self.article_numbers = {path: n for n, path in enumerate(self.article_paths)}
        self.counts: Counter[tuple[str, int]] = Counter()
        self._discovery: dict[str, tuple[str, bytes]] = {}

    # --- content ---------------------------------------------------------------------------

    def outlet_urls(self, outlet: int) -> dict[str, str]:
        """Return the feed, hub and sitemap URL of ``outlet`` (0-based)."""
        prefix = f"{self.base_url}/outlet-{outlet:02d}"
        return {
            "feed": f"{prefix}/feed.xml",
            "hub": f"{prefix}/section/news/",
            "sitemap": f"{prefix}/sitemap.xml",
        }

    def article_body(self, number: int) -> bytes:
        """Return article ``number``'s page (its template, own canonical URL and paragraph)."""
        template = self.templates[number % len(self.templates)]
        url = self.base_url + self.article_paths[number]
        paragraph = generated_paragraph(number, self.seed)
        return (template.head + url + template.middle + paragraph + template.tail).encode("utf-8")

    def _outlet_articles(self, outlet: int, residues: Iterable[int]) -> list[int]:
        wanted = set(residues)
        return [n for n in range(outlet, len(self.article_paths), OUTLETS) if (n // OUTLETS) % 3 in wanted]

    def _on_start(self) -> None:
        base, stamp = self.base_url, self.started
        for outlet in range(OUTLETS):
            name = f"Bench Outlet {outlet:02d}"
            items = "".join(
                f"<item><title>Story {n}</title><link>{base}{self.article_paths[n]}</link>"
                f"<guid>{base}{self.article_paths[n]}</guid>"
                f"<pubDate>{format_datetime(stamp, usegmt=True)}</pubDate></item>"
                for n in self._outlet_articles(outlet, (0, 1))
            )
            feed = (
                f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
                f"<title>{name}</title><link>{base}/outlet-{outlet:02d}/</link>"
                f"<description>{name}</description>{items}</channel></rss>"
            )
            links = "".join(
                f'<li><a href="{self.article_paths[n]}">Story {n} from {escape(name)}</a></li>'
                for n in self._outlet_articles(outlet, (1, 2))
            )
            hub = (
                f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>News | {name}</title></head>"
                f"<body><nav><a href='/outlet-{outlet:02d}/'>Home</a></nav>"
                f"<main><h1>News</h1><ul>{links}</ul></main></body></html>"
            )
            urls = "".join(
                f"<url><loc>{base}{self.article_paths[n]}</loc><lastmod>{stamp.isoformat()}</lastmod></url>"
                for n in self._outlet_articles(outlet, (2, 0))
            )
            sitemap = (
                '<?xml version="1.0" encoding="utf-8"?>'
                f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
            )
            paths = self.outlet_urls(outlet)
            self._discovery[paths["feed"].removeprefix(base)] = ("application/rss+xml", feed.encode())
            self._discovery[paths["hub"].removeprefix(base)] = (HTML, hub.encode())
            self._discovery[paths["sitemap"].removeprefix(base)] = ("application/xml", sitemap.encode())
        self._discovery["/robots.txt"] = ("text/plain", b"User-agent: *\nAllow: /\n")

    def resolve(self, path: str) -> tuple[str, str, bytes] | None:
        """Return (kind, content type, body) served at ``path``, or None for a 404."""
        number = self.article_numbers.get(path)
        if number is not None:
            return "article", HTML, self.article_body(number)
        found = self._discovery.get(path)
        if found is None:
            return None
        kind = {"feed.xml": "feed", "sitemap.xml": "sitemap", "robots.txt": "robots"}.get(
            path.rsplit("/", 1)[-1], "hub"
        )
        return kind, found[0], found[1]

    # --- counters ------------------------------------------------------------------------

    def record(self, kind: str, status: int) -> None:
        """Count one GET of a ``kind`` page answered with ``status``."""
        with self._lock:
            self.counts[(kind, status)] += 1

    def take_counts(self) -> Counter[tuple[str, int]]:
        """Return the GETs counted so far and start counting from zero."""
        with self._lock:
            counts, self.counts = self.counts, Counter()
        return counts

    def handler_class(self) -> type[BaseHTTPRequestHandler]:
        return _make_handler(self)


def _slug(number: int) -> str:
    chooser = random.Random(number)
    return "-".join(chooser.choice(_WORDS) for _ in range(4))


def _make_handler(site: BenchSite) -> type[BaseHTTPRequestHandler]:
    last_modified = format_datetime(site.started, usegmt=True)

    class BenchHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 - name fixed by BaseHTTPRequestHandler
            path = self.path.split("?", 1)[0]
            found = site.resolve(path)
            if found is None:
                site.record("other", 404)
                self._send(404, "text/plain", b"not found\n", None)
                return
            kind, content_type, body = found
            etag = f'"{site.seed}-{zlib.crc32(path.encode()):08x}"'
            if self._not_modified(etag):
                site.record(kind, 304)
                self._send(304, None, b"", etag)
                return
            site.record(kind, 200)
            self._send(200, content_type, body, etag)

        def _not_modified(self, etag: str) -> bool:
            if_none_match = self.headers.get("If-None-Match")
            if if_none_match is not None:
                return etag in [tag.strip() for tag in if_none_match.split(",")]
            since = self.headers.get("If-Modified-Since")
            if not since:
                return False
            try:
                return site.started <= parsedate_to_datetime(since)
            except (TypeError, ValueError):
                return False

        def _send(self, status: int, content_type: str | None, body: bytes, etag: str | None) -> None:
            self.send_response(status)
            if content_type:
                self.send_header("Content-Type", content_type)
            if etag:
                self.send_header("ETag", etag)
                self.send_header("Last-Modified", last_modified)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if body:
                self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            """Stay quiet: the benchmark prints its own figures."""

    return BenchHandler
