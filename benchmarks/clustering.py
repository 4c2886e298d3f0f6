"""Benchmark of dedup + story clustering: quality on labelled dev sets, seed check, and scale.

Quality (default): runs :class:`pipelines.stories.StoryClusterer` over the labelled
development files in ``<shared>/corpus/clustering/`` (``gva_dev.jsonl``,
``ecbplus_dev.jsonl``) and prints B-cubed and pairwise precision/recall/F1 against the
gold event clusters, plus the seed check: the AP and RNA seed articles must share one
story (RNA a ``rewrite`` of AP) and no other article may join it. ECB+ is undated, so
its order is the input order: it is also clustered in ``ORDER_SEEDS`` shuffled orders
(articles added one by one), and the mean B-cubed F1 over them is reported.

Articles carry their NER entities (:func:`pipelines.enrich.enrich_documents`, as the
warehouse has them in ``article_entities`` before clustering), so the clusterer's entity
evidence is at work; the entities of a dev file are computed once and cached under
``artifacts/clustering-entities/`` (keyed by the file's digest, ``ENRICH_VERSION`` and the model).
``--no-entities`` runs without them (the clusterer as it was before entity evidence).

Scale (``--scale``): times 10k, 30k and 100k synthetic articles (random vocabulary,
generated here), each size in its own process, and reports wall seconds, CPU seconds of
the clustering process and of its feature helper process (``add_many`` computes text
features in a helper while it clusters), articles/second, peak resident memory of both,
and the log-log slope of wall time against size.

The shared folder is ``<repo>/../shared`` unless ``STORYLINE_SHARED_DIR`` says otherwise.

    python benchmarks/clustering.py                 # quality + seed check
    python benchmarks/clustering.py --scale         # speed and memory
    python benchmarks/clustering.py --set link_threshold=0.3 --dataset gva
    python benchmarks/clustering.py --no-entities   # words only
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import random
import re
import resource
import subprocess
import sys
import time
from collections import Counter
from dataclasses import fields, replace
from datetime import UTC, datetime
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from pipelines.stories.engine import StoryClusterer  # noqa: E402
from pipelines.stories.types import ClusterConfig, Doc  # noqa: E402

DATASETS = {"gva": "gva_dev.jsonl", "ecbplus": "ecbplus_dev.jsonl"}
TARGETS = {"gva": 0.95, "ecbplus": 0.93}
PAIRWISE_PRECISION_TARGET = 0.90
ORDER_SEEDS = (1, 2, 3, 4, 5)
ORDERS_TARGET = {"ecbplus": 0.90}  # mean B-cubed F1 over the shuffled orders
ENTITY_CACHE = REPO_ROOT / "artifacts" / "clustering-entities"


def shared_dir() -> Path:
    """Return the shared folder (``STORYLINE_SHARED_DIR`` or ``<repo>/../shared``)."""
    override = os.environ.get("STORYLINE_SHARED_DIR")
    return Path(override) if override else REPO_ROOT.parent / "shared"


# -- scoring ------------------------------------------------------------------------------


def score_clusters(gold: dict[str, str], predicted: dict[str, object]) -> dict[str, float]:
    """Return B-cubed and pairwise precision/recall/F1 of ``predicted`` against ``gold``.

    Both map item id -> cluster label; only items in ``gold`` are scored. Raises
    ``ValueError`` when an item of ``gold`` has no prediction.
    """
    missing = [item for item in gold if item not in predicted]
    if missing:
        raise ValueError(f"{len(missing)} gold items have no prediction, e.g. {missing[0]!r}")
    cells = Counter((predicted[item], gold[item]) for item in gold)
    predicted_sizes = Counter(predicted[item] for item in gold)
    gold_sizes = Counter(gold.values())
    count = len(gold)
    b3_precision = sum(n * n / predicted_sizes[p] for (p, _), n in cells.items()) / count
    b3_recall = sum(n * n / gold_sizes[g] for (_, g), n in cells.items()) / count

    def pairs(n: int) -> int:
        return n * (n - 1) // 2

    true_pairs = sum(pairs(n) for n in cells.values())
    predicted_pairs = sum(pairs(n) for n in predicted_sizes.values())
    gold_pairs = sum(pairs(n) for n in gold_sizes.values())
    pair_precision = true_pairs / predicted_pairs if predicted_pairs else 1.0
    pair_recall = true_pairs / gold_pairs if gold_pairs else 1.0

    def f1(precision: float, recall: float) -> float:
        return 2 * precision * recall / (precision + recall) if precision + recall else 0.0

    return {
        "bcubed_precision": b3_precision,
        "bcubed_recall": b3_recall,
        "bcubed_f1": f1(b3_precision, b3_recall),
        "pairwise_precision": pair_precision,
        "pairwise_recall": pair_recall,
        "pairwise_f1": f1(pair_precision, pair_recall),
        "articles": count,
        "gold_clusters": len(gold_sizes),
        "predicted_clusters": len(predicted_sizes),
    }


# -- labelled data ------------------------------------------------------------------------


def _parse_date(value: str | None) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(value).replace(tzinfo=UTC) if len(value) > 10 else (
        datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=UTC)
    )


def with_entities(docs: list[Doc]) -> list[Doc]:
    """Return ``docs`` with their NER entities (:func:`pipelines.enrich.enrich_documents`)."""
    from pipelines.enrich import Document, enrich_documents
    from pipelines.enrich.store import entity_key

    found = enrich_documents([Document(doc.id, doc.title, doc.text) for doc in docs])
    return [
        replace(doc, entities=tuple((entity_key(e), e.mentions) for e in enrichment.entities))
        for doc, enrichment in zip(docs, found, strict=True)
    ]


def cached_entities(path: Path, docs: list[Doc]) -> list[Doc]:
    """Return :func:`with_entities` of a dev file's ``docs``, cached by digest, enricher version and model."""
    from pipelines.enrich.model import model_info

    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    from pipelines.versions import ENRICH_VERSION

    cache = ENTITY_CACHE / f"{path.stem}-{digest}-{ENRICH_VERSION}-{model_info().label()}.json"
    if cache.exists():
        entities = json.loads(cache.read_text(encoding="utf-8"))
        return [replace(doc, entities=tuple(map(tuple, entities[doc.id]))) for doc in docs]
    enriched = with_entities(docs)
    cache.parent.mkdir(parents=True, exist_ok=True)
    partial = cache.with_name(f"{cache.name}.{os.getpid()}.partial")
    partial.write_text(json.dumps({doc.id: doc.entities for doc in enriched}), encoding="utf-8")
    partial.replace(cache)  # readers see the whole file or none
    return enriched


