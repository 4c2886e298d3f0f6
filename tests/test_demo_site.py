"""Tests of the bundled demo news site: feeds, sitemaps, robots, validators, pages and story design."""

from __future__ import annotations

import json
import os
import re
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from html import escape
from pathlib import Path

import feedparser
import pytest
import yaml

from storyline.demo_site import STORIES, DemoSite, ManifestEntry, build_manifest
from storyline.demo_site.content import OUTLETS, PAGES_BY_KEY
from storyline.demo_site.render import feed_entries, sitemap_entries

ANCHOR = date(2026, 1, 26)
SITEMAP_NS = {
    "sm": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "news": "http://www.google.com/schemas/sitemap-news/0.9",
}
REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO.parent / "shared" / "seeds"


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture(scope="module")
def site() -> Iterator[DemoSite]:
    with DemoSite(anchor_date=ANCHOR) as running:
        yield running


@pytest.fixture
def fresh(site: DemoSite) -> DemoSite:
    site.reset_hits()
    return site


def _entry(site: DemoSite, key: str) -> ManifestEntry:
    return next(entry for entry in site.manifest if entry.key == key)


def test_address(site: DemoSite) -> None:
    assert site.host_port.startswith("127.0.0.1:")
    assert site.base_url == f"http://{site.host_port}"


def test_robots_txt(site: DemoSite) -> None:
    status, headers, body = _get(site.url("/robots.txt"))
    text = body.decode()
    assert status == 200 and headers["Content-Type"].startswith("text/plain")
    assert "Disallow: /private/" in text
    assert f"Sitemap: {site.base_url}/sitemap-index.xml" in text


def test_sitemap_index_and_sitemaps(site: DemoSite) -> None:
    status, headers, body = _get(site.url("/sitemap-index.xml"))
    assert status == 200 and headers["Content-Type"].startswith("application/xml")
    locs = [loc.text for loc in ET.fromstring(body).findall("sm:sitemap/sm:loc", SITEMAP_NS)]
    expected = {site.url(f"/{outlet.slug}/sitemap.xml") for outlet in OUTLETS}
    expected |= {site.url(f"/{o.slug}/news-sitemap.xml") for o in OUTLETS if o.news_sitemap}
    assert set(locs) == expected
    for outlet in OUTLETS:
        root = ET.fromstring(_get(site.url(f"/{outlet.slug}/sitemap.xml"))[2])
        listed = {
            url.findtext("sm:loc", namespaces=SITEMAP_NS): url.findtext("sm:lastmod", namespaces=SITEMAP_NS)
            for url in root.findall("sm:url", SITEMAP_NS)
        }
        entries = sitemap_entries(site.manifest, outlet)
        assert listed == {site.url(e.url_path): e.modified.isoformat() for e in entries}
        assert all(e.expected_status == 200 and not e.robots_disallowed for e in entries)


def test_news_sitemap(site: DemoSite) -> None:
    root = ET.fromstring(_get(site.url("/harbor-herald/news-sitemap.xml"))[2])
    urls = root.findall("sm:url", SITEMAP_NS)
    assert urls
    for url in urls:
        loc = url.findtext("sm:loc", namespaces=SITEMAP_NS) or ""
        entry = next(e for e in site.manifest if site.url(e.url_path) == loc)
        news = url.find("news:news", SITEMAP_NS)
        assert news is not None
        assert news.findtext("news:title", namespaces=SITEMAP_NS) == entry.title
        published = news.findtext("news:publication_date", namespaces=SITEMAP_NS)
        assert published == entry.published.isoformat()


@pytest.mark.parametrize(
    ("slug", "version", "content_type"),
    [
        ("harbor-herald", "rss20", "application/rss+xml"),
        ("northgate-post", "atom10", "application/atom+xml"),
        ("valley-wire", "rss10", "application/xml"),
        ("meridian-daily", "rss20", "application/rss+xml"),
    ],
)
def test_feeds_parse(site: DemoSite, slug: str, version: str, content_type: str) -> None:
    outlet = next(o for o in OUTLETS if o.slug == slug)
    status, headers, body = _get(site.url(outlet.feed_path))
    assert status == 200 and headers["Content-Type"].startswith(content_type)
    parsed = feedparser.parse(body)
    assert not parsed.bozo and parsed.version == version
    assert len(parsed.entries) == len(feed_entries(site.manifest, outlet))
    links = [entry.link for entry in parsed.entries]
    if slug == "meridian-daily":
        assert all(link.startswith("/meridian-daily/") for link in links)
        assert all(not entry.id.startswith("http") for entry in parsed.entries)
        assert _entry(site, "md-missing").url_path in links  # a feed links a 404
    if slug == "harbor-herald":
        lighthouse = _entry(site, "hh-lighthouse")
        assert any(link.startswith(site.url(lighthouse.url_path) + "?utm_source=") for link in links)


def test_broken_feed_is_malformed(site: DemoSite) -> None:
    status, _, body = _get(site.url("/valley-wire/feeds/breaking.xml"))
    assert status == 200
    assert feedparser.parse(body).bozo
    with pytest.raises(ET.ParseError):
        ET.fromstring(body)


