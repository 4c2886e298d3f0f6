"""The enrich stage over the warehouse: articles analysed per shard, copies and stories per day.

:func:`analyse_partition` (per day x crawl shard, in the shard's run, following the clean
stage as it lands its batches) analyses each article's own text: language, word count,
entities (NER), places and keywords. NER runs once per distinct text: a text analysed
before under the same enricher version (``text_analyses``, warehouse-wide, so exact copies
in other shards and days cost nothing) gives its stored result, and a near copy of a text
the step met before borrows that text's analysis (:mod:`pipelines.enrich.near_copies`;
:func:`analyse_borrowed_originals` gives the originals among them their own right after
the day's dedup). The articles' rows are written then, so entities exist before the
day's dedup and clustering.

:func:`finish_partition` (per day, after dedup and clustering, no NER) makes every copy
(``duplicate_of_id``) take its original's analysis, gives an article that is no longer a
copy its own back, and rebuilds ``story_entities`` and ``story_keywords`` of every story
with an article in the day.

Incremental: a scheduled run handles the pending articles (:data:`pending.ANALYSE` for the
first step, :data:`pending.ENRICH` for the second), a rebuild every article; a new
``ENRICH_VERSION`` or model makes every text new to ``text_analyses``. Rows of an
article are replaced, never added to, so a re-run leaves the same rows. Each step
computes first, then writes in one transaction per batch.
"""

from __future__ import annotations

import hashlib
import threading
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, String, and_, cast, delete, func, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from pipelines.enrich.analyse import Document, Enrichment, close_pool, enrich_documents, pool_workers
from pipelines.enrich.entities import Entity
from pipelines.enrich.keywords import Keyword
from pipelines.enrich.language import word_count
from pipelines.enrich.model import model_info
from pipelines.enrich.near_copies import BORROWED, NearCopies
from pipelines.versions import ENRICH_VERSION
from pipelines.warehouse import pending
from pipelines.warehouse.db import session_scope, upsert
from pipelines.warehouse.models import (
    Article,
    ArticleEntity,
    ArticleKeyword,
    StageRun,
    StoryEntity,
    StoryKeyword,
    TextAnalysis,
)
from pipelines.warehouse.models import (
    Entity as EntityRow,
)

#: The stage names of the two steps in ``stage_runs``: per shard (NER), per day (copies, stories).
ANALYSE_STAGE = "enrich"
FINISH_STAGE = "story_enrichment"
#: Key phrases kept per story.
STORY_KEYWORDS = 20
#: Ids per IN (...) list.
CHUNK = 500


def enricher_version() -> str:
    """Return what every enriched row records: the stage version, the model and its file hashes."""
    return f"{ENRICH_VERSION}/{model_info().label()}"


def entity_key(entity: Entity) -> str:
    """Return the natural key of ``entity`` in ``entities``: type, case-folded name, country."""
    return f"{entity.type}|{entity.name.casefold()}|{entity.country or ''}"[:400]


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _copied_from_warehouse(session: Session, original_ids: set[int], version: str) -> dict[int, Enrichment]:
    """Return the stored enrichment of already enriched originals (same enricher version)."""
    found: dict[int, Enrichment] = {}
    ids = sorted(original_ids)
    for chunk in _chunks(ids):
        for article_id, language, words, applied in session.execute(
            select(Article.id, Article.language, Article.word_count, Article.enrichment_applied).where(
                Article.id.in_(chunk), Article.enricher_version == version
            )
        ):
            found[article_id] = Enrichment(language, words or 0, applied=list(applied or []))
        for article_id, row, link in session.execute(
            select(ArticleEntity.article_id, EntityRow, ArticleEntity)
            .join(EntityRow, EntityRow.id == ArticleEntity.entity_id)
            .where(ArticleEntity.article_id.in_(chunk))
        ):
            if article_id in found:
                found[article_id].entities.append(
                    Entity(row.name, row.type, link.mentions, link.first_offset, list(link.surface_forms),
                           row.country_code, row.geonameid, row.disputed)
                )
        for keyword in session.execute(
            select(ArticleKeyword).where(ArticleKeyword.article_id.in_(chunk)).order_by(ArticleKeyword.rank)
        ).scalars():
            if keyword.article_id in found:
                stored = Keyword(keyword.phrase, keyword.score, keyword.rank)
                found[keyword.article_id].keywords.append(stored)
    return found


