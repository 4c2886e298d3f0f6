"""Partitions: one per UTC day of *crawl* time (publication date is a column, not a partition)."""

from __future__ import annotations

import os

import dagster as dg

#: First day a backfill can reach; override with STORYLINE_PARTITIONS_START (YYYY-MM-DD).
PARTITIONS_START = os.environ.get("STORYLINE_PARTITIONS_START", "2025-01-01")

#: Daily partitions in UTC, the current (incomplete) day included so the schedule can fill it.
crawl_day_partitions = dg.DailyPartitionsDefinition(start_date=PARTITIONS_START, timezone="UTC", end_offset=1)
