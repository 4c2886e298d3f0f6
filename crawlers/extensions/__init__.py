"""Scrapy extensions of the Storyline crawler."""
