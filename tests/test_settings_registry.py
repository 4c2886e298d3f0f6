"""One registry of crawl settings: the config schema's defaults are the Scrapy project's defaults."""

from __future__ import annotations

from pathlib import Path

import yaml
from scrapy.settings import Settings

from crawlers.config_settings import CRAWL_SETTINGS, LAUNCHER_KEYS, crawl_defaults, scrapy_settings_for
from crawlers.run import crawl_settings
from crawlers.spiders.news import NewsSpider
from pipelines.config import CrawlSettings, parse_config

SOURCES = [{"name": "A", "feeds": ["http://127.0.0.1:9/feed"]}]


def test_every_crawl_key_drives_a_scrapy_setting_and_says_what_it_is():
    driven = {key for keys, _compute in CRAWL_SETTINGS.values() for key in keys}
    assert driven | set(LAUNCHER_KEYS) == set(CrawlSettings.model_fields)
    assert all(field.description for field in CrawlSettings.model_fields.values())


def test_the_project_settings_are_the_registry_defaults():
    project = Settings()
    project.setmodule("crawlers.settings", priority="project")
    defaults = crawl_defaults()
    assert {name: project.get(name) for name in defaults} == defaults
    assert project["USER_AGENT"] == CrawlSettings().user_agent and project.getbool("ROBOTSTXT_OBEY")


def test_a_config_overrides_only_the_keys_it_writes():
    config = parse_config({"crawl": {"download_delay": 0}, "sources": SOURCES})
    assert scrapy_settings_for(config) == {
        "DOWNLOAD_DELAY": 0.0,
        "DOWNLOAD_DELAY_JITTER": 0.0,
        "STORYLINE_ALLOW_PRIVATE": [],
        "STORYLINE_ARCHIVE_DIR": "data/archive",
    }


def test_command_line_settings_win_over_the_config_and_the_config_over_the_defaults(tmp_path: Path):
    config = tmp_path / "c.yaml"
    document = {"crawl": {"download_delay": 0, "concurrent_requests_per_domain": 5}, "sources": SOURCES}
    config.write_text(yaml.safe_dump(document), encoding="utf-8")
    settings = crawl_settings(str(config), f"sqlite:///{tmp_path / 'w.db'}")
    settings.set("DOWNLOAD_DELAY", 7.0, priority="cmdline")  # scrapy crawl news -s DOWNLOAD_DELAY=7
    NewsSpider.update_settings(settings)
    assert settings.getfloat("DOWNLOAD_DELAY") == 7.0
    assert settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == 5
    assert settings["USER_AGENT"] == CrawlSettings().user_agent
    assert settings.getpriority("USER_AGENT") < settings.getpriority("CONCURRENT_REQUESTS_PER_DOMAIN")


def test_no_spider_callback_is_a_generator_returning_a_value():
    """WARN_ON_GENERATOR_RETURN_VALUE is off (Scrapy's check ran for every response): this is it, once."""
    import inspect

    from scrapy.utils.misc import is_generator_with_return_value

    from crawlers.spiders.discover import DiscoverSpider

    project = Settings()
    project.setmodule("crawlers.settings", priority="project")
    assert project.getbool("WARN_ON_GENERATOR_RETURN_VALUE") is False
    callbacks = [
        member
        for spider in (NewsSpider, DiscoverSpider)
        for name, member in inspect.getmembers(spider, inspect.isfunction)
        if name.startswith(("parse", "on_"))
    ]
    assert len(callbacks) >= 6
    assert not [c.__qualname__ for c in callbacks if is_generator_with_return_value(c)]
