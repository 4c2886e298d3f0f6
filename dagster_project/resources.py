"""Resources: the warehouse (SQLAlchemy) and the crawl config, injected into assets."""

from __future__ import annotations

import os
from functools import lru_cache

import dagster as dg
from sqlalchemy import Engine

from pipelines.warehouse.db import make_engine, resolve_warehouse_url
from pipelines.warehouse.migrate import upgrade

DEFAULT_CONFIG = "config/sources.yaml"


@lru_cache(maxsize=8)
def _engine(url: str) -> Engine:
    return make_engine(url)


class WarehouseResource(dg.ConfigurableResource):
    """The SQL warehouse. ``url`` defaults to $STORYLINE_WAREHOUSE_URL, else SQLite under data/.

    Pending migrations are applied when a run or a sensor sets the resource up, so every
    job (a re-derivation, a backfill starting after the crawl) meets the schema its code expects.
    """

    url: str | None = None

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        revision = upgrade(engine=self.engine())
        if context.log is not None:
            context.log.debug(f"warehouse at revision {revision}")

    @property
    def resolved_url(self) -> str:
        """The SQLAlchemy URL actually used."""
        return resolve_warehouse_url(self.url)

    def engine(self) -> Engine:
        """Return a (process-wide, cached) engine for the warehouse."""
        return _engine(self.resolved_url)


class CrawlConfigResource(dg.ConfigurableResource):
    """Which sources config the crawl uses. ``path`` defaults to $STORYLINE_CONFIG."""

    path: str | None = None

    @property
    def resolved_path(self) -> str:
        """The config file actually used."""
        return self.path or os.environ.get("STORYLINE_CONFIG", DEFAULT_CONFIG)


class ExtractionResource(dg.ConfigurableResource):
    """Process-pool settings of the clean and enrich stages.

    ``keep_ner_workers``: the enrich step leaves its NER workers running, model loaded, for
    the day's dedup step that runs next in the same process (``storyline run``), whose
    catch-up NER uses them and which stops them.
    """

    workers: int | None = None
    page_timeout_s: float = 30.0
    keep_ner_workers: bool = False
