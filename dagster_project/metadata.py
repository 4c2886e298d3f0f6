"""Materialization metadata that Dagster can plot: counts by kind as numbers, not only JSON."""

from collections.abc import Mapping
from typing import Any

import dagster as dg


def plottable(name: str, counts: Mapping[str, int]) -> dict[str, Any]:
    """``counts`` (kind -> number) as metadata: the JSON table under ``name``, and one number
    per kind under ``name/kind``, which the UI plots across partitions and runs."""
    return {
        name: dg.MetadataValue.json(dict(counts)),
        **{f"{name}/{kind}": dg.MetadataValue.int(int(number)) for kind, number in counts.items()},
    }
