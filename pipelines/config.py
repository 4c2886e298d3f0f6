"""Load and validate a Storyline config file (``config/*.yaml``): the one registry of its settings.

Schema::

    network:
      allow_private: ["host:port", ...]   # exact hosts the private-address guard lets through
    crawl:                                # politeness and limits (all optional, see CrawlSettings)
      download_delay: 1.0
      concurrent_requests_per_domain: 2
      autothrottle: true
      shards: 1                           # crawl shards, by registrable domain (pipelines/shards.py)
      ...
    archive:
      dir: data/archive                   # where WARC files go: a path every worker reads, or an
                                          # fsspec URL (s3://bucket/archive, with s3fs installed)
      max_file_bytes: 1073741824          # a crawl starts its next WARC file past this size
    sources:
      - name: Outlet name
        homepage: url                     # enough alone: feeds, sitemaps and hubs are discovered
        feeds: [url, ...]
        hubs: [url, ...]
        sitemaps: [url, ...]
        article_pattern: "regex"          # optional: which hub links are articles

The models below are the schema (pydantic); :class:`CrawlSettings` holds the crawl's
defaults, which the Scrapy project settings read too (``crawlers/settings.py``).
``${NAME}`` anywhere in a string is replaced from the environment
(``${NAME:-default}`` falls back to ``default``). Every error names the file, the bad
key and what was expected.
"""

from __future__ import annotations

import os
import re
from itertools import pairwise
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    StrictBool,
    StrictInt,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError


class ConfigError(ValueError):
    """The config file is missing, unreadable, or does not match the schema."""


def _expected(what: str, **context: str) -> PydanticCustomError:
    """A validation error that reads ``KEY: expected WHAT`` (``WHAT`` formatted with ``context``)."""
    return PydanticCustomError("expected", what, context)


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _expected("a number")
    return float(value)


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _expected("a non-empty string")
    return value.strip()


def _texts(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) and v.strip() for v in value):
        raise _expected("a list of strings")
    return tuple(v.strip() for v in value)


def _http_urls(urls: tuple[str, ...]) -> tuple[str, ...]:
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise _expected("absolute http(s) URLs, got {url}", url=repr(url))
    return urls


def _whole_number(minimum: int, unit: str = "") -> BeforeValidator:
    """A check for an int (not a bool) of at least ``minimum``, saying so when it fails."""

    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise _expected("a whole number {unit}>= {minimum}", unit=unit, minimum=str(minimum))
        return value

    return BeforeValidator(check)


Number = Annotated[float, BeforeValidator(_number), Field(ge=0)]
WholeNumber = Annotated[int, _whole_number(0)]
Text = Annotated[str, BeforeValidator(_text)]
Texts = Annotated[tuple[str, ...], BeforeValidator(_texts)]
Urls = Annotated[tuple[str, ...], BeforeValidator(_texts), AfterValidator(_http_urls)]


