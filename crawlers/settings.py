"""Scrapy settings of the Storyline crawler: polite defaults, one documented registry.

Politeness (robots.txt, identifying User-Agent, AutoThrottle, per-domain
concurrency, retries with backoff and ``Retry-After``, size and time limits) is on
by default. The values a config's ``crawl:`` section can change are not written here
but read from its registry, :class:`pipelines.config.CrawlSettings` (through
``crawlers.config_settings``); a config file overrides the keys it writes, and
``scrapy crawl news -s NAME=VALUE`` overrides both.

Storyline's own settings:

- ``STORYLINE_CONFIG``: path of the sources config (default ``config/sources.yaml``).
- ``STORYLINE_WAREHOUSE_URL``: SQLAlchemy URL of the warehouse (default: the
  ``STORYLINE_WAREHOUSE_URL`` environment variable, else ``sqlite:///data/warehouse.db``).
- ``STORYLINE_CRAWL_MODE``: ``live`` (feeds, hubs, sitemaps) or ``sitemap_backfill``
  (sitemaps only, articles whose lastmod falls on ``STORYLINE_BACKFILL_DAY``).
- ``STORYLINE_PARTITION_KEY`` / ``STORYLINE_DAGSTER_RUN_ID`` / ``STORYLINE_CODE_VERSION``:
  lineage stamped on the crawl run (set by the Dagster crawl asset).
- ``STORYLINE_BATCH_SIZE``: rows buffered before a warehouse write (default 500).
- ``STORYLINE_PROGRESS_INTERVAL``: seconds between progress lines (default 10; 0: none).
- ``STORYLINE_FLUSH_INTERVAL``: seconds after which waiting rows are written anyway, so
  the clean stage following the crawl gets pages soon (default 1.0; 0 turns it off).
- ``STORYLINE_SITEMAP_RECENT_DAYS``: a live crawl fetches sitemap articles whose lastmod
  (or news publication date) is at most this many days old (default 7; config
  ``crawl.sitemap_recent_days``).
- ``STORYLINE_PARSE_TIMEOUT`` / ``STORYLINE_PARSE_CONCURRENCY``: feeds are parsed in worker
  processes, off the event loop; a parse over this many seconds is stopped and recorded
  as ``parse_timeout`` (default 30; config ``crawl.parse_timeout``), with this many
  parses at once (default 2). See ``crawlers.offload``.
- ``STORYLINE_POLL``: ``due`` (default) fetches only the feeds, hubs, sitemaps and homepages
  whose next-due time has come; ``all`` fetches every one now (conditional GET still
  applies). ``STORYLINE_CLOCK_NOW`` (ISO 8601) is the time the schedule takes as now
  (tests and replays; default the real time). Bounds: ``STORYLINE_POLL_MIN_SECONDS``,
  ``STORYLINE_POLL_MAX_SECONDS``, ``STORYLINE_REDISCOVER_DAYS`` (config ``crawl.poll_min_seconds``,
  ``crawl.poll_max_seconds``, ``crawl.rediscover_days``).
- ``STORYLINE_REVISIT_HOURS``: hours after a story was first stored at which the crawl
  fetches its page again, conditionally, to keep its revisions (default 1, 6, 24, 72;
  config ``crawl.revisit_hours``; empty: no revisits). See ``pipelines/revisits.py``.
- ``STORYLINE_FETCH_DEADLINE``: seconds one URL may take in all, retries and redirects
  included (default 60; config ``crawl.fetch_deadline``); ``DOWNLOAD_TIMEOUT`` bounds each
  attempt from connect to last byte, a trickling body included.
"""

from crawlers.config_settings import crawl_defaults

_defaults = crawl_defaults()  # lower case: not a Scrapy setting itself

BOT_NAME = "storyline"
SPIDER_MODULES = ["crawlers.spiders"]
NEWSPIDER_MODULE = "crawlers.spiders"

# --- Politeness -------------------------------------------------------------------
USER_AGENT = _defaults["USER_AGENT"]
ROBOTSTXT_OBEY = _defaults["ROBOTSTXT_OBEY"]
DOWNLOAD_DELAY = _defaults["DOWNLOAD_DELAY"]
DOWNLOAD_DELAY_JITTER = _defaults["DOWNLOAD_DELAY_JITTER"]
CONCURRENT_REQUESTS = _defaults["CONCURRENT_REQUESTS"]
CONCURRENT_REQUESTS_PER_DOMAIN = _defaults["CONCURRENT_REQUESTS_PER_DOMAIN"]
# Items per response processed in parallel; ours are cheap buffer appends, and every
# parallel slot costs an asyncio task per response.
CONCURRENT_ITEMS = 8
# Scrapy reads a callback's source (ast) to warn about a generator that returns a value; its
# cache holds callbacks weakly, and each request's bound method is a new object, so the check
# ran for every response (about 5% of the crawl's CPU). A test holds our callbacks to it.
WARN_ON_GENERATOR_RETURN_VALUE = False
AUTOTHROTTLE_ENABLED = _defaults["AUTOTHROTTLE_ENABLED"]
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = _defaults["AUTOTHROTTLE_TARGET_CONCURRENCY"]
COOKIES_ENABLED = False
# The lookup the downloader connects with refuses private answers too (DNS rebinding).
TWISTED_DNS_RESOLVER = "crawlers.resolver.PublicAddressResolver"
TELNETCONSOLE_ENABLED = False
# No control port: a crawler takes orders from its config, not from the network.
REMOTE_CONTROL_ENABLED = False

