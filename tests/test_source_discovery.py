"""A homepage is enough: feeds, sitemaps and hubs discovered on loopback sites, then polled adaptively.

Every crawl is a real Scrapy crawl in a child process against a :class:`FixtureServer`; the
poll schedule's clock is driven with ``--now`` instead of sleeps.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from pipelines.config import parse_config
from pipelines.lineage import article_lineage
from pipelines.warehouse.db import make_engine, session_scope
from pipelines.warehouse.models import Article, FeedEntry, Fetch, SourceDocument
from tests.conftest import REPO_ROOT, clean_stored_pages, run_crawl, write_config
from tests.support.fixture_server import FixtureServer

pytestmark = pytest.mark.slow

T0 = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
NAV = """<nav><a href="/">Home</a><a href="/section/world/">World</a><a href="/section/local/">Local</a>
<a href="/about">About us</a><a href="/news/2026/01/05/a-story-linked-from-the-menu.html">Story</a>
<a href="http://elsewhere.invalid/section/x/">Partner</a></nav>"""


def rss(base: str, slugs: list[str], extra: str = "") -> str:
    items = "".join(
        f"<item><title>{slug}</title><link>{base}/news/2026/01/05/{slug}.html</link><guid>{slug}</guid></item>"
        for slug in slugs
    )
    return (
        '<?xml version="1.0"?><rss version="2.0" xmlns:sy="http://purl.org/rss/1.0/modules/syndication/">'
        f"<channel><title>t</title><link>{base}/</link>{extra}{items}</channel></rss>"
    )


def sitemap(base: str, slugs: list[str]) -> str:
    urls = "".join(f"<url><loc>{base}/news/2026/01/05/{slug}.html</loc></url>" for slug in slugs)
    return f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'


def documents(url: str) -> dict[str, SourceDocument]:
    engine = make_engine(url)
    with session_scope(engine) as session:
        found = {doc.url: doc for doc in session.scalars(select(SourceDocument))}
    engine.dispose()
    return found


def crawl(tmp_path: Path, server: FixtureServer, url: str, source: dict, *extra: str) -> dict:
    config = write_config(tmp_path / "config.yaml", server.host_port, [{"name": "Site", **source}])
    outcome = run_crawl(config, url, *extra)
    assert outcome["status"] == "succeeded"
    return outcome


@pytest.fixture
def declared_site():
    """A homepage declaring an RSS and a JSON Feed, a navigation menu and robots.txt sitemaps."""
    with FixtureServer() as site:
        base = site.base_url
        site.add("/", f"""<html><head><title>Declared Daily</title>