def _entity_ids(session: Session, entities: Iterable[Entity]) -> dict[str, int]:
    """Return the ids of ``entities`` in ``entities``, inserting the new ones."""
    rows = {}
    now = datetime.now(UTC)
    for entity in entities:
        rows.setdefault(
            entity_key(entity),
            {
                "entity_key": entity_key(entity), "name": entity.name, "type": entity.type,
                "country_code": entity.country, "geonameid": entity.geonameid,
                "disputed": entity.disputed, "created_at": now,
            },
        )
    keys = sorted(rows)
    upsert(session, EntityRow, (rows[key] for key in keys), key=["entity_key"])
    ids: dict[str, int] = {}
    for start in range(0, len(keys), CHUNK):
        chunk = keys[start : start + CHUNK]
        query = select(EntityRow.entity_key, EntityRow.id).where(EntityRow.entity_key.in_(chunk))
        ids.update((key, entity_id) for key, entity_id in session.execute(query))
    return ids


def _write_articles(
    session: Session, results: dict[int, Enrichment], stage_run_id: int, version: str
) -> None:
    ids = sorted(results)
    entity_ids = _entity_ids(session, (e for r in results.values() for e in r.entities))
    for chunk in _chunks(ids):
        session.execute(delete(ArticleEntity).where(ArticleEntity.article_id.in_(chunk)))
        session.execute(delete(ArticleKeyword).where(ArticleKeyword.article_id.in_(chunk)))
    entity_rows, keyword_rows, article_rows = [], [], []
    for article_id in ids:
        result = results[article_id]
        linked: dict[int, dict] = {}
        for entity in result.entities:
            entity_id = entity_ids[entity_key(entity)]
            if entity_id in linked:  # two entities of one key (a name seen as two places): add up
                linked[entity_id]["mentions"] += entity.mentions
                continue
            linked[entity_id] = {
                "article_id": article_id, "entity_id": entity_id, "mentions": entity.mentions,
                "first_offset": entity.first_offset, "surface_forms": entity.surface_forms,
                "enricher_version": version,
            }
        entity_rows.extend(linked.values())
        keyword_rows.extend(
            {"article_id": article_id, "phrase": k.phrase[:200], "score": k.score, "rank": k.rank,
             "enricher_version": version}
            for k in result.keywords
        )
        article_rows.append({
            "id": article_id, "language": result.language, "word_count": result.word_count,
            "keywords": [k.phrase for k in result.keywords],
            "entities": [e.as_json() for e in result.entities],
            "enricher_version": version, "enrichment_applied": result.applied,
            "enriched_by_id": stage_run_id,
        })
    if entity_rows:
        session.execute(ArticleEntity.__table__.insert(), entity_rows)
    if keyword_rows:
        upsert(session, ArticleKeyword, keyword_rows, key=["article_id", "phrase"])
    if article_rows:
        session.execute(update(Article), article_rows)


def refresh_stories(session: Session, story_ids: Iterable[int], version: str) -> None:
    """Rebuild ``story_entities`` and ``story_keywords`` of ``story_ids`` from their articles' rows."""
    ids = sorted(set(story_ids))
    for chunk in _chunks(ids):
        session.execute(delete(StoryEntity).where(StoryEntity.story_id.in_(chunk)))
        session.execute(delete(StoryKeyword).where(StoryKeyword.story_id.in_(chunk)))
        entity_rows = [
            {"story_id": story_id, "entity_id": entity_id, "article_count": articles, "mentions": mentions,
             "enricher_version": version}
            for story_id, entity_id, articles, mentions in session.execute(
                select(
                    Article.story_id, ArticleEntity.entity_id, func.count(), func.sum(ArticleEntity.mentions)
                )
                .join(Article, Article.id == ArticleEntity.article_id)
                .where(Article.story_id.in_(chunk))
                .group_by(Article.story_id, ArticleEntity.entity_id)
            )
        ]
        if entity_rows:
            session.execute(StoryEntity.__table__.insert(), entity_rows)
        phrases: dict[int, list[tuple[int, float, str]]] = defaultdict(list)
        for story_id, phrase, articles, best in session.execute(
            select(Article.story_id, ArticleKeyword.phrase, func.count(), func.min(ArticleKeyword.score))
            .join(Article, Article.id == ArticleKeyword.article_id)
            .where(Article.story_id.in_(chunk))
            .group_by(Article.story_id, ArticleKeyword.phrase)
        ):
            phrases[story_id].append((articles, best, phrase))
        keyword_rows = []
        for story_id, found in phrases.items():
            found.sort(key=lambda item: (-item[0], item[1], item[2]))
            keyword_rows.extend(
                {"story_id": story_id, "phrase": phrase, "article_count": articles, "score": best,
                 "rank": rank, "enricher_version": version}
                for rank, (articles, best, phrase) in enumerate(found[:STORY_KEYWORDS], start=1)
            )
        if keyword_rows:
            session.execute(StoryKeyword.__table__.insert(), keyword_rows)


