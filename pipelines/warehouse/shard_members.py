"""Which stored pages belong to a crawl shard: those of the sources that hash to it.

A source's shard follows from its URLs and the shard count in force now: the sources of
the config, and stored sources no longer in the config by the URLs stored with them
(``sources.config``), so a replay after ``crawl.shards`` changed divides the stored
pages by the new count. Pages without a source belong to shard 0. The condition
names sources, not ids: it also selects the articles of a source that a running crawl
registers after the condition was made. Stored pages are ``fetches`` rows (the clean
stage makes ``articles`` of the news stories among them, which carry the same source).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, or_, select
from sqlalchemy.sql.elements import ColumnElement

from pipelines.config import StorylineConfig
from pipelines.shards import shard_of_urls, sources_in_shard
from pipelines.warehouse.db import session_scope
from pipelines.warehouse.models import Article, Fetch, Source


def source_urls(config: dict) -> list[str]:
    """The URLs of a stored source config, in the order that places it (feeds, hubs, sitemaps)."""
    return [*config.get("feeds", ()), *config.get("hubs", ()), *config.get("sitemaps", ())]


def shard_pages(engine: Engine, config: StorylineConfig, shard: int) -> ColumnElement[bool] | None:
    """Return a condition on ``fetches`` selecting the pages of shard ``shard`` of ``config``'s shards.

    ``None`` when there is one shard (every page). Raises ``ValueError`` naming the
    config when ``shard`` is not one of its shards.
    """
    return _of_shard(Fetch.source_id, engine, config, shard)


def shard_articles(engine: Engine, config: StorylineConfig, shard: int) -> ColumnElement[bool] | None:
    """Return a condition on ``articles`` selecting those of shard ``shard`` (see :func:`shard_pages`)."""
    return _of_shard(Article.source_id, engine, config, shard)


def _of_shard(
    source_id: ColumnElement[Any], engine: Engine, config: StorylineConfig, shard: int
) -> ColumnElement[bool] | None:
    shards = config.crawl.shards
    names = {source.name for source in sources_in_shard(config, shard).sources}
    if shards == 1:
        return None
    configured = {source.name for source in config.sources}
    with session_scope(engine) as session:
        stored = session.execute(select(Source.name, Source.config)).all()
    names |= {
        name for name, urls in stored
        if name not in configured and shard_of_urls(source_urls(urls or {}), shards) == shard
    }
    condition = source_id.in_(select(Source.id).where(Source.name.in_(sorted(names))))
    return or_(condition, source_id.is_(None)) if shard == 0 else condition
