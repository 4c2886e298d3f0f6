"""A hostile news site on loopback: the traps, bombs and broken documents of the open web, and a canary.

:class:`HostileSite` is a :class:`~tests.support.fixture_server.FixtureServer` (127.0.0.1,
a free port) with the behaviours a crawler must survive: a body trickled a byte at a
time, a request never answered, a connection reset, a body shorter than its
``Content-Length``, a gzip bomb, an endless chunked body, redirect loops and chains.
:class:`CanaryServer` listens on 127.0.0.2 only (never a private-range or metadata
address) and counts every request: a crawler that respects its address guard never
reaches it, however it is linked or redirected to.

The documents (feeds, sitemaps, pages) are built by the tests; this module only serves.
"""

from __future__ import annotations

import socket
import struct
import threading
import zlib
from collections import Counter
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.support.fixture_server import HTML, FixtureServer

CANARY_HOST = "127.0.0.2"
GZIP_BOMB_INFLATED = 1024**3  # 1 GiB once decompressed, about 1 MB on the wire
_BOMB_MEMBER = 16 * 1024**2


@cache
def gzip_bomb(inflated: int = GZIP_BOMB_INFLATED) -> bytes:
    """Return gzip bytes that inflate to ``inflated`` zero bytes (a multi-member stream).

    One 16 MiB member of zeros compresses to about 16 KB; concatenated members are
    one valid gzip stream, so the bomb costs a fraction of a second to build.
    """
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: gzip container
    member = compressor.compress(bytes(_BOMB_MEMBER)) + compressor.flush()
    return member * (inflated // _BOMB_MEMBER)


class HostileSite(FixtureServer):
    """The fixture server plus hostile behaviours; every slow one wakes when the server stops."""

    thread_name = "hostile-site"

    def add_trickle(self, path: str, interval: float = 0.2, content_type: str = HTML) -> None:
        """Send headers at once, then one byte every ``interval`` seconds, never finishing."""

        def handle(request: BaseHTTPRequestHandler) -> None:
            _send_head(request, {"Content-Type": content_type, "Content-Length": "200000"})
            try:
                request.wfile.write(b"<html><body><p>")
                while self._sleep(interval):
                    request.wfile.write(b"x")
                    request.wfile.flush()
            except OSError:
                return

        self.route(path, handle)

    def add_hang(self, path: str) -> None:
        """Read the request and never answer (until the server stops)."""

        def handle(request: BaseHTTPRequestHandler) -> None:
            request.close_connection = True
            while self._sleep(1.0):
                pass

        self.route(path, handle)

    def add_reset(self, path: str) -> None:
        """Answer with a TCP reset: linger 0 and close, no byte of a response."""

        def handle(request: BaseHTTPRequestHandler) -> None:
            request.close_connection = True
            request.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            request.connection.close()

        self.route(path, handle)

    def add_short_body(self, path: str, declared: int = 20_000, sent: int = 500) -> None:
        """Declare ``declared`` bytes of HTML, send ``sent`` and close the connection."""

        def handle(request: BaseHTTPRequestHandler) -> None:
            _send_head(request, {"Content-Type": HTML, "Content-Length": str(declared)})
            try:
                request.wfile.write((b"<html><body><p>" + b"y" * sent)[:sent])
            except OSError:
                return

        self.route(path, handle)

    def add_gzip_bomb(self, path: str, inflated: int = GZIP_BOMB_INFLATED) -> None:
        """Serve :func:`gzip_bomb` as ``Content-Encoding: gzip`` HTML."""
        self.add(path, gzip_bomb(inflated), headers={"Content-Encoding": "gzip"})

    def add_endless_chunked(self, path: str) -> None:
        """Stream a chunked HTML body as fast as the client reads, without end."""
        chunk = b"<p>" + b"z" * 65_000 + b"</p>\n"
        framed = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"

        def handle(request: BaseHTTPRequestHandler) -> None:
            _send_head(request, {"Content-Type": HTML, "Transfer-Encoding": "chunked"})
            try:
                while not self._stopping.is_set():
                    request.wfile.write(framed)
            except OSError:
                return

        self.route(path, handle)

    def add_redirect_loop(self, first: str, second: str) -> None:
        """``first`` redirects to ``second`` and ``second`` back to ``first``."""
        self.add_redirect(first, second, status=302)
        self.add_redirect(second, first, status=302)

    def add_redirect_chain(self, prefix: str, hops: int) -> None:
        """``prefix/1`` redirects to ``prefix/2`` ... up to ``prefix/hops``, each to the next."""
        for hop in range(1, hops + 1):
            self.add_redirect(f"{prefix}/{hop}", f"{prefix}/{hop + 1}", status=302)


def _send_head(request: BaseHTTPRequestHandler, headers: dict[str, str]) -> None:
    """Send status 200 and ``headers``; the connection closes after this response."""
    request.send_response(200)
    for name, value in headers.items():
        request.send_header(name, value)
    request.end_headers()
    request.close_connection = True


class CanaryServer:
    """An HTTP server on 127.0.0.2 that answers 200 and counts each request's path."""

    def __init__(self) -> None:
        self.hits: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    def __enter__(self) -> CanaryServer:
        canary = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - name fixed by BaseHTTPRequestHandler
                with canary._lock:
                    canary.hits[self.path] += 1
                body = b"canary: a crawler reached a loopback address it must refuse"
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                """Stay quiet."""

        self._server = ThreadingHTTPServer((CANARY_HOST, 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def base_url(self) -> str:
        """``http://127.0.0.2:PORT``."""
        assert self._server is not None, "the canary is not running"
        return f"http://{CANARY_HOST}:{self._server.server_address[1]}"

    @property
    def total_hits(self) -> int:
        with self._lock:
            return sum(self.hits.values())
