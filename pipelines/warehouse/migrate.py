"""Apply the warehouse's Alembic migrations (``storyline db upgrade``)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, inspect

from pipelines.warehouse.db import make_engine, resolve_warehouse_url

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def alembic_config(url: str | None = None) -> Config:
    """Return an Alembic config pointing at the bundled migrations and the warehouse URL."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", resolve_warehouse_url(url).replace("%", "%%"))
    return config


def upgrade(url: str | None = None, revision: str = "head", engine: Engine | None = None) -> str:
    """Migrate the warehouse at ``url`` (or ``engine``) to ``revision``; return its new revision.

    Safe to run repeatedly: an up-to-date warehouse is left as it is.
    """
    owned = engine is None
    engine = engine or make_engine(url)
    try:
        config = alembic_config(str(engine.url) if url is None else url)
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
        with engine.connect() as connection:
            row = connection.exec_driver_sql("SELECT version_num FROM alembic_version").first()
        return row[0] if row else "base"
    finally:
        if owned:
            engine.dispose()


def missing_tables(engine: Engine) -> list[str]:
    """Return the warehouse tables that do not exist yet (empty when migrated)."""
    from pipelines.warehouse.models import Base

    existing = set(inspect(engine).get_table_names())
    return sorted(set(Base.metadata.tables) - existing)
