"""Revisits and revisions: a stored story fetched again on its schedule, its new versions kept.

Real crawls in a child process against a :class:`FixtureServer`; the schedule's clock is
driven with ``--now`` (no sleeps). The clean, dedup, cluster and enrich stages run for real
on the crawl's partition.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from dagster_project.sensors import revised_days
from pipelines.dedup.store import dedup_partition
from pipelines.enrich import analyse_partition, finish_partition
from pipelines.enrich.store import ANALYSE_STAGE, FINISH_STAGE
from pipelines.lineage import article_lineage
from pipelines.revisits import RevisitSchedule
from pipelines.stories.store import cluster_partition
from pipelines.warehouse.db import make_engine, session_scope
from pipelines.warehouse.models import Article, ArticleKeyword, ArticleRevision, CrawlRun, Fetch, Story
from pipelines.warehouse.stage_runs import stage_run
from tests.conftest import clean_stored_pages, run_crawl, write_config
from tests.support.fixture_server import FixtureServer

pytestmark = pytest.mark.slow

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
STORY_PATH = "/news/2026/03/02/lighthouse-keeper-retires.html"
FIRST = [
    "The keeper of the Saltmarsh Point lighthouse retired on Monday after thirty-one years, "
    "handing the brass keys to a volunteer trust that will run the tower as a museum.",
    "Neighbours gathered on the shingle to watch the lamp turn one last time under her care, "
    "and the harbour band played three slow marches while the tide came in over the rocks.",
    "The trust said it would open the gallery to visitors from June, with guided climbs of the "
    "one hundred and twelve steps every afternoon except in storms or heavy fog.",
    "Fishermen said the light had guided their boats home through many winters, and several "
    "brought smoked mackerel and bread to share with the crowd after the ceremony ended.",
]
SECOND = [
    FIRST[0].replace("thirty-one", "thirty-two"),
    FIRST[1],
    FIRST[2],
    "A council engineer will survey the copper dome for corrosion before the museum opens, "
    "and the trust hopes to restore the original clockwork that once turned the great lens.",
    FIRST[3],
    "Correction: An earlier version of this article misstated how long the keeper served. "
    "She served thirty-two years.",
]


def page(title: str, paragraphs: list[str]) -> str:
    body = "".join(f"<p>{text}</p>" for text in paragraphs)
    return (
        f"<html><head><title>{title}</title>"
        '<meta property="article:published_time" content="2026-03-02T08:30:00Z"></head>'
        f"<body><article><h1>{title}</h1>{body}</article></body></html>"
    )


def rss(base: str, title: str) -> str:
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        f"<item><title>{title}</title><link>{base}{STORY_PATH}</link><guid>keeper</guid></item>"
        "</channel></rss>"
    )


def crawl(config, url: str, at: datetime) -> dict:
    outcome = run_crawl(config, url, "--now", at.isoformat())
    assert outcome["status"] == "succeeded"
    return outcome["stats"]


def downstream(url: str, crawl_day: str | None = None, days: list[str] | None = None) -> None:
    """Clean every partition, enrich the crawl day's articles (the shard step, which also takes
    the earlier days' stories its revisits revised), then dedup, cluster and finish the story
    entities of ``days`` (default: the crawl day), as scheduled runs in the assets' order."""
    clean_stored_pages(url)
    engine = make_engine(url)
    with session_scope(engine) as session:
        crawl_day = crawl_day or session.scalars(select(CrawlRun.partition_key)).first()
    with stage_run(engine, ANALYSE_STAGE, crawl_day, code_version="test") as run:
        analyse_partition(engine, crawl_day, stage_run_id=run.id, rebuild=False)
    for day in days or [crawl_day]:
        with stage_run(engine, "dedup", day, code_version="test") as run:
            dedup_partition(engine, day, run.id, rebuild=False)
        with stage_run(engine, "cluster", day, code_version="test") as run:
            cluster_partition(engine, day, run.id, rebuild=False)
        with stage_run(engine, FINISH_STAGE, day, code_version="test") as run:
            finish_partition(engine, day, stage_run_id=run.id, rebuild=False)
    engine.dispose()


