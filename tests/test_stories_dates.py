"""Datelines: when an undated article says it was written."""

from __future__ import annotations

from datetime import UTC, datetime

from pipelines.stories.dates import dateline, datelines


def test_dates_on_lines_of_their_own_are_datelines() -> None:
    text = (
        "Posted 10: 05 am, Tuesday, Oct. 7th, 2031 | Updated 8 October 2031\n"
        "The council met on Monday.\n"
        "2031-10-09\n"
    )
    assert datelines(text) == [
        datetime(2031, 10, 7, tzinfo=UTC), datetime(2031, 10, 8, tzinfo=UTC),
        datetime(2031, 10, 9, tzinfo=UTC),
    ]


def test_a_date_inside_a_sentence_is_not_a_dateline() -> None:
    text = "The mill opened on June 2, 1988 beside the canal and was sold in 2004.\n"
    assert datelines(text) == []
    assert dateline("Mill sold", text) is None


def test_impossible_dates_are_left_out_and_the_first_dateline_wins() -> None:
    assert dateline("Title", "February 30, 2031\nMarch 2, 2031\nMarch 9, 2031") == datetime(
        2031, 3, 2, tzinfo=UTC
    )
