"""The Storyline Scrapy project: spiders, downloader middlewares and the warehouse sink."""
