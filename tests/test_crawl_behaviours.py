"""Crawler behaviours against purpose-built loopback servers: formats, failures, politeness, safety."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from pipelines.warehouse.crawl_store import CrawlStore
from pipelines.warehouse.db import make_engine, session_scope
from pipelines.warehouse.models import CrawlRun, FeedEntry, Fetch, HubLink, SitemapEntry
from tests.conftest import REPO_ROOT, run_crawl, write_config
from tests.support.fixture_server import FixtureServer

pytestmark = pytest.mark.slow

ARTICLE_HTML = (
    "<html><head><title>{title}</title>{canonical}</head><body><article><h1>{title}</h1>"
    "<p>The town council of Ashdown met on Monday evening to discuss the new bridge.</p>"
    "</article></body></html>"
)


def article(title: str, canonical: str | None = None) -> str:
    link = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    return ARTICLE_HTML.format(title=title, canonical=link)


@pytest.fixture
def server():
    with FixtureServer() as fixture:
        fixture.add("/robots.txt", "User-agent: *\nDisallow: /private/\n", content_type="text/plain")
        yield fixture


@pytest.fixture
def db_url(warehouse_url: str) -> str:
    """Each behaviour runs on SQLite and on PostgreSQL (see conftest.warehouse_url)."""
    return warehouse_url


def rows(url: str, model: type, *where) -> list:
    engine = make_engine(url)
    with session_scope(engine) as session:
        found = session.scalars(select(model).where(*where)).all()
    engine.dispose()
    return found


def stored_pages(url: str) -> list[Fetch]:
    """The fetches of the pages the crawl stored (the clean stage's input)."""
    return rows(url, Fetch, Fetch.url_identity.is_not(None))


def crawl(tmp_path: Path, server: FixtureServer, url: str, source: dict, *extra: str, **settings) -> dict:
    config = write_config(
        tmp_path / "config.yaml", server.host_port, [{"name": "Fixture", **source}], **settings
    )
    return run_crawl(config, url, *extra)


RSS_091 = """<?xml version="1.0"?><rss version="0.91"><channel><title>Old</title><link>{base}/</link>
<description>d</description><item><title>Ninety-one</title><link>{base}/news/2026/01/05/rss-ninety-one-story.html</link>
<description>an old format</description></item></channel></rss>"""
RSS_10 = """<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="{base}/"><title>RDF</title><link>{base}/</link><description>d</description></channel>
<item rdf:about="{base}/news/2026/01/05/rdf-story-about-bridges.html"><title>RDF item</title>
<link>{base}/news/2026/01/05/rdf-story-about-bridges.html</link><dc:date>2026-01-05T09:30:00+01:00</dc:date></item>
</rdf:RDF>"""
RSS_20 = """<?xml version="1.0"?><rss version="2.0"><channel><title>Two</title><link>{base}/</link><description>d</description>
<item><title>Relative link</title><link>/news/2026/01/05/relative-link-story-here.html?utm_source=rss</link>
<guid isPermaLink="false">tag:fixture,2026:42</guid><pubDate>Mon, 05 Jan 2026 10:00:00 +0200</pubDate>
<description>summary text</description><author>reporter@example.invalid (Ana Reyes)</author></item></channel></rss>"""
ATOM = """<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom" xml:base="{base}/atom/">
<title>Atom</title><id>urn:fixture:atom</id><updated>2026-01-05T12:00:00Z</updated>
<entry><title>Atom entry</title><id>urn:fixture:atom:1</id><link href="../news/2026/01/05/atom-entry-about-the-port.html"/>
<published>2026-01-05T11:00:00Z</published><updated>2026-01-05T12:00:00Z</updated><summary>s</summary>
<author><name>Lena Fors</name></author></entry></feed>"""
JSON_FEED = """{{"version": "https://jsonfeed.org/version/1.1", "title": "JSON", "authors": [{{"name": "Desk"}}],
"items": [{{"id": "json-1", "url": "/news/2026/01/05/json-feed-item-on-the-ferry.html", "title": "JSON item",
"summary": "ferry news", "date_published": "2026-01-05T13:00:00+01:00", "date_modified": "2026-01-05T14:00:00Z"}}]}}"""


def test_feeds_of_every_format_resolve_links_and_keep_entry_facts(tmp_path, server, db_url):
    base = server.base_url
    feeds = {"/rss091.xml": RSS_091, "/rss10.rdf": RSS_10, "/rss20.xml": RSS_20, "/atom/feed.xml": ATOM}
    for path, body in feeds.items():
        server.add(path, body.format(base=base), content_type="application/xml")
    feeds["/feed.json"] = JSON_FEED
    server.add("/feed.json", JSON_FEED.format(base=base), content_type="application/feed+json")
    stories = [
        "/news/2026/01/05/rss-ninety-one-story.html",
        "/news/2026/01/05/rdf-story-about-bridges.html",
        "/news/2026/01/05/relative-link-story-here.html",
        "/news/2026/01/05/atom-entry-about-the-port.html",
        "/news/2026/01/05/json-feed-item-on-the-ferry.html",
    ]
    for path in stories:
        server.add(path, article(path))

    outcome = crawl(tmp_path, server, db_url, {"feeds": [base + p for p in feeds]})

    assert outcome["status"] == "succeeded"
    entries = {e.canonical_url.removeprefix(base): e for e in rows(db_url, FeedEntry)}
    assert set(entries) == set(stories)
    relative = entries["/news/2026/01/05/relative-link-story-here.html"]
    assert relative.guid == "tag:fixture,2026:42"
    assert relative.url.endswith("?utm_source=rss")
    assert relative.published_at == datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
    assert relative.summary == "summary text"
    atom = entries["/news/2026/01/05/atom-entry-about-the-port.html"]
    assert atom.authors == ["Lena Fors"] and atom.updated_at == datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
    assert entries["/news/2026/01/05/rdf-story-about-bridges.html"].published_at == datetime(
        2026, 1, 5, 8, 30, tzinfo=UTC
    )
    json_entry = entries["/news/2026/01/05/json-feed-item-on-the-ferry.html"]
    assert (json_entry.entry_key, json_entry.title, json_entry.summary) == ("json-1", "JSON item", "ferry news")
    assert json_entry.authors == ["Desk"] and json_entry.feed_url == base + "/feed.json"
    assert json_entry.published_at == datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
    assert json_entry.updated_at == datetime(2026, 1, 5, 14, 0, tzinfo=UTC)
    assert {a.canonical_url.removeprefix(base) for a in stored_pages(db_url)} == set(stories)


def test_hub_links_skip_navigation_and_remember_first_sighting(tmp_path, server, db_url):
    base = server.base_url
    hub = (
        "<html><body><header><a href='/news/2026/01/05/header-promo-story-link.html'>promo</a></header>"
        "<nav><a href='/section/world/'>World</a><a href='/about'>About</a></nav>"
        "<main><a href='/news/2026/01/05/bridge-vote-passes-narrowly.html'>Bridge vote</a>"
        "<a href='/tag/bridges/'>Bridges</a><a href='/news/2026/01/05/bridge-vote-passes-narrowly.html#c'>again</a>"
        "<a href='/private/2026/01/05/embargoed-budget-draft.html'>Embargoed</a>"
        "<a href='/images/2026/01/05/photo.jpg'>photo</a></main>"
        "<footer><a href='/terms'>Terms</a></footer></body></html>"
    )
    server.add("/hub/", hub)
    server.add("/news/2026/01/05/bridge-vote-passes-narrowly.html", article("Bridge vote"))
    server.add("/private/2026/01/05/embargoed-budget-draft.html", article("Embargoed"))

    crawl(tmp_path, server, db_url, {"hubs": [base + "/hub/"]})
    first = {link.canonical_url.removeprefix(base): link for link in rows(db_url, HubLink)}
    crawl(tmp_path, server, db_url, {"hubs": [base + "/hub/"]}, "--poll", "all")
    second = {link.canonical_url.removeprefix(base): link for link in rows(db_url, HubLink)}

    assert set(first) == {
        "/news/2026/01/05/bridge-vote-passes-narrowly.html",
        "/private/2026/01/05/embargoed-budget-draft.html",
    }
    for key, link in second.items():
        assert link.first_seen_at == first[key].first_seen_at
        assert link.last_seen_at >= first[key].last_seen_at
    assert server.hits["/private/2026/01/05/embargoed-budget-draft.html"] == 0
    refused = rows(db_url, Fetch, Fetch.error == "robots_disallowed")
    # Refused once per crawl, never sent: no status code, no body.
    assert len({f.crawl_run_id for f in refused}) == len(refused) == 2
    assert all(f.status_code is None and f.warc_path is None for f in refused)


def test_sitemap_index_gzip_and_news_sitemaps(tmp_path, server, db_url):
    import gzip

    base = server.base_url
    now = datetime.now(UTC)
    fresh, stale = now - timedelta(hours=3), now - timedelta(days=40)
    index = (
        '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<sitemap><loc>{base}/sitemap-a.xml.gz</loc></sitemap><sitemap><loc>{base}/news.xml</loc></sitemap>"
        "</sitemapindex>"
    )
    urlset = (
        '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<url><loc>{base}/news/2026/01/05/fresh-story-from-sitemap.html</loc><lastmod>{fresh.isoformat()}</lastmod></url>"
        f"<url><loc>{base}/news/2025/10/01/stale-story-from-sitemap.html</loc><lastmod>{stale.isoformat()}</lastmod></url>"
        "</urlset>"
    )
    news = (
        '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
        f"<url><loc>{base}/news/2026/01/05/news-sitemap-story-item.html</loc><news:news>"
        "<news:publication><news:name>Fixture</news:name><news:language>en</news:language></news:publication>"
        f"<news:publication_date>{fresh.isoformat()}</news:publication_date><news:title>From news</news:title>"
        "</news:news></url></urlset>"
    )
    server.add("/sitemap-index.xml", index, content_type="application/xml")
    server.add("/sitemap-a.xml.gz", gzip.compress(urlset.encode()), content_type="application/x-gzip")
    server.add("/news.xml", news, content_type="application/xml")
    for name in ("fresh-story-from-sitemap", "news-sitemap-story-item"):
        server.add(f"/news/2026/01/05/{name}.html", article(name))
    server.add("/news/2025/10/01/stale-story-from-sitemap.html", article("stale"))

    crawl(tmp_path, server, db_url, {"sitemaps": [base + "/sitemap-index.xml"]})

    entries = {e.canonical_url.removeprefix(base): e for e in rows(db_url, SitemapEntry)}
    assert len(entries) == 3
    news_entry = entries["/news/2026/01/05/news-sitemap-story-item.html"]
    assert news_entry.news_title == "From news" and news_entry.news_published_at is not None
    stored = {a.canonical_url.removeprefix(base) for a in stored_pages(db_url)}
    assert stored == {
        "/news/2026/01/05/fresh-story-from-sitemap.html",
        "/news/2026/01/05/news-sitemap-story-item.html",
    }, "live crawls take only recent sitemap entries"


def test_sitemap_backfill_fetches_only_the_requested_day(tmp_path, server, db_url):
    base = server.base_url
    urlset = (
        '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<url><loc>{base}/news/2026/01/04/day-before-story-here.html</loc><lastmod>2026-01-04T22:00:00Z</lastmod></url>"
        f"<url><loc>{base}/news/2026/01/05/the-day-itself-story.html</loc><lastmod>2026-01-05T23:30:00+01:00</lastmod></url>"
        f"<url><loc>{base}/news/2026/01/05/late-utc-evening-story.html</loc><lastmod>2026-01-06T00:30:00+02:00</lastmod></url>"
        "</urlset>"
    )
    server.add("/sitemap.xml", urlset, content_type="application/xml")
    for path in (
        "/news/2026/01/04/day-before-story-here.html",
        "/news/2026/01/05/the-day-itself-story.html",
        "/news/2026/01/05/late-utc-evening-story.html",
    ):
        server.add(path, article(path))

    outcome = crawl(
        tmp_path,
        server,
        db_url,
        {"sitemaps": [base + "/sitemap.xml"]},
        "--mode",
        "sitemap_backfill",
        "--day",
        "2026-01-05",
        "--partition-key",
        "2026-01-05",
    )

    assert outcome["status"] == "succeeded"
    stored = stored_pages(db_url)
    assert {a.canonical_url.removeprefix(base) for a in stored} == {
        "/news/2026/01/05/the-day-itself-story.html",
        "/news/2026/01/05/late-utc-evening-story.html",
    }
    runs = {run.id: run.partition_key for run in rows(db_url, CrawlRun)}
    assert {runs[page.crawl_run_id] for page in stored} == {"2026-01-05"}


def test_failures_are_rows_with_reasons_and_the_crawl_goes_on(tmp_path, server, db_url):
    base = server.base_url
    links = {
        "ok": "/news/2026/01/05/the-one-good-story-here.html",
        "missing": "/news/2026/01/05/this-story-does-not-exist.html",
        "broken": "/news/2026/01/05/server-error-on-this-story.html",
        "slow": "/news/2026/01/05/very-slow-story-times-out.html",
        "drop": "/news/2026/01/05/connection-dropped-story.html",
        "huge": "/news/2026/01/05/enormous-page-over-the-limit.html",
        "binary": "/news/2026/01/05/binary-file-not-a-page.html",
        "empty": "/news/2026/01/05/empty-body-story-page.html",
        "latin": "/news/2026/01/05/wrong-declared-charset-story.html",
    }
    server.add(links["ok"], article("Good"))
    server.add(links["broken"], "oops", status=500)
    server.add_slow(links["slow"], seconds=5)
    server.add_drop(links["drop"])
    server.add_huge(links["huge"], size_bytes=3 * 1024 * 1024)
    server.add_binary(links["binary"])
    server.add(links["empty"], b"")
    server.add_bad_encoding(links["latin"])
    items = "".join(f"<item><title>{k}</title><link>{base}{p}</link></item>" for k, p in links.items())
    server.add(
        "/feed.xml",
        f'<rss version="2.0"><channel><title>t</title>{items}</channel></rss>',
        content_type="application/rss+xml",
    )

    outcome = crawl(
        tmp_path,
        server,
        db_url,
        {"feeds": [base + "/feed.xml"]},
        download_timeout=1.5,
        max_page_bytes=1024 * 1024,
    )

    assert outcome["status"] == "succeeded"
    by_path = {f.url.removeprefix(base): f for f in rows(db_url, Fetch, Fetch.kind == "article")}
    assert by_path[links["ok"]].error is None and by_path[links["ok"]].status_code == 200
    assert by_path[links["missing"]].error == "http_404"
    assert by_path[links["missing"]].error_detail == "HTTP 404 Not Found"
    assert by_path[links["broken"]].error == "http_500"
    assert by_path[links["broken"]].error_detail == "HTTP 500 Internal Server Error"
    assert by_path[links["slow"]].error == "timeout" and by_path[links["slow"]].status_code is None
    assert by_path[links["drop"]].error == "connection_lost"
    assert by_path[links["huge"]].error == "too_large"
    assert by_path[links["binary"]].error == "not_html"
    assert by_path[links["empty"]].error == "empty_body"
    assert by_path[links["latin"]].error is None
    stored = {a.canonical_url.removeprefix(base) for a in stored_pages(db_url)}
    assert stored == {links["ok"], links["latin"]}
    assert outcome["stats"]["errors/timeout"] == 1


def test_redirects_are_chained_fetches_and_keep_the_original_url(tmp_path, server, db_url):
    base = server.base_url
    start = "/news/2026/01/05/moved-story-first-address.html"
    server.add_redirect(start, "/news/2026/01/05/moved-story-middle-hop.html", status=301)
    server.add_redirect(
        "/news/2026/01/05/moved-story-middle-hop.html",
        base + "/news/2026/01/05/moved-story-final-home.html",
        status=302,
    )
    server.add("/news/2026/01/05/moved-story-final-home.html", article("Moved"))
    server.add("/hub/", f"<html><body><a href='{start}'>moved</a></body></html>")

    crawl(tmp_path, server, db_url, {"hubs": [base + "/hub/"]})

    (stored,) = stored_pages(db_url)
    assert stored.first_url == base + start
    assert stored.canonical_url == base + "/news/2026/01/05/moved-story-final-home.html"
    fetches = {f.id: f for f in rows(db_url, Fetch)}
    chain, fetch = [], fetches[stored.id]
    while fetch is not None:
        chain.append((fetch.kind, fetch.status_code))
        fetch = fetches.get(fetch.discovered_from_id)
    assert chain == [("article", 200), ("article", 302), ("article", 301), ("hub", 200)]


def test_private_address_guard_refuses_loopback_canary_even_after_redirect(tmp_path, server, db_url):
    base = server.base_url
    canary_port = server.host_port.rsplit(":", 1)[1]
    canary = f"http://127.0.0.2:{canary_port}/news/2026/01/05/loopback-canary-story.html"
    redirected = f"http://127.0.0.2:{canary_port}/news/2026/01/05/loopback-canary-redirected.html"
    server.add(
        "/news/2026/01/05/redirects-to-the-canary.html", b"", status=302, headers={"Location": redirected}
    )
    items = (
        f"<item><title>direct</title><link>{canary}</link></item>"
        f"<item><title>via redirect</title><link>{base}/news/2026/01/05/redirects-to-the-canary.html</link></item>"
    )
    server.add("/feed.xml", f'<rss version="2.0"><channel><title>t</title>{items}</channel></rss>')

    crawl(tmp_path, server, db_url, {"feeds": [base + "/feed.xml"]})

    blocked = rows(db_url, Fetch, Fetch.error == "blocked_private_address")
    assert sorted(f.url for f in blocked) == sorted([canary, redirected])
    assert all(f.status_code is None for f in blocked)
    hop = rows(db_url, Fetch, Fetch.status_code == 302)[0]
    assert next(f for f in blocked if f.url == redirected).discovered_from_id == hop.id
    assert "network.allow_private" in blocked[0].error_detail
    assert stored_pages(db_url) == []


def test_retry_after_is_honoured_and_each_attempt_recorded(tmp_path, server, db_url):
    base = server.base_url
    path = "/news/2026/01/05/busy-server-story-later.html"
    server.add_retry_after(path, seconds=1, then_body=article("Busy"), status=429)
    server.add("/hub/", f"<html><body><a href='{path}'>busy</a></body></html>")

    crawl(tmp_path, server, db_url, {"hubs": [base + "/hub/"]}, retry_times=2, retry_backoff_base=0)

    attempts = sorted(rows(db_url, Fetch, Fetch.url == base + path), key=lambda f: f.requested_at)
    assert [f.status_code for f in attempts] == [429, 200]
    assert attempts[1].discovered_from_id == attempts[0].id
    # The wait happens in the host's download slot, so the server sees it.
    sent = [r.received_at for r in server.requests if r.path == path]
    assert len(sent) == 2 and sent[1] - sent[0] >= 0.9
    assert len(stored_pages(db_url)) == 1


def test_conditional_get_sends_validators_and_records_304(tmp_path, server, db_url):
    base = server.base_url
    modified = format_datetime(datetime(2026, 1, 5, 9, tzinfo=UTC), usegmt=True)
    server.add_conditional(
        "/feed.xml",
        RSS_20.format(base=base),
        etag='"v1"',
        last_modified=modified,
        content_type="application/rss+xml",
    )
    server.add("/news/2026/01/05/relative-link-story-here.html", article("Rel"))

    crawl(tmp_path, server, db_url, {"feeds": [base + "/feed.xml"]})
    crawl(tmp_path, server, db_url, {"feeds": [base + "/feed.xml"]}, "--poll", "all")

    feed_requests = [r for r in server.requests if r.path == "/feed.xml"]
    assert len(feed_requests) == 2
    headers = {k.lower(): v for k, v in feed_requests[1].headers.items()}
    assert headers["if-none-match"] == '"v1"' and headers["if-modified-since"] == modified
    statuses = Counter(f.status_code for f in rows(db_url, Fetch, Fetch.kind == "feed"))
    assert statuses == Counter({200: 1, 304: 1})
    assert server.hits["/news/2026/01/05/relative-link-story-here.html"] == 1


def test_stories_left_out_by_the_per_source_limit_are_fetched_by_later_crawls(tmp_path, server, db_url):
    base = server.base_url
    paths = [f"/news/2026/01/05/limited-story-number-{n}.html" for n in range(3)]
    items = "".join(
        f"<item><title>Story {n}</title><link>{base}{path}</link><guid>limited-{n}</guid></item>"
        for n, path in enumerate(paths)
    )
    feed = f'<?xml version="1.0"?><rss version="2.0"><channel><title>L</title><link>{base}/</link>{items}</channel></rss>'
    server.add_conditional("/feed.xml", feed, etag='"v1"', content_type="application/rss+xml")
    for n, path in enumerate(paths):
        server.add(path, article(f"Limited story {n}"))

    source = {"feeds": [base + "/feed.xml"]}
    outcomes = [crawl(tmp_path, server, db_url, source, "--poll", "all", max_articles_per_source=1)
                for _ in range(4)]

    # Each limited crawl took one story and left the feed without validators, so the next
    # one read the feed in full (200, no If-None-Match) and took the next story; once none
    # was left out, the feed's validators were kept and the last crawl got a 304.
    assert [server.hits[path] for path in paths] == [1, 1, 1]
    feed_requests = [r for r in server.requests if r.path == "/feed.xml"]
    sent = [{k.lower(): v for k, v in r.headers.items()}.get("if-none-match") for r in feed_requests]
    assert sent == [None, None, None, '"v1"']
    statuses = [f.status_code for f in sorted(rows(db_url, Fetch, Fetch.kind == "feed"), key=lambda f: f.requested_at)]
    assert statuses == [200, 200, 200, 304]
    assert all(outcome["status"] == "succeeded" for outcome in outcomes), outcomes


def test_an_https_link_to_a_stored_http_story_is_not_fetched_again(tmp_path, server, db_url):
    base = server.base_url  # http://127.0.0.1:PORT
    path = "/news/2026/01/05/relative-link-story-here.html"
    server.add("/feed.xml", RSS_20.format(base=base), content_type="application/rss+xml")
    server.add(path, article("Rel"))
    crawl(tmp_path, server, db_url, {"feeds": [base + "/feed.xml"]})
    assert server.hits[path] == 1

    # The feed now links the https form of the same story (the loopback server speaks no TLS,
    # so a request for it would fail): one story, already stored, so nothing is requested.
    https_feed = RSS_20.format(base=base).replace(
        f"<link>{path}?utm_source=rss</link>", f"<link>{base.replace('http:', 'https:')}{path}</link>")
    server.add("/feed2.xml", https_feed, content_type="application/rss+xml")
    crawl(tmp_path, server, db_url, {"feeds": [base + "/feed2.xml"]})
    article_fetches = rows(db_url, Fetch, Fetch.kind == "article")
    assert len(article_fetches) == 1 and server.hits[path] == 1
    assert len(stored_pages(db_url)) == 1


def test_a_killed_crawl_is_marked_failed_by_the_next_one(tmp_path, server, db_url):
    base = server.base_url
    slow = "/news/2026/01/05/a-story-that-never-finishes.html"
    server.add_slow(slow, seconds=30)
    server.add(
        "/feed.xml",
        f'<rss version="2.0"><channel><title>t</title><item><title>slow</title>'
        f"<link>{base}{slow}</link></item></channel></rss>",
        content_type="application/rss+xml",
    )
    config = write_config(
        tmp_path / "config.yaml", server.host_port, [{"name": "Fixture", "feeds": [base + "/feed.xml"]}],
        download_timeout=60,
    )
    child = subprocess.Popen(
        [sys.executable, "-m", "crawlers.run", "--config", str(config), "--warehouse", db_url],
        cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    engine = make_engine(db_url)
    try:
        deadline = time.monotonic() + 60
        while not server.hits[slow]:  # the crawl is under way, waiting on the slow page
            assert child.poll() is None, "the crawl ended before it could be killed"
            assert time.monotonic() < deadline, "the crawl never fetched its feed"
            time.sleep(0.2)
        # A run whose process is alive is left alone.
        assert CrawlStore(engine).close_abandoned_runs() == []
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        engine.dispose()
    (killed,) = rows(db_url, CrawlRun)
    assert killed.status == "running"

    server.reset()
    server.add("/feed.xml", '<rss version="2.0"><channel><title>t</title></channel></rss>',
               content_type="application/rss+xml")
    outcome = run_crawl(config, db_url)

    assert outcome["status"] == "succeeded"
    runs = {run.id: run for run in rows(db_url, CrawlRun)}
    assert runs[killed.id].status == "failed"
    assert runs[killed.id].error.startswith("abandoned:")
    assert runs[outcome["crawl_run_id"]].status == "succeeded"


def test_an_allow_listed_host_name_is_crawled_through_the_checking_resolver(tmp_path, server, db_url):
    # A host *name* (not an IP literal) goes through the connect-time resolver, which must
    # let an allow-listed name reach loopback (tests/test_resolver.py shows the refusal).
    named = "localhost:" + server.host_port.rsplit(":", 1)[1]
    story = "/news/2026/01/05/story-reached-by-host-name.html"
    server.add(story, article("By name"))
    server.add(
        "/feed.xml",
        f'<rss version="2.0"><channel><title>t</title><item><title>n</title>'
        f"<link>http://{named}{story}</link></item></channel></rss>",
        content_type="application/rss+xml",
    )
    config = write_config(
        tmp_path / "config.yaml", named, [{"name": "Fixture", "feeds": [f"http://{named}/feed.xml"]}]
    )

    outcome = run_crawl(config, db_url)

    assert outcome["status"] == "succeeded"
    (stored,) = stored_pages(db_url)
    assert stored.canonical_url == f"http://{named}{story}"
