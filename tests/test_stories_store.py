"""Dedup and cluster stages against a real database: SQLite file, and PostgreSQL if reachable."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, event, select, text
from sqlalchemy.orm import Session
from test_stories_fixtures import T0, dam_docs

from pipelines.dedup.store import dedup_partition
from pipelines.stories.store import cluster_partition
from pipelines.warehouse.models import Article, Base, CrawlRun, Fetch, StageRun, Story, StoryArticle

POSTGRES_URL = "postgresql+psycopg://root@127.0.0.1:5432/test"


def _postgres_engine():
    try:
        engine = create_engine(POSTGRES_URL)
        with engine.connect() as connection:
            connection.execute(text("select 1"))
    except Exception as error:  # noqa: BLE001 - any failure means "not available"
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL}: {error.__class__.__name__}")
    return engine


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def session(request, tmp_path):
    if request.param == "sqlite":
        engine = create_engine(f"sqlite:///{tmp_path / 'warehouse.db'}")
        event.listen(engine, "connect", lambda conn, _: conn.execute("PRAGMA foreign_keys=ON"))
        Base.metadata.create_all(engine)
        with Session(engine) as db:
            yield db
        engine.dispose()
        return
    admin = _postgres_engine()
    schema = f"stories_test_{uuid.uuid4().hex[:10]}"
    with admin.begin() as connection:
        connection.execute(text(f'create schema "{schema}"'))
    engine = create_engine(POSTGRES_URL, connect_args={"options": f"-csearch_path={schema}"})
    try:
        Base.metadata.create_all(engine)
        with Session(engine) as db:
            yield db
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'drop schema "{schema}" cascade'))
        admin.dispose()


def _stage_run(db: Session, stage: str, partition_key: str) -> int:
    run = StageRun(stage=stage, partition_key=partition_key, code_version="test",
                   started_at=datetime.now(UTC))
    db.add(run)
    db.flush()
    return run.id


def _insert_articles(db: Session, docs, partition_key: str) -> dict[int, int]:
    """Insert docs as articles of ``partition_key``; returns doc id -> article id."""
    crawl = CrawlRun(started_at=T0, partition_key=partition_key)
    db.add(crawl)
    db.flush()
    ids = {}
    for doc in docs:
        fetch_id = str(uuid.uuid4())
        db.add(Fetch(id=fetch_id, crawl_run_id=crawl.id, kind="article", url=doc.url,
                     requested_at=doc.published_at))
        db.flush()
        article = Article(
            fetch_id=fetch_id, crawl_run_id=crawl.id, partition_key=partition_key,
            fetched_at=doc.published_at + timedelta(minutes=5), url=doc.url,
            canonical_url=doc.url, page_type="article", title=doc.title, body_text=doc.text,
            published_at=doc.published_at, site_name=doc.source,
        )
        db.add(article)
        db.flush()
        ids[doc.id] = article.id
    return ids


def _run(db: Session, partition_key: str) -> tuple[dict, dict]:
    dedup = dedup_partition(db, partition_key, _stage_run(db, "dedup", partition_key))
    cluster = cluster_partition(db, partition_key, _stage_run(db, "cluster", partition_key))
    db.commit()
    return dedup, cluster


def _snapshot(db: Session) -> tuple:
    articles = db.execute(
        select(Article.id, Article.story_id, Article.duplicate_of_id, Article.duplicate_kind)
        .order_by(Article.id)
    ).all()
    links = db.execute(
        select(StoryArticle.article_id, StoryArticle.story_id, StoryArticle.relation,
               StoryArticle.related_to_id, StoryArticle.similarity, StoryArticle.shared_passages)
        .order_by(StoryArticle.article_id)
    ).all()
    stories = db.execute(
        select(Story.id, Story.title, Story.article_count, Story.outlet_count,
               Story.origin_article_id, Story.updated_at).order_by(Story.id)
    ).all()
    return articles, links, stories


def test_partitions_build_stories_and_reruns_are_idempotent(session: Session) -> None:
    docs = dam_docs()
    day_one = _insert_articles(session, docs[:5], "2031-03-04")
    day_two = _insert_articles(session, docs[5:], "2031-03-05")
    session.commit()

    dedup, cluster = _run(session, "2031-03-04")
    assert (dedup["duplicates_text"], dedup["duplicates_url"], dedup["duplicates_near"]) == (1, 1, 1)
    assert cluster["stories_created"] == 1 and cluster["copies"] == 3
    story_id = session.execute(select(Article.story_id).where(Article.id == day_one[1])).scalar()

    dedup, cluster = _run(session, "2031-03-05")
    assert cluster["stories_created"] == 1 and cluster["stories_extended"] == 1
    rewrite = session.get(StoryArticle, day_two[6])
    assert (rewrite.story_id, rewrite.relation, rewrite.related_to_id) == (
        story_id, "rewrite", day_one[1])
    assert rewrite.shared_passages >= 2
    other = session.get(Article, day_two[7])
    assert other.story_id != story_id
    story = session.get(Story, story_id)
    assert (story.article_count, story.outlet_count, story.origin_article_id) == (6, 4, day_one[1])
    copy = session.get(Article, day_one[4])
    assert (copy.duplicate_of_id, copy.duplicate_kind) == (day_one[1], "url")
    assert session.get(StoryArticle, day_one[4]).relation == "copy"

    before = _snapshot(session)
    _run(session, "2031-03-04")
    _run(session, "2031-03-05")
    _run(session, "2031-03-04")
    assert _snapshot(session) == before


def test_rerun_keeps_story_id_of_a_story_only_its_partition_holds(session: Session) -> None:
    docs = dam_docs()
    _insert_articles(session, docs[6:], "2031-03-06")
    session.commit()
    _run(session, "2031-03-06")
    first = _snapshot(session)
    _run(session, "2031-03-06")
    assert _snapshot(session) == first
    assert session.execute(select(Story.id)).scalars().all() == [first[2][0][0]]