def load_labelled(path: Path, entities: bool = False) -> tuple[list[Doc], dict[str, str]]:
    """Return the docs and the gold ``id -> cluster_id`` of a clustering JSONL file.

    With ``entities``, the docs carry their NER entities (:func:`cached_entities`).
    """
    docs, gold = [], {}
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            docs.append(
                Doc(
                    id=record["id"], url=record.get("url") or "", title=record.get("title") or "",
                    text=record.get("text") or "", published_at=_parse_date(record.get("date")),
                    source=record.get("source") or "",
                )
            )
            gold[record["id"]] = record["cluster_id"]
    return (cached_entities(path, docs) if entities else docs), gold


def evaluate(dataset: str, config: ClusterConfig, entities: bool = True) -> dict[str, float]:
    """Cluster one dev file with ``config`` and return its scores (plus seconds).

    For a dataset of ``ORDERS_TARGET`` also ``orders_bcubed_f1``: the mean B-cubed F1
    over the ``ORDER_SEEDS`` shuffled orders (and its lowest, ``orders_min_bcubed_f1``).
    """
    docs, gold = load_labelled(shared_dir() / "corpus" / "clustering" / DATASETS[dataset], entities)
    started = time.perf_counter()
    clusterer = StoryClusterer(config)
    predicted = {a.id: a.story_key for a in clusterer.add_many(docs)}
    scores = score_clusters(gold, predicted)
    scores["seconds"] = time.perf_counter() - started
    if dataset in ORDERS_TARGET:
        f1s = [score_clusters(gold, shuffled_order(docs, config, seed))["bcubed_f1"] for seed in ORDER_SEEDS]
        scores["orders_bcubed_f1"] = sum(f1s) / len(f1s)
        scores["orders_min_bcubed_f1"] = min(f1s)
    return scores


