"""Apply the warehouse's Alembic migrations (``storyline db upgrade``), or check they were applied."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect
from sqlalchemy.exc import SQLAlchemyError

from pipelines.warehouse.db import (
    WarehouseError,
    display_url,
    make_engine,
    resolve_warehouse_url,
    sqlite_path,
)

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


def migrated_engine(url: str | None = None) -> Engine:
    """Return an engine on the warehouse at ``url`` after applying pending migrations."""
    engine = make_engine(url)
    upgrade(engine=engine)
    return engine


def missing_tables(engine: Engine) -> list[str]:
    """Return the warehouse tables that do not exist yet (empty when migrated)."""
    from pipelines.warehouse.models import Base

    existing = set(inspect(engine).get_table_names())
    return sorted(set(Base.metadata.tables) - existing)


def head_revision() -> str:
    """The newest revision the bundled migrations know."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head() or "base"


def open_migrated(url: str | None = None, *, alternatives: Iterable[str] = ()) -> Engine:
    """Return an engine on an existing warehouse at the newest revision, creating nothing.

    Raises :class:`WarehouseError` with what to do when the URL is unusable, the server
    does not answer, or the tables are missing or older than the code; the message
    suggests the first of ``alternatives`` that is a migrated SQLite warehouse.
    """
    resolved = resolve_warehouse_url(url)
    shown = display_url(resolved)
    advice = "run `storyline db upgrade`" + _did_you_mean(resolved, alternatives)
    try:
        engine = make_engine(resolved, create=False)
    except WarehouseError as exc:
        if sqlite_path(resolved) is None:
            raise
        raise WarehouseError(f"no Storyline tables in {shown}: {advice}") from exc
    try:
        revision = current_revision(engine)
    except SQLAlchemyError as exc:
        engine.dispose()
        raise WarehouseError(f"cannot reach the warehouse {shown}: {first_line(exc)}") from exc
    if revision is None:
        engine.dispose()
        raise WarehouseError(f"no Storyline tables in {shown}: {advice}")
    if revision != head_revision():
        engine.dispose()
        raise WarehouseError(
            f"the warehouse {shown} is at revision {revision}, this code needs {head_revision()}: "
            "run `storyline db upgrade`"
        )
    return engine


def current_revision(engine: Engine) -> str | None:
    """The warehouse's Alembic revision, or ``None`` when it has no Storyline tables."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def first_line(exc: BaseException) -> str:
    """The first line of a database error's own message (the driver's, when it has one)."""
    reason = getattr(exc, "orig", None) or exc
    lines = str(reason).strip().splitlines()
    return lines[0] if lines else type(reason).__name__


def _did_you_mean(resolved: str, alternatives: Iterable[str]) -> str:
    for alternative in alternatives:
        path = sqlite_path(alternative)
        if alternative == resolved or path is None or not path.exists():
            continue
        engine = make_engine(alternative, create=False)
        try:
            if current_revision(engine) is not None:
                return f", or did you mean {path} (--warehouse {alternative})?"
        except SQLAlchemyError:
            continue
        finally:
            engine.dispose()
    return ""
