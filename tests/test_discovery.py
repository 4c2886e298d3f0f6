"""Unit tests of discovery parsing: feeds (including the shared feedparser corpus), hubs, sitemaps."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawlers.discovery import (
    MAX_PERSON_FIELD_CHARS,
    hub_article_links,
    looks_like_article_url,
    parse_feed,
    parse_sitemap,
    parse_w3c_datetime,
    trim_person_fields,
)
from tests.conftest import SHARED_DIR

FEED_CORPUS = SHARED_DIR / "corpus" / "feeds"


def corpus_feeds() -> list[Path]:
    if not FEED_CORPUS.is_dir():
        return []
    return sorted(p for p in FEED_CORPUS.rglob("*") if p.is_file() and p.suffix in {".xml", ".rdf", ".atom"})


@pytest.mark.skipif(not FEED_CORPUS.is_dir(), reason=f"shared feed corpus not present at {FEED_CORPUS}")
def test_shared_corpus_feeds_parse_without_crashing():
    feeds = corpus_feeds()
    assert len(feeds) >= 40
    outcomes = {}
    for path in feeds:
        result = parse_feed(path.read_bytes(), f"http://127.0.0.1/{path.name}")
        outcomes[path.name] = result
        assert result.error in (None, "bad_feed", "malformed_feed"), path
        for entry in result.entries:
            assert entry.entry_key
            assert entry.url is None or entry.url.startswith("http")
    wellformed = [p for p in feeds if "wellformed" in p.parts]
    clean = [p for p in wellformed if outcomes[p.name].error is None]
    assert len(clean) >= 0.8 * len(wellformed), [p.name for p in wellformed if p not in clean]
    assert sum(len(outcomes[p.name].entries) for p in wellformed) >= 15


def test_feed_that_is_not_a_feed_is_a_bad_feed():
    result = parse_feed(b"<html><body>not a feed</body></html>", "http://127.0.0.1/feed")
    assert result.entries == [] and result.error == "bad_feed"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://127.0.0.1/news/2026/01/05/story.html", True),
        ("http://127.0.0.1/world/2026-01-05-budget-vote-passes/", True),
        ("http://127.0.0.1/politics/council-approves-new-harbour-bridge-plan", True),
        ("http://127.0.0.1/article/123456789", True),
        ("http://127.0.0.1/section/world/", False),
        ("http://127.0.0.1/outlet/tag/bridges/", False),
        ("http://127.0.0.1/about", False),
        ("http://127.0.0.1/", False),
        ("http://127.0.0.1/img/2026/01/05/photo.jpg", False),
        ("http://127.0.0.2/news/2026/01/05/story.html", False),
        ("mailto:desk@example.invalid", False),
    ],
)
def test_article_url_heuristic(url, expected):
    assert looks_like_article_url(url, "127.0.0.1") is expected


def test_hub_links_honour_article_pattern_and_order():
    body = (
        b"""<html><body><a href="/a/1">one</a><a href="/b/2">two</a><a href="/a/3">three</a></body></html>"""
    )
    links = hub_article_links(body, "http://127.0.0.1/hub/", article_pattern=r"/a/\d+")
    assert [(link.url, link.anchor_text) for link in links] == [
        ("http://127.0.0.1/a/1", "one"),
        ("http://127.0.0.1/a/3", "three"),
    ]
    assert hub_article_links(b"   ", "http://127.0.0.1/hub/") == []


def test_sitemap_errors_are_reported_not_raised():
    assert parse_sitemap(b"\x1f\x8bnot really gzip", "http://127.0.0.1/s.xml.gz").error
    assert "not a sitemap" in parse_sitemap(b"<rss/>", "http://127.0.0.1/s.xml").error
    assert parse_sitemap(b"", "http://127.0.0.1/s.xml").error


def test_w3c_datetimes_become_utc():
    assert parse_w3c_datetime("2026-01-05").isoformat() == "2026-01-05T00:00:00+00:00"
    assert parse_w3c_datetime("2026-01-05T10:00:00+02:00").isoformat() == "2026-01-05T08:00:00+00:00"
    assert parse_w3c_datetime("2026-01-05T10:00:00Z").hour == 10
    assert parse_w3c_datetime("yesterday") is None


@pytest.mark.parametrize(
    "field",
    [
        "<author>{}</author>",
        "<dc:creator><![CDATA[{}]]></dc:creator>",
        '<managingEditor type="x">{}</managingEditor>',
        "<dc:publisher>{}</dc:publisher>",
        "<author><name>{}</name></author>",
    ],
)
def test_huge_people_fields_are_cut_before_parsing(field):
    prefix, suffix = field.split("{}")
    trimmed = trim_person_fields(field.format("desk@" + "a." * 5_000).encode())
    # The text is cut to the limit; the markup around it is untouched.
    assert trimmed.startswith(prefix.encode()) and trimmed.endswith(suffix.encode())
    assert len(trimmed) == len(prefix) + MAX_PERSON_FIELD_CHARS + len(suffix)


def test_ordinary_people_fields_and_long_bodies_are_left_alone():
    body = (
        "<item><author>ana@example.org (Ana Reyes)</author><title>t</title>"
        f"<description>{'long text ' * 10_000}</description></item>"
    ).encode()
    assert trim_person_fields(body) == body


def test_a_cut_never_splits_an_entity_or_a_character():
    for unit in ("&amp;", "é", "ø&lt;"):
        body = f"<author>{unit * 600}</author>".encode()
        kept = trim_person_fields(body)[len(b"<author>") : -len(b"</author>")]
        assert len(kept) <= MAX_PERSON_FIELD_CHARS
        text = kept.decode("utf-8")  # no half character
        assert text.count("&") == text.count(";"), text[-12:]  # no half entity


def test_a_feed_of_huge_authors_parses_quickly_and_keeps_its_entries():
    import time

    almost = "desk@" + "a." * 10_000
    items = "".join(f"<item><title>{n}</title><link>http://x/{n}</link><author>{almost}</author></item>" for n in range(20))
    body = f'<rss version="2.0"><channel><title>t</title>{items}</channel></rss>'.encode()
    started = time.monotonic()
    result = parse_feed(body, "http://x/feed.xml")
    assert time.monotonic() - started < 2.0  # untrimmed: over a second per entry
    assert len(result.entries) == 20


JSON_FEED_10 = b"""{"version": "https://jsonfeed.org/version/1", "title": "Old JSON",
 "author": {"name": "Feed Desk"},
 "items": [
  {"id": 7, "url": "/2026/01/05/first-json-story.html", "title": " First  story ",
   "content_html": "<p>Text <b>here</b></p>", "date_published": "2026-01-05T10:00:00Z"},
  {"id": "b", "external_url": "https://elsewhere.example/x", "content_text": "plain",
   "author": {"name": "Ana Reyes"}, "date_modified": "2026-01-06T08:00:00+02:00"}
 ]}"""


def test_json_feed_10_items_read_like_rss():
    result = parse_feed(JSON_FEED_10, "http://127.0.0.1/feeds/feed.json", "application/json")
    assert result.error is None
    first, second = result.entries
    assert (first.entry_key, first.url, first.title) == (
        "7", "http://127.0.0.1/2026/01/05/first-json-story.html", "First story"
    )
    assert first.summary == "Text here" and first.authors == ["Feed Desk"]
    assert first.published_at.isoformat() == "2026-01-05T10:00:00+00:00" and first.updated_at is None
    assert (second.url, second.summary, second.authors) == ("https://elsewhere.example/x", "plain", ["Ana Reyes"])
    # Only a modified date: it stands for the publication too, as with RSS 1.0's dc:date.
    assert second.published_at == second.updated_at and second.updated_at.hour == 6


def test_json_feed_11_is_recognised_by_its_body_alone():
    body = b'\xef\xbb\xbf {"version": "https://jsonfeed.org/version/1.1", "items": [{"id": "x", "url": "http://h/a"}]}'
    result = parse_feed(body, "http://h/feed", content_type=None)
    assert [e.entry_key for e in result.entries] == ["x"] and result.error is None


@pytest.mark.parametrize(
    ("body", "error", "detail"),
    [
        (b"{not json", "bad_feed", "not JSON"),
        (b'{"title": "no version"}', "bad_feed", "not a JSON Feed"),
        (b'{"version": "https://jsonfeed.org/version/1.1", "items": {}}', "bad_feed", "without an items list"),
        (b'{"version": "https://jsonfeed.org/version/1.1", "items": [{"title": "no id"}]}', "bad_feed", "none of"),
        (b"[" * 100_000, "bad_feed", "not JSON"),
    ],
)
def test_broken_json_feeds_are_bad_feeds_with_a_reason(body, error, detail):
    result = parse_feed(body, "http://h/feed.json", "application/feed+json")
    assert result.entries == [] and result.error == error and detail in result.detail


def test_json_feed_with_some_broken_items_keeps_the_rest():
    body = b'{"version": "https://jsonfeed.org/version/1", "items": [1, {"id": "ok", "url": "http://h/a"}]}'
    result = parse_feed(body, "http://h/feed.json")
    assert [e.entry_key for e in result.entries] == ["ok"] and result.error == "malformed_feed"


def test_homepage_declared_feeds_navigation_hubs_and_robots_sitemaps():
    from crawlers.homepage import declared_feeds, navigation_hubs, robots_sitemaps

    page = b"""<html><head>
      <link rel="alternate" type="application/rss+xml" href="/rss.xml">
      <link rel="Alternate Feed" type="application/atom+xml; charset=utf-8" href="https://h/atom">
      <link rel="alternate" type="text/html" hreflang="de" href="/de/">
      <link rel="alternate" type="application/feed+json" href="/rss.xml">
    </head><body><header><a href="/shop/">Shop</a></header>
      <nav><a href="/world/">World</a><a href="/world/#top">World again</a><a href="/login">Log in</a>
      <a href="/2026/01/05/a-story-in-the-menu-today.html">Story</a><a href="/?page=2">More</a>
      <a href="https://other.example/sport/">Sport elsewhere</a><a href="/">Home</a></nav></body></html>"""
    assert declared_feeds(page, "https://h/") == ["https://h/rss.xml", "https://h/atom"]
    assert navigation_hubs(page, "https://h/") == ["https://h/world/"]
    no_nav = b"<html><body><header><a href='/shop/'>Shop</a></header></body></html>"
    assert navigation_hubs(no_nav, "https://h/") == ["https://h/shop/"]
    robots = "User-agent: *\nsitemap: /s1.xml\nSITEMAP:https://cdn.h/s2.xml.gz\nSitemap:\n"
    assert robots_sitemaps(robots, "https://h/robots.txt") == ["https://h/s1.xml", "https://cdn.h/s2.xml.gz"]
    assert declared_feeds(b"", "https://h/") == [] and navigation_hubs(b"  ", "https://h/") == []


def test_discovery_yaml_is_a_config_entry_that_says_where_each_url_was_found():
    import yaml

    from crawlers.homepage import Found, discovery_yaml
    from pipelines.config import parse_config

    found = [
        Found("feed", "https://h/feed", "guessed_path", "https://h/feed"),
        Found("sitemap", "https://h/s.xml", "robots_txt", "https://h/robots.txt"),
    ]
    text = discovery_yaml("https://h/", 'The "H" Times', found)
    assert "https://h/feed\"  # answered at a common feed path" in text
    assert "# Sitemap: line of https://h/robots.txt" in text
    (entry,) = yaml.safe_load(text)
    assert entry == {"name": 'The "H" Times', "homepage": "https://h/", "feeds": ["https://h/feed"],
                     "sitemaps": ["https://h/s.xml"]}
    assert parse_config({"sources": [entry]}).sources[0].kinds_to_discover == ("hub",)