# --- Limits -------------------------------------------------------------------------
DOWNLOAD_TIMEOUT = _defaults["DOWNLOAD_TIMEOUT"]
DOWNLOAD_MAXSIZE = _defaults["DOWNLOAD_MAXSIZE"]
DOWNLOAD_WARNSIZE = _defaults["DOWNLOAD_WARNSIZE"]
REDIRECT_MAX_TIMES = 5
# HTTP(S) attempts are also bounded by the URL's STORYLINE_FETCH_DEADLINE (retries and hops).
DOWNLOAD_HANDLERS = {
    "http": "crawlers.downloadhandlers.deadline.DeadlineDownloadHandler",
    "https": "crawlers.downloadhandlers.deadline.DeadlineDownloadHandler",
}
# Gzip/deflate/brotli bodies are inflated only up to DOWNLOAD_MAXSIZE (Scrapy's
# HttpCompressionMiddleware): a bomb costs that much memory at most, and is recorded too_large.

# --- Retries: exponential backoff, Retry-After honoured on 429/503 ------------------
RETRY_ENABLED = True
RETRY_TIMES = _defaults["RETRY_TIMES"]
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
STORYLINE_RETRY_BACKOFF_BASE = _defaults["STORYLINE_RETRY_BACKOFF_BASE"]
STORYLINE_RETRY_AFTER_MAX = _defaults["STORYLINE_RETRY_AFTER_MAX"]
STORYLINE_FETCH_DEADLINE = _defaults["STORYLINE_FETCH_DEADLINE"]

# Every status reaches the spider, so 404s and 500s are recorded as fetch rows.
HTTPERROR_ALLOW_ALL = True

SPIDER_MIDDLEWARES = {
    # Drops article requests for stories already stored, one indexed lookup per page of links.
    "crawlers.spidermiddlewares.known_articles.KnownArticleMiddleware": 600,
}

DOWNLOADER_MIDDLEWARES = {
    # Refuse non-http(s) schemes and private addresses before anything else, robots.txt too.
    "crawlers.downloadermiddlewares.private_address.PrivateAddressGuardMiddleware": 50,
    "crawlers.downloadermiddlewares.conditional_get.ConditionalGetMiddleware": 560,
    # Redirects not followed (a refused scheme, a loop) end with a reason on the hop's row.
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "crawlers.downloadermiddlewares.redirect.CheckedRedirectMiddleware": 600,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawlers.downloadermiddlewares.retry.BackoffRetryMiddleware": 550,
    # Closest to the network: sees every HTTP exchange (each redirect hop and retry).
    "crawlers.downloadermiddlewares.fetch_recorder.FetchRecorderMiddleware": 950,
}
ITEM_PIPELINES = {"crawlers.pipelines.WarehousePipeline": 300}
# A progress line (pages fetched and queued, errors, rate) every STORYLINE_PROGRESS_INTERVAL s.
EXTENSIONS = {"crawlers.extensions.progress.CrawlProgress": 500}

# --- Storyline ------------------------------------------------------------------------
STORYLINE_CONFIG = "config/sources.yaml"
STORYLINE_WAREHOUSE_URL = None
STORYLINE_CRAWL_MODE = "live"
STORYLINE_BACKFILL_DAY = None
STORYLINE_PARTITION_KEY = None
STORYLINE_DAGSTER_RUN_ID = None
STORYLINE_CODE_VERSION = None
STORYLINE_BATCH_SIZE = 500
STORYLINE_FLUSH_INTERVAL = 1.0
STORYLINE_MAX_ARTICLES_PER_SOURCE = _defaults["STORYLINE_MAX_ARTICLES_PER_SOURCE"]
STORYLINE_SITEMAP_RECENT_DAYS = _defaults["STORYLINE_SITEMAP_RECENT_DAYS"]
STORYLINE_PARSE_TIMEOUT = _defaults["STORYLINE_PARSE_TIMEOUT"]
STORYLINE_PARSE_CONCURRENCY = 2
STORYLINE_ARCHIVE_DIR = None
# Adaptive polling (crawlers/polling.py): "due" polls what is due, "all" every document.
STORYLINE_POLL = "due"
STORYLINE_CLOCK_NOW = None
STORYLINE_POLL_MIN_SECONDS = _defaults["STORYLINE_POLL_MIN_SECONDS"]
STORYLINE_POLL_MAX_SECONDS = _defaults["STORYLINE_POLL_MAX_SECONDS"]
STORYLINE_REDISCOVER_DAYS = _defaults["STORYLINE_REDISCOVER_DAYS"]
STORYLINE_REVISIT_HOURS = _defaults["STORYLINE_REVISIT_HOURS"]
STORYLINE_PROGRESS_INTERVAL = 10.0

LOG_LEVEL = "INFO"
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
FEED_EXPORT_ENCODING = "utf-8"