<link rel="alternate" type="application/rss+xml" href="/rss/main.xml">
<link rel="alternate" type="application/feed+json" href="{base}/feed.json">
<link rel="stylesheet" href="/style.css"></head><body>{NAV}<p>Welcome</p></body></html>""")
        site.add("/robots.txt", f"User-agent: *\nDisallow: /private/\nSitemap: {base}/maps/news.xml\n",
                 content_type="text/plain")
        site.add_conditional("/rss/main.xml", rss(base, ["rss-story-about-the-harbour"]),
                             content_type="application/rss+xml")
        json_feed = ('{"version": "https://jsonfeed.org/version/1.1", "items": [{"id": "j1", '
                     f'"url": "{base}/news/2026/01/05/json-story-about-the-ferry.html"}}]}}')
        site.add_conditional("/feed.json", json_feed, content_type="application/feed+json")
        site.add("/news/2026/01/05/json-story-about-the-ferry.html",
                 "<html><body><article><h1>Ferry</h1>" + "".join(
                     f"<p>The harbour ferry sailed again on day {n} of the repairs, and the crew said the "
                     f"new engine ran quietly while passengers counted the gulls on the breakwater.</p>"
                     for n in range(1, 7)) + "</article></body></html>")
        site.add_conditional("/maps/news.xml", sitemap(base, ["sitemap-story-on-the-dam"]),
                             content_type="application/xml")
        for section in ("world", "local"):
            site.add_conditional(f"/section/{section}/", "<html><body><p>no stories</p></body></html>")
        yield site


def test_a_homepage_alone_discovers_declared_feeds_robots_sitemaps_and_navigation_hubs(
    tmp_path, declared_site, warehouse_url
):
    base = declared_site.base_url
    first = crawl(tmp_path, declared_site, warehouse_url, {"homepage": base + "/"},
                  "--now", T0.isoformat())

    found = documents(warehouse_url)
    how = {url.removeprefix(base): (doc.kind, doc.origin, doc.found_by) for url, doc in found.items()}
    assert how == {
        "/": ("homepage", "config", None),
        "/rss/main.xml": ("feed", "discovered", "link_alternate"),
        "/feed.json": ("feed", "discovered", "link_alternate"),
        "/maps/news.xml": ("sitemap", "discovered", "robots_txt"),
        "/section/world/": ("hub", "discovered", "navigation"),
        "/section/local/": ("hub", "discovered", "navigation"),
    }
    assert found[base + "/maps/news.xml"].found_on == base + "/robots.txt"
    assert found[base + "/feed.json"].found_on == base + "/"
    # Declared feeds: no common path was probed, and what was found was polled at once.
    assert declared_site.hits["/feed"] == 0 and declared_site.hits["/sitemap.xml"] == 0
    assert all(declared_site.hits[path] == 1 for path in ("/rss/main.xml", "/feed.json", "/maps/news.xml"))
    engine = make_engine(warehouse_url)
    with session_scope(engine) as session:
        feeds = set(session.scalars(select(FeedEntry.feed_url)))
        homepage_fetch = session.scalars(select(Fetch).where(Fetch.kind == "homepage")).one()
    assert feeds == {base + "/rss/main.xml", base + "/feed.json"}
    assert found[base + "/rss/main.xml"].found_fetch_id == homepage_fetch.id
    assert first["stats"]["storyline/documents_due"] == 6
    # An article's lineage names the discovered feed and where it was found.
    clean_stored_pages(warehouse_url)
    with session_scope(engine) as session:
        ferry = session.scalars(select(Article).where(Article.canonical_url.endswith("ferry.html"))).one()
        steps = {step.kind: step.facts for step in article_lineage(session, ferry.id)}
    engine.dispose()
    assert steps["discovered feed"]["found_on"] == base + "/" and steps["discovered feed"]["found_by"] == (
        "link_alternate"
    )

    # Unchanged site, next scheduled crawl a minute later: nothing is due, nothing is fetched.
    declared_site.reset()
    again = crawl(tmp_path, declared_site, warehouse_url, {"homepage": base + "/"},
                  "--now", (T0 + timedelta(minutes=1)).isoformat())
    assert declared_site.hits == {} and again["stats"]["storyline/documents_not_due"] == 6

    # Fifteen minutes on: the feeds, hubs and sitemap are due (and unchanged: 304); the
    # homepage is searched again only after crawl.rediscover_days.
    later = crawl(tmp_path, declared_site, warehouse_url, {"homepage": base + "/"},
                  "--now", (T0 + timedelta(minutes=15)).isoformat())
    assert declared_site.hits["/"] == 0 and declared_site.hits["/rss/main.xml"] == 1
    assert later["stats"]["storyline/polls_not_modified"] == 5
    assert documents(warehouse_url)[base + "/rss/main.xml"].interval_seconds == 1800


def test_a_homepage_declaring_nothing_is_probed_at_common_paths_and_explicit_kinds_win(
    tmp_path, warehouse_url
):
    with FixtureServer() as site:
        base = site.base_url
        site.add("/", "<html><head><title>Quiet</title></head><body><p>Hello</p></body></html>")
        site.add("/robots.txt", "User-agent: *\nDisallow:\n", content_type="text/plain")
        site.add("/rss", rss(base, ["guessed-feed-story-on-rails"]), content_type="application/rss+xml")
        site.add("/feed", "<html><body>not a feed</body></html>")
        site.add("/sitemap.xml", sitemap(base, ["usual-sitemap-story-of-rain"]), content_type="text/xml")
        site.add("/listed.xml", rss(base, ["listed-feed-story-on-roads"]), content_type="application/rss+xml")

        crawl(tmp_path, site, warehouse_url, {"name": "Guess", "homepage": base + "/"})
        found = {url.removeprefix(base): doc for url, doc in documents(warehouse_url).items()}
        assert {url: (doc.kind, doc.found_by) for url, doc in found.items() if doc.origin == "discovered"} == {
            "/rss": ("feed", "guessed_path"),
            "/sitemap.xml": ("sitemap", "usual_path"),
        }
        assert site.hits["/feed.json"] == 1 and site.hits["/news-sitemap.xml"] == 1  # probed, 404
        # A path that answered with a feed or sitemap is fetched once: the probe was its first poll.
        assert site.hits["/rss"] == 1 and site.hits["/sitemap.xml"] == 1
        engine = make_engine(warehouse_url)
        with session_scope(engine) as session:
            entries = {(e.feed_url.removeprefix(base), e.first_fetch_id) for e in session.scalars(select(FeedEntry))}
            probe = session.scalars(select(Fetch).where(Fetch.url == base + "/rss")).one()
        engine.dispose()
        assert entries == {("/rss", probe.id)} and probe.kind == "probe"
        assert found["/rss"].last_fetch_id == probe.id and found["/rss"].last_result == "new_items"

        # Listing feeds in the config: they win, so no feed path is probed any more.
        site.reset()
        listed = {"name": "Listed", "homepage": base + "/", "feeds": [base + "/listed.xml"]}
        config = write_config(tmp_path / "listed.yaml", site.host_port, [listed])
        assert run_crawl(config, warehouse_url)["status"] == "succeeded"
        assert site.hits["/rss"] == 0 and site.hits["/feed"] == 0
        assert site.hits["/listed.xml"] == 1 and site.hits["/sitemap.xml"] == 1  # probed, read as polled


def test_quiet_feeds_back_off_churning_ones_speed_up_and_failures_wait_longer(tmp_path, warehouse_url):
    with FixtureServer() as site:
        base = site.base_url
        churn = {"round": 0}

        def churning(request):
            slugs = [f"churning-story-number-{churn['round']}-{n}" for n in range(4)]
            request.reply(200, rss(base, slugs).encode(), "application/rss+xml", {})

        site.route("/churn.xml", churning)
        site.add("/quiet.xml", rss(base, ["the-one-quiet-story-left"]), content_type="application/rss+xml")
        hourly = "<sy:updatePeriod>hourly</sy:updatePeriod><sy:updateFrequency>1</sy:updateFrequency>"
        site.add("/hinted.xml", rss(base, ["a-story-from-the-hinted-feed"], hourly),
                 content_type="application/rss+xml", headers={"Cache-Control": "max-age=60"})
        site.add("/broken.xml", "down for maintenance", status=503, content_type="text/plain")
        feeds = [base + path for path in ("/churn.xml", "/quiet.xml", "/hinted.xml", "/broken.xml")]
        source = {"feeds": feeds}

        def poll(minutes: int) -> dict[str, SourceDocument]:
            crawl(tmp_path, site, warehouse_url, source, "--now", (T0 + timedelta(minutes=minutes)).isoformat())
            return {url.removeprefix(base): doc for url, doc in documents(warehouse_url).items()}

        first = poll(0)
        assert first["/hinted.xml"].interval_seconds == 3600 and first["/hinted.xml"].publisher_hint == (
            "sy:updatePeriod=hourly/1"
        )
        assert first["/broken.xml"].last_result == "failed" and first["/broken.xml"].last_error == "http_503"
        assert first["/broken.xml"].next_due_at == T0 + timedelta(minutes=30)

        second = poll(15)  # nothing new anywhere yet: the churning feed has not turned over
        assert (second["/quiet.xml"].interval_seconds, second["/churn.xml"].interval_seconds) == (1800, 1800)
        assert second["/quiet.xml"].last_result == "no_new_items"
        assert second["/hinted.xml"].last_polled_at == T0  # not due until an hour on
        assert second["/broken.xml"].consecutive_failures == 1  # not due either

        churn["round"] = 1
        third = poll(45)  # all four of the churning feed's items are new now
        assert third["/churn.xml"].interval_seconds == 900 and third["/churn.xml"].last_new_items == 4
        assert third["/quiet.xml"].interval_seconds == 3600
        assert third["/broken.xml"].consecutive_failures == 2
        assert third["/broken.xml"].next_due_at == T0 + timedelta(minutes=45 + 60)
        assert site.hits["/broken.xml"] == 2 and site.hits["/hinted.xml"] == 1

        listing = subprocess.run(
            [sys.executable, "-m", "storyline", "sources", "--warehouse", warehouse_url],
            cwd=REPO_ROOT, capture_output=True, text=True, timeout=60, check=True,
        ).stdout
        churn_line = next(line for line in listing.splitlines() if "/churn.xml" in line)
        assert "15m" in churn_line and "new_items (4/4 new)" in churn_line
        assert "failed (http_503, 2x)" in listing


def test_sources_discover_prints_config_yaml_under_the_configs_network_rules(tmp_path, declared_site):
    base = declared_site.base_url
    command = [sys.executable, "-m", "storyline", "sources", "discover", base + "/"]
    refused = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert refused.returncode == 1 and "network.allow_private" in refused.stderr
    assert declared_site.hits["/"] == 0

    config = write_config(tmp_path / "c.yaml", declared_site.host_port, [{"name": "x", "feeds": [base + "/f"]}])
    allowed = subprocess.run([*command, "--config", str(config)], cwd=REPO_ROOT, capture_output=True,
                             text=True, timeout=120)
    assert allowed.returncode == 0, allowed.stderr[-2000:]
    (entry,) = yaml.safe_load(allowed.stdout)
    assert entry["name"] == "Declared Daily" and entry["homepage"] == base + "/"
    assert entry["feeds"] == [base + "/rss/main.xml", base + "/feed.json"]
    assert entry["sitemaps"] == [base + "/maps/news.xml"]
    assert entry["hubs"] == [base + "/section/world/", base + "/section/local/"]
    assert "# Sitemap: line of " + base + "/robots.txt" in allowed.stdout
    parse_config({"sources": [entry]})  # pastes into a config as it is


def test_a_homepage_that_fails_its_next_search_backs_off_and_its_documents_are_still_polled(
    tmp_path, declared_site, warehouse_url
):
    base = declared_site.base_url
    source = {"homepage": base + "/"}
    crawl(tmp_path, declared_site, warehouse_url, source, "--now", T0.isoformat())
    declared_site.add("/", "<h1>down</h1>", status=500)
    declared_site.reset()

    week_later = T0 + timedelta(days=8)
    crawl(tmp_path, declared_site, warehouse_url, source, "--now", week_later.isoformat())

    found = documents(warehouse_url)
    homepage = found[base + "/"]
    assert declared_site.hits["/"] == 1 and homepage.last_result == "failed"
    assert homepage.last_error == "http_500" and homepage.next_due_at == week_later + timedelta(minutes=30)
    # What the search found before is used meanwhile, and nothing was forgotten.
    assert declared_site.hits["/rss/main.xml"] == 1 and declared_site.hits["/maps/news.xml"] == 1
    assert all(doc.active for doc in found.values())