def test_hubs_link_articles_and_traps(site: DemoSite) -> None:
    hub_html = "".join(
        _get(site.url(path))[2].decode() for paths in site.hub_paths().values() for path in paths
    )
    for entry in site.manifest:
        assert f'href="{entry.url_path}' in hub_html, entry.key
    assert "?fbclid=" in hub_html
    assert 'href="/private/' in hub_html
    assert 'href="/harbor-herald/about/"' in hub_html
    assert hub_html.count("Trending now") >= 2


@pytest.mark.parametrize(
    "path",
    [
        "/harbor-herald/feed.xml",
        "/northgate-post/section/politics/",
        "/meridian-daily/sitemap.xml",
        "/sitemap-index.xml",
        "ARTICLE",
    ],
)
def test_conditional_get(site: DemoSite, path: str) -> None:
    if path == "ARTICLE":
        path = _entry(site, "np-bike-lanes").url_path
    status, headers, _ = _get(site.url(path))
    assert status == 200 and headers["ETag"] and headers["Last-Modified"]
    assert _get(site.url(path), {"If-None-Match": headers["ETag"]})[0] == 304
    assert _get(site.url(path), {"If-Modified-Since": headers["Last-Modified"]})[0] == 304
    assert _get(site.url(path), {"If-None-Match": '"other"'})[0] == 200
    assert _get(site.url(path), {"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"})[0] == 200


def test_every_manifest_page_answers_as_expected_once(fresh: DemoSite) -> None:
    for entry in fresh.manifest:
        status, headers, body = _get(fresh.url(entry.url_path))
        assert status == entry.expected_status, entry.key
        if status == 200:
            assert headers["Content-Type"] == "text/html; charset=utf-8"
            assert "Last-Modified" in headers
    assert {status for status in (e.expected_status for e in fresh.manifest)} == {200, 404, 500}
    assert all(count == 1 for count in fresh.hits.values())
    assert len(fresh.hits) == len(fresh.manifest)
    _get(fresh.url(_entry(fresh, "hh-lighthouse").linked_paths[1]))
    assert fresh.hits[_entry(fresh, "hh-lighthouse").url_path] == 2  # query stripped


def test_article_page_structure(site: DemoSite) -> None:
    for entry in site.manifest:
        if entry.expected_status != 200:
            continue
        html = _get(site.url(entry.url_path))[2].decode()
        assert f"<title>{escape(entry.title)} | {entry.outlet_name}</title>" in html
        assert f'<link rel="canonical" href="{site.url(entry.canonical_path)}">' in html
        assert 'property="og:title"' in html
        assert "Updated [hour]:[minute] [AMPM]" in html
        ld = json.loads(re.search(r'application/ld\+json">(.*?)</script>', html, re.S).group(1))
        if entry.kind in ("article", "paywall"):
            assert ld["@type"] == "NewsArticle"
            assert ld["datePublished"] == entry.published.isoformat()
            assert ld["dateModified"] == entry.modified.isoformat()
            assert ld["publisher"]["@type"] == "Organization"
            outlet = next(o for o in OUTLETS if o.slug == entry.outlet)
            has_body = "articleBody" in ld
            assert has_body == (outlet.json_ld_article_body and entry.kind == "article")
        if entry.kind == "article":
            assert html.count("Most read") == 1 and html.count("Trending now") == 1
            assert "Share on Facebook" in html


def test_word_counts_and_dates() -> None:
    manifest = build_manifest(ANCHOR)
    articles = [e for e in manifest if e.is_article]
    assert 15 <= len(articles) and 20 <= len(manifest) <= 30
    assert all(200 <= e.word_count <= 450 for e in articles)
    days = {e.published.astimezone(UTC).date() for e in manifest}
    assert days == {ANCHOR - timedelta(days=2), ANCHOR - timedelta(days=1), ANCHOR}
    edited = next(e for e in manifest if e.key == "np-bike-lanes")
    assert edited.modified > edited.published + timedelta(hours=12)


@pytest.mark.parametrize("hours_into_today", [0.01, 1, 13.5, 23.9])
def test_never_published_in_the_future(hours_into_today: float) -> None:
    today = datetime.now(UTC).date()
    now = datetime.combine(today, datetime.min.time(), UTC) + timedelta(hours=hours_into_today)
    manifest = build_manifest(today, now=now)
    assert all(e.published <= now and e.modified <= now for e in manifest)
    todays = sorted(
        (e for e in manifest if PAGES_BY_KEY[e.key].day == 0), key=lambda e: PAGES_BY_KEY[e.key].at
    )
    assert [e.published for e in todays] == sorted(e.published for e in todays)
    assert all(e.published <= datetime.now(UTC) for e in build_manifest())
    with pytest.raises(ValueError, match="future"):
        build_manifest(today + timedelta(days=1), now=now)


