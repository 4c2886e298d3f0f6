"""End to end on the offline demo site: crawl, clean, dedup and cluster into stories.

Runs the real Dagster pass (``dagster_project.run.run_pass``) against
``storyline.demo_site.DemoSite`` and checks the story design of ``content.STORIES``:
a rewrite joins its origin's story, a later round of the same talks and a flood on the
same river stay apart, and verbatim wire copy becomes one story with a ``copy``.
"""

from __future__ import annotations

from collections import defaultdict

import dagster
import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from pipelines.warehouse.migrate import upgrade
from pipelines.warehouse.models import Article, StoryArticle
from storyline.demo_site import DemoSite

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo_pass(tmp_path_factory):
    """Run one full pass over the demo site; return (manifest, {url_path: (story, relation, related path)})."""
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
    engine = create_engine(url)
    with Session(engine) as db:
        rows = db.execute(
            select(Article.id, Article.canonical_url, StoryArticle.story_id,
                   StoryArticle.relation, StoryArticle.related_to_id)
            .join(StoryArticle, StoryArticle.article_id == Article.id)
        ).all()
    engine.dispose()
    path_of = {row.id: row.canonical_url.removeprefix(base) for row in rows}
    placed = {
        path_of[row.id]: (row.story_id, row.relation, path_of.get(row.related_to_id))
        for row in rows
    }
    return manifest, placed


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
