"""Jobs: the whole pipeline for one day, and re-derivation from the archive."""

from __future__ import annotations

import dagster as dg

from dagster_project.partitions import crawl_day_partitions

#: Every stage for one crawl day; the schedule and `storyline run` materialize it.
daily_pipeline = dg.define_asset_job(
    "daily_pipeline",
    selection=dg.AssetSelection.groups("storyline"),
    partitions_def=crawl_day_partitions,
    description="Crawl (or replay) one UTC day, then clean, dedup, cluster and enrich it.",
)

#: Everything after the crawl: re-derive days from the raw archive (e.g. a new extractor).
rederive_from_archive = dg.define_asset_job(
    "rederive_from_archive",
    selection=dg.AssetSelection.groups("storyline") - dg.AssetSelection.assets("raw_pages"),
    partitions_def=crawl_day_partitions,
    description="Re-run clean, dedup, cluster and enrich from the WARC archive; fetches nothing.",
)
