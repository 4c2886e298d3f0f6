"""The owner of an article URL: the source sharing the most whole path segments with it."""

from __future__ import annotations

import itertools
import os
import random

from crawlers.ownership import SourceOwners, configured_urls
from pipelines.config import SourceConfig


def _source(name: str, **urls: list[str] | str) -> SourceConfig:
    return SourceConfig(name=name, **urls)


def _reference_owner(url: str, discovered_by: SourceConfig, sources: list[SourceConfig]) -> SourceConfig:
    """The definition, compared source by source over the longest segment-aligned common prefix."""

    def shared(source: SourceConfig) -> int:
        longest = 0
        for configured in configured_urls(source):
            directory = configured.rsplit("/", 1)[0] + "/"
            length = len(os.path.commonprefix([url, directory]))
            if length < len(directory):
                length = directory.rfind("/", 0, length) + 1
            longest = max(longest, length)
        return longest

    best, best_length = discovered_by, shared(discovered_by)
    for source in sources:
        if shared(source) > best_length:
            best, best_length = source, shared(source)
    return best


def test_a_shared_sitemap_lists_pages_of_the_outlet_whose_paths_they_share() -> None:
    wire = _source("Wire", sitemaps=["http://127.0.0.1:8000/sitemap-index.xml"])
    north = _source("North", feeds=["http://127.0.0.1:8000/north/feed.xml"])
    south = _source("South", hubs=["http://127.0.0.1:8000/south/news/"])
    owners = SourceOwners([wire, north, south])
    assert owners.owner("http://127.0.0.1:8000/north/2026/fire.html", wire) is north
    assert owners.owner("http://127.0.0.1:8000/south/news/vote.html", wire) is south
    assert owners.owner("http://127.0.0.1:8000/elsewhere/page.html", north) is north  # a tie
    assert owners.owner("http://127.0.0.2/north/page.html", south) is south  # another host


def test_owners_agree_with_the_definition_on_generated_configs() -> None:
    rng = random.Random(5)
    hosts = ["http://127.0.0.1:8000", "http://127.0.0.2", "https://127.0.0.3:9000"]
    segments = ["news", "world", "north", "feed", "2026", "sport"]

    def path(depth: int) -> str:
        return "/".join(rng.choice(segments) for _ in range(depth))

    for _ in range(20):
        sources = [
            _source(
                f"S{number}",
                feeds=[f"{rng.choice(hosts)}/{path(rng.randint(0, 3))}/feed.xml"],
                hubs=[f"{rng.choice(hosts)}/{path(rng.randint(1, 3))}/"] if rng.random() < 0.5 else [],
            )
            for number in range(8)
        ]
        owners = SourceOwners(sources)
        for discovered_by, _ in itertools.product(sources, range(10)):
            url = f"{rng.choice(hosts)}/{path(rng.randint(0, 4))}/story-{rng.randint(1, 99)}.html"
            assert owners.owner(url, discovered_by) is _reference_owner(url, discovered_by, sources)
