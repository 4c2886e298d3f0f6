"""Drive a running Dagster webserver over its GraphQL API: launch asset backfills, follow them.

Used by ``make scale-demo`` and by the tests that drive ``dagster dev``. Usage::

    port = free_port()
    with dagster_dev(dagster_home=home, env=env, port=port) as base_url:
        backfill_id = launch_asset_backfill(base_url, ASSET_KEYS, ["2026-01-01", "2026-01-02"])
        backfill = wait_for_backfill(base_url, backfill_id, timeout_s=480)
        assert backfill.status == "COMPLETED_SUCCESS"

Everything talks HTTP to loopback only; errors name the query and what the server answered.
"""

from __future__ import annotations

import json
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

#: Backfill statuses after which nothing more happens.
BACKFILL_DONE = frozenset({"COMPLETED", "COMPLETED_SUCCESS", "COMPLETED_FAILED", "FAILED", "CANCELED"})
#: Run statuses after which a run does nothing more.
RUN_DONE = frozenset({"SUCCESS", "FAILURE", "CANCELED"})

LAUNCH_PARTITION_BACKFILL = """
mutation LaunchPartitionBackfill($backfillParams: LaunchBackfillParams!) {
  launchPartitionBackfill(backfillParams: $backfillParams) {
    __typename
    ... on LaunchBackfillSuccess { backfillId launchedRunIds }
    ... on PythonError { message stack }
    ... on Error { message }
  }
}
"""

PARTITION_BACKFILL = """
query PartitionBackfill($backfillId: String!) {
  partitionBackfillOrError(backfillId: $backfillId) {
    __typename
    ... on PartitionBackfill {
      id
      status
      isAssetBackfill
      partitionNames
      runs(limit: 100) { runId status tags { key value } }
    }
    ... on PythonError { message stack }
    ... on Error { message }
  }
}
"""

BACKFILLS = """
query Backfills {
  partitionBackfillsOrError(limit: 20) {
    __typename
    ... on PartitionBackfills { results { id status partitionNames } }
    ... on PythonError { message }
  }
}
"""


class GraphQLError(RuntimeError):
    """The GraphQL endpoint answered with errors or an unexpected result type."""


@dataclass(frozen=True)
class BackfillRun:
    """One run of a backfill: id, status, the partition it ran and its range (from its tags)."""

    run_id: str
    status: str
    partition: str | None
    partition_range: tuple[str, str] | None = None

    def covers(self, partition: str) -> bool:
        """Whether the run ran ``partition``: its own, or one of its range (of day keys)."""
        if self.partition is not None or self.partition_range is None:
            return self.partition == partition
        first, last = self.partition_range
        return "|" not in partition and "|" not in first and first <= partition <= last


@dataclass(frozen=True)
class Backfill:
    """A partition backfill as the GraphQL API reports it."""

    backfill_id: str
    status: str
    partition_names: list[str]
    runs: list[BackfillRun] = field(default_factory=list)

    @property
    def done(self) -> bool:
        """True once the backfill and every run of it have finished."""
        return self.status in BACKFILL_DONE and all(run.status in RUN_DONE for run in self.runs)