def test_story_design() -> None:
    manifest = {e.key: e for e in build_manifest(ANCHOR)}

    def text(key: str) -> str:
        return " ".join(PAGES_BY_KEY[key].paragraphs)

    round1 = next(s for s in STORIES if s.event_key == "veltra-talks-round1")
    origin, rewrite = (manifest[key] for key in round1.pages)
    assert (origin.role, rewrite.role) == ("origin", "rewrite")
    assert origin.outlet != rewrite.outlet
    assert timedelta(hours=12) < rewrite.published - origin.published < timedelta(hours=36)
    assert len(round1.shared_quotes) == 3
    for quote in round1.shared_quotes:
        assert quote in text(origin.key) and quote in text(rewrite.key) and len(quote) > 80
    for figure in round1.shared_figures:
        assert figure in text(origin.key) and figure in text(rewrite.key)
    origin_sentences = set(re.split(r"(?<=[.!?])\s+", text(origin.key)))
    rewrite_sentences = set(re.split(r"(?<=[.!?])\s+", text(rewrite.key)))
    assert len(origin_sentences & rewrite_sentences) <= 4  # a rewrite, not a copy

    round2 = next(s for s in STORIES if s.event_key == "veltra-talks-round2")
    assert "veltra-talks-round1" in round2.must_not_join
    for quote in round1.shared_quotes:
        assert all(quote not in text(key) for key in round2.pages)

    copies = [e for e in manifest.values() if e.event_key == "astrolabe-recovered"]
    assert {e.role for e in copies} == {"copy"} and len({e.outlet for e in copies}) == 2
    first, second = (text(e.key) for e in copies)
    assert first.startswith(second[:1500])

    roles = {e.role for e in manifest.values()}
    assert roles == {"origin", "rewrite", "copy", "independent"}
    kinds = {e.kind for e in manifest.values()}
    assert kinds == {"article", "liveblog", "video", "paywall", "missing", "error", "disallowed"}


def test_no_seed_text_copied() -> None:
    seeds = sorted(SEEDS.glob("*.txt")) if SEEDS.is_dir() else []
    if not seeds:
        pytest.skip(f"seed folder {SEEDS} is absent; nothing to compare against")
    own = " ".join(" ".join(page.paragraphs) for page in PAGES_BY_KEY.values()).lower()
    own_words = re.findall(r"[a-z']+", own)
    own_shingles = {" ".join(own_words[i : i + 8]) for i in range(len(own_words) - 7)}
    for seed in seeds:
        words = re.findall(r"[a-z']+", seed.read_text(encoding="utf-8", errors="replace").lower())
        shingles = {" ".join(words[i : i + 8]) for i in range(len(words) - 7)}
        assert not own_shingles & shingles, seed.name


def test_demo_config_points_at_the_site(site: DemoSite, monkeypatch: pytest.MonkeyPatch) -> None:
    raw = (REPO / "config" / "demo.yaml").read_text(encoding="utf-8")
    monkeypatch.setenv("STORYLINE_DEMO_HOST", site.host_port)
    config = yaml.safe_load(raw.replace("${STORYLINE_DEMO_HOST}", os.environ["STORYLINE_DEMO_HOST"]))
    assert config["network"]["allow_private"] == [site.host_port]
    assert len(config["sources"]) == len(OUTLETS)
    sitemaps = [url for source in config["sources"] for url in source.get("sitemaps", [])]
    assert site.url("/sitemap-index.xml") in sitemaps
    for source in config["sources"]:
        for url in source.get("feeds", []) + source.get("hubs", []) + source.get("sitemaps", []):
            assert _get(url)[0] == 200, url
    # The homepage-only outlet: its front page declares its JSON Feed and names its sections.
    homepage_only = [o for o in OUTLETS if o.homepage_only]
    assert [s for s in config["sources"] if set(s) == {"name", "homepage"}] == [
        {"name": o.name, "homepage": site.url(f"/{o.slug}/")} for o in homepage_only
    ]
    from crawlers.homepage import declared_feeds, navigation_hubs

    for outlet in homepage_only:
        status, _headers, body = _get(site.url(f"/{outlet.slug}/"))
        assert status == 200 and declared_feeds(body, site.url(f"/{outlet.slug}/")) == [site.url(outlet.feed_path)]
        hubs = navigation_hubs(body, site.url(f"/{outlet.slug}/"))
        assert hubs == [site.url(f"/{outlet.slug}/section/{section}/") for section in outlet.sections]
        assert all(_get(url)[0] == 200 for url in [*hubs, site.url(outlet.feed_path)])
    # No article_pattern: the crawler's own heuristic tells the demo's articles from navigation.
    from crawlers.discovery import looks_like_article_url

    assert all("article_pattern" not in source for source in config["sources"])
    for entry in site.manifest:
        assert looks_like_article_url(site.url(entry.url_path), "127.0.0.1"), entry.url_path
    for paths in site.hub_paths().values():
        assert not any(looks_like_article_url(site.url(path), "127.0.0.1") for path in paths)


def test_rejects_non_loopback_and_future_anchor() -> None:
    for host in ("0.0.0.0", "10.0.0.1", "localhost", "::1"):
        with pytest.raises(ValueError, match="only binds 127.0.0.0/8"):
            DemoSite(host=host)
    with pytest.raises(ValueError, match="future"):
        DemoSite(anchor_date=datetime.now(UTC).date() + timedelta(days=2))
