"""The clean stage keeps `articles` to news stories: junk stays on its fetch, and a
re-extraction adds the stories it recognises and removes the rows that are none.

A real crawl of a loopback fixture site, the real clean stage, real SQL on SQLite and
PostgreSQL. The states an older extractor would have left (a story typed as navigation,
a navigation page stored as an article with a copy and a story) are written with SQL, as
the warehouse of that extractor held them; the rebuild then reads the archive again.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, func, select, update

from pipelines.warehouse.db import make_engine, session_scope
from pipelines.warehouse.models import Article, ArticleRevision, Fetch, Story, StoryArticle
from tests.conftest import clean_stored_pages, run_crawl, write_config
from tests.support.fixture_server import FixtureServer

pytestmark = pytest.mark.slow

STORY = "/news/2026/01/05/harbour-board-approves-the-pier.html"
NAVIGATION = "/news/2026/01/05/all-the-sections-of-the-site.html"
STORY_HTML = (
    "<html><head><title>Harbour board approves the pier</title></head><body><article>"
    "<h1>Harbour board approves the pier</h1>"
    + "".join(
        f"<p>{text}</p>"
        for text in (
            "The harbour board of Eastmere voted on Tuesday to rebuild the north pier.",
            "Work starts in spring and should last two years, the board said in a statement.",
            "Fishermen had asked for the repair since a winter storm broke the outer wall.",
            "The cost is shared between the town, the county and a fund for coastal towns.",
            "Ferries will use the south quay while the builders close the north end of the port.",
        )
    )
    + "</article></body></html>"
)
NAVIGATION_HTML = (
    "<html><head><title>Sections</title></head><body><div>"
    + " ".join(f"<a href='/section/{n}/'>Harbour and ferry news section {n}</a>" for n in range(60))
    + "</div></body></html>"
)


@pytest.fixture
def crawled(tmp_path, warehouse_url):
    with FixtureServer() as server:
        server.add("/robots.txt", "User-agent: *\n", content_type="text/plain")
        server.add(STORY, STORY_HTML)
        server.add(NAVIGATION, NAVIGATION_HTML)
        server.add("/hub/", f"<html><body><main><a href='{STORY}'>s</a><a href='{NAVIGATION}'>n</a></main></body></html>")
        config = write_config(
            tmp_path / "config.yaml", server.host_port, [{"name": "Fixture", "hubs": [server.base_url + "/hub/"]}]
        )
        outcome = run_crawl(config, warehouse_url)
        base = server.base_url
    assert outcome["status"] == "succeeded"
    engine = make_engine(warehouse_url)
    yield engine, base
    engine.dispose()


def state(engine):
    with session_scope(engine) as session:
        articles = {a.canonical_url.rsplit("/", 1)[-1]: a.id for a in session.scalars(select(Article))}
        pages = {
            f.canonical_url.rsplit("/", 1)[-1]: (f.page_type, f.page_reason)
            for f in session.scalars(select(Fetch).where(Fetch.url_identity.is_not(None)))
        }
    return articles, pages


def rebuild(warehouse_url: str) -> dict:
    """A re-extraction of the partition from the archive (every stored page)."""
    ((_, stats),) = clean_stored_pages(warehouse_url, rebuild=True).items()
    return stats


def test_junk_stays_on_its_fetch_and_a_second_clean_has_nothing_to_do(crawled, warehouse_url):
    engine, _ = crawled
    ((partition, stats),) = clean_stored_pages(warehouse_url).items()
    assert (stats["pages"], stats["stories"], stats["not_stories/navigation"]) == (2, 1, 1)
    articles, pages = state(engine)
    assert set(articles) == {STORY.rsplit("/", 1)[-1]}
    assert pages[NAVIGATION.rsplit("/", 1)[-1]] == ("index", "navigation")
    assert pages[STORY.rsplit("/", 1)[-1]] == ("article", None)
    # Nothing pending: an incremental run extracts nothing and changes nothing.
    assert clean_stored_pages(warehouse_url)[partition]["pages"] == 0
    assert state(engine) == (articles, pages)


def test_a_rebuild_adds_a_story_an_older_extractor_typed_as_junk(crawled, warehouse_url):
    engine, _ = crawled
    clean_stored_pages(warehouse_url)
    name = STORY.rsplit("/", 1)[-1]
    with session_scope(engine) as session:  # what an extractor that missed the story left
        session.execute(delete(ArticleRevision))
        session.execute(delete(Article))
        session.execute(
            update(Fetch).where(Fetch.canonical_url.endswith(name)).values(page_type="index", page_reason="navigation")
        )
    assert state(engine)[0] == {}

    stats = rebuild(warehouse_url)

    articles, pages = state(engine)
    assert set(articles) == {name} and stats["stories"] == 1
    assert pages[name] == ("article", None)


def test_a_rebuild_removes_an_article_that_is_no_story_and_what_pointed_at_it(crawled, warehouse_url):
    engine, _ = crawled
    clean_stored_pages(warehouse_url)
    now = datetime.now(UTC)
    with session_scope(engine) as session:  # an older extractor stored the navigation page as a story
        fetch = session.scalars(select(Fetch).where(Fetch.canonical_url.endswith(NAVIGATION))).one()
        story = session.scalars(select(Article)).one()
        junk = Article(
            fetch_id=fetch.id, crawl_run_id=fetch.crawl_run_id, partition_key=story.partition_key,
            fetched_at=fetch.requested_at, url=fetch.first_url, canonical_url=fetch.canonical_url,
            url_identity=fetch.url_identity, page_type="article", body_text="Harbour news section",
        )
        session.add(junk)
        session.flush()
        cluster = Story(title="Pier", created_at=now, updated_at=now, origin_article_id=junk.id, article_count=2)
        session.add(cluster)
        session.flush()
        junk.story_id = story.story_id = cluster.id
        story.duplicate_of_id, story.duplicate_kind, story.clustered_by_id = junk.id, "near", 1
        session.add(StoryArticle(article_id=junk.id, story_id=cluster.id, relation="origin"))
        session.add(StoryArticle(article_id=story.id, story_id=cluster.id, relation="copy", related_to_id=junk.id))
        junk_id, story_id = junk.id, story.id

    stats = rebuild(warehouse_url)

    assert stats["removed"] == 1
    with session_scope(engine) as session:
        assert session.get(Article, junk_id) is None
        kept = session.get(Article, story_id)
        assert (kept.duplicate_of_id, kept.duplicate_kind, kept.deduped_by_id, kept.clustered_by_id) == (
            None, None, None, None,
        )  # dedup and clustering decide it again
        assert session.scalars(select(StoryArticle.related_to_id)).all() == [None]
        assert session.scalars(select(Story.origin_article_id)).all() == [None]
        assert session.execute(select(func.count()).select_from(Article)).scalar_one() == 1
    assert state(engine)[1][NAVIGATION.rsplit("/", 1)[-1]] == ("index", "navigation")