def analysis_key(title: str | None, body: str | None) -> str:
    """Return the key of an article's text in ``text_analyses``: the sha256 of what analysis reads."""
    text = Document(None, title or "", body or "").analysed_text()
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _to_json(result: Enrichment) -> dict[str, Any]:
    return {
        "language": result.language, "word_count": result.word_count, "applied": result.applied,
        "entities": [asdict(entity) for entity in result.entities],
        "keywords": [asdict(keyword) for keyword in result.keywords],
    }


def _from_json(stored: dict[str, Any]) -> Enrichment:
    return Enrichment(
        stored["language"], stored["word_count"],
        [Entity(**entity) for entity in stored["entities"]],
        [Keyword(**keyword) for keyword in stored["keywords"]],
        list(stored["applied"]),
    )


def _stored_analyses(session: Session, keys: Iterable[str], version: str) -> dict[str, Enrichment]:
    """Return the stored analyses of ``keys`` under ``version``."""
    found: dict[str, Enrichment] = {}
    wanted = sorted(set(keys))
    for start in range(0, len(wanted), CHUNK):
        for key, result in session.execute(
            select(TextAnalysis.analysis_key, TextAnalysis.result).where(
                TextAnalysis.analysis_key.in_(wanted[start : start + CHUNK]),
                TextAnalysis.enricher_version == version,
            )
        ):
            found[key] = _from_json(result)
    return found


def _store_analyses(session: Session, analysed: dict[str, Enrichment], version: str) -> None:
    now = datetime.now(UTC)
    upsert(
        session, TextAnalysis,
        ({"analysis_key": key, "enricher_version": version, "result": _to_json(result), "analysed_at": now}
         for key, result in sorted(analysed.items())),
        key=["analysis_key", "enricher_version"], update=["result", "analysed_at"],
    )


#: Articles analysed per batch while following the clean stage.
ANALYSE_BATCH = 256