class _Section(BaseModel):
    """A mapping of the file: frozen, and an unknown key is an error that lists the known ones."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _known_keys_only(cls, data: Any) -> Any:
        if data is None:
            return {}
        if not isinstance(data, dict):
            raise _expected("a mapping")
        allowed = sorted(name for name in cls.model_fields if not name.startswith("_"))
        unknown = sorted(str(key) for key in data if key not in cls.model_fields)
        if unknown:
            context = {"key": unknown[0], "allowed": ", ".join(allowed)}
            raise PydanticCustomError("unknown_key", "{key} (allowed: {allowed})", context)
        return data


class CrawlSettings(_Section):
    """Politeness and limits for a crawl (``crawl:``): the defaults are polite to real outlets.

    This class is the one place the crawl's defaults are written; the Scrapy settings
    they become are named in ``crawlers/config_settings.py``.
    """

    download_delay: Number = Field(1.0, description="seconds between requests to one site (jittered)")
    concurrent_requests: WholeNumber = Field(16, description="requests in flight over all sites")
    concurrent_requests_per_domain: WholeNumber = Field(2, description="requests in flight per site")
    autothrottle: StrictBool = Field(True, description="adapt the delay to each site's latency")
    autothrottle_target_concurrency: Number = Field(1.0, description="AutoThrottle's aim per site")
    obey_robots_txt: StrictBool = Field(True, description="honour robots.txt")
    user_agent: Text = Field(
        "StorylineBot/0.1 (+https://github.com/storyline-news/storyline; news research crawler)",
        description="who we are, with a page that says why we crawl",
    )
    download_timeout: Number = Field(30.0, description="seconds before a request times out")
    max_page_bytes: WholeNumber = Field(10 * 1024 * 1024, description="larger pages are refused (too_large)")
    retry_times: WholeNumber = Field(2, description="retries of a failed request (exponential backoff)")
    retry_backoff_base: Number = Field(2.0, description="seconds of the first backoff, doubled each retry")
    retry_after_max: Number = Field(300.0, description="longest Retry-After (seconds) honoured on 429/503")
    max_articles_per_source: Annotated[StrictInt, Field(gt=0)] | None = Field(
        None, description="stop requesting a source's articles after this many (null: no limit)"
    )
    sitemap_recent_days: Number = Field(
        7.0, description="a live crawl fetches sitemap articles modified this many days back at most"
    )
    parse_timeout: Number = Field(30.0, description="seconds a feed's parse may take (else parse_timeout)")
    fetch_deadline: Number = Field(
        60.0, description="seconds one URL may spend on the network, retries and redirects included"
    )
    shards: Annotated[int, _whole_number(1)] = Field(
        1, description="how many crawl shards the sources are divided into (pipelines/shards.py)"
    )
    poll_min_seconds: Number = Field(
        900.0, description="shortest interval between two polls of a feed, hub or sitemap (15 minutes)"
    )
    poll_max_seconds: Number = Field(
        86400.0, description="longest interval between two polls of a feed, hub or sitemap (24 hours)"
    )
    rediscover_days: Number = Field(
        7.0, description="days before a homepage is searched again for feeds, sitemaps and hubs"
    )
    revisit_hours: list[Number] = Field(
        [1.0, 6.0, 24.0, 72.0],
        description=(
            "hours after a story was first stored at which its page is fetched again (conditional "
            "GET) to keep its revisions; after the last, never again ([]: no revisits)"
        ),
    )

    @model_validator(mode="after")
    def _poll_bounds_in_order(self) -> CrawlSettings:
        if self.poll_max_seconds < self.poll_min_seconds:
            raise _expected("poll_max_seconds >= poll_min_seconds ({low})", low=f"{self.poll_min_seconds:g}")
        if any(later <= earlier for earlier, later in pairwise(self.revisit_hours)):
            raise _expected("revisit_hours in increasing order, got {hours}", hours=repr(self.revisit_hours))
        if any(hours <= 0 for hours in self.revisit_hours):
            raise _expected("revisit_hours above 0, got {hours}", hours=repr(self.revisit_hours))
        return self


def _http_url(url: str) -> str:
    return _http_urls((url,))[0]


class SourceConfig(_Section):
    """One outlet: where to discover its stories.

    ``homepage`` alone is enough: the crawl then discovers the feeds, sitemaps and
    section hubs (``crawlers/homepage.py``); the kinds listed explicitly win over
    what is discovered.
    """

    name: Text
    homepage: Annotated[str, BeforeValidator(_text), AfterValidator(_http_url)] | None = None
    feeds: Urls = ()
    hubs: Urls = ()
    sitemaps: Urls = ()
    article_pattern: str | None = None

    @field_validator("article_pattern")
    @classmethod
    def _compiles(cls, pattern: str | None) -> str | None:
        if pattern is not None:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise _expected("a valid regex ({reason})", reason=str(exc)) from exc
        return pattern

    @model_validator(mode="after")
    def _discovers_something(self) -> SourceConfig:
        if not (self.homepage or self.feeds or self.hubs or self.sitemaps):
            raise _expected("at least one of homepage, feeds, hubs or sitemaps")
        return self

    @property
    def configured(self) -> dict[str, tuple[str, ...]]:
        """The documents the config lists, by kind (``feed``, ``hub``, ``sitemap``)."""
        return {"feed": self.feeds, "hub": self.hubs, "sitemap": self.sitemaps}

    @property
    def kinds_to_discover(self) -> tuple[str, ...]:
        """The kinds a homepage is searched for: those the config does not list."""
        if not self.homepage:
            return ()
        return tuple(kind for kind, urls in self.configured.items() if not urls)


class NetworkSettings(_Section):
    """Which private or loopback ``host:port`` targets the crawler may fetch (``network:``)."""

    allow_private: Texts = ()

    @field_validator("allow_private")
    @classmethod
    def _host_and_port(cls, entries: tuple[str, ...]) -> tuple[str, ...]:
        for entry in entries:
            host, _, port = entry.rpartition(":")
            if not host or not port.isdigit():
                raise _expected('"host:port" entries, got {entry}', entry=repr(entry))
        return entries


class ArchiveSettings(_Section):
    """Where the WARC files go (``archive:``)."""

    dir: Annotated[str, BeforeValidator(str)] = "data/archive"
    #: A crawl's WARC file rolls over to the next serial once it holds this many bytes.
    max_file_bytes: Annotated[int, _whole_number(1, "of bytes ")] = 1024**3


class StorylineConfig(_Section):
    """A whole validated config file; ``path`` is the file it was read from."""

    network: NetworkSettings = NetworkSettings()
    crawl: CrawlSettings = CrawlSettings()
    archive: ArchiveSettings = ArchiveSettings()
    sources: Annotated[tuple[SourceConfig, ...], Field(min_length=1)]
    _path: str = PrivateAttr("<config>")

    @field_validator("sources", mode="before")
    @classmethod
    def _a_list(cls, value: Any) -> Any:
        if not isinstance(value, list) or not value:
            raise _expected("a non-empty list")
        return value

    @field_validator("sources")
    @classmethod
    def _unique_names(cls, sources: tuple[SourceConfig, ...]) -> tuple[SourceConfig, ...]:
        names = [source.name for source in sources]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise _expected("unique names (repeated: {names})", names=", ".join(repeated))
        return sources

    @property
    def path(self) -> str:
        """The file the config was read from."""
        return self._path

    @property
    def allow_private(self) -> tuple[str, ...]:
        """``network.allow_private``."""
        return self.network.allow_private

    @property
    def archive_dir(self) -> str:
        """``archive.dir``."""
        return self.archive.dir

    @property
    def archive_max_file_bytes(self) -> int:
        """``archive.max_file_bytes``."""
        return self.archive.max_file_bytes


_ENV_PATTERN = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
# What a pydantic error type means, said the way the rest of the messages say it.
_EXPECTED = {
    "bool_type": "true or false",
    "int_type": "a whole number",
    "int_from_float": "a whole number",
    "missing": "a value (the key is required)",
    "model_type": "a mapping",
    "dict_type": "a mapping",
    "too_short": "a non-empty list",
}


def load_config(path: str | os.PathLike[str]) -> StorylineConfig:
    """Read, expand and validate the YAML config at ``path``.

    Returns a :class:`StorylineConfig`. Raises :class:`ConfigError` naming the file
    and the offending key when the file is missing, is not YAML, or breaks the schema.
    """
    where = str(path)
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"{where}: file not found") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{where}: not valid YAML ({exc})") from exc
    return parse_config(raw, where)


def parse_config(raw: Any, where: str = "<config>") -> StorylineConfig:
    """Validate an already-parsed config mapping; see :func:`load_config`."""
    raw = _expand_env(raw, where, "")
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: expected a mapping at the top level")
    try:
        config = StorylineConfig.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(f"{where}: {_describe(exc.errors()[0])}") from None
    config._path = where
    return config


def _describe(error: Any) -> str:
    """One pydantic error as ``key: expected what`` (or ``unknown key KEY (allowed: ...)``)."""
    loc = [part for part in error["loc"] if part not in ("function-after", "function-before")]
    key = ""
    for part in loc:
        key += f"[{part}]" if isinstance(part, int) else (f".{part}" if key else str(part))
    if error["type"] == "unknown_key":
        prefix = f"{key}." if key else ""
        return f"unknown key {prefix}{error['msg']}"
    if error["type"] == "expected":
        what = error["msg"]
    elif error["type"] in ("greater_than_equal", "greater_than"):
        sign = ">=" if error["type"] == "greater_than_equal" else ">"
        bound = error["ctx"].get("ge", error["ctx"].get("gt"))
        what = f"a number {sign} {bound}"
    else:
        what = _EXPECTED.get(error["type"], error["msg"][:1].lower() + error["msg"][1:])
    return f"{key or 'the file'}: expected {what}"


def _expand_env(value: Any, where: str, key: str) -> Any:
    if isinstance(value, str):

        def replace(match: re.Match[str]) -> str:
            name, default = match.group(1), match.group(2)
            if name not in os.environ and default is not None:
                return default
            if name not in os.environ:
                raise ConfigError(f"{where}: {key or 'value'}: environment variable {name} is not set")
            return os.environ[name]

        return _ENV_PATTERN.sub(replace, value)
    if isinstance(value, list):
        return [_expand_env(v, where, f"{key}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, dict):
        return {k: _expand_env(v, where, f"{key}.{k}" if key else str(k)) for k, v in value.items()}
    return value
