"""Summaries of the warehouse for people: counts per table, fetches by kind, errors by reason."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from pipelines.warehouse.db import session_scope
from pipelines.warehouse.models import (
    Article,
    Base,
    Fetch,
    Source,
    Story,
    StoryArticle,
)


def warehouse_summary(session: Session, *, stories: int = 5) -> dict[str, Any]:
    """Return row counts per table, fetches per kind, errors per reason, page types and top stories."""
    counts = {
        name: session.execute(select(func.count()).select_from(table)).scalar_one()
        for name, table in sorted(Base.metadata.tables.items())
    }
    by_kind = dict(
        session.execute(select(Fetch.kind, func.count()).group_by(Fetch.kind).order_by(Fetch.kind)).all()
    )
    errors = dict(
        session.execute(
            select(Fetch.error, func.count())
            .where(Fetch.error.is_not(None))
            .group_by(Fetch.error)
            .order_by(func.count().desc(), Fetch.error)
        ).all()
    )
    page_types = dict(
        session.execute(
            select(func.coalesce(Article.page_type, "not yet cleaned"), func.count())
            .group_by(Article.page_type)
            .order_by(func.count().desc())
        ).all()
    )
    per_source = dict(
        session.execute(
            select(Source.name, func.count(Article.id))
            .join(Article, Article.source_id == Source.id, isouter=True)
            .group_by(Source.name)
            .order_by(Source.name)
        ).all()
    )
    top = []
    for story in session.scalars(
        select(Story)
        .where(Story.article_count > 1)
        .order_by(Story.article_count.desc(), Story.id)
        .limit(stories)
    ):
        members = session.execute(
            select(Article.id, Article.title, Source.name, StoryArticle.relation)
            .join(StoryArticle, StoryArticle.article_id == Article.id)
            .join(Source, Source.id == Article.source_id, isouter=True)
            .where(StoryArticle.story_id == story.id)
            .order_by(Article.published_at, Article.id)
        ).all()
        top.append({"id": story.id, "title": story.title, "articles": [tuple(m) for m in members]})
    return {
        "tables": counts,
        "fetches_by_kind": by_kind,
        "errors_by_reason": errors,
        "articles_by_page_type": page_types,
        "articles_by_source": per_source,
        "stories": top,
    }


def format_summary(summary: dict[str, Any]) -> str:
    """Render :func:`warehouse_summary` as aligned text."""
    lines = ["Rows per table:"]
    lines += [f"  {name:<20} {count:>7}" for name, count in summary["tables"].items()]
    for title, key in (
        ("Fetches by kind:", "fetches_by_kind"),
        ("Errors by reason:", "errors_by_reason"),
        ("Articles by page type:", "articles_by_page_type"),
        ("Articles by source:", "articles_by_source"),
    ):
        lines.append(title)
        values = summary[key]
        lines += [f"  {name:<24} {count:>7}" for name, count in values.items()] or ["  (none)"]
    if summary["stories"]:
        lines.append("Stories with more than one article:")
        for story in summary["stories"]:
            lines.append(f"  story {story['id']}: {story['title']}")
            for article_id, title, source, relation in story["articles"]:
                lines.append(f"    [{relation:<11}] #{article_id} {source}: {title}")
    return "\n".join(lines)


def articles_per_source(engine: Engine, partition_key: str) -> dict[str, int]:
    """Articles (page type ``article``) of a partition per source name."""
    with session_scope(engine) as session:
        rows = session.execute(
            select(func.coalesce(Source.name, "unknown"), func.count())
            .select_from(Article)
            .join(Source, Source.id == Article.source_id, isouter=True)
            .where(Article.partition_key == partition_key, Article.page_type == "article")
            .group_by(Source.name)
            .order_by(Source.name)
        ).all()
    return {name: count for name, count in rows}


def partition_totals(engine: Engine, partition_key: str) -> dict[str, int]:
    """Return a partition's article pages, how many are extracted, and how many are articles."""
    with session_scope(engine) as session:
        pages, extracted, articles = session.execute(
            select(
                func.count(),
                func.count(Article.extracted_by_id),
                func.count().filter(Article.page_type == "article"),
            ).where(Article.partition_key == partition_key)
        ).one()
    return {"partition_pages": pages, "partition_extracted": extracted, "partition_articles": articles}
