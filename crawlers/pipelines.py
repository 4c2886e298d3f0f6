"""Item pipeline: hands every :class:`~crawlers.items.WarehouseRow` to the crawl sink."""

from __future__ import annotations

from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawlers.items import WarehouseRow
from crawlers.sink import CrawlSink, get_sink


class WarehousePipeline:
    """Buffers rows for a batched warehouse write; never writes per item."""

    def __init__(self, sink: CrawlSink) -> None:
        self.sink = sink

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarehousePipeline:
        return cls(get_sink(crawler))

    def process_item(self, item: Any, spider: Any = None) -> Any:
        if not isinstance(item, WarehouseRow):
            raise DropItem(f"not a WarehouseRow: {type(item).__name__}")
        self.sink.add_row(item.table, item.row, item.key)
        return item
