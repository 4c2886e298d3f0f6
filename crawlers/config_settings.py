"""Translate a config file's ``crawl:`` section into Scrapy settings."""

from __future__ import annotations

from typing import Any

from pipelines.config import CrawlSettings, StorylineConfig


def scrapy_settings_for(config: StorylineConfig) -> dict[str, Any]:
    """Return the Scrapy settings that a config's ``crawl:`` and ``network:`` sections imply."""
    crawl: CrawlSettings = config.crawl
    return {
        "DOWNLOAD_DELAY": crawl.download_delay,
        "DOWNLOAD_DELAY_JITTER": 0.5 if crawl.download_delay > 0 else 0.0,
        "CONCURRENT_REQUESTS": max(crawl.concurrent_requests, crawl.concurrent_requests_per_domain),
        "CONCURRENT_REQUESTS_PER_DOMAIN": crawl.concurrent_requests_per_domain,
        "AUTOTHROTTLE_ENABLED": crawl.autothrottle,
        "AUTOTHROTTLE_TARGET_CONCURRENCY": crawl.autothrottle_target_concurrency,
        "ROBOTSTXT_OBEY": crawl.obey_robots_txt,
        "USER_AGENT": crawl.user_agent,
        "DOWNLOAD_TIMEOUT": crawl.download_timeout,
        "DOWNLOAD_MAXSIZE": crawl.max_page_bytes,
        "DOWNLOAD_WARNSIZE": min(crawl.max_page_bytes, 2 * 1024 * 1024),
        "RETRY_TIMES": crawl.retry_times,
        "STORYLINE_RETRY_BACKOFF_BASE": crawl.retry_backoff_base,
        "STORYLINE_RETRY_AFTER_MAX": crawl.retry_after_max,
        "STORYLINE_MAX_ARTICLES_PER_SOURCE": crawl.max_articles_per_source,
        "STORYLINE_SITEMAP_RECENT_DAYS": crawl.sitemap_recent_days,
        "STORYLINE_PARSE_TIMEOUT": crawl.parse_timeout,
        "STORYLINE_FETCH_DEADLINE": crawl.fetch_deadline,
        "STORYLINE_ALLOW_PRIVATE": list(config.allow_private),
        "STORYLINE_ARCHIVE_DIR": config.archive_dir,
    }
