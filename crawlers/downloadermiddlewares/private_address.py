"""Refuse requests that are not http(s) or that resolve to a private address.

A feed or hub can link anywhere, including the crawler's own network (a router,
a cloud metadata endpoint). After DNS resolution every address of the host is
checked; loopback, private, link-local, reserved, multicast and unspecified
addresses are refused unless the exact ``host:port`` is listed in the config's
``network.allow_private`` (setting ``STORYLINE_ALLOW_PRIVATE``). Redirects pass
through here again, so a public URL redirecting inward is refused too.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest

_DEFAULT_PORTS = {"http": 80, "https": 443}


class BlockedRequest(IgnoreRequest):
    """A request refused by the guard; ``reason`` is a short machine-readable code."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def is_public_address(address: str) -> bool:
    """Return True when ``address`` (an IP literal) is a public, routable address."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_reserved
        or ip.is_multicast
        or ip.is_unspecified
    )


class PrivateAddressGuardMiddleware:
    """Downloader middleware that raises :class:`BlockedRequest` for unsafe targets."""

    def __init__(self, allow_private: list[str]) -> None:
        self.allow_private = {entry.lower() for entry in allow_private}
        self._resolved: dict[tuple[str, int], list[str]] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PrivateAddressGuardMiddleware:
        return cls(crawler.settings.getlist("STORYLINE_ALLOW_PRIVATE"))

    async def process_request(self, request: Request, spider: Spider | None = None) -> None:
        parts = urlsplit(request.url)
        scheme = parts.scheme.lower()
        if scheme not in _DEFAULT_PORTS:
            raise BlockedRequest(
                "bad_scheme", f"only http and https are fetched, not {scheme or 'no scheme'}"
            )
        host = (parts.hostname or "").lower()
        if not host:
            raise BlockedRequest("bad_url", f"no host in {request.url}")
        port = parts.port or _DEFAULT_PORTS[scheme]
        if f"{host}:{port}" in self.allow_private:
            return None
        for address in await self._addresses(host, port):
            if not is_public_address(address):
                raise BlockedRequest(
                    "blocked_private_address",
                    f"{host}:{port} resolves to non-public address {address}; "
                    f"list '{host}:{port}' under network.allow_private to allow it",
                )
        return None

    async def _addresses(self, host: str, port: int) -> list[str]:
        key = (host, port)
        if key not in self._resolved:
            try:
                ipaddress.ip_address(host.strip("[]"))
                self._resolved[key] = [host.strip("[]")]
            except ValueError:
                loop = asyncio.get_running_loop()
                try:
                    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
                except socket.gaierror as exc:
                    raise BlockedRequest("dns", f"cannot resolve {host}: {exc}") from exc
                self._resolved[key] = sorted({info[4][0] for info in infos})
        return self._resolved[key]
