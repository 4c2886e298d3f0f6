"""Adaptive polling arithmetic (pipelines/polling.py): intervals, publisher hints, backoff."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pipelines.polling import PollBounds, PollOutcome, Schedule, next_schedule, publisher_min_interval

T0 = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
BOUNDS = PollBounds(900, 86400)


def polled(schedule: Schedule, outcome: PollOutcome, at: datetime = T0) -> Schedule:
    return next_schedule(schedule, outcome, at, BOUNDS)


def test_a_new_document_is_due_and_its_first_poll_keeps_the_minimum():
    assert Schedule().is_due(T0)
    first = polled(Schedule(), PollOutcome(items=20, new_items=20))
    assert first.interval_seconds == 900 and first.next_due_at == T0 + timedelta(minutes=15)
    assert not first.is_due(T0 + timedelta(minutes=14)) and first.is_due(T0 + timedelta(minutes=15))


def test_a_quiet_document_backs_off_to_the_maximum_and_a_churning_one_speeds_up():
    schedule = polled(Schedule(), PollOutcome(items=10, new_items=10))
    intervals = []
    for _ in range(8):
        schedule = polled(schedule, PollOutcome(items=10, new_items=0))
        intervals.append(schedule.interval_seconds)
    assert intervals[:3] == [1800, 3600, 7200] and intervals[-1] == 86400
    assert polled(schedule, PollOutcome(not_modified=True)).interval_seconds == 86400
    # Half its items unseen or more: twice as often; a few: as before.
    assert polled(schedule, PollOutcome(items=10, new_items=5)).interval_seconds == 43200
    assert polled(schedule, PollOutcome(items=10, new_items=2)).interval_seconds == 86400
    fast = polled(Schedule(900, T0, T0), PollOutcome(items=10, new_items=10))
    assert fast.interval_seconds == 900  # never below the minimum


def test_publisher_hints_are_lower_bounds_held_within_the_bounds():
    hinted = polled(Schedule(900, T0, T0), PollOutcome(items=4, new_items=4, publisher_min_seconds=7200))
    assert hinted.interval_seconds == 7200
    huge = polled(Schedule(900, T0, T0), PollOutcome(items=4, new_items=1, publisher_min_seconds=10**7))
    assert huge.interval_seconds == 86400


def test_failures_back_off_and_keep_the_interval_for_when_it_recovers():
    schedule = polled(Schedule(), PollOutcome(items=3, new_items=3))
    waits = []
    for _ in range(3):
        before = schedule
        schedule = polled(schedule, PollOutcome(failed=True))
        waits.append((schedule.next_due_at - T0).total_seconds())
        assert schedule.interval_seconds == before.interval_seconds == 900
    assert waits == [1800, 3600, 7200] and schedule.consecutive_failures == 3
    recovered = polled(schedule, PollOutcome(items=3, new_items=1))
    assert recovered.consecutive_failures == 0 and recovered.interval_seconds == 900


@pytest.mark.parametrize(
    ("hints", "seconds", "said"),
    [
        ({"ttl_minutes": "90"}, 5400, "ttl=90"),
        ({"update_period": "daily", "update_frequency": "4"}, 21600, "sy:updatePeriod=daily/4"),
        ({"update_period": "Hourly"}, 3600, "sy:updatePeriod=Hourly/1"),
        ({"cache_control": "public, max-age=600"}, 600, "max-age=600"),
        ({"ttl_minutes": "5", "cache_control": "max-age=3600"}, 3600, "max-age=3600"),
        ({"ttl_minutes": "soon", "update_period": "fortnightly", "cache_control": "no-cache"}, None, None),
        ({"ttl_minutes": "-3", "cache_control": "max-age=0"}, None, None),
    ],
)
def test_publisher_min_interval_reads_ttl_syndication_and_max_age(hints, seconds, said):
    assert publisher_min_interval(**hints) == (seconds, said)
