"""Quality gates of story clustering on the labelled dev sets (skipped when ../shared is absent).

Issue 13's targets are gated as the benchmark measures them, with the NER entities the
warehouse gives the clusterer (``python benchmarks/clustering.py``; the dev texts' entities
take about a minute to compute on a fresh clone and are cached under ``artifacts/``):
  GVA    B-cubed F1               target 0.95  measured 0.951
  GVA    pairwise precision       gate   0.93  measured 0.936
  ECB+   B-cubed F1               target 0.93  measured 0.936
  ECB+   pairwise precision       target 0.90  measured 0.927
  ECB+   mean of 5 orders (B3 F1) target 0.90  measured 0.926 (lowest 0.920)
Words alone (``entities=False``, ``--no-entities``) the clusterer is gated slightly below
the level measured when the gate was set, so it cannot slip back:
  GVA    B-cubed F1               measured 0.948  gate 0.945
  GVA    pairwise precision       measured 0.936  gate 0.925
  ECB+   B-cubed F1               measured 0.937  gate 0.93
  ECB+   pairwise precision       measured 0.899  gate 0.89
  ECB+   mean of 5 orders (B3 F1) measured 0.920  gate 0.91
  seeds (with entities): AP and RNA in one story, RNA a rewrite of AP, no other article joins them.
"""

from __future__ import annotations

import pytest

from benchmarks.clustering import DATASETS, evaluate, seed_check, shared_dir
from pipelines.stories.types import ClusterConfig

CORPUS = shared_dir() / "corpus" / "clustering"
ORDERS_GATE = {"ecbplus": 0.91}  # mean B-cubed F1 over the benchmark's shuffled orders
pytestmark = pytest.mark.skipif(
    not all((CORPUS / name).is_file() for name in DATASETS.values()),
    reason=f"labelled clustering data not found in {CORPUS}; set STORYLINE_SHARED_DIR",
)


@pytest.mark.parametrize(
    ("dataset", "bcubed_f1", "pairwise_precision"),
    [("gva", 0.945, 0.925), ("ecbplus", 0.93, 0.89)],
)
def test_dev_set_scores(dataset: str, bcubed_f1: float, pairwise_precision: float) -> None:
    scores = evaluate(dataset, ClusterConfig(), entities=False)
    assert scores["bcubed_f1"] >= bcubed_f1, scores
    assert scores["pairwise_precision"] >= pairwise_precision, scores
    assert scores.get("orders_bcubed_f1", 1.0) >= ORDERS_GATE.get(dataset, 0.0), scores


@pytest.mark.parametrize(
    ("dataset", "bcubed_f1", "pairwise_precision", "orders_bcubed_f1"),
    [("gva", 0.95, 0.93, 0.0), ("ecbplus", 0.93, 0.90, 0.90)],
)
def test_issue_targets_with_entities(
    dataset: str, bcubed_f1: float, pairwise_precision: float, orders_bcubed_f1: float
) -> None:
    """The dev targets, with the entities the enrich stage gives each article."""
    scores = evaluate(dataset, ClusterConfig(), entities=True)
    assert scores["bcubed_f1"] >= bcubed_f1, scores
    assert scores["pairwise_precision"] >= pairwise_precision, scores
    assert scores.get("orders_bcubed_f1", 1.0) >= orders_bcubed_f1, scores


def test_seed_pair_is_one_story_with_a_rewrite() -> None:
    result = seed_check(ClusterConfig(), entities=True)
    if "skipped" in result:
        pytest.skip(result["skipped"])
    assert result["same_story"], result
    assert result["rna_relation"] == "rewrite" and result["rna_related_to_ap"], result
    assert result["other_articles_in_seed_stories"] == [], result
