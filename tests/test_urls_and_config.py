"""URL canonicalization, the config schema, the address guard's rules and Retry-After parsing."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest

from crawlers.downloadermiddlewares.private_address import is_public_address
from crawlers.downloadermiddlewares.retry import retry_after_seconds
from pipelines.config import ConfigError, load_config, parse_config
from pipelines.urls import _canonicalize_parsed, canonicalize_url, resolve_canonical


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        (
            "HTTP://News.Example.COM:80/World/Story/?utm_source=x&b=2&a=1#top",
            "http://news.example.com/World/Story?a=1&b=2",
        ),
        ("https://example.com:443", "https://example.com/"),
        ("https://example.com/a//b/", "https://example.com/a/b"),
        ("https://example.com/s?fbclid=1&gclid=2&id=7&utm_medium=feed", "https://example.com/s?id=7"),
        ("http://127.0.0.1:8080/x?mc_cid=1", "http://127.0.0.1:8080/x"),
        ("https://example.com/caf\u00e9", "https://example.com/caf%C3%A9"),
    ],
)
def test_canonicalize_url(raw, canonical):
    assert canonicalize_url(raw) == canonical


def test_canonical_urls_recognised_without_parsing_match_the_parsed_form():
    # Every combination of pieces that may or may not be canonical already: the shortcut
    # for URLs already in canonical form must give what parsing gives.
    schemes = ["http://", "https://", "HTTPS://"]
    hosts = ["example.com", "Example.com", "a-b.example.", "127.0.0.1", "news.example.com:443"]
    paths = ["", "/", "/a", "/a/", "/a//b", "/a/./b", "/a/../b", "/~x_y-z.html", "/caf\u00e9",
             "/a%2Fb", "/A/B.html", "/a b"]
    tails = ["", "?b=2&a=1", "?utm_source=x", "#frag", "?"]
    for scheme, host, path, tail in itertools.product(schemes, hosts, paths, tails):
        url = scheme + host + path + tail
        assert canonicalize_url(url) == _canonicalize_parsed(url), url


@pytest.mark.parametrize(
    "bad", ["ftp://example.com/x", "/relative/path", "mailto:a@example.invalid", "https://"]
)
def test_canonicalize_rejects_non_http(bad):
    with pytest.raises(ValueError, match="not an absolute http"):
        canonicalize_url(bad)


def test_rel_canonical_is_honoured_and_resolved():
    page = "https://example.com/news/story?utm_source=x"
    assert resolve_canonical(page, "/news/story-final") == "https://example.com/news/story-final"
    assert resolve_canonical(page, "javascript:void(0)") == "https://example.com/news/story"
    assert resolve_canonical(page, None) == "https://example.com/news/story"


def test_guard_rules_on_loopback_canaries():
    # Only loopback literals here: the guard's tests never name private-range targets.
    assert not is_public_address("127.0.0.1")
    assert not is_public_address("127.0.0.2")
    assert not is_public_address("::1")
    assert not is_public_address("::ffff:127.0.0.2")
    assert is_public_address("93.184.216.34")


def test_retry_after_in_seconds_or_http_date():
    now = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
    assert retry_after_seconds(b"7") == 7.0
    assert retry_after_seconds("Mon, 05 Jan 2026 12:00:30 GMT", now=now) == 30.0
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds(None) is None


GOOD = {"sources": [{"name": "A", "feeds": ["https://a.example/feed"]}]}


def test_a_homepage_alone_is_a_source_and_listed_kinds_are_not_discovered():
    only = parse_config({"sources": [{"name": "A", "homepage": "https://a.example/"}]}).sources[0]
    assert only.kinds_to_discover == ("feed", "hub", "sitemap")
    listed = parse_config(
        {"sources": [{"name": "A", "homepage": "https://a.example/", "feeds": ["https://a.example/rss"]}]}
    ).sources[0]
    assert listed.kinds_to_discover == ("hub", "sitemap")
    assert parse_config(GOOD).sources[0].kinds_to_discover == ()


def test_config_defaults_are_polite():
    config = parse_config(GOOD)
    assert config.crawl.obey_robots_txt and config.crawl.autothrottle
    assert config.crawl.download_delay >= 1 and config.crawl.concurrent_requests_per_domain <= 2
    assert config.allow_private == ()


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({**GOOD, "crawler": {}}, "unknown key crawler"),
        ({**GOOD, "crawl": {"download_dalay": 1}}, "unknown key crawl.download_dalay"),
        ({**GOOD, "crawl": {"autothrottle": "yes"}}, "crawl.autothrottle: expected true or false"),
        ({**GOOD, "crawl": {"concurrent_requests_per_domain": -1}}, "crawl.concurrent_requests_per_domain"),
        ({"sources": [{"name": "A", "feeds": ["a.example/feed"]}]}, "sources[0].feeds: expected absolute"),
        ({"sources": [{"name": "A"}]}, "sources[0]: expected at least one of"),
        ({"sources": [{"name": "A", "feeds": ["https://a/f"], "hub": []}]}, "unknown key sources[0].hub"),
        (
            {**GOOD, "network": {"allow_private": ["localhost"]}},
            'network.allow_private: expected "host:port"',
        ),
        ({"sources": []}, "sources: expected a non-empty list"),
        (
            {"sources": [{"name": "A", "feeds": ["https://${NO_SUCH_VAR_XYZ}/f"]}]},
            "NO_SUCH_VAR_XYZ is not set",
        ),
        ({"sources": [{"name": "A", "hubs": ["https://a/"], "article_pattern": "("}]}, "article_pattern"),
        ({"sources": [{"name": "A", "homepage": "a.example"}]}, "sources[0].homepage: expected absolute"),
        ({"sources": [{"name": "A", "homepage": 7}]}, "sources[0].homepage: expected a non-empty string"),
        (
            {**GOOD, "crawl": {"poll_min_seconds": 3600, "poll_max_seconds": 60}},
            "crawl: expected poll_max_seconds >= poll_min_seconds (3600)",
        ),
    ],
)
def test_config_errors_name_the_bad_key(document, message):
    with pytest.raises(ConfigError) as raised:
        parse_config(document, "test.yaml")
    assert str(raised.value).startswith("test.yaml: ")
    assert message in str(raised.value)


def test_env_expansion_with_default(monkeypatch):
    monkeypatch.setenv("DEMO_HOST_FOR_TEST", "127.0.0.1:9")
    config = parse_config(
        {
            "network": {"allow_private": ["${DEMO_HOST_FOR_TEST}"]},
            "archive": {"dir": "${UNSET_ARCHIVE_DIR_FOR_TEST:-data/x}"},
            "sources": [{"name": "D", "feeds": ["http://${DEMO_HOST_FOR_TEST}/feed"]}],
        }
    )
    assert config.allow_private == ("127.0.0.1:9",)
    assert config.archive_dir == "data/x"
    assert config.sources[0].feeds == ("http://127.0.0.1:9/feed",)


def test_bundled_configs_are_valid(monkeypatch):
    monkeypatch.setenv("STORYLINE_DEMO_HOST", "127.0.0.1:1")
    demo = load_config("config/demo.yaml")
    assert len(demo.sources) == 5 and [s.name for s in demo.sources if s.homepage] == ["Lakeside Courier"]
    real = load_config("config/sources.yaml")
    assert len(real.sources) >= 12 and real.allow_private == ()
    assert any("apnews.com/hub/russia-ukraine" in hub for s in real.sources for hub in s.hubs)


def test_missing_and_broken_files(tmp_path):
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "nope.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("sources: [", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(broken)
