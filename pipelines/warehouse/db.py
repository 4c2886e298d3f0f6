"""Engine and session set-up for the warehouse, plus the idempotent upsert helper.

The URL comes from ``--warehouse``, else ``STORYLINE_WAREHOUSE_URL``, else a
SQLite file under ``data/``. SQLite runs in WAL mode with a busy timeout so a
crawl and a Dagster step can share it; PostgreSQL goes through psycopg 3.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_WAREHOUSE_URL = "sqlite:///data/warehouse.db"
SQLITE_BUSY_TIMEOUT_MS = 30_000
SUPPORTED = "Storyline works with sqlite:///FILE and postgresql://USER@HOST/DB"


class WarehouseError(RuntimeError):
    """The warehouse cannot be used as asked: a bad URL, a missing driver, no Storyline tables."""


def display_url(url: str) -> str:
    """Return ``url`` fit for a message: the password hidden, the text kept when unparsable."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def sqlite_path(url: str) -> Path | None:
    """Return the file of a SQLite URL, or ``None`` for other databases and in-memory SQLite."""
    if not url.startswith("sqlite"):
        return None
    database = url.split(":///", 1)[-1].split("?", 1)[0]
    if not database or database == ":memory:" or "://" in database:
        return None
    return Path(database)


def resolve_warehouse_url(url: str | None = None) -> str:
    """Return the warehouse URL to use: the argument, the environment, or the default.

    ``postgresql://`` and ``postgres://`` URLs are pointed at the psycopg 3 driver.
    """
    chosen = url or os.environ.get("STORYLINE_WAREHOUSE_URL") or DEFAULT_WAREHOUSE_URL
    for prefix in ("postgresql://", "postgres://"):
        if chosen.startswith(prefix):
            chosen = "postgresql+psycopg://" + chosen[len(prefix) :]
    return chosen


def make_engine(url: str | None = None, *, create: bool = True) -> Engine:
    """Create an engine for the warehouse URL (see :func:`resolve_warehouse_url`).

    With ``create`` the parent folder of a SQLite file is made; without it nothing is
    created, and a missing SQLite file raises. Raises :class:`WarehouseError` when the URL
    cannot be parsed, names an unknown database or one whose driver is not installed.
    """
    resolved = resolve_warehouse_url(url)
    shown = display_url(resolved)
    try:
        make_url(resolved)
    except ArgumentError:
        raise WarehouseError(f"cannot parse the warehouse URL {shown!r}: {SUPPORTED}") from None
    path = sqlite_path(resolved)
    if path is not None and create:
        path.parent.mkdir(parents=True, exist_ok=True)
    elif path is not None and not path.exists():
        raise WarehouseError(f"no Storyline tables in {shown}: the file {path} does not exist")
    try:
        if not resolved.startswith("sqlite"):
            return create_engine(resolved, pool_pre_ping=True)
        engine = create_engine(resolved, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
    except NoSuchModuleError:
        raise WarehouseError(f"unsupported warehouse URL {shown}: {SUPPORTED}") from None
    except ImportError as exc:
        raise WarehouseError(
            f"cannot open the warehouse {shown}: its driver ({exc.name}) is not installed; {SUPPORTED}"
        ) from None
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """Yield a session that commits on success and rolls back on error (one unit of work)."""
    session = sessionmaker(engine, expire_on_commit=False)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def upsert(
    session: Session,
    model: type,
    rows: Iterable[Mapping[str, Any]],
    *,
    key: Iterable[str],
    update: Iterable[str] | None = None,
) -> int:
    """Insert ``rows`` into ``model``'s table, updating ``update`` columns on a key conflict.

    ``key`` names the columns of a unique constraint or primary key. With ``update``
    empty or ``None`` conflicting rows are left as they are. Returns the number of rows
    sent. Works on SQLite and PostgreSQL.
    """
    batch = [dict(row) for row in rows]
    if not batch:
        return 0
    dialect = session.get_bind().dialect.name
    insert = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}[dialect]
    statement = insert(model.__table__)
    key_columns = list(key)
    update_columns = list(update or [])
    if update_columns:
        statement = statement.on_conflict_do_update(
            index_elements=key_columns,
            set_={name: statement.excluded[name] for name in update_columns},
        )
    else:
        statement = statement.on_conflict_do_nothing(index_elements=key_columns)
    # Rows of one statement must share their columns: send consecutive runs of alike
    # rows together, keeping the input order (a parent row before its children).
    run: list[dict[str, Any]] = []
    for row in batch:
        if run and row.keys() != run[0].keys():
            session.execute(statement, run)
            run = []
        run.append(row)
    session.execute(statement, run)
    return len(batch)
