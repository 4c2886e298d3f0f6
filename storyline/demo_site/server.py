"""Serve the demo news site on loopback with conditional GET, validators and a hit counter.

``DemoSite`` renders every page once when it starts (the base URL is known only then) and
serves them from memory on ``127.0.0.1`` with a ``ThreadingHTTPServer`` in a daemon thread.
Feeds, hubs, sitemaps and articles carry ``ETag`` and ``Last-Modified`` and answer ``304`` to
matching ``If-None-Match`` / ``If-Modified-Since``. ``hits`` counts requests per path (query
strings stripped, so a tracking-parameter fetch counts against the clean path).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.message import Message
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler
from urllib.parse import urlsplit

from storyline.demo_site import render
from storyline.demo_site.content import OUTLETS
from storyline.demo_site.site import ManifestEntry, build_manifest, resolve_anchor
from storyline.loopback import LoopbackServer

RSS = "application/rss+xml; charset=utf-8"
ATOM = "application/atom+xml; charset=utf-8"
JSON_FEED = "application/feed+json; charset=utf-8"
XML = "application/xml; charset=utf-8"
HTML = "text/html; charset=utf-8"
TEXT = "text/plain; charset=utf-8"


@dataclass(frozen=True)
class Resource:
    """A pre-rendered response; ``last_modified`` None means no validators are sent."""

    body: bytes
    content_type: str
    status: int = 200
    last_modified: datetime | None = None

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha1(self.body).hexdigest()[:20] + '"'


def _http_date(moment: datetime) -> str:
    return format_datetime(moment.astimezone(UTC).replace(microsecond=0), usegmt=True)


def _not_modified(resource: Resource, headers: Message) -> bool:
    """Return True when the request's validators match ``resource``."""
    if resource.last_modified is None or resource.status != 200:
        return False
    get = headers.get
    if_none_match = get("If-None-Match")
    if if_none_match is not None:
        tags = [tag.strip() for tag in if_none_match.split(",")]
        return "*" in tags or resource.etag in tags or f"W/{resource.etag}" in tags
    if_modified_since = get("If-Modified-Since")
    if if_modified_since:
        try:
            since = parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError):
            return False
        if since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        return resource.last_modified.replace(microsecond=0) <= since
    return False


