"""The parse offloader's worker processes: results, errors, the time budget, reuse."""

from __future__ import annotations

import time

import pytest

from crawlers.discovery import parse_feed
from crawlers.offload import ParseFailed, ParseOffloader, ParseTimeout


@pytest.fixture
def offloader():
    pool = ParseOffloader(timeout=1.0, concurrency=1)
    yield pool
    pool.close()


def test_a_parse_runs_in_a_worker_and_the_worker_is_reused(offloader):
    feed = b'<rss version="2.0"><channel><title>t</title><item><link>http://x/a</link></item></channel></rss>'
    assert [e.url for e in offloader._call(parse_feed, (feed, "http://x/feed.xml")).entries] == ["http://x/a"]
    (worker,) = offloader._idle
    assert offloader._call(len, (b"abc",)) == 3
    assert offloader._idle == [worker]


def test_a_parser_error_is_a_parse_failure_and_the_worker_stays(offloader):
    with pytest.raises(ParseFailed, match="ValueError") as raised:
        offloader._call(int, ("not a number",))
    assert raised.value.reason == "parse_failed"
    assert len(offloader._idle) == 1


def test_a_parse_over_budget_is_stopped_and_its_worker_killed(offloader):
    started = time.monotonic()
    with pytest.raises(ParseTimeout, match="longer than 1s") as raised:
        offloader._call(time.sleep, (30,))
    assert time.monotonic() - started < 10
    assert raised.value.reason == "parse_timeout"
    assert offloader._idle == []
    assert offloader._call(len, (b"ab",)) == 2  # a fresh worker takes over
