"""Quality gates of story clustering on the labelled dev sets (skipped when ../shared is absent).

The gates (the seed check too) cluster on words alone (``entities=False``): NER over the dev texts takes
several minutes on a fresh clone, more than CI can spend; the entity evidence has its own
tests (``test_stories_evidence.py``) and ``python benchmarks/clustering.py`` reports the
figures with entities (GVA .951 / pairwise P .935, ECB+ .927 / .888, five orders .898;
the undated lead-person rule, ``title_person_mentions``, works from entities only, so the
ECB+ words-only figures below did not move with it).
The targets of issue 13 are not all met yet: each figure is gated slightly below the
level measured on words alone when the gate was set, so it cannot slip back
(``python benchmarks/clustering.py --no-entities`` prints the figures):
  GVA    B-cubed F1               target 0.95  measured 0.948  gate 0.945
  GVA    pairwise precision       target 0.90  measured 0.936  gate 0.925
  ECB+   B-cubed F1               target 0.93  measured 0.926  gate 0.918
  ECB+   pairwise precision       target 0.90  measured 0.870  gate 0.865
  ECB+   mean of 5 orders (B3 F1) target 0.90  measured 0.893  gate 0.885
  seeds: AP and RNA in one story, RNA a rewrite of AP, no other article joins them.
"""

from __future__ import annotations

import pytest

from benchmarks.clustering import DATASETS, evaluate, seed_check, shared_dir
from pipelines.stories.types import ClusterConfig

CORPUS = shared_dir() / "corpus" / "clustering"
ORDERS_GATE = {"ecbplus": 0.885}  # mean B-cubed F1 over the benchmark's shuffled orders
pytestmark = pytest.mark.skipif(
    not all((CORPUS / name).is_file() for name in DATASETS.values()),
    reason=f"labelled clustering data not found in {CORPUS}; set STORYLINE_SHARED_DIR",
)


@pytest.mark.parametrize(
    ("dataset", "bcubed_f1", "pairwise_precision"),
    [("gva", 0.945, 0.925), ("ecbplus", 0.918, 0.865)],
)
def test_dev_set_scores(dataset: str, bcubed_f1: float, pairwise_precision: float) -> None:
    scores = evaluate(dataset, ClusterConfig(), entities=False)
    assert scores["bcubed_f1"] >= bcubed_f1, scores
    assert scores["pairwise_precision"] >= pairwise_precision, scores
    assert scores.get("orders_bcubed_f1", 1.0) >= ORDERS_GATE.get(dataset, 0.0), scores


def test_seed_pair_is_one_story_with_a_rewrite() -> None:
    result = seed_check(ClusterConfig(), entities=False)
    if "skipped" in result:
        pytest.skip(result["skipped"])
    assert result["same_story"], result
    assert result["rna_relation"] == "rewrite" and result["rna_related_to_ap"], result
    assert result["other_articles_in_seed_stories"] == [], result
