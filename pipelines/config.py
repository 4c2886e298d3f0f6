"""Load and validate a Storyline config file (``config/*.yaml``).

Schema::

    network:
      allow_private: ["host:port", ...]   # exact hosts the private-address guard lets through
    crawl:                                # politeness and limits (all optional)
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
        feeds: [url, ...]
        hubs: [url, ...]
        sitemaps: [url, ...]
        article_pattern: "regex"          # optional: which hub links are articles

``${NAME}`` anywhere in a string is replaced from the environment
(``${NAME:-default}`` falls back to ``default``). Every error
names the file and the bad key.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml


class ConfigError(ValueError):
    """The config file is missing, unreadable, or does not match the schema."""


@dataclass(frozen=True)
class CrawlSettings:
    """Politeness and limits for a crawl; defaults are polite to real outlets."""

    download_delay: float = 1.0
    concurrent_requests: int = 16
    concurrent_requests_per_domain: int = 2
    autothrottle: bool = True
    autothrottle_target_concurrency: float = 1.0
    obey_robots_txt: bool = True
    user_agent: str = "StorylineBot/0.1 (+https://github.com/storyline-news/storyline; news research crawler)"
    download_timeout: float = 30.0
    max_page_bytes: int = 10 * 1024 * 1024
    retry_times: int = 2
    retry_backoff_base: float = 2.0
    retry_after_max: float = 300.0
    max_articles_per_source: int | None = None
    sitemap_recent_days: float = 7.0
    parse_timeout: float = 30.0
    fetch_deadline: float = 60.0
    #: How many crawl shards the sources are divided into (pipelines/shards.py).
    shards: int = 1


@dataclass(frozen=True)
class SourceConfig:
    """One outlet: where to discover its stories."""

    name: str
    feeds: tuple[str, ...] = ()
    hubs: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    article_pattern: str | None = None


@dataclass(frozen=True)
class StorylineConfig:
    """A whole validated config file."""

    path: str
    sources: tuple[SourceConfig, ...]
    crawl: CrawlSettings = field(default_factory=CrawlSettings)
    allow_private: tuple[str, ...] = ()
    archive_dir: str = "data/archive"
    #: A crawl's WARC file rolls over to the next serial once it holds this many bytes.
    archive_max_file_bytes: int = 1024**3


_TOP_KEYS = {"network", "crawl", "archive", "sources"}
_ENV_PATTERN = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


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
    _reject_unknown(raw, _TOP_KEYS, where, "")

    network = raw.get("network") or {}
    _expect(isinstance(network, dict), where, "network", "a mapping")
    _reject_unknown(network, {"allow_private"}, where, "network.")
    allow_private = tuple(_string_list(network.get("allow_private"), where, "network.allow_private"))
    for entry in allow_private:
        host, _, port = entry.rpartition(":")
        _expect(
            bool(host) and port.isdigit(),
            where,
            "network.allow_private",
            f'"host:port" entries, got {entry!r}',
        )

    crawl = _parse_crawl(raw.get("crawl") or {}, where)

    archive = raw.get("archive") or {}
    _expect(isinstance(archive, dict), where, "archive", "a mapping")
    _reject_unknown(archive, {"dir", "max_file_bytes"}, where, "archive.")
    archive_dir = str(archive.get("dir", StorylineConfig.archive_dir))
    max_file_bytes = archive.get("max_file_bytes", StorylineConfig.archive_max_file_bytes)
    _expect(_whole_number(max_file_bytes, 1), where, "archive.max_file_bytes", "a whole number of bytes >= 1")

    sources_raw = raw.get("sources")
    _expect(isinstance(sources_raw, list) and sources_raw, where, "sources", "a non-empty list")
    sources = tuple(_parse_source(item, where, index) for index, item in enumerate(sources_raw))
    names = [source.name for source in sources]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    _expect(not duplicates, where, "sources", f"unique names (repeated: {', '.join(duplicates)})")
    return StorylineConfig(
        path=where,
        sources=sources,
        crawl=crawl,
        allow_private=allow_private,
        archive_dir=archive_dir,
        archive_max_file_bytes=max_file_bytes,
    )


def _parse_crawl(crawl: Any, where: str) -> CrawlSettings:
    _expect(isinstance(crawl, dict), where, "crawl", "a mapping")
    known = {f.name: f for f in fields(CrawlSettings)}
    _reject_unknown(crawl, set(known), where, "crawl.")
    values: dict[str, Any] = {}
    defaults = CrawlSettings()
    for key, value in crawl.items():
        default = getattr(defaults, key)
        if key == "max_articles_per_source":
            ok = value is None or _whole_number(value, 1)
            _expect(ok, where, f"crawl.{key}", "a positive integer or null")
        elif key == "shards":
            _expect(_whole_number(value, 1), where, f"crawl.{key}", "a whole number >= 1")
        elif isinstance(default, bool):
            _expect(isinstance(value, bool), where, f"crawl.{key}", "true or false")
        elif isinstance(default, int):
            _expect(_whole_number(value, 0), where, f"crawl.{key}", "a whole number >= 0")
        elif isinstance(default, float):
            ok = isinstance(value, int | float) and not isinstance(value, bool) and value >= 0
            _expect(ok, where, f"crawl.{key}", "a number >= 0")
            value = float(value)
        else:
            _expect(isinstance(value, str) and value.strip(), where, f"crawl.{key}", "a non-empty string")
        values[key] = value
    return CrawlSettings(**values)


def _parse_source(item: Any, where: str, index: int) -> SourceConfig:
    key = f"sources[{index}]"
    _expect(isinstance(item, dict), where, key, "a mapping with name, feeds, hubs, sitemaps")
    _reject_unknown(item, {"name", "feeds", "hubs", "sitemaps", "article_pattern"}, where, f"{key}.")
    name = item.get("name")
    _expect(isinstance(name, str) and name.strip(), where, f"{key}.name", "a non-empty string")
    urls = {}
    for kind in ("feeds", "hubs", "sitemaps"):
        urls[kind] = tuple(_string_list(item.get(kind), where, f"{key}.{kind}"))
        for url in urls[kind]:
            parts = urlsplit(url)
            ok = parts.scheme in ("http", "https") and bool(parts.netloc)
            _expect(ok, where, f"{key}.{kind}", f"absolute http(s) URLs, got {url!r}")
    _expect(any(urls.values()), where, key, "at least one of feeds, hubs or sitemaps")
    pattern = item.get("article_pattern")
    if pattern is not None:
        try:
            re.compile(pattern)
        except (re.error, TypeError) as exc:
            raise ConfigError(f"{where}: {key}.article_pattern: not a valid regex ({exc})") from exc
    return SourceConfig(name=name.strip(), article_pattern=pattern, **urls)


def _whole_number(value: Any, minimum: int) -> bool:
    """True for an int (not a bool) of at least ``minimum``."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= minimum


def _string_list(value: Any, where: str, key: str) -> list[str]:
    if value is None:
        return []
    ok = isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)
    _expect(ok, where, key, "a list of strings")
    return [v.strip() for v in value]


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


def _reject_unknown(mapping: dict, allowed: set[str], where: str, prefix: str) -> None:
    unknown = sorted(str(k) for k in mapping if k not in allowed)
    if unknown:
        raise ConfigError(
            f"{where}: unknown key {prefix}{unknown[0]} (allowed: {', '.join(sorted(allowed))})"
        )


def _expect(ok: bool, where: str, key: str, what: str) -> None:
    if not ok:
        raise ConfigError(f"{where}: {key}: expected {what}")
