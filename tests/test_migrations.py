"""The warehouse's Alembic migrations upgrade and downgrade on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

from pipelines.warehouse.migrate import alembic_config, head_revision, upgrade
from pipelines.warehouse.models import Base


def _revision(engine: Engine) -> str:
    with engine.connect() as connection:
        return connection.execute(text("select version_num from alembic_version")).scalar_one()


def _story_columns(engine: Engine) -> set[str]:
    return {column["name"] for column in inspect(engine).get_columns("stories")}


def _downgrade(engine: Engine, url: str, revision: str) -> None:
    config = alembic_config(url)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def test_head_matches_the_models(warehouse: Engine) -> None:
    assert _revision(warehouse) == head_revision()
    with warehouse.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []


def test_story_origin_foreign_key_and_update_index(warehouse_url: str, warehouse: Engine) -> None:
    def origin_fks() -> list[str]:
        return [fk["referred_table"] for fk in inspect(warehouse).get_foreign_keys("stories")
                if fk["constrained_columns"] == ["origin_article_id"]]

    def indexed() -> bool:
        return any(ix["column_names"] == ["last_updated_at"]
                   for ix in inspect(warehouse).get_indexes("stories"))

    assert origin_fks() == ["articles"]
    assert indexed()
    _downgrade(warehouse, warehouse_url, "0002")
    assert not indexed()
    if warehouse.dialect.name == "postgresql":
        # A database made by 0001 on PostgreSQL: no foreign key, and a story whose origin
        # article is missing. The upgrade refuses with the reason and changes nothing.
        now = datetime(2031, 5, 10, tzinfo=UTC)
        with warehouse.begin() as connection:
            connection.execute(text("alter table stories drop constraint fk_stories_origin_article"))
            connection.execute(
                text("insert into stories (title, article_count, outlet_count, created_at,"
                     " updated_at, origin_article_id) values ('Orphan', 1, 1, :now, :now, 999)"),
                {"now": now},
            )
        with pytest.raises(RuntimeError, match="1 stories name an origin article"):
            upgrade(warehouse_url, engine=warehouse)
        assert _revision(warehouse) == "0002" and not indexed() and origin_fks() == []
        with warehouse.begin() as connection:
            connection.execute(text("update stories set origin_article_id = null"))
    assert upgrade(warehouse_url, engine=warehouse) == head_revision()
    assert indexed()
    assert origin_fks() == ["articles"]


def test_story_summary_migration_downgrades_and_upgrades(warehouse_url: str, warehouse: Engine) -> None:
    now = datetime(2031, 5, 10, tzinfo=UTC)
    with warehouse.begin() as connection:
        connection.execute(
            text("insert into stories (title, article_count, outlet_count, created_at, updated_at)"
                 " values ('Quay fire', 2, 2, :now, :now)"),
            {"now": now},
        )
        connection.execute(text("""update stories set cluster_state = '{"version": 1}'"""))
    assert "cluster_state" in _story_columns(warehouse)

    _downgrade(warehouse, warehouse_url, "0001")
    assert _revision(warehouse) == "0001"
    assert not {"summary", "cluster_state"} & _story_columns(warehouse)

    assert upgrade(warehouse_url, engine=warehouse) == head_revision()
    assert "cluster_state" in _story_columns(warehouse)
    with warehouse.connect() as connection:
        rows = connection.execute(text("select title, cluster_state from stories")).all()
    assert [(title, state) for title, state in rows] == [("Quay fire", None)]


def test_story_summary_is_renamed_cluster_state_keeping_its_values(
    warehouse_url: str, warehouse: Engine
) -> None:
    now = datetime(2031, 5, 10, tzinfo=UTC)
    _downgrade(warehouse, warehouse_url, "0005")
    assert "summary" in _story_columns(warehouse) and "cluster_state" not in _story_columns(warehouse)
    with warehouse.begin() as connection:
        connection.execute(
            text("insert into stories (title, article_count, outlet_count, created_at, updated_at,"
                 """ summary) values ('Quay fire', 2, 2, :now, :now, '{"version": 1}')"""),
            {"now": now},
        )
    assert upgrade(warehouse_url, engine=warehouse) == head_revision()
    columns = _story_columns(warehouse)
    assert "cluster_state" in columns and "summary" not in columns
    with warehouse.connect() as connection:
        state = connection.execute(text("select cluster_state from stories")).scalar_one()
    assert (json.loads(state) if isinstance(state, str) else state) == {"version": 1}


def test_url_identity_migration_fills_stored_articles(warehouse_url: str, warehouse: Engine) -> None:
    now = datetime(2031, 5, 10, tzinfo=UTC)
    _downgrade(warehouse, warehouse_url, "0004")
    with warehouse.begin() as connection:
        connection.execute(
            text("insert into crawl_runs (id, started_at, status, mode, stats) values (1, :now, 'succeeded', 'live', '{}')"),
            {"now": now},
        )
        connection.execute(
            text("insert into fetches (id, crawl_run_id, kind, url, requested_at)"
                 " values ('f1', 1, 'article', 'http://www.quay.example/a?utm_source=x', :now)"),
            {"now": now},
        )
        connection.execute(
            text("insert into articles (fetch_id, crawl_run_id, partition_key, fetched_at, url, canonical_url,"
                 " truncated) values ('f1', 1, '2031-05-10', :now, 'http://www.quay.example/a?utm_source=x',"
                 " 'https://quay.example/news/a', false)"),
            {"now": now},
        )
    assert upgrade(warehouse_url, engine=warehouse) == head_revision()
    with warehouse.connect() as connection:
        # 0007 keeps a stored page on its fetch (the page was never cleaned: no article yet).
        row = connection.execute(text("select url_identity, requested_url_identity from fetches")).one()
    # Identity drops the scheme, a leading www. and tracking parameters.
    assert row == ("//quay.example/news/a", "//quay.example/a")


# (fetch id, page type, extraction note, title, description): what 0007 finds in articles.
STORED = [
    ("story", "article", None, "Quay fire", "Lede"),
    ("copy", "article", None, "Quay fire (copy)", None),
    ("live", "live_blog", "live blog: a stream of timed updates, not one article", "Live: quay", None),
    ("teaser", "stub", "consent or paywall stub: only a teaser is in the page", "Pier deal", "The lede"),
    ("pdf", "error", "binary content, not HTML", None, None),
    ("nav", "index", "index or hub page: 40 links, 1 body words", None, None),
    ("shell", "js_shell", "JavaScript-only shell: an empty mount point and a script", None, None),
    ("wall", "stub", "consent or paywall stub: the wall is most of the page", "Cookies", None),
    ("pending", None, None, None, None),
]


def test_junk_articles_move_onto_their_fetches_and_back(warehouse_url: str, warehouse: Engine) -> None:
    now = datetime(2031, 5, 10, tzinfo=UTC)
    _downgrade(warehouse, warehouse_url, "0006")
    with warehouse.begin() as connection:
        connection.execute(
            text("insert into crawl_runs (id, started_at, status, mode, stats, partition_key)"
                 " values (1, :now, 'succeeded', 'live', '{}', '2031-05-10')"),
            {"now": now},
        )
        connection.execute(
            text("insert into stage_runs (id, stage, partition_key, code_version, started_at, status, stats)"
                 " values (7, 'clean', '2031-05-10', 'v1', :now, 'succeeded', '{}')"),
            {"now": now},
        )
        for fetch_id, page_type, note, title, lede in STORED:
            url = f"https://quay.example/news/{fetch_id}"
            connection.execute(
                text("insert into fetches (id, crawl_run_id, kind, url, requested_at, status_code,"
                     " page_type, page_note) values (:id, 1, 'article', :url, :now, 200, :type, :note)"),
                {"id": fetch_id, "url": url, "now": now, "type": page_type, "note": note},
            )
            connection.execute(
                text("insert into articles (fetch_id, crawl_run_id, partition_key, fetched_at, url,"
                     " canonical_url, url_identity, requested_url_identity, page_type, title, description,"
                     " extraction_note, truncated, extracted_by_id) values (:id, 1, '2031-05-10', :now,"
                     " :url, :url, :identity, :identity, :type, :title, :lede, :note, false, :run)"),
                {"id": fetch_id, "now": now, "url": url, "identity": url.removeprefix("https:"),
                 "type": page_type, "title": title, "lede": lede, "note": note,
                 "run": 7 if page_type else None},
            )
        ids = dict(connection.execute(text("select fetch_id, id from articles")).all())
        story, copy, nav = ids["story"], ids["copy"], ids["nav"]
        # The index page was (wrongly) marked a copy of the story and put in its story.
        connection.execute(text("insert into stories (title, article_count, outlet_count, created_at,"
                                " updated_at, origin_article_id) values ('Quay fire', 2, 1, :now, :now, :story)"),
                           {"now": now, "story": story})
        story_id = connection.execute(text("select id from stories")).scalar_one()
        connection.execute(text("update articles set story_id = :s, clustered_by_id = 7 where id in (:a, :b)"),
                           {"s": story_id, "a": story, "b": nav})
        connection.execute(text("update articles set duplicate_of_id = :nav, duplicate_kind = 'near'"
                                " where id = :copy"), {"nav": nav, "copy": copy})
        connection.execute(text("insert into story_articles (article_id, story_id, relation, related_to_id)"
                                " values (:a, :s, 'origin', null), (:nav, :s, 'copy', :a), (:copy, :s, 'copy', :nav)"),
                           {"a": story, "s": story_id, "nav": nav, "copy": copy})

    assert upgrade(warehouse_url, engine=warehouse) == head_revision()
    with warehouse.connect() as connection:
        kept = dict(connection.execute(text("select fetch_id, page_type from articles")).all())
        fetches = {row.id: row for row in connection.execute(text("select * from fetches"))}
        marks = connection.execute(text("select duplicate_of_id, clustered_by_id from articles where id = :c"),
                                   {"c": copy}).one()
        origin = connection.execute(text("select clustered_by_id from articles where id = :a"), {"a": story}).one()
        members = connection.execute(text("select article_id, related_to_id from story_articles"
                                          " order by article_id")).all()
    assert kept == {"story": "article", "copy": "article", "live": "live_blog", "teaser": "stub"}
    reasons = {fetch_id: row.page_reason for fetch_id, row in fetches.items()}
    assert reasons == {"story": None, "copy": None, "live": None, "teaser": None, "pdf": "binary",
                       "nav": "navigation", "shell": "js_shell", "wall": "wall", "pending": None}
    assert all(row.url_identity == f"//quay.example/news/{i}" for i, row in fetches.items())
    assert fetches["nav"].page_type == "index" and fetches["nav"].extracted_by_id == 7
    assert fetches["pending"].extracted_by_id is None  # the clean stage still owes it
    # The copy of the moved page is no copy any more; the story's members wait for clustering.
    assert marks == (None, None) and origin == (None,)
    assert members == sorted([(story, None), (copy, None)])

    _downgrade(warehouse, warehouse_url, "0006")
    with warehouse.connect() as connection:
        back = dict(connection.execute(text("select fetch_id, page_type from articles")).all())
    assert back == {fetch_id: page_type for fetch_id, page_type, *_ in STORED}
    assert upgrade(warehouse_url, engine=warehouse) == head_revision()


def test_article_revisions_migration_gives_every_article_its_first_revision(
    warehouse_url: str, warehouse: Engine
) -> None:
    now = datetime(2031, 5, 10, tzinfo=UTC)
    _downgrade(warehouse, warehouse_url, "0011")
    assert "article_revisions" not in inspect(warehouse).get_table_names()
    with warehouse.begin() as connection:
        connection.execute(
            text("insert into crawl_runs (id, started_at, status, mode, stats) values (1, :now, 'succeeded', 'live', '{}')"),
            {"now": now},
        )
        connection.execute(
            text("insert into fetches (id, crawl_run_id, kind, url, requested_at, status_code, warc_path, warc_offset)"
                 " values ('f1', 1, 'article', 'https://quay.example/a', :now, 200, 'crawl-1.warc.gz', 120)"),
            {"now": now},
        )
        connection.execute(
            text("insert into articles (fetch_id, crawl_run_id, partition_key, fetched_at, url, canonical_url,"
                 " title, text_sha256, truncated) values ('f1', 1, '2031-05-10', :now, 'https://quay.example/a',"
                 " 'https://quay.example/a', 'Quay fire', 'abc', false)"),
            {"now": now},
        )
    assert upgrade(warehouse_url, engine=warehouse) == head_revision()
    with warehouse.connect() as connection:
        revision = connection.execute(
            text("select revision, fetch_id, warc_path, warc_offset, title, text_sha256 from article_revisions")
        ).one()
        fetch_columns = {column["name"] for column in inspect(warehouse).get_columns("fetches")}
    assert tuple(revision) == (1, "f1", "crawl-1.warc.gz", 120, "Quay fire", "abc")
    assert "revisit_of_id" in fetch_columns
    _downgrade(warehouse, warehouse_url, "0011")
    assert "article_revisions" not in inspect(warehouse).get_table_names()
    assert "revisit_of_id" not in {column["name"] for column in inspect(warehouse).get_columns("fetches")}
    assert "clock_at" not in {column["name"] for column in inspect(warehouse).get_columns("crawl_runs")}
    assert upgrade(warehouse_url, engine=warehouse) == head_revision()
