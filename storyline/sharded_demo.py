"""The demo site as two domains: its four outlets split over two loopback addresses, two shards.

The scale-out demo and its tests need sources in different registrable domains. Two
copies of the demo site are served, one on 127.0.0.2 and one on 127.0.0.3 (IP addresses
are their own domain, and these two hash to shards 0 and 1 of two); Harbor Herald and
Northgate Post are crawled from the first, Valley Wire and Meridian Daily from the
second. Loopback only, like the demo itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import date
from pathlib import Path

import yaml

from pipelines.shards import shard_of_domain
from storyline.demo_site import DemoSite

#: One loopback address per shard (shard_of_domain puts them in shards 0 and 1 of 2).
SHARD_HOSTS = ("127.0.0.2", "127.0.0.3")
#: Which outlets each address serves to the crawl, by shard.
SHARD_OUTLETS = (("Harbor Herald", "Northgate Post"), ("Valley Wire", "Meridian Daily"))
_OUTLET_URLS = {
    "Harbor Herald": {
        "feeds": ["/harbor-herald/feed.xml"],
        "hubs": ["/harbor-herald/section/world/", "/harbor-herald/section/local/"],
        "sitemaps": ["/harbor-herald/news-sitemap.xml"],
    },
    "Northgate Post": {
        "feeds": ["/northgate-post/atom.xml"],
        "hubs": ["/northgate-post/section/politics/"],
        "sitemaps": ["/northgate-post/sitemap.xml"],
    },
    "Valley Wire": {
        "feeds": ["/valley-wire/index.rdf"],
        "hubs": ["/valley-wire/section/region/", "/valley-wire/section/culture/"],
        "sitemaps": ["/valley-wire/sitemap.xml"],
    },
    "Meridian Daily": {
        "feeds": ["/meridian-daily/rss"],
        "hubs": ["/meridian-daily/section/news/"],
        "sitemaps": ["/meridian-daily/sitemap.xml"],
    },
}


@contextmanager
def two_domain_sites(anchor_date: date | None = None) -> Iterator[tuple[DemoSite, DemoSite]]:
    """Serve the demo site on both shard addresses (same anchor day) until the block ends."""
    with ExitStack() as stack:
        first = stack.enter_context(DemoSite(anchor_date, host=SHARD_HOSTS[0]))
        second = stack.enter_context(DemoSite(first.anchor_date, host=SHARD_HOSTS[1]))
        yield first, second


def write_sharded_config(path: Path, sites: tuple[DemoSite, DemoSite], archive_dir: Path) -> Path:
    """Write a two-shard crawl config over ``sites`` to ``path`` and return it.

    Raises ``RuntimeError`` if the addresses do not fall in different shards.
    """
    if [shard_of_domain(host, 2) for host in SHARD_HOSTS] != [0, 1]:
        raise RuntimeError(f"{SHARD_HOSTS} no longer hash to shards 0 and 1 of 2")
    sources = []
    for site, outlets in zip(sites, SHARD_OUTLETS, strict=True):
        for name in outlets:
            paths = _OUTLET_URLS[name]
            urls = {kind: [site.base_url + path for path in paths[kind]] for kind in paths}
            sources.append({"name": name, **urls})
    document = {
        "network": {"allow_private": [site.host_port for site in sites]},
        "archive": {"dir": str(archive_dir)},
        "crawl": {
            "download_delay": 0,
            "concurrent_requests_per_domain": 16,
            "autothrottle": False,
            "shards": 2,
        },
        "sources": sources,
    }
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path