def free_port(host: str = "127.0.0.1") -> int:
    """Return a TCP port on ``host`` that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def graphql(
    base_url: str, query: str, variables: Mapping[str, Any] | None = None, timeout_s: float = 60.0
) -> dict[str, Any]:
    """POST ``query`` to ``{base_url}/graphql`` and return its ``data``.

    Raises ``GraphQLError`` when the server answers with errors or a non-200 status.
    """
    payload = json.dumps({"query": query, "variables": dict(variables or {})}).encode()
    request = urllib.request.Request(
        f"{base_url}/graphql", data=payload, headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            body = json.loads(response.read())
    except urllib.error.HTTPError as error:
        detail = error.read().decode(errors="replace")[:2000]
        raise GraphQLError(f"GraphQL POST to {base_url} answered {error.code}: {detail}") from error
    if body.get("errors"):
        raise GraphQLError(f"GraphQL errors from {base_url}: {json.dumps(body['errors'])[:2000]}")
    return body["data"]


def _expect(result: Mapping[str, Any], typename: str, what: str) -> Mapping[str, Any]:
    if result.get("__typename") != typename:
        raise GraphQLError(
            f"{what}: expected {typename}, got {result.get('__typename')}: "
            f"{result.get('message', '')}\n{''.join(result.get('stack') or [])}"
        )
    return result


def launch_asset_backfill(
    base_url: str,
    asset_keys: Sequence[str],
    partition_names: Sequence[str],
    title: str | None = None,
) -> str:
    """Launch a backfill of ``asset_keys`` over ``partition_names`` as the UI does; return its id.

    This is the request the asset graph's "Materialize" -> partitions dialog sends
    (``launchPartitionBackfill`` with ``assetSelection`` and ``partitionNames``).
    Raises ``GraphQLError`` when the launch is refused.
    """
    params: dict[str, Any] = {
        "assetSelection": [{"path": key.split("/")} for key in asset_keys],
        "partitionNames": list(partition_names),
        "fromFailure": False,
    }
    if title:
        params["title"] = title
    data = graphql(base_url, LAUNCH_PARTITION_BACKFILL, {"backfillParams": params})
    result = _expect(data["launchPartitionBackfill"], "LaunchBackfillSuccess", "launchPartitionBackfill")
    return result["backfillId"]


def get_backfill(base_url: str, backfill_id: str) -> Backfill:
    """Return the backfill ``backfill_id`` with its runs; raises ``GraphQLError`` if it is unknown."""
    data = graphql(base_url, PARTITION_BACKFILL, {"backfillId": backfill_id})
    result = _expect(data["partitionBackfillOrError"], "PartitionBackfill", f"backfill {backfill_id}")
    runs = [
        BackfillRun(run["runId"], run["status"], run_partition(run["tags"]), run_range(run["tags"]))
        for run in result["runs"]
    ]
    return Backfill(result["id"], result["status"], list(result["partitionNames"] or []), runs)


def run_range(tags: Sequence[Mapping[str, str]]) -> tuple[str, str] | None:
    """Return the first and last partition of an asset backfill run's range, from its tags."""
    values = {tag["key"]: tag["value"] for tag in tags}
    first = values.get("dagster/asset_partition_range_start")
    last = values.get("dagster/asset_partition_range_end")
    return (first, last) if first is not None and last is not None else None


def run_partition(tags: Sequence[Mapping[str, str]]) -> str | None:
    """Return the one partition a run covers, from its tags (``None`` for a range or no partition).

    Single runs carry ``dagster/partition``; runs of an asset backfill carry
    ``dagster/asset_partition_range_start`` and ``_end`` instead, even for a one-day range.
    """
    values = {tag["key"]: tag["value"] for tag in tags}
    if "dagster/partition" in values:
        return values["dagster/partition"]
    start = values.get("dagster/asset_partition_range_start")
    return start if start is not None and start == values.get("dagster/asset_partition_range_end") else None


def list_backfills(base_url: str) -> list[dict[str, Any]]:
    """Return the most recent backfills (id, status, partitionNames), newest first."""
    data = graphql(base_url, BACKFILLS)
    result = _expect(data["partitionBackfillsOrError"], "PartitionBackfills", "partitionBackfillsOrError")
    return list(result["results"])


def wait_for_backfill(
    base_url: str, backfill_id: str, timeout_s: float = 480.0, poll_s: float = 3.0
) -> Backfill:
    """Poll until the backfill and all its runs have finished; return it.

    Raises ``TimeoutError`` (with the last status seen) when it takes longer than ``timeout_s``.
    """
    deadline = time.monotonic() + timeout_s
    backfill = get_backfill(base_url, backfill_id)
    while not backfill.done:
        if time.monotonic() > deadline:
            runs = ", ".join(f"{run.partition}:{run.status}" for run in backfill.runs) or "no runs"
            raise TimeoutError(
                f"backfill {backfill_id} not finished after {timeout_s:.0f} s: "
                f"status {backfill.status}, runs {runs}"
            )
        time.sleep(poll_s)
        backfill = get_backfill(base_url, backfill_id)
    return backfill