def analyse_partition(
    engine: Engine,
    partition_key: str,
    *,
    stage_run_id: int,
    rebuild: bool = True,
    only: ColumnElement[bool] | None = None,
    clean_done: threading.Event | None = None,
    cleaned_by: int | None = None,
    poll_s: float = 0.5,
    workers: int | None = None,
    keep_workers: bool = False,
) -> dict[str, Any]:
    """Analyse the partition's articles (page type ``article``) each by its own text; return counts.

    ``only`` narrows them to one crawl shard's (a condition on ``articles``,
    :func:`pipelines.warehouse.shard_members.shard_articles`). A scheduled run analyses the
    articles extracted since their last analysis, with the revised stories of earlier days
    that this day's revisits re-extracted (``pending.revised_before``), a rebuild every
    article of the partition (rewriting its
    rows; a text analysed before under the same enricher version is not analysed again:
    the version names the code and the model files, so the result would be the same).
    With ``clean_done`` the step follows a clean stage (run ``cleaned_by``) that is still
    writing: it takes what is there, waits up to ``poll_s`` when nothing is (less once
    the event is set), and returns once ``clean_done`` is set and nothing is left. NER
    runs in this process's pool of ``workers`` processes (one while the clean stage still
    runs), then never in this process (see :func:`pipelines.enrich.analyse.enrich_documents`);
    the pool stops when the step returns, unless ``keep_workers``: then the day's
    :func:`analyse_borrowed_originals`, next in this process, finds the model loaded
    (whoever passes it calls :func:`pipelines.enrich.analyse.close_pool` after that).

    A text that nearly copies one the step analysed (or found analysed) before borrows its
    analysis instead of going through NER (:mod:`pipelines.enrich.near_copies`).

    Counts: ``articles`` analysed, ``analysed`` the distinct texts that went through NER
    or the gazetteer, ``reused`` articles whose text was analysed before, ``borrowed``
    articles given a near copy's analysis, ``entities`` and ``keywords`` the rows written.
    Raises :class:`pipelines.enrich.model.ModelError` when the NER model is missing or altered.
    """
    version = enricher_version()
    stats: Counter[str] = Counter(articles=0, analysed=0, reused=0, borrowed=0, entities=0, keywords=0)
    near = NearCopies()
    done: set[int] = set()
    not_this_run = or_(Article.enriched_by_id.is_(None), Article.enriched_by_id < stage_run_id)
    remaining = or_(not_this_run, pending.ANALYSE) if rebuild else pending.ANALYSE
    # While the clean stage runs: in a rebuild, only what it has re-extracted already.
    ready = and_(Article.extracted_by_id >= (cleaned_by or 0), not_this_run) if rebuild else pending.ANALYSE
    stuck: set[int] = set()  # written by this run yet pending still (a later extraction outran it)
    articles = Article.partition_key == partition_key
    following = clean_done is not None  # beside the extraction workers: NER never in this process
    if not rebuild:  # revisits this crawl day made may have revised stories of earlier days
        articles = or_(articles, pending.revised_before(partition_key))
    try:
        while True:
            finished = clean_done is None or clean_done.is_set()
            rows = _articles_to_analyse(engine, articles, remaining if finished else ready, only, stuck)
            stuck.update(row.id for row in rows if row.id in done)
            new = [row for row in rows if row.id not in done]
            if new:
                done.update(row.id for row in new)
                # While the clean stage runs, its extraction pool has the cores: one NER worker
                # (one model in memory) follows it; what is left then gets every core.
                _analyse_batch(engine, new, stage_run_id, version, workers if finished else 1, stats, near,
                               isolated=following)
            elif rows:
                continue  # only stuck rows came back: ask again without them
            elif finished:
                break
            else:
                clean_done.wait(poll_s)
    finally:
        if not keep_workers:
            close_pool()  # the day's later steps (dedup, clustering) get the workers' memory
    return dict(stats)


def _articles_to_analyse(
    engine: Engine, articles: ColumnElement[bool], condition: ColumnElement[bool],
    only: ColumnElement[bool] | None, skipped: set[int],
) -> list[Any]:
    query = (
        select(Article.id, Article.title, Article.body_text, Article.language, Article.published_at)
        .where(articles, Article.page_type == "article", condition)
        .order_by(Article.id)
        .limit(ANALYSE_BATCH)
    )
    if only is not None:
        query = query.where(only)
    if skipped:
        query = query.where(Article.id.not_in(sorted(skipped)))
    with session_scope(engine) as session:
        return list(session.execute(query))


def _analyse_batch(
    engine: Engine, rows: list[Any], stage_run_id: int, version: str, workers: int | None,
    stats: Counter[str], near: NearCopies | None = None, *, isolated: bool = False,
) -> None:
    """Analyse ``rows`` (each distinct text once, stored ones reused, near copies of ``near``'s
    texts borrowing theirs) and write their rows."""
    keys = {row.id: analysis_key(row.title, row.body_text) for row in rows}
    with session_scope(engine) as session:
        known = _stored_analyses(session, keys.values(), version)
    documents: dict[str, Document] = {}
    borrowing: dict[int, str] = {}  # article id -> the analysis key of the text it nearly copies
    # In dedup's order (publication time, then id), so that originals rather than their
    # copies go through NER.
    for row in sorted(rows, key=lambda row: (row.published_at is None, row.published_at or 0, row.id)):
        key = keys[row.id]
        if key not in known and key not in documents:
            source = near.source_of(row.body_text) if near is not None else None
            if source is not None:
                borrowing[row.id] = source
                continue
            # The clean stage's language: detected once, in the extraction workers.
            documents[key] = Document(key, row.title or "", row.body_text or "", language=row.language)
        if near is not None:
            near.hold(key, row.body_text)
    found = enrich_documents(list(documents.values()), workers, isolated=isolated)
    analysed = dict(zip(documents, found, strict=True))
    every = {**known, **analysed}
    earlier = set(borrowing.values()) - every.keys()  # texts of the step's earlier batches
    if earlier:
        with session_scope(engine) as session:
            every.update(_stored_analyses(session, earlier, version))
    results = {
        row.id: (
            _borrowed(every[borrowing[row.id]], row.body_text) if row.id in borrowing else every[keys[row.id]]
        )
        for row in rows
    }
    with session_scope(engine) as session:
        _store_analyses(session, analysed, version)
        _write_articles(session, results, stage_run_id, version)
    stats["articles"] += len(rows)
    stats["analysed"] += len(analysed)
    stats["reused"] += sum(1 for row in rows if keys[row.id] in known)
    stats["borrowed"] += len(borrowing)
    stats["entities"] += sum(len(r.entities) for r in results.values())
    stats["keywords"] += sum(len(r.keywords) for r in results.values())


