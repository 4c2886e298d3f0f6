"""Sensors: re-derive days whose articles an older extractor wrote, from the raw archive."""

import dagster as dg

from dagster_project.jobs import rederive_from_archive
from dagster_project.resources import WarehouseResource
from pipelines import quality
from pipelines.extract import EXTRACTOR_VERSION


@dg.sensor(
    job=rederive_from_archive,
    minimum_interval_seconds=600,
    default_status=dg.DefaultSensorStatus.STOPPED,
    description=(
        "After an extractor upgrade, request a re-derivation (from WARC, no refetch) of every "
        "day whose articles an older extractor version wrote."
    ),
)
def stale_extraction(context: dg.SensorEvaluationContext, warehouse: WarehouseResource):
    """One run request per stale partition, keyed so each (day, version) runs once."""
    stale = quality.partitions_extracted_by_other_versions(warehouse.engine(), EXTRACTOR_VERSION)
    if not stale:
        return dg.SkipReason(f"every extracted day is at extractor {EXTRACTOR_VERSION}")
    return [dg.RunRequest(run_key=f"{day}@{EXTRACTOR_VERSION}", partition_key=day) for day in stale]
