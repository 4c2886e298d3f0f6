"""Dedup and cluster stages against a real database: SQLite file, and PostgreSQL if reachable."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, event, select, text, update
from sqlalchemy.orm import Session
from test_stories_evidence import COLLAPSE, FOLLOW_UP, OTHER_TOWN, _doc
from test_stories_fixtures import T0, dam_docs

from pipelines.dedup.store import dedup_partition
from pipelines.stories.store import SUMMARY_VERSION, cluster_partition
from pipelines.stories.types import Doc
from pipelines.warehouse.models import (
    Article,
    ArticleEntity,
    Base,
    CrawlRun,
    Fetch,
    StageRun,
    Story,
    StoryArticle,
)
from pipelines.warehouse.models import Entity as EntityRow

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


def _run(db: Session, partition_key: str, *, rebuild: bool = True) -> tuple[dict, dict]:
    """Run the dedup and cluster stages (which open their own transactions) on the partition."""
    dedup_run = _stage_run(db, "dedup", partition_key)
    db.commit()
    dedup = dedup_partition(db.get_bind(), partition_key, dedup_run, rebuild=rebuild)
    cluster_run = _stage_run(db, "cluster", partition_key)
    db.commit()
    cluster = cluster_partition(db.get_bind(), partition_key, cluster_run, rebuild=rebuild)
    db.expire_all()
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


# A made-up warehouse fire, its charges two months later, and an unrelated match report.
FIRE_DAY = datetime(2031, 5, 10, 7, 0, tzinfo=UTC)
CHARGES_DAY = FIRE_DAY + timedelta(days=60)
FIRE_TEXT = (
    "KESTRELBY - A fire tore through the Pellinor grain warehouse on the Kestrelby quay early "
    "on Saturday, killing two night watchmen and sending black smoke over the harbour for "
    "hours. Fire chief Anselm Voru said the blaze started in the drying hall and spread along "
    "the conveyor galleries before forty firefighters brought it under control. The victims "
    "were named as Tobin Marsh, 58, and Ewa Lindqvist, 41. The warehouse owner, Corvane "
    "Milling, said sprinklers had been switched off during repairs. Police sealed the quay and "
    "the harbour master closed berths six to nine while investigators examined the drying hall."
)
FIRE_TEXT_TWO = (
    "Two watchmen died when the Pellinor grain warehouse burned on Kestrelby quay on Saturday. "
    "Tobin Marsh and Ewa Lindqvist were trapped near the conveyor galleries, fire chief Anselm "
    "Voru told reporters. Corvane Milling confirmed the sprinklers in the drying hall were off "
    "for repairs. Investigators from the harbour police are examining the drying hall and "
    "berths six to nine remain closed."
)
CHARGES_TEXT = (
    "Prosecutors in Kestrelby on Thursday charged Corvane Milling and two of its managers with "
    "manslaughter over the Pellinor grain warehouse fire that killed night watchmen Tobin Marsh "
    "and Ewa Lindqvist in May. The indictment says the sprinklers in the drying hall had been "
    "switched off for repairs for three weeks and that nobody told the fire service. The blaze "
    "spread along the conveyor galleries of the warehouse on the quay. Corvane Milling said it "
    "would contest the charges. Families of Marsh and Lindqvist welcomed the decision."
)
MATCH_TEXT = (
    "The Ostrava Lynx beat the Harrowgate Pilots 4-2 on Sunday to reach the national ice hockey "
    "final for the first time in eleven years. Forward Jarek Solheim scored twice in the third "
    "period and goalkeeper Nils Abernethy made thirty-one saves. Coach Marta Quill said her "
    "players had trained through the summer for this night. The final series starts in the "
    "Lynx arena next Friday, and tickets sold out within an hour."
)


def _fire_docs() -> list[Doc]:
    return [
        Doc(id=1, url="https://harbour-news.example/pellinor-fire", source="harbour-news",
            title="Two die in Pellinor grain warehouse fire on Kestrelby quay",
            text=FIRE_TEXT, published_at=FIRE_DAY),
        Doc(id=2, url="https://coast-daily.example/kestrelby-watchmen", source="coast-daily",
            title="Kestrelby watchmen killed as warehouse burns",
            text=FIRE_TEXT_TWO, published_at=FIRE_DAY + timedelta(hours=3)),
        Doc(id=3, url="https://coast-daily.example/corvane-charged", source="coast-daily",
            title="Corvane Milling charged over deadly Pellinor fire",
            text=CHARGES_TEXT, published_at=CHARGES_DAY),
        Doc(id=4, url="https://sport.example/lynx-final", source="sport-desk",
            title="Lynx reach hockey final", text=MATCH_TEXT,
            published_at=CHARGES_DAY + timedelta(hours=2)),
    ]


def test_a_follow_up_months_later_rejoins_its_story_in_a_later_partition_run(
    session: Session,
) -> None:
    docs = _fire_docs()
    first_day, later_day = "2031-05-10", "2031-07-09"
    fire = _insert_articles(session, docs[:2], first_day)
    later = _insert_articles(session, docs[2:], later_day)
    session.commit()

    _, cluster = _run(session, first_day)
    assert cluster["stories_created"] == 1 and cluster["context_archived"] == 0
    assert cluster["history_articles"] == 0
    story_id = session.get(Article, fire[1]).story_id
    assert session.get(Article, fire[2]).story_id == story_id
    summary = session.get(Story, story_id).cluster_state
    assert summary["version"] == SUMMARY_VERSION
    (snapshot,) = summary["snapshots"]
    assert snapshot["partition"] == first_day and snapshot["size"] == 2
    assert {"pellinor", "kestrelby"} <= snapshot["terms"].keys()
    assert abs(sum(weight * weight for weight in snapshot["terms"].values()) - 1) < 1e-4

    # Sixty days later: the fire's articles are outside the context window, so only the
    # summary brings the story back; the charges revive it, the match report does not.
    _, cluster = _run(session, later_day)
    assert cluster["context_articles"] == 0 and cluster["context_archived"] == 1
    # Their terms were counted first, as in one run over both days.
    assert cluster["history_articles"] == 2
    assert cluster["stories_created"] == 1 and cluster["stories_extended"] == 1
    charges = session.get(StoryArticle, later[3])
    assert charges.story_id == story_id
    assert (charges.relation, charges.related_to_id) == ("independent", None)
    assert charges.evidence["revived"] is True
    match = session.get(Article, later[4])
    assert match.story_id not in (None, story_id)
    assert session.get(Story, story_id).article_count == 3
    partitions = [snap["partition"] for snap in session.get(Story, story_id).cluster_state["snapshots"]]
    assert partitions == [first_day, later_day]

    def state() -> tuple:
        summaries = session.execute(select(Story.id, Story.cluster_state).order_by(Story.id)).all()
        return _snapshot(session), summaries

    before = state()
    _, cluster = _run(session, later_day)
    assert cluster["context_archived"] == 1
    assert session.get(StoryArticle, later[3]).evidence["revived"] is True
    assert state() == before
    _run(session, first_day)
    _run(session, later_day)
    assert state() == before


def _add_entities(db: Session, article_id: int, entities: tuple[tuple[str, int], ...], enrich_run: int) -> None:
    """Store ``(entity key, mentions)`` for an article as the enrich stage would, stamped with ``enrich_run``."""
    for key, mentions in entities:
        entity = db.scalar(select(EntityRow).where(EntityRow.entity_key == key))
        if entity is None:
            kind, name, country = key.split("|")
            entity = EntityRow(entity_key=key, name=name.title(), type=kind, country_code=country or None,
                               created_at=datetime.now(UTC))
            db.add(entity)
            db.flush()
        db.add(ArticleEntity(article_id=article_id, entity_id=entity.id, mentions=mentions, first_offset=0,
                             surface_forms=[], enricher_version="test"))
    db.execute(update(Article).where(Article.id == article_id).values(enriched_by_id=enrich_run))
    db.flush()


def test_stored_entities_keep_two_towns_apart_and_a_state_placed_without_them_is_not_resumed(
    session: Session,
) -> None:
    """The cluster stage reads ``article_entities``; entities that arrive after a run make the
    next scheduled run place the partition again instead of resuming the state placed without them."""
    partition = "2031-03-04"
    collapse = _doc(1, COLLAPSE, "Vellmoor", "Ada Kettering", entities=True)
    other_town = _doc(2, OTHER_TOWN, "Ostrava Minor", "Bruno Salcedo", entities=True, hours=1)
    unrelated = replace(dam_docs()[0], id=4, published_at=T0 + timedelta(hours=10))  # moves the cut past 1 and 2
    ids = _insert_articles(session, [collapse, other_town, unrelated], partition)
    session.commit()
    _run(session, partition, rebuild=False)
    story_of = dict(session.execute(select(Article.id, Article.story_id)).all())
    assert story_of[ids[1]] == story_of[ids[2]]  # words alone: one story

    enrich_run = _stage_run(session, "enrich", partition)
    for doc in (collapse, other_town):
        _add_entities(session, ids[doc.id], doc.entities, enrich_run)
    follow_up = _doc(3, FOLLOW_UP, "Vellmoor", "Ada Kettering", entities=False, hours=12)
    ids.update(_insert_articles(session, [follow_up], partition))
    session.commit()
    _, cluster = _run(session, partition, rebuild=False)
    assert cluster["resumed"] == 0
    story_of = dict(session.execute(select(Article.id, Article.story_id)).all())
    assert story_of[ids[1]] != story_of[ids[2]]
    assert story_of[ids[3]] == story_of[ids[1]]
