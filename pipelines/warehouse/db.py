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

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_WAREHOUSE_URL = "sqlite:///data/warehouse.db"
SQLITE_BUSY_TIMEOUT_MS = 30_000


def resolve_warehouse_url(url: str | None = None) -> str:
    """Return the warehouse URL to use: the argument, the environment, or the default.

    ``postgresql://`` and ``postgres://`` URLs are pointed at the psycopg 3 driver.
    """
    chosen = url or os.environ.get("STORYLINE_WAREHOUSE_URL") or DEFAULT_WAREHOUSE_URL
    for prefix in ("postgresql://", "postgres://"):
        if chosen.startswith(prefix):
            chosen = "postgresql+psycopg://" + chosen[len(prefix) :]
    return chosen


def make_engine(url: str | None = None) -> Engine:
    """Create an engine for the warehouse URL (see :func:`resolve_warehouse_url`).

    For a SQLite file the parent folder is created. Raises ``sqlalchemy.exc.ArgumentError``
    when the URL cannot be parsed.
    """
    resolved = resolve_warehouse_url(url)
    if resolved.startswith("sqlite"):
        database = resolved.split(":///", 1)[-1]
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(resolved, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(resolved, pool_pre_ping=True)


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
