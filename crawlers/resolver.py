"""A DNS resolver that never hands the downloader a non-public address.

:class:`~crawlers.downloadermiddlewares.private_address.PrivateAddressGuardMiddleware`
checks a host's addresses before a request is sent, but the downloader resolves the
name again when it connects. A DNS server that answers with a public address first and
a private one next (DNS rebinding) would slip between the two lookups. This resolver is
the lookup the connection itself uses (Scrapy's ``TWISTED_DNS_RESOLVER``), so checking
here closes that gap: a host listed in ``network.allow_private`` may resolve anywhere,
any other host only to public addresses. A refused lookup fails like an unresolvable
name (``DNSLookupError``), which the fetch recorder stores as error ``dns`` with the
reason in ``error_detail``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from scrapy.resolver import CachingThreadedResolver
from twisted.internet import defer, error

from crawlers.downloadermiddlewares.private_address import is_public_address
from pipelines.config import ConfigError, load_config


def allowed_hosts(entries: Sequence[str]) -> frozenset[str]:
    """Return the host names of ``host:port`` allow-list entries (lower case, no brackets)."""
    return frozenset(entry.rpartition(":")[0].strip("[]").lower() for entry in entries)


class PublicAddressResolver(CachingThreadedResolver):
    """Scrapy's caching resolver, refusing non-public answers for hosts not allow-listed."""

    allowed: frozenset[str] = frozenset()

    @classmethod
    def from_crawler(cls, crawler: Any, reactor: Any) -> PublicAddressResolver:
        # Scrapy builds resolvers from the process settings, before any spider applies its
        # config, so the allow-list is read from the config file those settings name.
        resolver = super().from_crawler(crawler, reactor)
        if not crawler.settings.get("STORYLINE_CONFIG"):
            return resolver  # no config (storyline sources discover without --config): nothing allowed
        try:
            config = load_config(crawler.settings.get("STORYLINE_CONFIG"))
        except ConfigError:
            return resolver  # nothing allowed; the crawl itself reports the bad config
        resolver.allowed = allowed_hosts(config.allow_private)
        return resolver

    def getHostByName(self, name: str, timeout: Sequence[int] = ()) -> defer.Deferred[str]:  # noqa: N802
        """Resolve ``name`` (cached) and fail unless the answer may be connected to."""
        lookup = super().getHostByName(name, timeout)
        lookup.addCallback(self._refuse_private, name)
        return lookup

    def _refuse_private(self, address: str, name: str) -> str:
        if name.lower() in self.allowed or is_public_address(address):
            return address
        raise error.DNSLookupError(
            f"{name} resolved to non-public address {address} when connecting; "
            f"list '{name}:<port>' under network.allow_private to allow it"
        )
