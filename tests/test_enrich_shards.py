"""Enrichment per crawl shard ends in the rows of one pass over the whole day.

The generated articles of ``test_incremental`` (fictional towns and people, wire copies
and edited near-copies among them) are split between two shards by outlet, so that exact
and near copies land in another shard than their original. Each shard's enrich step
analyses its own articles before the day's dedup and clustering; the day step then gives
copies their original's analysis and aggregates the stories. The rows must equal those of
the same stages run over the whole day as one shard, and each distinct text goes through
NER once in all.
"""

from __future__ import annotations

import threading
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, select, update
from test_incremental import DAYS, _articles, _insert, _own_analyses, _state

from pipelines.dedup.store import dedup_partition
from pipelines.enrich import analyse, analyse_partition, finish_partition, store
from pipelines.enrich.near_copies import BORROWED
from pipelines.enrich.store import ANALYSE_STAGE, FINISH_STAGE
from pipelines.stories.store import cluster_partition
from pipelines.warehouse.db import make_engine, session_scope
from pipelines.warehouse.migrate import upgrade
from pipelines.warehouse.models import Article, Source
from pipelines.warehouse.stage_runs import stage_run

#: Outlets by shard: wire copies (outlet 3) and near copies (outlet 4) of outlet 0's
#: reports land in the other shard.
SHARDS = {0: (0, 2), 1: (1, 3, 4)}


def _warehouse(url: str) -> Engine:
    """``url`` holding every generated article, each with its outlet as source."""
    engine = make_engine(url)
    articles = _articles()
    for batch in sorted({article["batch"] for article in articles}):  # ids in arrival order
        for day in DAYS:
            landed = [a for a in articles if a["batch"] == batch and a["day"] == day]
            if landed:
                _insert(engine, landed)
    now = datetime.now(UTC)
    with session_scope(engine) as session:
        for outlet in range(5):
            source = Source(name=f"outlet {outlet}", config={}, first_seen_at=now, updated_at=now)
            session.add(source)
            session.flush()
            session.execute(
                update(Article).where(Article.site_name == f"Outlet {outlet}").values(source_id=source.id)
            )
    return engine


def _shard(outlets: tuple[int, ...]):
    return Article.source_id.in_(select(Source.id).where(Source.name.in_([f"outlet {o}" for o in outlets])))


def _day(engine: Engine, day: str, shards: dict[int, object]) -> list[dict]:
    """The day's stages: the enrich step of each shard, dedup (then own analyses for the
    originals that borrowed a near copy's), clustering, the day's enrich step."""
    analysed = []
    for shard, only in shards.items():
        with stage_run(engine, ANALYSE_STAGE, f"{day}|{shard}", code_version="test") as run:
            analysed.append(analyse_partition(engine, day, stage_run_id=run.id, rebuild=True, only=only))
    with stage_run(engine, "dedup", day, code_version="test") as run:
        dedup_partition(engine, day, run.id, rebuild=True)
    analysed.append({**_own_analyses(engine, day), "catch_up": True})
    with stage_run(engine, "cluster", day, code_version="test") as run:
        cluster_partition(engine, day, run.id, rebuild=True)
    with stage_run(engine, FINISH_STAGE, day, code_version="test") as run:
        finish = finish_partition(engine, day, stage_run_id=run.id, rebuild=True)
    assert finish["awaiting_analysis"] == 0
    return analysed


def _enrichment_columns(engine: Engine) -> list:
    with session_scope(engine) as session:
        return session.execute(
            select(Article.id, Article.language, Article.word_count, Article.enrichment_applied,
                   Article.enricher_version, Article.keywords).order_by(Article.id)
        ).all()


