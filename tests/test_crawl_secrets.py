"""The warehouse URL reaches the crawl child through its environment, never its command line."""

from __future__ import annotations

import dagster as dg
import pytest

from dagster_project.assets import crawl_and_clean
from dagster_project.resources import CrawlConfigResource, ExtractionResource, WarehouseResource
from dagster_project.run import current_partition


class RecordingPipesClient(dg.PipesSubprocessClient):
    """The real subprocess client, remembering what it started."""

    calls: list[tuple[list[str], dict[str, str]]] = []

    def run(self, *, context, command, extras=None, env=None, cwd=None):  # type: ignore[override]
        RecordingPipesClient.calls.append((list(command), dict(env or {})))
        return super().run(context=context, command=command, extras=extras, env=env, cwd=cwd)


@pytest.mark.slow
def test_warehouse_url_is_not_on_the_crawl_command_line(demo_site, tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'secret-name.db'}"
    RecordingPipesClient.calls = []
    result = dg.materialize(
        [crawl_and_clean],
        selection=["raw_pages"],
        partition_key=f"{current_partition()}|0",  # day x shard
        instance=dg.DagsterInstance.ephemeral(),
        resources={
            "warehouse": WarehouseResource(url=url),
            "crawl_config": CrawlConfigResource(path="config/demo.yaml"),
            "extraction": ExtractionResource(workers=1),
            "pipes_subprocess_client": RecordingPipesClient(),
        },
    )
    assert result.success
    ((command, env),) = RecordingPipesClient.calls
    assert not any("secret-name" in part for part in command)
    assert command[command.index("--shard") + 1] == "0", "the crawl child was not told its shard"
    assert env["STORYLINE_WAREHOUSE_URL"] == url
