"""Code versions of each stage, stamped on the rows they write and declared to Dagster.

Bump a stage's version when a change alters what it writes: Dagster then marks
the stage's materializations stale, and a backfill re-derives them.
"""

from pipelines.extract import EXTRACTOR_VERSION

CRAWL_VERSION = "crawl-2026.11.1"
CLEAN_VERSION = f"extract-{EXTRACTOR_VERSION}"
DEDUP_VERSION = "dedup-2026.11.4"
CLUSTER_VERSION = "cluster-2026.12.10"
ENRICH_VERSION = "enrich-2026.12.4"
