"""Translate a config file's ``crawl:`` and ``network:`` sections into Scrapy settings.

:class:`pipelines.config.CrawlSettings` is the one registry of the crawl's defaults;
:data:`CRAWL_SETTINGS` below names the Scrapy setting each of its keys drives. The
project settings (``crawlers/settings.py``) take their values from the defaults, and a
config file overrides only the keys it writes, so ``scrapy crawl -s NAME=VALUE`` still
overrides both.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pipelines.config import CrawlSettings, StorylineConfig

#: Scrapy setting -> (the ``crawl:`` keys it depends on, how it is computed from them).
CRAWL_SETTINGS: dict[str, tuple[tuple[str, ...], Callable[[CrawlSettings], Any]]] = {
    "DOWNLOAD_DELAY": (("download_delay",), lambda c: c.download_delay),
    # Requests to a site are spread over 0.5x..1.5x the delay, unless the delay is off.
    "DOWNLOAD_DELAY_JITTER": (("download_delay",), lambda c: 0.5 if c.download_delay > 0 else 0.0),
    "CONCURRENT_REQUESTS": (
        ("concurrent_requests", "concurrent_requests_per_domain"),
        lambda c: max(c.concurrent_requests, c.concurrent_requests_per_domain),
    ),
    "CONCURRENT_REQUESTS_PER_DOMAIN": (
        ("concurrent_requests_per_domain",), lambda c: c.concurrent_requests_per_domain
    ),
    "AUTOTHROTTLE_ENABLED": (("autothrottle",), lambda c: c.autothrottle),
    "AUTOTHROTTLE_TARGET_CONCURRENCY": (
        ("autothrottle_target_concurrency",), lambda c: c.autothrottle_target_concurrency
    ),
    "ROBOTSTXT_OBEY": (("obey_robots_txt",), lambda c: c.obey_robots_txt),
    "USER_AGENT": (("user_agent",), lambda c: c.user_agent),
    "DOWNLOAD_TIMEOUT": (("download_timeout",), lambda c: c.download_timeout),
    "DOWNLOAD_MAXSIZE": (("max_page_bytes",), lambda c: c.max_page_bytes),
    # Scrapy warns about pages over 2 MiB, or over the limit when that is smaller.
    "DOWNLOAD_WARNSIZE": (("max_page_bytes",), lambda c: min(c.max_page_bytes, 2 * 1024 * 1024)),
    "RETRY_TIMES": (("retry_times",), lambda c: c.retry_times),
    "STORYLINE_RETRY_BACKOFF_BASE": (("retry_backoff_base",), lambda c: c.retry_backoff_base),
    "STORYLINE_RETRY_AFTER_MAX": (("retry_after_max",), lambda c: c.retry_after_max),
    "STORYLINE_MAX_ARTICLES_PER_SOURCE": (
        ("max_articles_per_source",), lambda c: c.max_articles_per_source
    ),
    "STORYLINE_SITEMAP_RECENT_DAYS": (("sitemap_recent_days",), lambda c: c.sitemap_recent_days),
    "STORYLINE_PARSE_TIMEOUT": (("parse_timeout",), lambda c: c.parse_timeout),
    "STORYLINE_FETCH_DEADLINE": (("fetch_deadline",), lambda c: c.fetch_deadline),
    "STORYLINE_POLL_MIN_SECONDS": (("poll_min_seconds",), lambda c: c.poll_min_seconds),
    "STORYLINE_POLL_MAX_SECONDS": (("poll_max_seconds",), lambda c: c.poll_max_seconds),
    "STORYLINE_REDISCOVER_DAYS": (("rediscover_days",), lambda c: c.rediscover_days),
    "STORYLINE_REVISIT_HOURS": (("revisit_hours",), lambda c: list(c.revisit_hours)),
}


#: ``crawl:`` keys that the crawl's launcher reads rather than Scrapy (see pipelines/shards.py).
LAUNCHER_KEYS = ("shards",)


def crawl_defaults() -> dict[str, Any]:
    """The Scrapy settings of a ``crawl:`` section left empty (the project's defaults)."""
    defaults = CrawlSettings()
    return {name: compute(defaults) for name, (_keys, compute) in CRAWL_SETTINGS.items()}


def scrapy_settings_for(config: StorylineConfig) -> dict[str, Any]:
    """Return the Scrapy settings a config sets: the ``crawl:`` keys it writes, its network and archive."""
    crawl = config.crawl
    written = crawl.model_fields_set
    settings = {
        name: compute(crawl)
        for name, (keys, compute) in CRAWL_SETTINGS.items()
        if written.intersection(keys)
    }
    settings["STORYLINE_ALLOW_PRIVATE"] = list(config.allow_private)
    settings["STORYLINE_ARCHIVE_DIR"] = config.archive_dir
    return settings
