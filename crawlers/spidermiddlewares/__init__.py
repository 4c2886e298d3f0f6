"""Spider middlewares of the Storyline crawl."""
