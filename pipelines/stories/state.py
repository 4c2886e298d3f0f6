"""What the cluster stage keeps between scheduled runs over one partition.

See :mod:`pipelines.warehouse.checkpoints` for when a state is resumed.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field

from pipelines.stories.types import ClusterConfig
from pipelines.versions import CLUSTER_VERSION

STAGE = "cluster"
FORMAT = 4  # bump when ClusterState changes shape


@dataclass
class ClusterState:
    """The clusterer at a run's cut, and how it got there.

    A resumed run unpickles ``clusterer`` and places again every article of the partition
    that is not in ``placed`` (all of them at or after ``cut``).
    """

    clusterer: bytes  # the pickled StoryClusterer after placing ``placed``
    placed: frozenset[int]  # the partition's articles placed before the cut
    cut: float  # publication time (POSIX seconds) from which articles are placed again
    story_ids: dict[object, int]  # engine story key -> stories.id, for the keys made before the cut
    inputs: str  # fingerprint of history, context and archive when they were read
    seeded: dict[int, str] = field(default_factory=dict)  # archived story id -> snapshot partition
    relations: Counter = field(default_factory=Counter)  # relation -> articles placed before the cut
    figures: dict[str, int] = field(default_factory=dict)  # context and history sizes
    # The partition's articles placed as no copy -> a digest of their entities when read: a
    # state is not resumed once one of them has other entities (its evidence changed).
    enriched: dict[int, str] = field(default_factory=dict)


def version_of(config: ClusterConfig) -> str:
    """Return the version a state must carry to be resumed: code, format and thresholds."""
    config_digest = hashlib.sha256(repr(config).encode()).hexdigest()[:16]
    return f"{CLUSTER_VERSION}/{FORMAT}/{config_digest}"
