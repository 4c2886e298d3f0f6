"""Partitions: one per UTC day of *crawl* time (publication date is a column, not a partition),
and for the crawl and clean step one per day x crawl shard.

The partitions begin ``BACKFILL_WINDOW_DAYS`` before the warehouse's first crawl day (before
today while nothing was crawled), or at ``$STORYLINE_PARTITIONS_START`` (YYYY-MM-DD). A week
is room enough for sitemap backfills (Google News sitemaps list the last two days, and news
sitemaps rarely reach further back usefully), and keeps the UI from opening on hundreds of
grey "missing" days before anything could have been crawled. Older days remain reachable by
setting ``STORYLINE_PARTITIONS_START``.

The shards are those of ``crawl.shards`` in ``$STORYLINE_CONFIG`` (default
``config/sources.yaml``), read when the code location loads: every machine of a
deployment must see the same file. With one shard there is one shard key, ``"0"``.
"""

from __future__ import annotations

import os
import warnings
from datetime import UTC, date, datetime, timedelta
from typing import NamedTuple

import dagster as dg

from dagster_project.resources import DEFAULT_CONFIG
from pipelines.config import ConfigError, load_config
from pipelines.plan import first_crawl_day
from pipelines.shards import shard_keys

BACKFILL_WINDOW_DAYS = 7


def partitions_start(today: date | None = None) -> str:
    """The first partition key: $STORYLINE_PARTITIONS_START, else a week before the first crawl day."""
    explicit = os.environ.get("STORYLINE_PARTITIONS_START")
    if explicit:
        return explicit
    today = today or datetime.now(UTC).date()
    first = first_crawl_day()  # the warehouse of $STORYLINE_WAREHOUSE_URL, read only
    anchor = min(first, today) if first else today
    return (anchor - timedelta(days=BACKFILL_WINDOW_DAYS)).isoformat()


#: First day a backfill can reach (see the module docstring).
PARTITIONS_START = partitions_start()

#: Daily partitions in UTC, the current (incomplete) day included so the schedule can fill it.
crawl_day_partitions = dg.DailyPartitionsDefinition(start_date=PARTITIONS_START, timezone="UTC", end_offset=1)


def configured_shard_keys() -> list[str]:
    """The shard keys of ``crawl.shards`` in $STORYLINE_CONFIG (default config/sources.yaml).

    A config that cannot be read gives one shard here: the crawl itself then fails with
    the config's own error, naming the file and the key.
    """
    try:
        return shard_keys(load_config(os.environ.get("STORYLINE_CONFIG") or DEFAULT_CONFIG))
    except (ConfigError, OSError):
        return ["0"]


#: The crawl shards, "0" .. "S-1" (see the module docstring).
SHARD_KEYS = configured_shard_keys()

#: Day x shard: the crawl and the clean step run once per crawl day and shard.
crawl_shard_partitions = dg.MultiPartitionsDefinition(
    {"day": crawl_day_partitions, "shard": dg.StaticPartitionsDefinition(SHARD_KEYS)}
)

# The mapping is marked beta; it is the one Dagster offers for a day of every shard.
warnings.filterwarnings("ignore", category=dg.BetaWarning, message=".*MultiToSingleDimension.*")
#: Downstream day-level stages read every shard's partition of their day.
EVERY_SHARD_OF_THE_DAY = dg.MultiToSingleDimensionPartitionMapping(partition_dimension_name="day")

#: Dedup and clustering of a day read the days before it (the duplicate window, stories that
#: go on across days), so in a backfill a day's run waits for the previous day's, however
#: many runs the queue allows at once.
PREVIOUS_DAY = dg.TimeWindowPartitionMapping(start_offset=-1, end_offset=-1)


class DayShard(NamedTuple):
    """A crawl partition: the UTC day and the shard number."""

    day: str
    shard: int


def day_shard(partition_key: str | dg.MultiPartitionKey) -> DayShard:
    """Split a day x shard partition key (``"2026-12-03|0"``) into its day and shard."""
    if not isinstance(partition_key, dg.MultiPartitionKey):
        partition_key = crawl_shard_partitions.get_partition_key_from_str(partition_key)
    keys = partition_key.keys_by_dimension
    return DayShard(keys["day"], int(keys["shard"]))


def shard_partition_keys(day: str) -> list[dg.MultiPartitionKey]:
    """The crawl partitions of one day, one per shard."""
    return [dg.MultiPartitionKey({"day": day, "shard": shard}) for shard in SHARD_KEYS]


def stage_partition(partition_key: str | dg.MultiPartitionKey) -> str:
    """The ``stage_runs.partition_key`` of a partition: the day, or ``DAY|SHARD`` with shards.

    With one shard the day alone, as before the crawl was sharded; with more, the shard
    too, so that the clean stages of one day's shards, running at once, stay apart.
    """
    if isinstance(partition_key, dg.MultiPartitionKey) or "|" in partition_key:
        day, shard = day_shard(partition_key)
        return day if len(SHARD_KEYS) == 1 else f"{day}|{shard}"
    return partition_key
