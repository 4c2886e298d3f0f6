"""Plain-Python pipeline logic: config, URLs, archive, warehouse and every stage (no Dagster or Scrapy)."""
