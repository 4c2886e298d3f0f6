"""End to end on the offline demo site: crawl, clean, dedup and cluster into stories.

Runs the real Dagster pass (``dagster_project.run.run_pass``) against
``storyline.demo_site.DemoSite`` and checks the story design of ``content.STORIES``:
a rewrite joins its origin's story, a later round of the same talks and a flood on the
same river stay apart, and verbatim wire copy becomes one story with a ``copy``.
Clustered again after enrichment (entities in the warehouse, as when enrich runs before
cluster), two factory fires of one day in two cities stay apart while the cross-outlet
rewrite of one of them stays with its origin.
"""

from __future__ import annotations

from collections import defaultdict

import dagster
import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from pipelines.stories.store import cluster_partition
from pipelines.warehouse.migrate import upgrade
from pipelines.warehouse.models import Article, ArticleEntity, Entity, StoryArticle
from pipelines.warehouse.stage_runs import stage_run
from storyline.demo_site import DemoSite

pytestmark = pytest.mark.slow


def _placements(url: str, base: str) -> dict[str, tuple]:
    """Return ``{canonical path: (story, relation, related path)}`` of the warehouse at ``url``."""
    engine = create_engine(url)
    with Session(engine) as db:
        rows = db.execute(
            select(Article.id, Article.canonical_url, StoryArticle.story_id,
                   StoryArticle.relation, StoryArticle.related_to_id)
            .join(StoryArticle, StoryArticle.article_id == Article.id)
        ).all()
    engine.dispose()
    path_of = {row.id: row.canonical_url.removeprefix(base) for row in rows}
    return {
        path_of[row.id]: (row.story_id, row.relation, path_of.get(row.related_to_id))
        for row in rows
    }


@pytest.fixture(scope="module")
def demo_warehouse(tmp_path_factory):
    """Run one full pass over the demo site; return (manifest, warehouse URL, site base URL)."""
    from dagster_project.run import run_pass

    tmp_path = tmp_path_factory.mktemp("demo")
    url = f"sqlite:///{tmp_path / 'w.db'}"
    upgrade(url)
    with DemoSite() as site, pytest.MonkeyPatch.context() as env:
        env.setenv("STORYLINE_DEMO_HOST", site.host_port)
        env.setenv("STORYLINE_ARCHIVE_DIR", str(tmp_path / "archive"))
        run_pass(
            config_path="config/demo.yaml", warehouse_url=url,
            instance=dagster.DagsterInstance.ephemeral(),
        )
        manifest = list(site.manifest)
        base = site.base_url
    return manifest, url, base


@pytest.fixture(scope="module")
def demo_pass(demo_warehouse):
    """Return (manifest, {url_path: (story, relation, related path)}) after the pass."""
    manifest, url, base = demo_warehouse
    return manifest, _placements(url, base)


@pytest.fixture(scope="module")
def enriched_pass(demo_warehouse):
    """Cluster every partition again once the pass has enriched them; return as :func:`demo_pass`.

    Also returns ``{canonical path: {place names}}`` of the articles' stored places.
    """
    manifest, url, base = demo_warehouse
    engine = create_engine(url)
    with Session(engine) as db:
        partitions = sorted(set(db.scalars(select(Article.partition_key))))
        places: dict[str, set[str]] = defaultdict(set)
        for path, name in db.execute(
            select(Article.canonical_url, Entity.name)
            .join(ArticleEntity, ArticleEntity.article_id == Article.id)
            .join(Entity, Entity.id == ArticleEntity.entity_id)
            .where(Entity.type == "place")
        ):
            places[path.removeprefix(base)].add(name)
    for partition in partitions:
        with stage_run(engine, "cluster", partition, code_version="test") as run:
            cluster_partition(engine, partition, run.id, rebuild=True)
    engine.dispose()
    return manifest, _placements(url, base), places


def _pages(manifest, event_key: str) -> dict[str, str]:
    """Return ``{role: canonical path}`` of the event's pages (roles are unique per event)."""
    pages = {entry.role: entry.canonical_path for entry in manifest if entry.event_key == event_key}
    assert pages, f"demo manifest has no pages for {event_key!r}"
    return pages


