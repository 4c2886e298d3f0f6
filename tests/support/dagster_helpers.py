"""Helpers for tests that drive a running ``dagster dev``: instance configs and log tails.

The GraphQL client (free ports, backfill launches and waits) is ``storyline.backfills``,
which ``make scale-demo`` uses too; its names are re-exported here for the tests.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from storyline.backfills import (  # noqa: F401 - re-exported for the tests
    BACKFILL_DONE,
    RUN_DONE,
    Backfill,
    BackfillRun,
    GraphQLError,
    free_port,
    get_backfill,
    graphql,
    launch_asset_backfill,
    list_backfills,
    run_partition,
    wait_for_backfill,
)


def write_instance_config(home: Path, template: Path, overrides: Mapping[str, Any] | None = None) -> Path:
    """Write ``home/dagster.yaml`` from ``template`` with ``overrides`` merged in; return the home.

    ``overrides`` is merged key by key into nested mappings, so ``{"concurrency": {"runs":
    {"max_concurrent_runs": 1}}}`` changes that one setting and keeps the rest.
    """
    settings = yaml.safe_load(template.read_text()) or {}
    _merge(settings, overrides or {})
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text(yaml.safe_dump(settings, sort_keys=False))
    return home


def _merge(target: dict[str, Any], changes: Mapping[str, Any]) -> None:
    for key, value in changes.items():
        if isinstance(value, Mapping) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        else:
            target[key] = value


def tail(path: Path, limit: int = 4000) -> str:
    """Return the last ``limit`` characters of a log file (empty when it does not exist)."""
    try:
        return path.read_text(errors="replace")[-limit:]
    except FileNotFoundError:
        return ""
