"""Tests of the loopback FixtureServer used by crawler tests: every behaviour, over real HTTP."""

from __future__ import annotations

import http.client
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

try:
    from tests.support.fixture_server import PNG_BYTES, FixtureServer
except ImportError:  # tests/ is not a package: pytest puts tests/ itself on sys.path
    from support.fixture_server import PNG_BYTES, FixtureServer


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def _get(
    url: str, headers: dict[str, str] | None = None, method: str = "GET"
) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers or {}, method=method)
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=5) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture
def server() -> Iterator[FixtureServer]:
    with FixtureServer() as running:
        yield running


def test_address_and_plain_route(server: FixtureServer) -> None:
    assert server.host_port.startswith("127.0.0.1:")
    assert server.base_url == f"http://{server.host_port}"
    server.add("/a.html", "<p>hello</p>", headers={"X-Test": "1"})
    status, headers, body = _get(server.url("/a.html?utm_source=x"), {"X-Probe": "yes"})
    assert (status, body) == (200, b"<p>hello</p>")
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert headers["X-Test"] == "1"
    assert server.hits["/a.html"] == 1
    assert server.requests[-1].path == "/a.html?utm_source=x"
    assert server.requests[-1].headers["X-Probe"] == "yes"


def test_unknown_path_is_404_and_custom_status(server: FixtureServer) -> None:
    server.add("/gone", b"gone", status=410)
    assert _get(server.url("/nope"))[0] == 404
    assert _get(server.url("/gone"))[0] == 410


def test_head_sends_no_body(server: FixtureServer) -> None:
    server.add("/h", b"12345")
    status, headers, body = _get(server.url("/h"), method="HEAD")
    assert (status, headers["Content-Length"], body) == (200, "5", b"")
    assert server.requests[-1].method == "HEAD"


def test_redirect(server: FixtureServer) -> None:
    server.add_redirect("/old", "/new", status=302)
    status, headers, _ = _get(server.url("/old"))
    assert (status, headers["Location"]) == (302, "/new")


def test_conditional_get(server: FixtureServer) -> None:
    modified = "Mon, 26 Jan 2026 10:00:00 GMT"
    server.add_conditional(
        "/feed.xml", b"<rss/>", etag='"v1"', last_modified=modified, content_type="application/rss+xml"
    )
    status, headers, body = _get(server.url("/feed.xml"))
    assert (status, headers["ETag"], headers["Last-Modified"], body) == (200, '"v1"', modified, b"<rss/>")
    assert _get(server.url("/feed.xml"), {"If-None-Match": '"v1"'})[0] == 304
    assert _get(server.url("/feed.xml"), {"If-None-Match": '"v0"'})[0] == 200
    assert _get(server.url("/feed.xml"), {"If-Modified-Since": modified})[0] == 304
    older = "Sun, 25 Jan 2026 10:00:00 GMT"
    assert _get(server.url("/feed.xml"), {"If-Modified-Since": older})[0] == 200


def test_slow_route_delays_and_does_not_block_shutdown() -> None:
    with FixtureServer() as server:
        server.add_slow("/slow", 0.3)
        started = time.monotonic()
        assert _get(server.url("/slow"))[0] == 200
        assert time.monotonic() - started >= 0.3
        server.add_slow("/very-slow", 20)
        connection = http.client.HTTPConnection(
            server.host_port.split(":")[0], int(server.host_port.split(":")[1]), timeout=5
        )
        connection.request("GET", "/very-slow")
        time.sleep(0.1)
    stopped_after = time.monotonic() - started
    connection.close()
    assert stopped_after < 3


def test_retry_after_then_success(server: FixtureServer) -> None:
    server.add_retry_after("/busy", seconds=2, then_body=b"ok", status=429)
    status, headers, _ = _get(server.url("/busy"))
    assert (status, headers["Retry-After"]) == (429, "2")
    assert _get(server.url("/busy"))[:3:2] == (200, b"ok")
    assert server.hits["/busy"] == 2


def test_huge_body_is_streamed(server: FixtureServer) -> None:
    size = 3 * 1024 * 1024 + 17
    server.add_huge("/huge", size)
    status, headers, body = _get(server.url("/huge"))
    assert (status, int(headers["Content-Length"]), len(body)) == (200, size, size)


def test_binary_and_bad_encoding(server: FixtureServer) -> None:
    server.add_binary("/img.png")
    server.add_bad_encoding("/latin1.html")
    status, headers, body = _get(server.url("/img.png"))
    assert (status, headers["Content-Type"], body) == (200, "image/png", PNG_BYTES)
    status, headers, body = _get(server.url("/latin1.html"))
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    assert "café" in body.decode("latin-1")


def test_drop_closes_without_response(server: FixtureServer) -> None:
    server.add_drop("/drop")
    with pytest.raises((http.client.RemoteDisconnected, ConnectionResetError, urllib.error.URLError)):
        _get(server.url("/drop"))
    assert server.hits["/drop"] == 1


def test_reset_and_stop_twice() -> None:
    server = FixtureServer()
    server.start()
    server.add("/x", b"x")
    _get(server.url("/x"))
    server.reset()
    assert server.hits == {} and server.requests == []
    server.stop()
    server.stop()
    with pytest.raises(RuntimeError):
        _ = server.base_url
