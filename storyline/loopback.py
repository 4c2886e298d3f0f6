"""A small HTTP server on loopback (127.0.0.1 by default, any 127.0.0.0/8 address), served
from a daemon thread: the base of the demo site and of the tests' fixture server."""

from __future__ import annotations

import ipaddress
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Self

LOOPBACK_HOST = "127.0.0.1"


class LoopbackServer:
    """Serve ``handler_class()`` on ``host:port`` (0 picks a free port) until stopped.

    ``host`` must be an IPv4 loopback address (127.0.0.0/8): a second address such as
    127.0.0.2 gives a second site its own domain, never a non-loopback one.

    Subclasses provide the handler and may prepare content in :meth:`_on_start` (the base
    URL is known by then) or wake sleeping handlers in :meth:`_on_stop`.
    """

    thread_name = "loopback-server"

    def __init__(self, host: str = LOOPBACK_HOST, port: int = 0) -> None:
        if not _is_loopback_v4(host):
            raise ValueError(f"{type(self).__name__} only binds 127.0.0.0/8 addresses, not {host!r}")
        self._address = (host, port)
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def handler_class(self) -> type[BaseHTTPRequestHandler]:
        """The request handler class bound to this server."""
        raise NotImplementedError

    def _on_start(self) -> None:
        """Hook run after binding, before serving."""

    def _on_stop(self) -> None:
        """Hook run before shutting down."""

    def start(self) -> str:
        """Bind and serve in a background thread; return ``"HOST:PORT"``."""
        if self._server is None:
            server = ThreadingHTTPServer(self._address, self.handler_class())
            server.daemon_threads = True
            server.block_on_close = False
            self._server = server
            self._on_start()
            self._thread = threading.Thread(
                target=server.serve_forever,
                kwargs={"poll_interval": 0.05},
                daemon=True,
                name=self.thread_name,
            )
            self._thread.start()
        return self.host_port

    def stop(self) -> None:
        """Stop serving and close the socket; safe to call twice."""
        server, self._server = self._server, None
        if server is None:
            return
        self._on_stop()
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def host_port(self) -> str:
        """``"127.0.0.1:PORT"`` of the running server; raises ``RuntimeError`` before ``start()``."""
        if self._server is None:
            raise RuntimeError(f"{type(self).__name__} is not running; call start() or use `with`")
        host, port = self._server.server_address[:2]
        return f"{host}:{port}"

    @property
    def base_url(self) -> str:
        """``"http://127.0.0.1:PORT"``."""
        return f"http://{self.host_port}"

    def url(self, path: str) -> str:
        """Return the absolute URL of ``path`` on this server."""
        return self.base_url + path


def _is_loopback_v4(host: str) -> bool:
    try:
        return ipaddress.IPv4Address(host) in ipaddress.IPv4Network("127.0.0.0/8")
    except ValueError:
        return False
