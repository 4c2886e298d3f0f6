"""Crawl shards: each source belongs to one of ``crawl.shards`` shards, chosen by its domain.

A source's shard follows from a SHA-256 of its *registrable* domain (``bbc.co.uk`` for
``feeds.bbc.co.uk``), so every source of one domain lands in the same shard and one
crawler per shard keeps Scrapy's per-domain politeness whole. Nothing else enters the
hash: adding or removing a source never moves another one. The hash is spread over the
shards with Lamping and Veach's jump consistent hash, so raising the shard count from S
to S+1 moves only the sources that now belong to the new shard (about 1/(S+1) of them).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from urllib.parse import urlsplit

import tldextract

from pipelines.config import SourceConfig, StorylineConfig

# The public suffix list bundled with tldextract: no download, the same answer on every
# worker that has the same tldextract version.
_SUFFIXES = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def registrable_domain(url: str) -> str:
    """Return the domain a registrar sells for ``url`` (``bbc.co.uk``), lower case.

    Hosts without a public suffix (an IP address, ``localhost``) are their own domain.
    Raises ``ValueError`` when ``url`` has no host.
    """
    host = (urlsplit(url).hostname or "").lower()
    if not host:
        raise ValueError(f"{url!r}: no host to take a domain from")
    return _SUFFIXES(host).top_domain_under_public_suffix or host


def source_domain(source: SourceConfig) -> str:
    """Return the registrable domain of a source's first URL (feeds, hubs, sitemaps, then homepage)."""
    return registrable_domain((*source.feeds, *source.hubs, *source.sitemaps, source.homepage or "")[0])


def shard_of_domain(domain: str, shards: int) -> int:
    """Return the shard (0 .. shards-1) of a registrable domain; raises ``ValueError`` if shards < 1."""
    if shards < 1:
        raise ValueError(f"shards must be at least 1, got {shards}")
    key = int.from_bytes(hashlib.sha256(domain.encode("utf-8")).digest()[:8], "big")
    return _jump_hash(key, shards)


def shard_of(source: SourceConfig, shards: int) -> int:
    """Return the shard of ``source`` among ``shards`` shards."""
    return shard_of_domain(source_domain(source), shards)


def shard_keys(config: StorylineConfig) -> list[str]:
    """Return the names of a config's shards: ``"0"``, ``"1"``, ... up to ``crawl.shards``."""
    return [str(shard) for shard in range(config.crawl.shards)]


def shard_label(shard: int, shards: int) -> str:
    """Return how ``crawl_runs.shard`` names shard ``shard`` of ``shards``: ``"0/2"``."""
    return f"{shard}/{shards}"


def shard_of_urls(urls: Sequence[str], shards: int) -> int:
    """Return the shard of a source given its URLs (feeds, then hubs, then sitemaps); 0 without any."""
    return shard_of_domain(registrable_domain(urls[0]), shards) if urls else 0


def sources_in_shard(config: StorylineConfig, shard: int) -> StorylineConfig:
    """Return ``config`` with only the sources of ``shard`` (possibly none).

    Raises ``ValueError`` naming the config when ``shard`` is not one of its shards.
    """
    shards = config.crawl.shards
    if not 0 <= shard < shards:
        raise ValueError(f"{config.path}: shard {shard} does not exist (crawl.shards is {shards})")
    kept = tuple(source for source in config.sources if shard_of(source, shards) == shard)
    return config.model_copy(update={"sources": kept})


def _jump_hash(key: int, buckets: int) -> int:
    """Lamping and Veach's jump consistent hash of a 64-bit key into ``buckets`` buckets."""
    bucket, candidate = -1, 0
    while candidate < buckets:
        bucket = candidate
        key = (key * 2862933555777941757 + 1) % (1 << 64)
        candidate = int((bucket + 1) * ((1 << 31) / ((key >> 33) + 1)))
    return bucket
