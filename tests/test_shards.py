"""Crawl shards: stable under added sources, shared by one registrable domain, set by crawl.shards."""

from __future__ import annotations

import pytest

from pipelines.config import ConfigError, SourceConfig, parse_config
from pipelines.shards import (
    registrable_domain,
    shard_keys,
    shard_of,
    shard_of_domain,
    source_domain,
    sources_in_shard,
)


def _config(sources: list[dict], shards: int | None = None):
    crawl = {} if shards is None else {"shards": shards}
    return parse_config({"crawl": crawl, "sources": sources}, "test.yaml")


def _outlets(count: int, start: int = 0) -> list[dict]:
    return [{"name": f"Outlet {n}", "feeds": [f"https://news.outlet{n}.example/rss"]} for n in range(start, count)]


@pytest.mark.parametrize(
    ("url", "domain"),
    [
        ("https://feeds.bbci.co.uk/news/rss.xml", "bbci.co.uk"),
        ("https://WWW.TheGuardian.com/world/rss", "theguardian.com"),
        ("https://abcnews.go.com/abcnews/internationalheadlines", "go.com"),
        ("http://127.0.0.1:8765/harbor-herald/feed.xml", "127.0.0.1"),
        ("http://localhost:8000/feed", "localhost"),
    ],
)
def test_registrable_domain_from_the_bundled_suffix_list(url, domain):
    assert registrable_domain(url) == domain


def test_a_url_without_host_is_refused():
    with pytest.raises(ValueError, match="no host"):
        registrable_domain("file:///etc/passwd")


def test_shards_default_to_one_and_every_source_is_in_shard_zero():
    config = _config(_outlets(5))
    assert config.crawl.shards == 1
    assert shard_keys(config) == ["0"]
    assert sources_in_shard(config, 0).sources == config.sources


@pytest.mark.parametrize("bad", [0, -1, True, 1.5, "2"])
def test_shards_must_be_a_whole_number_of_at_least_one(bad):
    with pytest.raises(ConfigError, match=r"test.yaml: crawl.shards: expected a whole number >= 1"):
        _config(_outlets(1), shards=bad)


def test_shards_are_pinned_values_of_a_sha256_jump_hash():
    # Pinned: a different hash (Python's salted hash(), another digest) would move every source.
    assert [shard_of_domain(f"outlet{n}.example", 4) for n in range(12)] == [2, 0, 0, 0, 3, 2, 3, 2, 1, 3, 0, 3]
    assert [shard_of_domain(d, 3) for d in ("bbci.co.uk", "theguardian.com", "nytimes.com", "apnews.com")] == [
        1, 0, 2, 0
    ]
    assert {shard_of_domain(f"outlet{n}.example", 4) for n in range(200)} == {0, 1, 2, 3}
    with pytest.raises(ValueError, match="at least 1"):
        shard_of_domain("bbci.co.uk", 0)


def test_adding_sources_never_moves_the_others():
    before = _config(_outlets(40), shards=4)
    after = _config(_outlets(40) + _outlets(60, start=40), shards=4)
    placed = {source.name: shard_of(source, 4) for source in before.sources}
    assert {source.name: shard_of(source, 4) for source in after.sources[:40]} == placed
    # The shards partition the sources: each source in exactly one shard.
    names = [source.name for key in shard_keys(after) for source in sources_in_shard(after, int(key)).sources]
    assert sorted(names) == sorted(source.name for source in after.sources)


def test_one_more_shard_moves_sources_only_into_the_new_shard():
    domains = [f"outlet{n}.example" for n in range(1000)]
    moved = [d for d in domains if shard_of_domain(d, 4) != shard_of_domain(d, 5)]
    assert all(shard_of_domain(d, 5) == 4 for d in moved)
    assert 120 < len(moved) < 280  # about a fifth, not (as with hash mod S) about four fifths


def test_sources_of_one_registrable_domain_share_a_shard():
    sibling_hosts = ["feeds", "www", "rss", "news", "m", "edition", "api", "static"]
    sources = [
        SourceConfig(name=f"Desk {host}", feeds=(f"https://{host}.bigpaper.co.uk/{host}.xml",))
        for host in sibling_hosts
    ]
    assert {source_domain(source) for source in sources} == {"bigpaper.co.uk"}
    for shards in (2, 3, 7, 16):
        assert len({shard_of(source, shards) for source in sources}) == 1


def test_a_source_is_placed_by_its_first_url():
    source = SourceConfig(
        name="Mixed", hubs=("https://www.second-paper.com/world",), sitemaps=("https://cdn.third-paper.com/s.xml",)
    )
    assert source_domain(source) == "second-paper.com"


def test_filtering_keeps_the_rest_of_the_config():
    config = _config(_outlets(30), shards=3)
    parts = [sources_in_shard(config, shard) for shard in range(3)]
    assert sum(len(part.sources) for part in parts) == 30
    assert all(part.sources for part in parts), "30 domains over 3 shards left one empty"
    assert all(part.crawl == config.crawl and part.path == config.path for part in parts)
    with pytest.raises(ValueError, match=r"test.yaml: shard 3 does not exist \(crawl.shards is 3\)"):
        sources_in_shard(config, 3)


@pytest.mark.slow
def test_a_crawl_of_one_shard_fetches_only_that_shards_sources(demo_site, tmp_path):
    import subprocess
    import sys

    from sqlalchemy import func, select

    from pipelines.warehouse.db import make_engine, session_scope
    from pipelines.warehouse.migrate import upgrade
    from pipelines.warehouse.models import Fetch, Source
    from tests.conftest import REPO_ROOT, demo_config_with, run_crawl

    config = demo_config_with(tmp_path, "crawl", shards=2)
    url = f"sqlite:///{tmp_path / 'warehouse.db'}"
    upgrade(url)
    # Every demo outlet is served from one loopback host, hence one domain and one shard.
    home = shard_of_domain("127.0.0.1", 2)
    assert run_crawl(config, url, "--shard", str(1 - home))["status"] == "succeeded"
    engine = make_engine(url)
    with session_scope(engine) as session:
        assert session.scalar(select(func.count()).select_from(Fetch).where(Fetch.kind != "robots")) == 0
        assert session.scalar(select(func.count()).select_from(Source)) == 0
    engine.dispose()

    missing = subprocess.run(
        [sys.executable, "-m", "crawlers.run", "--config", str(config), "--warehouse", url, "--shard", "2"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=120,
    )
    assert missing.returncode == 1
    assert "shard 2 does not exist (crawl.shards is 2)" in missing.stderr


def test_a_source_with_only_a_homepage_is_sharded_by_its_domain():
    from pipelines.config import parse_config
    from pipelines.shards import source_domain

    config = parse_config({"sources": [{"name": "H", "homepage": "https://www.example.co.uk/"}]})
    assert source_domain(config.sources[0]) == "example.co.uk"
