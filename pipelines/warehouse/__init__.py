"""The SQL warehouse: models, engine set-up, idempotent writes and migrations."""

from pipelines.warehouse.db import DEFAULT_WAREHOUSE_URL, make_engine, resolve_warehouse_url, session_scope

__all__ = ["DEFAULT_WAREHOUSE_URL", "make_engine", "resolve_warehouse_url", "session_scope"]
