"""Which configured source an article URL belongs to.

A shared sitemap index or a syndication hub may list other outlets' pages, so the source
that discovered a link is not always its owner. The owner is the source one of whose
configured URLs (feeds, hubs, sitemaps, homepage) has a directory sharing the most whole
path segments with the link; ties go to the source that discovered it, then to the first
in config order. The directories' segment prefixes are indexed once per crawl, so finding
an owner costs one dictionary lookup per segment of the link, however many sources there
are.
"""

from __future__ import annotations

from collections.abc import Iterable

from pipelines.config import SourceConfig


def segment_prefixes(url: str) -> list[str]:
    """Every prefix of ``url`` that ends with a ``/``, shortest first."""
    return [url[: index + 1] for index, char in enumerate(url) if char == "/"]


def configured_urls(source: SourceConfig) -> tuple[str, ...]:
    """The source's configured feeds, hubs, sitemaps and homepage."""
    return (*source.feeds, *source.hubs, *source.sitemaps, *filter(None, [source.homepage]))


class SourceOwners:
    """Finds the owner of an article URL among the configured sources."""

    def __init__(self, sources: Iterable[SourceConfig]) -> None:
        self._by_prefix: dict[str, list[SourceConfig]] = {}
        for source in sources:
            directories = {url.rsplit("/", 1)[0] + "/" for url in configured_urls(source)}
            prefixes = {prefix for directory in directories for prefix in segment_prefixes(directory)}
            for prefix in prefixes:
                self._by_prefix.setdefault(prefix, []).append(source)

    def owner(self, url: str, discovered_by: SourceConfig) -> SourceConfig:
        """The source ``url`` belongs to; ``discovered_by`` when no source shares more of it."""
        for prefix in reversed(segment_prefixes(url)):
            sources = self._by_prefix.get(prefix)
            if sources:
                if any(source is discovered_by for source in sources):
                    return discovered_by
                return sources[0]
        return discovered_by
