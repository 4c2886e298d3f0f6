"""Jobs: the whole pipeline for one day, and re-derivation from the archive.

Both are partitioned like their assets (by UTC crawl day).
"""

from __future__ import annotations

import dagster as dg

#: Every stage for one crawl day; the schedule and `storyline run` materialize it.
daily_pipeline = dg.define_asset_job(
    "daily_pipeline",
    selection=dg.AssetSelection.groups("storyline"),
    description="Crawl (or replay) one UTC day, then clean, dedup, cluster and enrich it.",
)

#: Everything after the crawl: re-derive days from the raw archive (e.g. a new extractor).
rederive_from_archive = dg.define_asset_job(
    "rederive_from_archive",
    selection=dg.AssetSelection.groups("storyline") - dg.AssetSelection.assets("raw_pages"),
    description="Re-run clean, dedup, cluster and enrich from the WARC archive; fetches nothing.",
)