class DemoSite(LoopbackServer):
    """The fictional four-outlet news site, served on loopback.

    ``DemoSite(anchor_date)`` builds the manifest (raises ``ValueError`` for a future anchor);
    ``start()`` binds ``host:port`` (port 0 picks a free one) and returns ``"host:port"``.
    Use it as a context manager to start and stop it.
    """

    thread_name = "storyline-demo-site"

    def __init__(self, anchor_date: date | None = None, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__(host, port)
        now = datetime.now(UTC)
        self.anchor_date: date = resolve_anchor(anchor_date, now)
        self.manifest: list[ManifestEntry] = build_manifest(self.anchor_date, now)
        self.hits: Counter[str] = Counter()
        self.requests: list[tuple[str, str]] = []  # (method, raw request target)
        self._resources: dict[str, Resource] = {}

    def handler_class(self) -> type[BaseHTTPRequestHandler]:
        return _make_handler(self)

    def _on_start(self) -> None:
        self._resources = self._render_all()

    def serve_forever(self) -> None:
        """Start and block until interrupted (for ``python -m storyline.demo_site``)."""
        self.start()
        assert self._thread is not None
        try:
            while self._thread.is_alive():
                self._thread.join(timeout=0.5)
        finally:
            self.stop()

    # --- counters ------------------------------------------------------------------------------

    def reset_hits(self) -> None:
        """Forget every counted hit and logged request."""
        with self._lock:
            self.hits.clear()
            self.requests.clear()

    def _record(self, method: str, target: str) -> None:
        with self._lock:
            self.hits[urlsplit(target).path] += 1
            self.requests.append((method, target))

    # --- content -----------------------------------------------------------------------------

    def feed_paths(self) -> dict[str, str]:
        """Return outlet slug -> path of its (working) feed."""
        return {outlet.slug: outlet.feed_path for outlet in OUTLETS}

    def hub_paths(self) -> dict[str, list[str]]:
        """Return outlet slug -> paths of the section pages the demo config crawls as hubs."""
        return {
            outlet.slug: [f"/{outlet.slug}/section/{section}/" for section in outlet.hub_sections]
            for outlet in OUTLETS
        }

    def resource(self, path: str) -> Resource | None:
        """Return the response served at ``path`` (without query), or None for a 404."""
        return self._resources.get(path)

    def _render_all(self) -> dict[str, Resource]:
        base = self.base_url
        manifest = self.manifest
        year = self.anchor_date.year
        newest = max(entry.modified for entry in manifest)
        resources: dict[str, Resource] = {
            "/robots.txt": Resource(render.render_robots(base).encode(), TEXT, 200, newest),
            "/sitemap-index.xml": Resource(
                render.render_sitemap_index(manifest, base).encode(), XML, 200, newest
            ),
        }
        for outlet in OUTLETS:
            pages = render.outlet_pages(manifest, outlet.slug)
            latest = max(entry.modified for entry in pages)
            feed_latest = max(e.modified for e in render.feed_entries(manifest, outlet))
            map_latest = max(e.modified for e in render.sitemap_entries(manifest, outlet))
            feed_type = {"atom": ATOM, "rdf": XML, "json": JSON_FEED}.get(outlet.feed_format, RSS)
            resources[outlet.feed_path] = Resource(
                render.render_feed(manifest, outlet, base).encode(), feed_type, 200, feed_latest
            )
            for broken in outlet.extra_feed_paths:
                resources[broken] = Resource(
                    render.render_broken_feed(outlet, base).encode(), RSS, 200, latest
                )
            resources[f"/{outlet.slug}/sitemap.xml"] = Resource(
                render.render_sitemap(manifest, outlet, base).encode(), XML, 200, map_latest
            )
            if outlet.news_sitemap:
                resources[f"/{outlet.slug}/news-sitemap.xml"] = Resource(
                    render.render_news_sitemap(manifest, outlet, base).encode(),
                    XML,
                    200,
                    map_latest,
                )
            resources[f"/{outlet.slug}/"] = Resource(
                render.render_hub(manifest, outlet, None, year).encode(), HTML, 200, latest
            )
            for section in outlet.sections:
                resources[f"/{outlet.slug}/section/{section}/"] = Resource(
                    render.render_hub(manifest, outlet, section, year).encode(), HTML, 200, latest
                )
            for slug in render.STATIC_PAGES:
                resources[f"/{outlet.slug}/{slug}/"] = Resource(
                    render.render_static(manifest, outlet, slug, year).encode(), HTML, 200, None
                )
        for entry in manifest:
            if entry.expected_status == 500:
                resources[entry.url_path] = Resource(
                    render.render_error(500, "Internal Server Error").encode(), HTML, 500
                )
            elif entry.expected_status == 200:
                resources[entry.url_path] = Resource(
                    render.render_article(entry, manifest, base).encode(),
                    HTML,
                    200,
                    entry.modified,
                )
        return resources


def _make_handler(site: DemoSite) -> type[BaseHTTPRequestHandler]:
    class DemoSiteHandler(BaseHTTPRequestHandler):
        server_version = "StorylineDemo/1.0"
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 - name fixed by BaseHTTPRequestHandler
            self._respond(send_body=True)

        def do_HEAD(self) -> None:  # noqa: N802
            self._respond(send_body=False)

        def _respond(self, send_body: bool) -> None:
            site._record(self.command, self.path)
            path = urlsplit(self.path).path
            resource = site.resource(path)
            if resource is None:
                resource = Resource(render.render_error(404, "Not Found").encode(), HTML, 404)
            if _not_modified(resource, self.headers):
                self.send_response(304)
                self.send_header("ETag", resource.etag)
                assert resource.last_modified is not None
                self.send_header("Last-Modified", _http_date(resource.last_modified))
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(resource.status)
            self.send_header("Content-Type", resource.content_type)
            self.send_header("Content-Length", str(len(resource.body)))
            if resource.last_modified is not None and resource.status == 200:
                self.send_header("ETag", resource.etag)
                self.send_header("Last-Modified", _http_date(resource.last_modified))
                self.send_header("Cache-Control", "max-age=60")
            self.end_headers()
            if send_body:
                self.wfile.write(resource.body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            """Stay quiet: tests and demos do not want an access log on stderr."""

    return DemoSiteHandler
