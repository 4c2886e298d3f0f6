"""What the cluster stage keeps between scheduled runs over one partition.

See :mod:`pipelines.warehouse.checkpoints` for when a state is resumed.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field

from pipelines.stories.engine import StoryClusterer
from pipelines.stories.types import ClusterConfig
from pipelines.versions import CLUSTER_VERSION

STAGE = "cluster"
FORMAT = 1  # bump when ClusterState changes shape


@dataclass
class ClusterState:
    """The clusterer after a run over a partition, and how it got there."""

    clusterer: StoryClusterer
    placed: frozenset[int]  # ids of the partition's articles the clusterer has placed
    last_key: tuple  # Doc.sort_key() of the last of them
    story_ids: dict[object, int]  # engine story key -> stories.id
    inputs: str  # fingerprint of history, context and archive when they were read
    seeded: dict[int, str] = field(default_factory=dict)  # archived story id -> snapshot partition
    relations: Counter = field(default_factory=Counter)  # relation -> placed articles
    figures: dict[str, int] = field(default_factory=dict)  # context and history sizes


def version_of(config: ClusterConfig) -> str:
    """Return the version a state must carry to be resumed: code, format and thresholds."""
    config_digest = hashlib.sha256(repr(config).encode()).hexdigest()[:16]
    return f"{CLUSTER_VERSION}/{FORMAT}/{config_digest}"