def shuffled_order(docs: list[Doc], config: ClusterConfig, seed: int) -> dict[str, object]:
    """Return ``id -> story`` after adding ``docs`` one by one in a shuffled order (``seed``)."""
    ordered = list(docs)
    random.Random(seed).shuffle(ordered)
    clusterer = StoryClusterer(config)
    placed = {doc.id: clusterer.add(doc).story_key for doc in ordered}
    moved = clusterer.look_again(ordered)  # what add_many does after its batch
    return {doc_id: moved[doc_id].story_key if doc_id in moved else key for doc_id, key in placed.items()}


# -- seeds --------------------------------------------------------------------------------

_HEADER = re.compile(r"^---\n(.*?)\n---\n", re.S)


def seed_doc(path: Path) -> Doc:
    """Return a seed page as a :class:`Doc`: header fields, and its prose lines as the body.

    The seeds are raw page text with site chrome; a crude stand-in for the clean stage
    keeps lines of 15+ words ending like a sentence, each once.
    """
    raw = path.read_text(encoding="utf-8")
    header: dict[str, str] = {}
    match = _HEADER.match(raw)
    if match:
        for line in match.group(1).splitlines():
            name, _, value = line.partition(":")
            header[name.strip()] = value.strip().strip('"')
        raw = raw[match.end():]
    lines, seen = [], set()
    for line in raw.splitlines():
        line = line.strip(" •*\t")
        if len(line.split()) >= 15 and line[-1:] in ".\"”’'" and line not in seen:
            seen.add(line)
            lines.append(line)
    title = header.get("title") or next((x for x in raw.splitlines() if x.strip()), "")
    when = header.get("date")
    if not when:
        found = re.search(r"Published (\w+ \d{1,2}, \d{4})", raw)
        when = datetime.strptime(found.group(1), "%B %d, %Y").date().isoformat() if found else None
    return Doc(
        id=path.name, url=header.get("source", ""), title=title.split(" | ")[0],
        text="\n".join(lines), published_at=_parse_date(when), source=path.name[:3],
    )


def seed_check(config: ClusterConfig, entities: bool = True) -> dict[str, object]:
    """Run the two seeds together with every dev article; return what happened to them."""
    seeds_dir = shared_dir() / "seeds"
    ap_paths, rna_paths = sorted(seeds_dir.glob("000_*.txt")), sorted(seeds_dir.glob("004_*.txt"))
    if not ap_paths or not rna_paths:
        return {"skipped": f"seed files 000_*.txt / 004_*.txt not found in {seeds_dir}"}
    ap, rna = seed_doc(ap_paths[0]), seed_doc(rna_paths[0])
    if entities:
        ap, rna = with_entities([ap, rna])
    others: list[Doc] = []
    for dataset in DATASETS.values():
        path = shared_dir() / "corpus" / "clustering" / dataset
        if path.exists():
            others.extend(load_labelled(path, entities)[0])
    clusterer = StoryClusterer(config)
    assignments = {a.id: a for a in clusterer.add_many([ap, rna, *others])}
    ap_story, rna_a = assignments[ap.id].story_key, assignments[rna.id]
    intruders = sorted(
        a.id for a in assignments.values()
        if a.story_key in (ap_story, rna_a.story_key) and a.id not in (ap.id, rna.id)
    )
    return {
        "same_story": ap_story == rna_a.story_key,
        "rna_relation": rna_a.relation,
        "rna_related_to_ap": rna_a.related_to == ap.id,
        "rna_similarity": rna_a.similarity,
        "rna_shared_passages": rna_a.shared_passages,
        "rna_evidence": rna_a.evidence,
        "other_articles_in_seed_stories": intruders,
        "articles_run_with_seeds": len(others),
    }


