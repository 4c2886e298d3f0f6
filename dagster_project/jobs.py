"""Jobs: crawl, clean and enrich one day x shard, the day-level pass, and re-derivation from the archive.

A job runs assets of one partitions definition, so the pipeline of a day is two kinds of
run: one ``crawl_shard`` run per shard (day x shard partitions: crawl, extraction and
each article's analysis), then one ``daily_pipeline`` run (day partitions: dedup,
clustering, copies' and stories' entities) over every shard's articles. The
``day_pass_after_shards`` sensor starts the second when the first are done; an asset
backfill in the UI orders them itself; ``storyline run`` runs them one after the other.
"""

from __future__ import annotations

import dagster as dg

CRAWL_ASSETS = dg.AssetSelection.assets("raw_pages", "clean_articles", "enriched_articles")

#: The crawl of one shard on one day, with the clean stage following it and enrichment the clean.
crawl_shard = dg.define_asset_job(
    "crawl_shard",
    selection=CRAWL_ASSETS,
    description=(
        "Crawl (or replay) one UTC day of one crawl shard, extract what it stores and analyse "
        "each article (language, entities, keywords)."
    ),
)

#: Everything after the crawl and clean, once per day over every shard.
daily_pipeline = dg.define_asset_job(
    "daily_pipeline",
    selection=dg.AssetSelection.groups("storyline") - CRAWL_ASSETS,
    description=(
        "Dedup and cluster one UTC day over every crawl shard's articles; copies and stories "
        "take their entities and keywords."
    ),
)

#: Re-extract (and re-analyse) one day x shard from the raw archive (e.g. a new extractor);
#: fetches nothing.
rederive_from_archive = dg.define_asset_job(
    "rederive_from_archive",
    selection=dg.AssetSelection.assets("clean_articles", "enriched_articles"),
    description=(
        "Re-extract and re-analyse one day x shard from the WARC archive; fetches nothing. The "
        "day's dedup, clustering and story entities follow (day_pass_after_shards)."
    ),
)
