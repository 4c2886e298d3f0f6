"""Sensors: re-derive days whose articles an older extractor wrote, from the raw archive."""

import dagster as dg

from dagster_project.jobs import rederive_from_archive
from dagster_project.resources import WarehouseResource
from pipelines import quality
from pipelines.extract import EXTRACTOR_VERSION, extractor_settings_hash


@dg.sensor(
    job=rederive_from_archive,
    minimum_interval_seconds=600,
    default_status=dg.DefaultSensorStatus.STOPPED,
    description=(
        "After an extractor upgrade, request a re-derivation (from WARC, no refetch) of every "
        "day whose articles another extractor version or settings hash wrote."
    ),
)
def stale_extraction(context: dg.SensorEvaluationContext, warehouse: WarehouseResource):
    """One run request per stale partition, keyed so each (day, version, settings) runs once."""
    settings_hash = extractor_settings_hash()
    stale = quality.partitions_extracted_by_other_versions(
        warehouse.engine(), EXTRACTOR_VERSION, settings_hash
    )
    current = f"{EXTRACTOR_VERSION}+{settings_hash}"
    if not stale:
        return dg.SkipReason(f"every extracted day is at extractor {current}")
    return [dg.RunRequest(run_key=f"{day}@{current}", partition_key=day) for day in stale]
