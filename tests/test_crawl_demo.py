"""End-to-end crawls of the bundled demo site: everything lands, with lineage, exactly once."""

from __future__ import annotations

import hashlib
from collections import Counter

import pytest
from sqlalchemy import Engine, func, select

from pipelines.archive import read_response
from pipelines.lineage import article_lineage
from pipelines.warehouse.db import session_scope
from pipelines.warehouse.models import (
    Article,
    CrawlRun,
    FeedEntry,
    Fetch,
    HubLink,
    SitemapEntry,
    Source,
    SourceDocument,
)
from tests.conftest import clean_stored_pages, run_crawl

pytestmark = pytest.mark.slow
DEMO_CONFIG = "config/demo.yaml"


def _count(engine: Engine, model: type, *where) -> int:
    with session_scope(engine) as session:
        return session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def test_demo_crawl_lands_every_page_and_failure(demo_site, warehouse_url, warehouse):
    outcome = run_crawl(DEMO_CONFIG, warehouse_url)
    assert outcome["status"] == "succeeded"

    stored_kinds = {"article", "liveblog", "video", "paywall"}
    expected = {entry.url_path for entry in demo_site.manifest if entry.kind in stored_kinds}
    with session_scope(warehouse) as session:
        # The crawl stores pages on their fetches; articles come from the clean stage.
        assert session.scalars(select(Article)).all() == []
        pages = session.scalars(select(Fetch).where(Fetch.url_identity.is_not(None))).all()
        stored_paths = {page.canonical_url.split(demo_site.host_port, 1)[1] for page in pages}
        errors = Counter(session.scalars(select(Fetch.error).where(Fetch.error.is_not(None))))
        kinds = Counter(session.scalars(select(Fetch.kind)))
        sources = {s.name for s in session.scalars(select(Source))}
    assert stored_paths == expected
    assert len(pages) == len(expected), "a page was stored twice"
    assert errors["http_404"] >= 1 and errors["http_500"] >= 1
    assert errors["robots_disallowed"] == 1
    assert errors["malformed_feed"] == 1
    # robots.txt twice: Scrapy's robots.txt check, and the homepage search reading its Sitemap: lines.
    assert kinds["robots"] == 2 and kinds["homepage"] == 1
    # Five feeds configured and one discovered (Lakeside Courier's JSON Feed); six hubs
    # configured and two discovered in its front page's navigation.
    assert kinds["feed"] == 6 and kinds["hub"] == 8
    assert sources == {"Harbor Herald", "Northgate Post", "Valley Wire", "Meridian Daily", "Lakeside Courier"}
    with session_scope(warehouse) as session:
        discovered = Counter(session.scalars(
            select(SourceDocument.found_by).where(SourceDocument.origin == "discovered")))
    assert discovered == {"link_alternate": 1, "navigation": 2, "robots_txt": 1}
    assert _count(warehouse, FeedEntry) > 0 and _count(warehouse, HubLink) > 0
    assert _count(warehouse, SitemapEntry) > 0

    # Articles belong to the outlet they were published by, even when found via the shared index.
    with session_scope(warehouse) as session:
        owners = session.execute(
            select(Fetch.first_url, Source.name).join(Source).where(Fetch.url_identity.is_not(None))
        ).all()
    outlet_names = {entry.url_path: entry.outlet_name for entry in demo_site.manifest}
    for url, source_name in owners:
        path = url.split(demo_site.host_port, 1)[1].split("?", 1)[0]
        assert outlet_names[path] == source_name, url

    # The page linked with tracking parameters was fetched once, under one canonical URL.
    lighthouse = next(e for e in demo_site.manifest if len(e.linked_paths) > 1)
    assert demo_site.hits[lighthouse.url_path] == 1


def test_every_article_traces_to_its_raw_page_and_crawl(demo_site, warehouse_url, warehouse):
    run_crawl(DEMO_CONFIG, warehouse_url)
    clean_stored_pages(warehouse_url)
    with session_scope(warehouse) as session:
        rows = session.execute(select(Article, Fetch).join(Fetch, Fetch.id == Article.fetch_id)).all()
        assert rows
        for article, fetch in rows:
            archived = read_response(fetch.warc_path, fetch.warc_offset)
            assert archived.fetch_id == fetch.id
            assert archived.status == 200
            assert hashlib.sha256(archived.body).hexdigest() == fetch.body_sha256
            assert b"<html" in archived.body.lower()
            steps = article_lineage(session, article.id)
            kinds = [step.kind for step in steps]
            assert kinds[0] == "article" and "WARC record" in kinds and kinds[-1] == "crawl run"
            assert any(kind in ("feed fetch", "hub fetch", "sitemap fetch") for kind in kinds), kinds
            assert any(kind in ("feed entry", "hub link", "sitemap entry") for kind in kinds), kinds
        runs = session.scalars(select(CrawlRun)).all()
    assert len(runs) == 1 and runs[0].status == "succeeded" and runs[0].finished_at is not None
    assert runs[0].stats["fetches/article"] >= len(rows)


def test_second_crawl_of_unchanged_site_fetches_no_article(demo_site, warehouse_url, warehouse):
    first = run_crawl(DEMO_CONFIG, warehouse_url)
    clean_stored_pages(warehouse_url)
    articles_before = _count(warehouse, Article)
    pages_before = _count(warehouse, Fetch, Fetch.url_identity.is_not(None))
    article_paths = {entry.url_path for entry in demo_site.manifest}
    demo_site.reset_hits()

    # At once again, as scheduled: nothing is due yet, so nothing at all is fetched.
    scheduled = run_crawl(DEMO_CONFIG, warehouse_url)
    assert scheduled["status"] == "succeeded" and demo_site.hits == {}, demo_site.hits
    assert scheduled["stats"].get("storyline/documents_due", 0) == 0
    # 15 configured documents, and the homepage-only outlet's homepage and the 4 found there.
    assert scheduled["stats"]["storyline/documents_not_due"] == first["stats"]["storyline/documents_due"] == 20

    # A full crawl (--poll all) asks for every feed, hub and sitemap, conditionally.
    second = run_crawl(DEMO_CONFIG, warehouse_url, "--poll", "all")

    assert second["status"] == "succeeded"
    refetched = {path: n for path, n in demo_site.hits.items() if path in article_paths}
    # Known articles are skipped; only the deliberately failing links are tried again.
    failing = {e.url_path for e in demo_site.manifest if e.expected_status != 200 or e.robots_disallowed}
    assert set(refetched) <= failing, refetched
    assert _count(warehouse, Article) == articles_before
    assert _count(warehouse, Fetch, Fetch.url_identity.is_not(None)) == pages_before
    with session_scope(warehouse) as session:
        statuses = Counter(
            session.execute(
                select(Fetch.kind, Fetch.status_code).where(
                    Fetch.crawl_run_id == second["crawl_run_id"], Fetch.kind.in_(["feed", "hub", "sitemap"])
                )
            ).all()
        )
    not_modified = sum(n for (kind, status), n in statuses.items() if status == 304)
    assert not_modified >= 10, statuses