def story_state(url: str) -> dict:
    engine = make_engine(url)
    with session_scope(engine) as session:
        article = session.scalars(select(Article)).one()
        story = session.get(Story, article.story_id)
        state = {
            "article": article.id,
            "title": article.title,
            "text": article.body_text,
            "extracted_by": article.extracted_by_id,
            "etag": session.get(Fetch, article.fetch_id).etag,
            "enriched_by": article.enriched_by_id,
            "clustered_by": article.clustered_by_id,
            "story_title": story.title if story else None,
            "keywords": set(
                session.scalars(select(ArticleKeyword.phrase).where(ArticleKeyword.article_id == article.id))
            ),
            "revisions": session.scalars(select(ArticleRevision).order_by(ArticleRevision.revision)).all(),
            "revisits": session.scalars(
                select(Fetch).where(Fetch.revisit_of_id.is_not(None)).order_by(Fetch.requested_at)
            ).all(),
        }
    engine.dispose()
    return state


def serve_the_story(site: FixtureServer, tmp_path) -> tuple[str, object]:
    """Serve the feed and the story's first version; return the site's base URL and the config."""
    base = site.base_url
    site.add_conditional("/feed.xml", rss(base, "Keeper retires"), content_type="application/rss+xml")
    site.add_conditional(STORY_PATH, page("Lighthouse keeper retires", FIRST))
    config = write_config(
        tmp_path / "config.yaml", site.host_port, [{"name": "Coast", "feeds": [base + "/feed.xml"]}]
    )
    return base, config


def test_a_story_revisited_on_its_schedule_keeps_its_revisions_and_its_story_follows(tmp_path, warehouse_url):
    with FixtureServer() as site:
        base, config = serve_the_story(site, tmp_path)

        crawl(config, warehouse_url, T0)
        downstream(warehouse_url)
        first = story_state(warehouse_url)
        assert [r.revision for r in first["revisions"]] == [1] and first["revisions"][0].changed_fields == []
        assert first["enriched_by"] is not None and first["story_title"]

        # Half an hour on, the story is not due: the site changed, but its page is not fetched.
        site.add_conditional(STORY_PATH, page("Lighthouse keeper retires after 32 years", SECOND))
        site.add_conditional(
            "/feed.xml", rss(base, "Keeper retires after 32 years"), content_type="application/rss+xml"
        )
        site.reset()
        stats = crawl(config, warehouse_url, T0 + timedelta(minutes=30))
        assert site.hits[STORY_PATH] == 0 and stats.get("storyline/revisits_due", 0) == 0

        # An hour on: revisited with the first fetch's validators; the new text is a revision.
        site.reset()
        stats = crawl(config, warehouse_url, T0 + timedelta(minutes=61))
        assert site.hits[STORY_PATH] == 1 and stats["storyline/revisits_fetched"] == 1
        sent = next(r for r in site.requests if r.path == STORY_PATH).headers
        assert sent["If-None-Match"] == first["etag"]
        downstream(warehouse_url)
        second = story_state(warehouse_url)
        assert second["article"] == first["article"] and [r.revision for r in second["revisions"]] == [1, 2]
        revision = second["revisions"][1]
        assert set(revision.changed_fields) == {"title", "text"}
        assert revision.words_added > revision.words_removed > 0 and revision.paragraphs_changed == 3
        assert revision.correction_notice.startswith("Correction: An earlier version of this article")
        assert revision.fetch_id == second["revisits"][0].id
        assert (revision.warc_path, revision.warc_offset) == (
            second["revisits"][0].warc_path,
            second["revisits"][0].warc_offset,
        )
        assert second["revisions"][0].text_sha256 != revision.text_sha256  # the first version is kept
        # The article row shows the latest version, and every later stage took it up again.
        assert second["title"] == "Keeper retires after 32 years" and "copper dome" in second["text"]
        assert second["extracted_by"] > first["extracted_by"]
        assert second["enriched_by"] > first["enriched_by"] and second["clustered_by"] > first["clustered_by"]
        assert second["keywords"] != first["keywords"]
        assert second["story_title"] == second["title"]
        engine = make_engine(warehouse_url)
        with session_scope(engine) as session:
            steps = {step.kind: step.facts for step in article_lineage(session, second["article"])}
        engine.dispose()
        assert steps["revision 2"]["fetch_id"] == revision.fetch_id and steps["revision 2"]["warc_file"]

        # A minute later, nothing is due again: a second run refetches nothing.
        site.reset()
        stats = crawl(config, warehouse_url, T0 + timedelta(minutes=62))
        assert site.hits[STORY_PATH] == 0 and stats.get("storyline/revisits_due", 0) == 0

        # Six hours on, unchanged since: a 304, recorded on its fetch, and no new revision.
        site.reset()
        stats = crawl(config, warehouse_url, T0 + timedelta(hours=6, minutes=5))
        assert stats["storyline/revisits_not_modified"] == 1
        sent = next(r for r in site.requests if r.path == STORY_PATH).headers
        assert sent["If-None-Match"] == second["revisits"][0].etag
        downstream(warehouse_url)
        third = story_state(warehouse_url)
        assert [r.revision for r in third["revisions"]] == [1, 2]
        assert [f.status_code for f in third["revisits"]] == [200, 304]
        assert third["extracted_by"] == second["extracted_by"]

        # A rebuild (re-extraction from the archive) keeps the versions as they are: the first
        # version's page does not overwrite the later one on the article row.
        clean_stored_pages(warehouse_url, rebuild=True)
        rebuilt = story_state(warehouse_url)
        assert [r.revision for r in rebuilt["revisions"]] == [1, 2]
        assert (rebuilt["title"], rebuilt["text"]) == (third["title"], third["text"])

        # Past the last point (72 h), never again.
        for hours in (24, 72, 100):
            crawl(config, warehouse_url, T0 + timedelta(hours=hours, minutes=5))
        site.reset()
        crawl(config, warehouse_url, T0 + timedelta(hours=110))
        assert site.hits[STORY_PATH] == 0