# -- scale --------------------------------------------------------------------------------


def synthetic_docs(count: int, seed: int = 7) -> list[Doc]:
    """Return ``count`` synthetic articles: events with 1-8 reports, some copies and rewrites.

    Vocabulary is random (Zipf-like common words plus per-event names and numbers), spread
    over about ``count / 300`` days, so the window holds a realistic daily volume. Each
    article carries entities as the enrich stage would give them: its event's first name
    as a place and its second as a person, with the mentions its text makes of them.
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    common = [f"word{index}" for index in range(20_000)]
    zipf_cdf = np.cumsum(1.0 / np.arange(1, len(common) + 1))
    zipf_cdf /= zipf_cdf[-1]
    vocabulary = np.array(common)

    def zipf_words(size: int) -> list[str]:
        return vocabulary[np.searchsorted(zipf_cdf, rng.random(size))].tolist()

    days = max(1, count // 300)
    start = datetime(2025, 1, 1, tzinfo=UTC).timestamp()
    docs: list[Doc] = []
    event = 0
    while len(docs) < count:
        event += 1
        names = [f"Name{event}x{index}" for index in range(12)]
        numbers = [str(rng.integers(10, 10_000)) for _ in range(3)]
        base_time = start + rng.uniform(0, days) * 86_400
        original: list[str] | None = None
        for report in range(int(rng.integers(1, 9))):
            if len(docs) >= count:
                break
            kind = rng.random()
            if original is not None and kind < 0.15:
                words = list(original)  # syndicated copy with a small edit
                words[int(rng.integers(0, len(words)))] = "edited"
            elif original is not None and kind < 0.3:
                keep = int(rng.integers(20, 40))
                fresh = zipf_words(180)
                words = original[:keep] + fresh + original[60 : 60 + keep]
            else:
                body = zipf_words(220)
                for _ in range(25):
                    body[int(rng.integers(0, len(body)))] = str(rng.choice(names + numbers))
                words = body
            if original is None:
                original = words
            when = base_time + rng.uniform(0, 2.5) * 86_400 * (report > 0)
            text = " ".join(words)
            url = f"https://outlet{rng.integers(0, 500)}.example/{len(docs)}"  # drawn before the title
            title = " ".join([*rng.choice(names, size=3), *rng.choice(common[:500], size=4)])
            counts = Counter(f"{title} {text}".split())
            entities = tuple(
                (f"{kind}|{name.lower()}|", counts[name])
                for kind, name in (("place", names[0]), ("person", names[1])) if counts[name]
            )
            docs.append(
                Doc(
                    id=len(docs), url=url,
                    title=title, text=text, published_at=datetime.fromtimestamp(when, UTC),
                    source=f"outlet{len(docs) % 500}", entities=entities,
                )
            )
    return docs


def scale_one(count: int) -> dict[str, float]:
    """Generate ``count`` synthetic articles and time their clustering (this process)."""
    docs = synthetic_docs(count)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started, cpu_started = time.perf_counter(), time.process_time()
    clusterer = StoryClusterer()
    # fork (this process holds no threads): the helper is then our child, so
    # RUSAGE_CHILDREN counts its CPU and memory.
    assignments = clusterer.add_many(docs, start_method="fork")
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu_started
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    helpers = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "articles": count,
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu_seconds, 2),
        "helper_cpu_seconds": round(helpers.ru_utime + helpers.ru_stime, 2),
        "articles_per_second": round(count / seconds),
        "peak_rss_mib": round(peak_kib / 1024, 1),
        "helper_peak_rss_mib": round(helpers.ru_maxrss / 1024, 1),
        "rss_before_clustering_mib": round(rss_before / 1024, 1),
        "stories": len({a.story_key for a in assignments}),
        "duplicates": sum(a.duplicate_of is not None for a in assignments),
        "rewrites": sum(a.relation == "rewrite" for a in assignments),
        "held_at_end": len(clusterer),
    }


def run_scale(sizes: list[int]) -> dict[str, object]:
    """Time each size in a fresh process; return the rows and the log-log slope."""
    rows = []
    for size in sizes:
        output = subprocess.run(
            [sys.executable, __file__, "--scale-one", str(size)],
            check=True, capture_output=True, text=True,
        ).stdout
        rows.append(json.loads(output.strip().splitlines()[-1]))
        print(json.dumps(rows[-1]), flush=True)
    if len(rows) < 2:
        return {"rows": rows, "loglog_slope": None}
    xs = [math.log(row["articles"]) for row in rows]
    ys = [math.log(row["seconds"]) for row in rows]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / sum(
        (x - mean_x) ** 2 for x in xs
    )
    return {"rows": rows, "loglog_slope": round(slope, 3)}


# -- command line -------------------------------------------------------------------------


def parse_overrides(items: list[str]) -> ClusterConfig:
    """Return the default config with ``name=value`` overrides applied.

    Raises ``SystemExit`` naming the field when one is unknown.
    """
    known = {f.name: f.type for f in fields(ClusterConfig)}
    changes = {}
    for item in items:
        name, _, value = item.partition("=")
        if name not in known:
            raise SystemExit(f"--set {item}: unknown field {name!r}; known: {', '.join(known)}")
        changes[name] = int(value) if known[name] == "int" else float(value)
    return replace(ClusterConfig(), **changes)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; returns 0 when every target is met, 1 otherwise."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", action="store_true", help="time 10k/30k/100k synthetic")
    parser.add_argument("--sizes", default="10000,30000,100000")
    parser.add_argument("--scale-one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--dataset", choices=[*DATASETS, "all"], default="all")
    parser.add_argument("--no-seeds", action="store_true", help="skip the seed check")
    parser.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE")
    parser.add_argument("--no-entities", action="store_true", help="cluster without NER entities")
    args = parser.parse_args(argv)
    if args.scale_one:
        print(json.dumps(scale_one(args.scale_one)))
        return 0
    if args.scale:
        result = run_scale([int(size) for size in args.sizes.split(",")])
        print(json.dumps({"loglog_slope": result["loglog_slope"]}))
        largest = result["rows"][-1]
        ok = largest["articles"] < 100_000 or (
            largest["seconds"] < 60
            and largest["peak_rss_mib"] + largest["helper_peak_rss_mib"] < 2048
        )
        return 0 if ok else 1
    config = parse_overrides(args.set)
    corpus = shared_dir() / "corpus" / "clustering"
    if not corpus.exists():
        print(f"skipped: labelled data not found in {corpus} (set STORYLINE_SHARED_DIR)")
        return 0
    ok = True
    for dataset in DATASETS if args.dataset == "all" else [args.dataset]:
        scores = evaluate(dataset, config, entities=not args.no_entities)
        met = (
            scores["bcubed_f1"] >= TARGETS[dataset]
            and scores["pairwise_precision"] >= PAIRWISE_PRECISION_TARGET
            and scores.get("orders_bcubed_f1", 1.0) >= ORDERS_TARGET.get(dataset, 0.0)
        )
        ok &= met
        shown = {k: round(v, 4) if isinstance(v, float) else v for k, v in scores.items()}
        print(json.dumps({"dataset": dataset, "target_met": met, **shown}))
    if not args.no_seeds:
        seeds = seed_check(config, entities=not args.no_entities)
        print(json.dumps({"seed_check": seeds}))
        if "skipped" not in seeds:
            ok &= bool(
                seeds["same_story"] and seeds["rna_relation"] == "rewrite"
                and seeds["rna_related_to_ap"] and not seeds["other_articles_in_seed_stories"]
            )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
