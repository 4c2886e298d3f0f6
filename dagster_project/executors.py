"""The executor every job runs on, chosen by the deployment: in process, Celery or Kubernetes.

``STORYLINE_EXECUTOR`` names it:

- ``in_process`` (default): every step in the run's own process, as on one machine.
- ``celery``: each step is a Celery task run by a ``storyline worker`` on any machine;
  broker, backend and Celery settings come from ``STORYLINE_CELERY_CONFIG``
  (default ``config/deploy/celery/celery.yaml``), the very file the workers start from.
- ``k8s``: each step is a Kubernetes Job (``dagster-k8s``); settings come from
  ``STORYLINE_K8S_EXECUTOR_CONFIG`` (default ``config/deploy/k8s/executor.yaml``).

Every machine that loads the code (webserver, daemon, workers) must see the same values.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dagster as dg
import yaml

DEPLOY_DIR = Path(__file__).resolve().parent.parent / "config" / "deploy"
CELERY_CONFIG = DEPLOY_DIR / "celery" / "celery.yaml"
K8S_EXECUTOR_CONFIG = DEPLOY_DIR / "k8s" / "executor.yaml"


def executor_config(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Return the ``execution: config:`` block of a YAML file (dagster-celery's layout).

    Raises ``ValueError`` naming the file when it has no such block.
    """
    document = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    config = (document.get("execution") or {}).get("config") if isinstance(document, dict) else None
    if not isinstance(config, dict):
        raise ValueError(f"{path}: expected an execution: config: mapping")
    return config


def pipeline_executor(name: str | None = None) -> dg.ExecutorDefinition:
    """Return the executor called ``name`` (default: $STORYLINE_EXECUTOR, else in_process).

    Raises ``ValueError`` for an unknown name and ``ImportError`` when its library
    (dagster-celery, dagster-k8s) is not installed.
    """
    name = name or os.environ.get("STORYLINE_EXECUTOR") or "in_process"
    if name == "in_process":
        return dg.in_process_executor
    if name == "celery":
        from dagster_celery import celery_executor

        path = os.environ.get("STORYLINE_CELERY_CONFIG") or CELERY_CONFIG
        return celery_executor.configured(executor_config(path), name="storyline_celery")
    if name == "k8s":
        from dagster_k8s import k8s_job_executor

        path = os.environ.get("STORYLINE_K8S_EXECUTOR_CONFIG") or K8S_EXECUTOR_CONFIG
        return k8s_job_executor.configured(executor_config(path), name="storyline_k8s")
    raise ValueError(f"STORYLINE_EXECUTOR={name!r}: expected in_process, celery or k8s")