def crawl_day_of(config, url: str, at: datetime) -> None:
    """Crawl at ``at`` into the partition of ``at``'s day, as the schedule would."""
    outcome = run_crawl(config, url, "--now", at.isoformat(), "--partition-key", at.date().isoformat())
    assert outcome["status"] == "succeeded"


def test_a_story_revised_on_a_later_crawl_day_is_enriched_by_that_day_and_its_own_day_follows(
    tmp_path, warehouse_url
):
    with FixtureServer() as site:
        base, config = serve_the_story(site, tmp_path)
        crawl_day_of(config, warehouse_url, T0)
        downstream(warehouse_url, T0.date().isoformat())
        first = story_state(warehouse_url)
        for hours in (1, 6):  # unchanged: 304s
            crawl_day_of(config, warehouse_url, T0 + timedelta(hours=hours, minutes=5))

        # The next day's crawl revisits it (24 h) and finds it changed.
        site.add_conditional(STORY_PATH, page("Lighthouse keeper retires after 32 years", SECOND))
        crawl_day_of(config, warehouse_url, T0 + timedelta(hours=24, minutes=5))
        engine = make_engine(warehouse_url)
        with session_scope(engine) as session:
            days = sorted(set(session.scalars(select(CrawlRun.partition_key))))
        assert days == [T0.date().isoformat(), (T0 + timedelta(days=1)).date().isoformat()]
        story_day, crawl_day = days
        downstream(warehouse_url, crawl_day, days=[])  # the crawl day's shard step only
        analysed = story_state(warehouse_url)
        assert [r.revision for r in analysed["revisions"]] == [1, 2]
        assert analysed["enriched_by"] > first["enriched_by"] and analysed["keywords"] != first["keywords"]
        # The story's own day owes its day-level pass, which the sensor requests.
        assert revised_days(engine, crawl_day) == [story_day]
        engine.dispose()
        downstream(warehouse_url, crawl_day, days=[story_day])
        final = story_state(warehouse_url)
        assert final["clustered_by"] > first["clustered_by"] and final["story_title"] == final["title"]
        engine = make_engine(warehouse_url)
        assert revised_days(engine, crawl_day) == []
        engine.dispose()


def test_the_revisit_schedule_thins_out_with_age_and_makes_up_for_missed_points():
    schedule = RevisitSchedule()
    seen = T0
    assert schedule.due_point(seen, None, T0 + timedelta(minutes=59)) is None
    assert schedule.due_point(seen, None, T0 + timedelta(hours=1)) == T0 + timedelta(hours=1)
    checked = T0 + timedelta(hours=1, minutes=2)
    assert schedule.due_point(seen, checked, T0 + timedelta(hours=5)) is None
    # A crawl that comes late makes one revisit for every point it missed.
    assert schedule.due_point(seen, checked, T0 + timedelta(hours=30)) == T0 + timedelta(hours=24)
    assert schedule.due_point(seen, T0 + timedelta(hours=30), T0 + timedelta(hours=71)) is None
    assert schedule.due_point(seen, T0 + timedelta(hours=73), T0 + timedelta(hours=140)) is None
    assert schedule.due_point(seen, None, T0 + timedelta(hours=145)) is None  # too old to look at
    assert RevisitSchedule.of([]).due_point(seen, None, T0 + timedelta(hours=2)) is None