def test_two_shards_give_the_rows_of_one(warehouse_url, tmp_path) -> None:
    single_url = f"sqlite:///{tmp_path / 'single.db'}"
    upgrade(single_url)
    single, sharded = _warehouse(single_url), _warehouse(warehouse_url)
    analysed_once, analysed_by_shards = [], []
    for day in DAYS:
        analysed_once += _day(single, day, {0: None})
        # The second shard first: its copies are analysed before their originals are.
        analysed_by_shards += _day(sharded, day, {1: _shard(SHARDS[1]), 0: _shard(SHARDS[0])})

    state = _state(sharded)
    assert state == _state(single)
    assert _enrichment_columns(sharded) == _enrichment_columns(single)
    # Copies in the other shard carry their original's entities, and every story has entities.
    kinds = {kind for _, kind in state["duplicates"].values()}
    assert {"text", "near"} <= kinds
    for article_id, (original, _) in state["duplicates"].items():
        if original is not None:
            assert state["entities"].get(article_id) == state["entities"].get(original)
    assert len(state["story_entities"]) == len(state["stories"])
    # NER ran once per distinct text at most: an exact copy in the other shard took the stored
    # analysis, a near copy met in the same step borrowed its original's (more of them in one
    # shard, where every copy meets its original) and no row keeps a borrowed analysis.
    texts = len({(a["title"], a["body"]) for a in _articles()})
    ner_once, ner_sharded = (sum(s["analysed"] for s in runs) for runs in (analysed_once, analysed_by_shards))
    assert ner_once < ner_sharded <= texts
    assert sum(s.get("borrowed", 0) for s in analysed_once) > 0
    assert sum(s.get("reused", 0) for s in analysed_by_shards) > 0
    assert all(s["articles"] for s in analysed_by_shards if "catch_up" not in s)
    for engine in (single, sharded):
        assert not any(BORROWED in (row.enrichment_applied or ()) for row in _enrichment_columns(engine))



@pytest.fixture
def pools(monkeypatch) -> list[ProcessPoolExecutor]:
    """Every NER pool started during the test, in order."""
    started: list[ProcessPoolExecutor] = []

    class CountedPool(ProcessPoolExecutor):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            started.append(self)

    monkeypatch.setattr(analyse, "ProcessPoolExecutor", CountedPool)
    return started


def test_the_catch_up_uses_the_workers_the_last_shard_left(warehouse_url, monkeypatch, pools) -> None:
    """With ``keep_workers`` the last shard's NER workers, model loaded, do the day's catch-up
    (originals that borrowed a copy's analysis), and the catch-up stops them."""
    # Small batches in arrival order: a copy that landed before its original is analysed
    # first, and the original borrows its analysis, to get its own after dedup.
    monkeypatch.setattr(store, "ANALYSE_BATCH", 9)
    engine, day = _warehouse(warehouse_url), DAYS[0]
    clean_done = threading.Event()
    clean_done.set()  # as beside a finished clean stage: NER in the step's workers
    for shard, last in ((1, False), (0, True)):
        with stage_run(engine, ANALYSE_STAGE, f"{day}|{shard}", code_version="test") as run:
            analyse_partition(
                engine, day, stage_run_id=run.id, rebuild=True, only=_shard(SHARDS[shard]),
                clean_done=clean_done, workers=1, keep_workers=last,
            )
        assert (analyse.pool_workers() == 1) is last
    assert len(pools) == 2
    with stage_run(engine, "dedup", day, code_version="test") as run:
        dedup_partition(engine, day, run.id, rebuild=True)
    caught_up = _own_analyses(engine, day)
    assert caught_up["analysed"] > 0
    assert len(pools) == 2  # no third pool: the kept one did the catch-up
    assert analyse.pool_workers() is None


def test_a_few_texts_go_to_the_running_pool_as_it_is(pools) -> None:
    """A pool of one worker runs (as beside the clean stage); a call asking for two with a few
    texts uses it rather than starting two workers that would each load the model."""
    text = "Mayor Ilse Varga of Tarnholm opened the new harbour bridge on Monday."
    try:
        (alone,) = analyse.enrich_documents([analyse.Document("a", "", text)], workers=1, isolated=True)
        assert analyse.pool_workers() == 1
        few = [analyse.Document(str(n), "", text) for n in range(3)]
        assert analyse.enrich_documents(few, workers=2) == [alone] * 3
        assert len(pools) == 1 and analyse.pool_workers() == 1
    finally:
        analyse.close_pool()
