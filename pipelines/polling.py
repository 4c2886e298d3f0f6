"""Adaptive polling: when a feed, hub or sitemap is next fetched, from what its last fetch brought.

Plain arithmetic over a document's schedule (no I/O; the time comes in as ``now``):

- A document never polled, or whose ``next_due_at`` has come, is due.
- The first successful poll keeps the starting interval (the minimum): everything on a
  new document is unseen, which says nothing about its pace.
- Afterwards each successful poll adapts the interval: no unseen item (or ``304 Not
  Modified``) doubles it; unseen items making up at least :data:`CHURN_SHARE` of the
  document halve it (the document turns over fast enough to lose items between polls);
  anything in between keeps it.
- What the publisher says about its pace (RSS ``<ttl>``, ``sy:updatePeriod`` /
  ``sy:updateFrequency``, ``Cache-Control: max-age``) is a lower bound; it is held within
  the bounds too, so a ``ttl`` of a week still means a poll a day at most apart.
- The interval stays within ``[min_seconds, max_seconds]`` (config ``crawl.poll_min_seconds``,
  ``crawl.poll_max_seconds``: 15 minutes and 24 hours by default).
- A failed poll (an HTTP error, a timeout, a feed that does not parse) leaves the interval
  as it was and backs off: the next try comes after ``interval * 2**failures`` in a row,
  at most ``max_seconds``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

#: Share of a document's items that are unseen from which its interval is halved.
CHURN_SHARE = 0.5
LENGTHEN = 2.0
SHORTEN = 0.5
#: ``sy:updatePeriod`` values in seconds (the RSS 1.0 syndication module).
UPDATE_PERIODS = {"hourly": 3600, "daily": 86400, "weekly": 604800, "monthly": 2592000, "yearly": 31536000}


@dataclass(frozen=True)
class PollBounds:
    """The shortest and longest interval between two polls of a document, in seconds."""

    min_seconds: float = 900.0
    max_seconds: float = 86400.0

    def clamp(self, seconds: float) -> float:
        """``seconds`` held within the bounds."""
        return min(self.max_seconds, max(self.min_seconds, seconds))


@dataclass(frozen=True)
class Schedule:
    """A document's polling state, as kept in ``source_documents``."""

    interval_seconds: float | None = None
    next_due_at: datetime | None = None
    last_success_at: datetime | None = None
    consecutive_failures: int = 0

    def is_due(self, now: datetime) -> bool:
        """Whether the document should be fetched at ``now``."""
        return self.next_due_at is None or self.next_due_at <= now


@dataclass(frozen=True)
class PollOutcome:
    """What one poll of a document brought.

    ``failed`` for an error; else ``items`` seen on it (children of a sitemap index
    included), ``new_items`` among them never seen before, ``not_modified`` for a 304,
    and ``publisher_min_seconds``, the longest wait the publisher asks for, if any.
    """

    failed: bool = False
    not_modified: bool = False
    items: int = 0
    new_items: int = 0
    publisher_min_seconds: float | None = None

    @property
    def result(self) -> str:
        """``failed``, ``not_modified``, ``no_new_items`` or ``new_items`` (``last_result``)."""
        if self.failed:
            return "failed"
        if self.not_modified:
            return "not_modified"
        return "new_items" if self.new_items else "no_new_items"


def next_schedule(schedule: Schedule, outcome: PollOutcome, now: datetime, bounds: PollBounds) -> Schedule:
    """Return the schedule after a poll at ``now`` that ended in ``outcome``."""
    interval = bounds.clamp(schedule.interval_seconds or bounds.min_seconds)
    if outcome.failed:
        failures = schedule.consecutive_failures + 1
        wait = min(bounds.max_seconds, interval * 2**failures)
        return replace(
            schedule,
            interval_seconds=interval,
            next_due_at=now + timedelta(seconds=wait),
            consecutive_failures=failures,
        )
    if schedule.last_success_at is not None:
        if outcome.not_modified or outcome.new_items == 0:
            interval *= LENGTHEN
        elif outcome.items and outcome.new_items / outcome.items >= CHURN_SHARE:
            interval *= SHORTEN
    if outcome.publisher_min_seconds:
        interval = max(interval, bounds.clamp(outcome.publisher_min_seconds))
    interval = bounds.clamp(interval)
    return Schedule(
        interval_seconds=interval,
        next_due_at=now + timedelta(seconds=interval),
        last_success_at=now,
        consecutive_failures=0,
    )


def publisher_min_interval(
    *,
    ttl_minutes: str | None = None,
    update_period: str | None = None,
    update_frequency: str | None = None,
    cache_control: str | None = None,
) -> tuple[float | None, str | None]:
    """The longest wait a publisher asks for, in seconds, and what said so (or ``(None, None)``).

    ``ttl_minutes`` is RSS ``<ttl>``; ``update_period``/``update_frequency`` are
    ``sy:updatePeriod`` (hourly, daily, ...) and ``sy:updateFrequency`` (updates per
    period, default 1); ``cache_control`` is the response's header, whose ``max-age`` counts.
    Values that do not parse are ignored.
    """
    hints: list[tuple[float, str]] = []
    ttl = _positive_number(ttl_minutes)
    if ttl:
        hints.append((ttl * 60, f"ttl={ttl_minutes.strip()}"))  # type: ignore[union-attr]
    period = UPDATE_PERIODS.get((update_period or "").strip().lower())
    if period:
        frequency = _positive_number(update_frequency) or 1.0
        hints.append((period / frequency, f"sy:updatePeriod={update_period.strip()}/{frequency:g}"))  # type: ignore[union-attr]
    for directive in (cache_control or "").split(","):
        name, _, value = directive.strip().partition("=")
        age = _positive_number(value.strip('"')) if name.strip().lower() == "max-age" else None
        if age:
            hints.append((age, f"max-age={value.strip()}"))
    if not hints:
        return None, None
    return max(hints)


def _positive_number(text: str | None) -> float | None:
    try:
        number = float((text or "").strip())
    except ValueError:
        return None
    return number if number > 0 and number == number and number != float("inf") else None
