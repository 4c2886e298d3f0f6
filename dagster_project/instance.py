"""The Dagster instance: a ``$DAGSTER_HOME`` made ready with the project's instance settings."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import dagster as dg

INSTANCE_TEMPLATE = Path(__file__).resolve().parent.parent / "config" / "dagster.yaml"


def prepare_dagster_home(home: str | os.PathLike[str], template: Path = INSTANCE_TEMPLATE) -> Path:
    """Create ``home`` and give it a ``dagster.yaml`` (from ``template``) if it has none."""
    path = Path(home).resolve()
    path.mkdir(parents=True, exist_ok=True)
    if not (path / "dagster.yaml").exists():
        shutil.copyfile(template, path / "dagster.yaml")
    return path


def local_instance() -> dg.DagsterInstance:
    """The instance of ``$DAGSTER_HOME`` (created on first use) or, without it, an ephemeral one."""
    home = os.environ.get("DAGSTER_HOME")
    if not home:
        return dg.DagsterInstance.ephemeral()
    prepare_dagster_home(home)
    return dg.DagsterInstance.get()
