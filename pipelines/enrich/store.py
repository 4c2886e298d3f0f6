"""The enrich stage over a warehouse partition: analyse pending articles, write entities and keywords.

Incremental: a scheduled run handles the articles extracted since they were last enriched
(:data:`pipelines.warehouse.pending.ENRICH`), a rebuild every article. NER runs once per
distinct text: a copy (``duplicate_of_id`` from the dedup stage, or the same text hash)
takes its original's entities and keywords. Rows of an article are replaced, never
added to, so a re-run leaves the same rows. The story-level tables are rebuilt for every
story with an article in the partition. Computes first, then writes in one transaction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, delete, func, select, update
from sqlalchemy.orm import Session

from pipelines.enrich.analyse import Document, Enrichment, enrich_documents
from pipelines.enrich.entities import Entity
from pipelines.enrich.keywords import Keyword
from pipelines.enrich.model import model_info
from pipelines.versions import ENRICH_VERSION
from pipelines.warehouse import pending
from pipelines.warehouse.db import session_scope, upsert
from pipelines.warehouse.models import (
    Article,
    ArticleEntity,
    ArticleKeyword,
    StoryEntity,
    StoryKeyword,
)
from pipelines.warehouse.models import (
    Entity as EntityRow,
)

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


def _analyse(session: Session, rows: list[Any], version: str, workers: int | None) -> tuple[dict, int]:
    """Return each article's enrichment, analysing each distinct text once; and the texts analysed.

    An article marked a copy of another in the batch shares that one's analysis; a copy of
    an article enriched before (same enricher version) takes its stored rows; articles of
    one text hash share one analysis.
    """
    by_id = {row.id: row for row in rows}

    def original_of(row: Any) -> Any:
        seen = {row.id}
        while row.duplicate_of_id in by_id and row.duplicate_of_id not in seen:
            row = by_id[row.duplicate_of_id]
            seen.add(row.id)
        return row

    originals = {row.id: original_of(row) for row in rows}
    outside = {
        o.duplicate_of_id for o in originals.values() if o.duplicate_of_id and o.duplicate_of_id not in by_id
    }
    stored = _copied_from_warehouse(session, outside, version)
    text_of: dict[int, str] = {}
    documents: dict[str, Document] = {}
    for row in rows:
        original = originals[row.id]
        if original.duplicate_of_id in stored:
            continue
        text = text_of[row.id] = original.text_sha256 or f"article:{original.id}"
        if text not in documents:
            body = original.body_text or ""
            documents[text] = Document(text, original.title or "", body, original.language)
    analysed = dict(zip(documents, enrich_documents(list(documents.values()), workers=workers), strict=True))
    results = {
        row.id: analysed[text_of[row.id]] if row.id in text_of else stored[originals[row.id].duplicate_of_id]
        for row in rows
    }
    return results, len(documents)


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


def enrich_partition(
    engine: Engine, partition_key: str, *, stage_run_id: int, rebuild: bool = True, workers: int | None = None
) -> dict[str, Any]:
    """Enrich the partition's articles (page type ``article``); return counts for metadata.

    ``articles`` counts this run's articles, ``analysed`` the distinct texts that went
    through NER or the gazetteer, ``entities``/``keywords`` the rows written, and
    ``language/<code>`` the partition's articles by language. Raises
    :class:`pipelines.enrich.model.ModelError` when the NER model is missing or altered.
    """
    version = enricher_version()
    condition = Article.page_type == "article" if rebuild else pending.ENRICH
    with session_scope(engine) as session:
        rows = session.execute(
            select(Article.id, Article.title, Article.body_text, Article.language, Article.duplicate_of_id,
                   Article.text_sha256)
            .where(Article.partition_key == partition_key, condition)
            .order_by(Article.id)
        ).all()
        results, analysed = _analyse(session, rows, version, workers)
    with session_scope(engine) as session:
        _write_articles(session, results, stage_run_id, version)
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
    stats: dict[str, Any] = {f"language/{language}": count for language, count in languages}
    stats["articles"] = len(results)
    stats["analysed"] = analysed
    stats["entities"] = sum(len(r.entities) for r in results.values())
    stats["keywords"] = sum(len(r.keywords) for r in results.values())
    return stats