def _borrowed(source: Enrichment, body: str | None) -> Enrichment:
    """Return a near copy's analysis for an article: its entities and keywords, its own word count."""
    return Enrichment(
        source.language, word_count(body or ""), source.entities, source.keywords, [*source.applied, BORROWED]
    )


def analyse_borrowed_originals(engine: Engine, partition_key: str, *, stage_run_id: int) -> dict[str, Any]:
    """Give each article of the day that dedup keeps as an original but that borrowed a near
    copy's analysis its own (NER on its own text); return counts.

    Runs after the day's dedup, before clustering reads entities, on the NER workers the
    enrich step left running if it did (``keep_workers`` of :func:`analyse_partition`), as
    many as they are. Counts: ``articles`` the originals analysed, ``analysed`` the texts
    that went through NER.
    """
    version = enricher_version()
    workers = pool_workers()  # None: every core
    with session_scope(engine) as session:
        rows = session.execute(
            select(Article.id, Article.title, Article.body_text, Article.language, Article.published_at)
            .where(_borrowing_originals(partition_key))
            .order_by(Article.id)
        ).all()
    stats: Counter[str] = Counter(articles=0, analysed=0, reused=0, borrowed=0, entities=0, keywords=0)
    try:
        for start in range(0, len(rows), ANALYSE_BATCH):
            _analyse_batch(engine, rows[start : start + ANALYSE_BATCH], stage_run_id, version, workers, stats)
    finally:
        close_pool()
    return {"articles": stats["articles"], "analysed": stats["analysed"]}


def borrowed_originals(engine: Engine, partition_key: str) -> int:
    """How many of the day's originals hold a near copy's analysis (:func:`analyse_borrowed_originals`)."""
    query = select(func.count()).select_from(Article).where(_borrowing_originals(partition_key))
    with session_scope(engine) as session:
        return session.scalar(query)


def _borrowing_originals(partition_key: str) -> ColumnElement[bool]:
    return and_(
        Article.partition_key == partition_key, Article.page_type == "article",
        Article.duplicate_of_id.is_(None), cast(Article.enrichment_applied, String).like(f'%"{BORROWED}"%'),
    )


def finish_partition(
    engine: Engine, partition_key: str, *, stage_run_id: int, rebuild: bool = True
) -> dict[str, Any]:
    """Give the day's copies their original's analysis and rebuild its stories' entities and keywords.

    Runs after the day's dedup and clustering; no NER. A copy takes its original's analysis
    (from ``text_analyses``, else the original's rows), an article that is no copy its
    own (an article whose rows already hold its own analysis keeps them, restamped). An
    article whose text was never analysed (its shard's enrich step has not run) stays
    pending. Returns counts: ``articles`` handled, ``copied`` given their original's
    analysis, ``own`` given their own back, ``kept``, ``awaiting_analysis`` and
    ``language/<code>`` the day's articles by language.
    """
    version = enricher_version()
    condition = Article.page_type == "article" if rebuild else pending.ENRICH
    with session_scope(engine) as session:
        rows = session.execute(
            select(Article.id, Article.duplicate_of_id, Article.enricher_version, Article.enriched_by_id,
                   Article.extracted_by_id, Article.enrichment_applied, StageRun.stage)
            .outerjoin(StageRun, StageRun.id == Article.enriched_by_id)
            .where(Article.partition_key == partition_key, condition)
            .order_by(Article.id)
        ).all()
    stats: Counter[str] = Counter(articles=0, copied=0, own=0, kept=0, awaiting_analysis=0)
    for start in range(0, len(rows), CHUNK):
        _finish_chunk(engine, rows[start : start + CHUNK], stage_run_id, version, stats)
    with session_scope(engine) as session:
        story_ids = session.execute(
            select(Article.story_id).distinct().where(
                Article.partition_key == partition_key, Article.story_id.is_not(None)
            )
        ).scalars().all()
        refresh_stories(session, story_ids, version)
        languages = session.execute(
            select(Article.language, func.count())
            .where(Article.partition_key == partition_key, Article.page_type == "article")
            .group_by(Article.language)
        ).all()
    return {**stats, **{f"language/{language}": count for language, count in languages}}


