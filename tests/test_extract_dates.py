"""Publication dates: zone abbreviations, day-first dates, fallbacks past future values, offsets."""

from __future__ import annotations

import json
import warnings
from datetime import UTC, datetime, timedelta, timezone

import pytest

from pipelines.extract import PageHints, extract_page
from pipelines.extract.dates import parse_datetime
from tests.test_extract_pages import NOW, STORY, article_page, seed_like_page

PARAGRAPHS = "".join(f"<p>{p}</p>" for p in STORY)


def _page_with(head: str, lang: str | None = None, hints: PageHints | None = None):
    html = article_page(PARAGRAPHS, head)
    if lang is not None:
        html = html.replace("<html>", f'<html lang="{lang}">', 1)
    return extract_page(html, "https://ledger.example/harbour/pier", hints=hints, now=NOW)


def _ld(published: str) -> str:
    obj = {"@type": "NewsArticle", "headline": "Ferry pier to close", "datePublished": published}
    return f'<script type="application/ld+json">{json.dumps(obj)}</script>'


@pytest.mark.parametrize(("raw", "utc", "offset"), [
    ("November 19, 2019, 07:47 PM EST", datetime(2019, 11, 20, 0, 47, tzinfo=UTC), -300),
    ("May 19, 2031 8:15 AM PDT", datetime(2031, 5, 19, 15, 15, tzinfo=UTC), -420),
    ("Mon, 19 May 2031 08:15:00 BST", datetime(2031, 5, 19, 7, 15, tzinfo=UTC), 60),
    ("19 May 2031 08:15 CEST", datetime(2031, 5, 19, 6, 15, tzinfo=UTC), 120),
    ("19 May 2031 08:15 GMT", datetime(2031, 5, 19, 8, 15, tzinfo=UTC), 0),
])
def test_time_zone_abbreviations_give_their_offset(raw: str, utc: datetime, offset: int) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert parse_datetime(raw) == (utc, offset)


def test_ambiguous_abbreviation_leaves_the_offset_unknown_without_a_warning() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        parsed = parse_datetime("May 19, 2031 8:15 AM IST")
    assert parsed is not None and parsed[1] is None


def test_page_date_with_zone_abbreviation_is_stored_in_utc_with_offset() -> None:
    page = _page_with('<meta property="article:published_time" '
                      'content="May 18, 2031, 07:47 PM EDT">')
    assert page.published_at == datetime(2031, 5, 18, 23, 47, tzinfo=UTC)
    assert page.published_offset_minutes == -240


def test_dotted_dates_are_day_first() -> None:
    assert parse_datetime("05.06.2031 08:15") == (datetime(2031, 6, 5, 8, 15, tzinfo=UTC), None)


def test_year_first_dates_are_not_turned_round() -> None:
    assert parse_datetime("2031/05/06 08:15") == (datetime(2031, 5, 6, 8, 15, tzinfo=UTC), None)
    assert parse_datetime("2031.05.06") == (datetime(2031, 5, 6, tzinfo=UTC), None)


@pytest.mark.parametrize(("lang", "day"), [
    ("en-US", "2031-05-04"),
    (None, "2031-05-04"),
    ("en-GB", "2031-04-05"),
    ("de", "2031-04-05"),
    ("fr-FR", "2031-04-05"),
])
def test_slash_dates_follow_the_page_language(lang: str | None, day: str) -> None:
    page = _page_with('<meta name="date" content="05/04/2031">', lang)
    assert page.date_source == "meta"
    assert page.published_at is not None and page.published_at.date().isoformat() == day


def test_future_candidate_is_kept_but_does_not_stop_htmldate() -> None:
    html = seed_like_page(_ld("2099-01-01T10:00:00+00:00")).replace(
        '<div class="article-body">', '<span class="date">2031-03-12</span><div class="article-body">')
    page = extract_page(html, "https://ledger.example/a", now=NOW)
    assert page.date_source == "htmldate"
    assert page.published_at is not None and page.published_at.date().isoformat() == "2031-03-12"
    rejected = [c for c in page.date_candidates if c.get("rejected")]
    assert [c["source"] for c in rejected] == ["json_ld"]
    assert "future" in page.date_rule


def test_future_candidate_does_not_stop_first_seen() -> None:
    seen = datetime(2031, 5, 19, 9, 0, tzinfo=UTC)
    page = _page_with(_ld("2099-01-01T10:00:00+00:00"), hints=PageHints(first_seen_at=seen))
    assert page.date_source == "first_seen" and page.published_at == seen


def test_date_only_value_takes_the_time_of_a_same_local_day_value() -> None:
    # 01:15 at +02:00 on the 19th is 23:15 UTC on the 18th: the same day where it was written.
    page = _page_with(_ld("2031-05-19") + '<meta property="article:published_time" '
                      'content="2031-05-19T01:15:00+02:00">')
    assert page.published_at == datetime(2031, 5, 18, 23, 15, tzinfo=UTC)
    assert page.published_offset_minutes == 120


def test_date_only_value_keeps_its_day_against_another_local_day() -> None:
    # 00:30 at +02:00 on the 20th is 22:30 UTC on the 19th: a different day where it was written.
    page = _page_with(_ld("2031-05-19") + '<meta property="article:published_time" '
                      'content="2031-05-20T00:30:00+02:00">')
    assert page.date_source == "json_ld"
    assert page.published_at == datetime(2031, 5, 19, tzinfo=UTC)
    assert page.published_offset_minutes is None


def test_first_seen_date_has_no_page_offset() -> None:
    seen = datetime(2031, 5, 19, 9, 0, tzinfo=UTC)
    page = _page_with("", hints=PageHints(first_seen_at=seen))
    assert page.date_source == "first_seen" and page.published_at == seen
    assert page.published_offset_minutes is None
    assert [c["offset_minutes"] for c in page.date_candidates] == [None]


def test_feed_date_in_utc_has_no_page_offset() -> None:
    feed = datetime(2031, 5, 19, 9, 0, tzinfo=UTC)
    page = _page_with("", hints=PageHints(feed_published_at=feed))
    assert page.date_source == "feed" and page.published_at == feed
    assert page.published_offset_minutes is None


def test_feed_date_keeps_an_offset_it_states() -> None:
    feed = datetime(2031, 5, 19, 9, 0, tzinfo=timezone(timedelta(hours=-4)))
    page = _page_with("", hints=PageHints(feed_published_at=feed))
    assert page.published_at == datetime(2031, 5, 19, 13, 0, tzinfo=UTC)
    assert page.published_offset_minutes == -240


def test_a_locale_naming_a_region_beats_a_bare_language() -> None:
    page = _page_with('<meta property="og:locale" content="en_GB">'
                      '<meta name="date" content="05/04/2031">', "en")
    assert page.published_at is not None and page.published_at.date().isoformat() == "2031-04-05"


def test_json_ld_date_given_as_a_list_is_read() -> None:
    obj = {"@type": "NewsArticle", "headline": "Ferry pier to close",
           "datePublished": ["2031-05-19T08:15:00+02:00", "2031-05-19T10:00:00+02:00"]}
    page = _page_with(f'<script type="application/ld+json">{json.dumps(obj)}</script>')
    assert page.date_source == "json_ld"
    assert page.published_at == datetime(2031, 5, 19, 6, 15, tzinfo=UTC)