def _stories(manifest, placed, event_key: str) -> set[int]:
    paths = [entry.canonical_path for entry in manifest if entry.event_key == event_key]
    missing = [path for path in paths if path not in placed]
    assert not missing, f"{event_key}: pages not clustered: {missing}"
    return {placed[path][0] for path in paths}


def test_rewrite_joins_its_origin(demo_pass):
    manifest, placed = demo_pass
    pages = _pages(manifest, "veltra-talks-round1")
    origin, rewrite = placed[pages["origin"]], placed[pages["rewrite"]]
    assert origin[0] == rewrite[0], "round-1 origin and its rewrite are in different stories"
    assert origin[1] == "origin"
    assert rewrite[1] == "rewrite"
    assert rewrite[2] == pages["origin"], "the rewrite must point at the article it re-tells"


def test_same_topic_different_events_stay_apart(demo_pass):
    manifest, placed = demo_pass
    stories = {
        event: _stories(manifest, placed, event)
        for event in ("veltra-talks-round1", "veltra-talks-round2", "veltra-pumping-flood")
    }
    for event, ids in stories.items():
        assert len(ids) == 1, f"{event} is split over stories {sorted(ids)}"
    owners = defaultdict(list)
    for event, ids in stories.items():
        owners[next(iter(ids))].append(event)
    merged = [events for events in owners.values() if len(events) > 1]
    assert not merged, f"different events merged into one story: {merged}"
    round2 = _pages(manifest, "veltra-talks-round2")
    assert placed[round2["origin"]][1] == "origin"
    assert placed[round2["rewrite"]][1] == "rewrite"


def test_wire_copies_are_one_story_with_a_copy(demo_pass):
    manifest, placed = demo_pass
    paths = [e.canonical_path for e in manifest if e.event_key == "astrolabe-recovered"]
    assert len(paths) == 2
    assert len(_stories(manifest, placed, "astrolabe-recovered")) == 1
    relations = sorted(placed[path][1] for path in paths)
    assert relations == ["copy", "origin"]
    copy = next(path for path in paths if placed[path][1] == "copy")
    assert placed[copy][2] in paths and placed[copy][2] != copy


def test_only_one_event_per_story(demo_pass):
    """No story mixes pages of two designed events (snowballing guard over the whole site)."""
    manifest, placed = demo_pass
    events_by_story = defaultdict(set)
    for entry in manifest:
        if entry.event_key and entry.canonical_path in placed:
            events_by_story[placed[entry.canonical_path][0]].add(entry.event_key)
    mixed = {story: events for story, events in events_by_story.items() if len(events) > 1}
    assert not mixed, f"stories mixing events: {mixed}"


@pytest.mark.parametrize("which", ["pass", "enriched"])
def test_same_kind_of_event_in_two_cities_stays_apart(demo_pass, enriched_pass, which):
    """Two factory fires of one day, two cities and other officials: two stories; the
    rewrite of one (another outlet, own words, one shared quote) shares its origin's."""
    manifest, placed = demo_pass if which == "pass" else enriched_pass[:2]
    aldenburg = _pages(manifest, "aldenburg-factory-fire")
    oldhaven = _stories(manifest, placed, "oldhaven-factory-fire")
    assert _stories(manifest, placed, "aldenburg-factory-fire") == {placed[aldenburg["origin"]][0]}
    assert placed[aldenburg["rewrite"]][1] == "rewrite"
    assert placed[aldenburg["origin"]][0] not in oldhaven, "two fires in two cities share a story"


def test_enrichment_names_the_fire_cities(enriched_pass):
    """The evidence the clusterer read: each fire's city among its article's places."""
    manifest, _, places = enriched_pass
    for event, city in (("aldenburg-factory-fire", "Aldenburg"), ("oldhaven-factory-fire", "Oldhaven")):
        for entry in manifest:
            if entry.event_key == event:
                assert city in places[entry.canonical_path], (entry.canonical_path, places[entry.canonical_path])