def _holds_own(row: Any, version: str) -> bool:
    """Whether an article's rows hold its own current analysis (written by the shard step, not borrowed)."""
    return (
        row.stage == ANALYSE_STAGE and row.enricher_version == version
        and row.enriched_by_id is not None and row.enriched_by_id >= (row.extracted_by_id or 0)
        and BORROWED not in (row.enrichment_applied or ())
    )


def _finish_chunk(
    engine: Engine, rows: list[Any], stage_run_id: int, version: str, stats: Counter[str]
) -> None:
    with session_scope(engine) as session:
        originals = _originals(session, {row.id: row.duplicate_of_id for row in rows})
        copies = {row.id: originals[row.id] for row in rows if originals.get(row.id) not in (None, row.id)}
        rewrite = [row for row in rows if row.id in copies or not _holds_own(row, version)]
        wanted = {row.id for row in rewrite} | set(copies.values())
        texts = {
            article_id: analysis_key(title, body)
            for article_id, title, body in session.execute(
                select(Article.id, Article.title, Article.body_text).where(Article.id.in_(sorted(wanted)))
            )
        }
        analyses = _stored_analyses(session, texts.values(), version)
        unanalysed = {original for original in copies.values() if texts.get(original) not in analyses}
        from_rows = _copied_from_warehouse(session, unanalysed, version)
        results: dict[int, Enrichment] = {}
        rewritten = {row.id for row in rewrite}
        kept = [row.id for row in rows if row.id not in rewritten]
        for row in rewrite:
            original = copies.get(row.id)
            if original is not None and texts[original] == texts[row.id] and _holds_own(row, version):
                kept.append(row.id)  # an exact copy: its own analysis is its original's
                continue
            if original is not None and texts.get(original) in analyses:
                results[row.id] = analyses[texts[original]]
            elif original is not None and original in from_rows:
                results[row.id] = from_rows[original]
            elif texts.get(row.id) in analyses:  # no copy, or its original was never analysed
                results[row.id] = analyses[texts[row.id]]
                stats["own"] += 1
                continue
            elif _holds_own(row, version):
                kept.append(row.id)
                continue
            else:
                stats["awaiting_analysis"] += 1
                continue
            stats["copied"] += 1
        _write_articles(session, results, stage_run_id, version)
        if kept:
            restamped = [{"id": article_id, "enriched_by_id": stage_run_id} for article_id in kept]
            session.execute(update(Article), restamped)
    stats["kept"] += len(kept)
    stats["articles"] += len(results) + len(kept)


def _originals(session: Session, duplicate_of: dict[int, int | None]) -> dict[int, int]:
    """Return each article's original: the end of its chain of duplicate marks (itself when none)."""
    marks = dict(duplicate_of)
    gone: set[int] = set()  # marked originals no longer stored: a chain ends before them
    while missing := sorted({target for target in marks.values() if target} - marks.keys() - gone):
        for chunk in _chunks(missing):
            found = dict(session.execute(
                select(Article.id, Article.duplicate_of_id).where(Article.id.in_(chunk))
            ).all())
            marks.update(found)
            gone.update(set(chunk) - found.keys())
    originals: dict[int, int] = {}
    for article_id in duplicate_of:
        current, seen = article_id, {article_id}
        while (following := marks[current]) is not None and following not in seen | gone:
            seen.add(following)
            current = following
        originals[article_id] = current
    return originals
