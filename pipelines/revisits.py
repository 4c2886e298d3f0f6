"""Revisit schedule: when a stored story's page is fetched again, from its age.

A story first stored at ``first_seen`` (the schedule time of the crawl that stored it,
``crawl_runs.clock_at``) comes due again at ``first_seen + h`` for each ``h`` of
``crawl.revisit_hours`` (1, 6, 24 and 72 hours by default): the schedule thins out as
the story ages, as corrections and updates do. A point is due once it has come and no
revisit was made since it came; a crawl that runs late makes one revisit for all the
points it missed. After the last point the page is never fetched again, and a story
first seen more than twice the last point ago is no longer looked at (a crawler
stopped for days does not wake up to revisit everything it ever stored).

Plain arithmetic, no I/O: the time comes in as ``now``; the warehouse side is
``pipelines/warehouse/revisits.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

DEFAULT_HOURS = (1.0, 6.0, 24.0, 72.0)


@dataclass(frozen=True)
class RevisitSchedule:
    """Hours after first seen at which a story is fetched again (increasing; empty: never)."""

    hours: tuple[float, ...] = DEFAULT_HOURS

    @classmethod
    def of(cls, hours: Sequence[float] | None) -> RevisitSchedule:
        """The schedule of ``hours`` (a config's ``crawl.revisit_hours``)."""
        return cls(tuple(float(h) for h in hours or ()))

    @property
    def window(self) -> timedelta:
        """How far back a story's first sighting may lie for it still to be revisited."""
        return timedelta(hours=2 * self.hours[-1]) if self.hours else timedelta(0)

    def points(self, first_seen: datetime) -> list[datetime]:
        """The times a story first seen at ``first_seen`` comes due."""
        return [first_seen + timedelta(hours=hours) for hours in self.hours]

    def due_point(
        self, first_seen: datetime, last_checked: datetime | None, now: datetime
    ) -> datetime | None:
        """The revisit point a crawl at ``now`` makes up for, or None when nothing is due.

        ``last_checked`` is when the page was last revisited (None: never). The latest
        point that has come is due unless a revisit was made at or after it.
        """
        if not self.hours or first_seen < now - self.window:
            return None
        come = [point for point in self.points(first_seen) if point <= now]
        if not come:
            return None
        latest = come[-1]
        return latest if last_checked is None or last_checked < latest else None
