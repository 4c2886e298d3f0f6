"""The ``discover`` spider: what a homepage reveals (feeds, sitemaps, hubs), without a warehouse.

``storyline sources discover URL [--config FILE]`` runs it through :func:`discover_homepage`.
It uses the crawl's own network rules (the config's ``network.allow_private``, robots.txt,
the private-address guard and resolver, politeness) but writes nothing: no fetch rows, no
WARC records. The search itself is :func:`crawlers.homepage.discover`, as in a crawl.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import scrapy
from lxml import etree, html
from scrapy.crawler import CrawlerProcess
from scrapy.http import Response
from scrapy.http.request import NO_CALLBACK
from scrapy.settings import Settings
from twisted.python.failure import Failure

from crawlers.config_settings import scrapy_settings_for
from crawlers.downloadermiddlewares.fetch_recorder import classify_failure
from crawlers.homepage import Found, Page, discover
from pipelines.config import StorylineConfig

#: The crawl's components that write to the warehouse, switched off here.
_WAREHOUSE_COMPONENTS = {
    "DOWNLOADER_MIDDLEWARES": (
        "crawlers.downloadermiddlewares.conditional_get.ConditionalGetMiddleware",
        "crawlers.downloadermiddlewares.fetch_recorder.FetchRecorderMiddleware",
    ),
    "SPIDER_MIDDLEWARES": ("crawlers.spidermiddlewares.known_articles.KnownArticleMiddleware",),
    "ITEM_PIPELINES": ("crawlers.pipelines.WarehousePipeline",),
    "EXTENSIONS": ("crawlers.extensions.progress.CrawlProgress",),
}


@dataclass
class Discovery:
    """What a homepage revealed, or why it could not be read."""

    homepage: str
    site_name: str | None = None
    found: list[Found] = field(default_factory=list)
    error: str | None = None


class DiscoverSpider(scrapy.Spider):
    """Fetches one homepage and searches it for feeds, sitemaps and section hubs."""

    name = "discover"

    def __init__(self, homepage: str = "", result: Discovery | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.result = result or Discovery(homepage)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield scrapy.Request(
            self.result.homepage, callback=self.parse_homepage, errback=self.on_error, dont_filter=True
        )

    async def parse_homepage(self, response: Response) -> AsyncIterator[Any]:
        """Search the homepage (kinds feed, hub and sitemap) and keep what it revealed."""
        content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1")
        if response.status != 200:
            self.result.error = f"the homepage answered HTTP {response.status}"
            return
        if content_type and not content_type.lower().startswith(("text/html", "application/xhtml")):
            self.result.error = f"the homepage is {content_type}, not HTML"
            return
        self.result.site_name = site_name(response.body, response.url)
        page = Page(response.url, 200, response.body, content_type)
        self.result.found = await discover(page, ("feed", "hub", "sitemap"), self._fetch)
        return
        yield  # an async generator, as Scrapy callbacks may be

    async def _fetch(self, url: str, kind: str) -> Page:
        request = scrapy.Request(
            url, callback=NO_CALLBACK, dont_filter=True, meta={"dont_obey_robotstxt": kind == "robots"}
        )
        try:
            response = await self.crawler.engine.download_async(request)
        except Exception:  # noqa: BLE001 - a probe that fails found nothing
            return Page(url, 0, b"", None)
        content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1") or None
        return Page(response.url, response.status, response.body, content_type)

    def on_error(self, failure: Failure) -> None:
        """Keep why the homepage could not be fetched."""
        code, detail = classify_failure(failure.value)
        self.result.error = f"{code}: {detail}"


def site_name(body: bytes, url: str) -> str | None:
    """The site's name as the homepage gives it: ``og:site_name``, else its ``<title>``."""
    try:
        document = html.document_fromstring(body, base_url=url)
    except (etree.ParserError, ValueError):
        return None
    for value in (
        document.xpath("string(//meta[@property='og:site_name']/@content)"),
        document.xpath("string(//title)"),
    ):
        text = " ".join(str(value).split())
        if text:
            return text[:200]
    return None


def discovery_settings(config: StorylineConfig | None, config_path: str | None) -> Settings:
    """The crawl's project settings and the config's network and politeness, with nothing
    that writes to a warehouse."""
    settings = Settings()
    settings.setmodule("crawlers.settings", priority="project")
    for name, components in _WAREHOUSE_COMPONENTS.items():
        settings.set(name, {**settings.getdict(name), **dict.fromkeys(components)}, priority="cmdline")
    if config is not None:
        settings.setdict(scrapy_settings_for(config), priority="cmdline")
    settings.setdict({"STORYLINE_CONFIG": config_path, "LOG_LEVEL": "ERROR"}, priority="cmdline")
    return settings


def discover_homepage(homepage: str, config: StorylineConfig | None = None) -> Discovery:
    """Search ``homepage`` in this process (once per process: Twisted's reactor) and return what
    it revealed; ``config`` gives the network rules (without one no private address is allowed)."""
    result = Discovery(homepage)
    process = CrawlerProcess(discovery_settings(config, config.path if config else None))
    process.crawl(DiscoverSpider, homepage=homepage, result=result)
    process.start()
    return result
