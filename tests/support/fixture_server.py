"""A small loopback HTTP server for crawler tests: one behaviour (status, delay, drop ...) per path.

Usage::

    with FixtureServer() as server:
        server.add("/page.html", b"<html>...</html>")
        server.add_retry_after("/busy.xml", seconds=1, then_body=b"<rss/>")
        fetch(server.base_url + "/page.html")
        assert server.hits["/page.html"] == 1

It listens on 127.0.0.1 and a free port, serves GET and HEAD from a ``ThreadingHTTPServer`` in
a daemon thread, counts ``hits`` per path (query stripped) and logs every request with its
headers in ``requests``. Unknown paths answer 404. Slow handlers wake up when the server stops,
so shutdown never waits for a sleeping response.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler
from urllib.parse import urlsplit

from storyline.loopback import LoopbackServer

HTML = "text/html; charset=utf-8"
MAX_DELAY_SECONDS = 30.0  # no behaviour sleeps longer than this
_CHUNK = 64 * 1024

Handler = Callable[["_RequestHandler"], None]


@dataclass(frozen=True)
class LoggedRequest:
    """One request the server received."""

    method: str
    path: str  # raw request target, query included
    headers: dict[str, str]
    received_at: float = 0.0  # time.monotonic() when the request line arrived


class FixtureServer(LoopbackServer):
    """Loopback HTTP server whose responses are registered per path by the test.

    ``add()`` and the ``add_*`` helpers may be called before or after ``start()``; a later
    registration for the same path replaces the earlier one.
    """

    thread_name = "fixture-server"

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__(host, port)
        self._routes: dict[str, Handler] = {}
        self._stopping = threading.Event()
        self.hits: Counter[str] = Counter()
        self.requests: list[LoggedRequest] = []

    def handler_class(self) -> type[BaseHTTPRequestHandler]:
        return _make_handler(self)

    def _on_start(self) -> None:
        self._stopping.clear()

    def _on_stop(self) -> None:
        self._stopping.set()  # wake handlers sleeping in a delay

    def reset(self) -> None:
        """Forget counted hits and logged requests (routes stay)."""
        with self._lock:
            self.hits.clear()
            self.requests.clear()

    # --- behaviours --------------------------------------------------------------------------

    def route(self, path: str, handler: Handler) -> None:
        """Register a custom handler for ``path`` (it gets the request handler instance)."""
        with self._lock:
            self._routes[path] = handler

    def add(
        self,
        path: str,
        body: bytes | str = b"",
        status: int = 200,
        headers: dict[str, str] | None = None,
        content_type: str = HTML,
        delay: float = 0.0,
    ) -> None:
        """Serve ``body`` with ``status`` and extra ``headers`` at ``path``, after ``delay`` s."""
        payload = body.encode() if isinstance(body, str) else body
        extra = dict(headers or {})

        def handle(request: _RequestHandler) -> None:
            if delay and not self._sleep(delay):
                request.close_connection = True
                return
            request.reply(status, payload, content_type, extra)

        self.route(path, handle)

    def add_redirect(self, path: str, to: str, status: int = 301) -> None:
        """Redirect ``path`` to ``to`` (absolute URL or path) with ``status``."""
        self.add(path, b"", status=status, headers={"Location": to})

    def add_conditional(
        self,
        path: str,
        body: bytes | str,
        etag: str | None = None,
        last_modified: str | None = None,
        content_type: str = HTML,
    ) -> None:
        """Serve ``body`` with validators; answer 304 when the request's validators match.

        ``etag`` defaults to a hash of the body (quoted); ``last_modified`` is an HTTP date.
        """
        payload = body.encode() if isinstance(body, str) else body
        tag = etag or '"' + hashlib.sha1(payload).hexdigest()[:16] + '"'
        validators = {"ETag": tag}
        if last_modified:
            validators["Last-Modified"] = last_modified

        def handle(request: _RequestHandler) -> None:
            if _matches(request, tag, last_modified):
                request.reply(304, b"", None, validators)
            else:
                request.reply(200, payload, content_type, validators)

        self.route(path, handle)

    def add_slow(self, path: str, seconds: float, body: bytes | str = b"slow") -> None:
        """Sleep ``seconds`` (at most ``MAX_DELAY_SECONDS``) before answering 200."""
        self.add(path, body, delay=min(seconds, MAX_DELAY_SECONDS))

    def add_retry_after(
        self,
        path: str,
        seconds: int,
        then_body: bytes | str,
        status: int = 503,
        failures: int = 1,
        content_type: str = HTML,
    ) -> None:
        """Answer ``status`` (429/503) with ``Retry-After`` ``failures`` times, then 200."""
        payload = then_body.encode() if isinstance(then_body, str) else then_body
        remaining = [failures]

        def handle(request: _RequestHandler) -> None:
            with self._lock:
                fail = remaining[0] > 0
                remaining[0] -= 1 if fail else 0
            if fail:
                retry = {"Retry-After": str(seconds)}
                request.reply(status, b"busy, try later", "text/plain", retry)
            else:
                request.reply(200, payload, content_type, {})

        self.route(path, handle)

    def add_huge(
        self, path: str, size_bytes: int, content_type: str = HTML, declare_length: bool = True
    ) -> None:
        """Stream a ``size_bytes`` body in chunks (with or without Content-Length)."""

        def handle(request: _RequestHandler) -> None:
            request.send_response(200)
            request.send_header("Content-Type", content_type)
            if declare_length:
                request.send_header("Content-Length", str(size_bytes))
            else:
                request.send_header("Connection", "close")
                request.close_connection = True
            request.end_headers()
            if request.command == "HEAD":
                return
            chunk = b"<p>" + b"x" * (_CHUNK - 8) + b"</p>\n\n"
            sent = 0
            try:
                while sent < size_bytes and not self._stopping.is_set():
                    piece = chunk[: size_bytes - sent]
                    request.wfile.write(piece)
                    sent += len(piece)
            except (BrokenPipeError, ConnectionResetError):
                request.close_connection = True

        self.route(path, handle)

    def add_binary(self, path: str, content_type: str = "image/png") -> None:
        """Serve a small PNG (binary bytes, not text)."""
        self.add(path, PNG_BYTES, content_type=content_type)

    def add_bad_encoding(self, path: str) -> None:
        """Declare ``charset=utf-8`` but send latin-1 bytes (invalid as UTF-8)."""
        text = (
            '<html><head><meta charset="utf-8"><title>Café déjà vu</title></head><body>'
            "<p>Señora Müller visited the café in Zürich.</p></body></html>"
        )
        self.add(path, text.encode("latin-1"), content_type=HTML)

    def add_drop(self, path: str) -> None:
        """Close the connection without sending any response."""

        def handle(request: _RequestHandler) -> None:
            request.close_connection = True

        self.route(path, handle)

    # --- internals ---------------------------------------------------------------------------

    def _sleep(self, seconds: float) -> bool:
        """Sleep up to ``seconds``; return False if the server stopped meanwhile."""
        deadline = time.monotonic() + min(seconds, MAX_DELAY_SECONDS)
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return True
            if self._stopping.wait(min(left, 0.05)):
                return False

    def _dispatch(self, request: _RequestHandler) -> None:
        path = urlsplit(request.path).path
        with self._lock:
            self.hits[path] += 1
            logged = LoggedRequest(request.command, request.path, dict(request.headers), time.monotonic())
            self.requests.append(logged)
            handler = self._routes.get(path)
        if handler is None:
            request.reply(404, b"<h1>404 Not Found</h1>", HTML, {})
        else:
            handler(request)


def _matches(request: BaseHTTPRequestHandler, etag: str, last_modified: str | None) -> bool:
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match is not None:
        tags = {tag.strip() for tag in if_none_match.split(",")}
        return bool(tags & {etag, f"W/{etag}", "*"})
    if_modified_since = request.headers.get("If-Modified-Since")
    if if_modified_since and last_modified:
        try:
            return parsedate_to_datetime(last_modified) <= parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError):
            return False
    return False


class _RequestHandler(BaseHTTPRequestHandler):
    """Routes every request to the owning ``FixtureServer``."""

    protocol_version = "HTTP/1.1"
    server_version = "FixtureServer/1.0"
    fixture: FixtureServer

    def do_GET(self) -> None:  # noqa: N802 - name fixed by BaseHTTPRequestHandler
        self.fixture._dispatch(self)

    def do_HEAD(self) -> None:  # noqa: N802
        self.fixture._dispatch(self)

    def reply(self, status: int, body: bytes, content_type: str | None, headers: dict[str, str]) -> None:
        """Send a complete response (no body for HEAD and 304)."""
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(0 if status == 304 else len(body)))
        self.end_headers()
        if self.command != "HEAD" and status != 304 and body:
            try:
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Stay quiet."""


def _make_handler(fixture: FixtureServer) -> type[_RequestHandler]:
    return type("FixtureRequestHandler", (_RequestHandler,), {"fixture": fixture})


# A valid 1x1 transparent PNG.
PNG_BYTES = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4"
    "890000000d4944415478da63f8ffff3f0005fe02fea7d6a4b40000000049454e44ae426082"
)
