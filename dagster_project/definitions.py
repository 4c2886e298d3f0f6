"""The Storyline code location: assets, checks, jobs, schedules, sensors and resources."""

from __future__ import annotations

import dagster as dg

from dagster_project.assets import ALL_ASSETS
from dagster_project.executors import pipeline_executor
from dagster_project.jobs import crawl_shard, daily_pipeline, rederive_from_archive
from dagster_project.resources import CrawlConfigResource, ExtractionResource, WarehouseResource
from dagster_project.schedules import crawl_current_day
from dagster_project.sensors import day_pass_after_shards, stale_extraction


def resources() -> dict[str, object]:
    """The resources every asset expects, configured from the environment."""
    return {
        "warehouse": WarehouseResource(),
        "crawl_config": CrawlConfigResource(),
        "extraction": ExtractionResource(),
        "pipes_subprocess_client": dg.PipesSubprocessClient(),
    }


defs = dg.Definitions(
    assets=ALL_ASSETS,
    jobs=[crawl_shard, daily_pipeline, rederive_from_archive],
    schedules=[crawl_current_day],
    sensors=[day_pass_after_shards, stale_extraction],
    resources=resources(),
    # In process unless the deployment says otherwise (STORYLINE_EXECUTOR=celery or k8s):
    # the stages run one after the other anyway, one process per run saves the start-up of
    # a process per step, and the clean step still spreads over every core itself.
    executor=pipeline_executor(),
)
