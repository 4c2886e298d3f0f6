"""Progress lines for long work: counts, rate and errors, reported at most every few seconds.

One line reads like ``clean: 120/480 pages extracted, 2 errors, 14.1 pages/s``. The
reporter is any callable taking a line: ``print`` to a terminal, a Dagster
``context.log.info``, a Pipes log. Used by the crawl (``crawlers.extensions.progress``)
and the clean stage.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, TypeVar

Report = Callable[[str], None]
Item = TypeVar("Item")
INTERVAL_S = 5.0


class Progress:
    """Formats progress lines for one stage and passes them to ``report``, throttled."""

    def __init__(
        self,
        stage: str,
        report: Report,
        *,
        unit: str = "pages",
        interval_s: float = INTERVAL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stage, self.report, self.unit = stage, report, unit
        self.interval_s, self.clock = interval_s, clock
        self.started = clock()
        self._last_report = self.started

    def line(self, done: int, verb: str, *, total: int | None = None, counts: Mapping[str, int] = {}) -> str:
        """The progress line for ``done`` units (of ``total``) and other ``counts`` (name -> number)."""
        elapsed = max(self.clock() - self.started, 1e-6)
        amount = f"{done}/{total}" if total is not None else str(done)
        parts = [f"{amount} {self.unit} {verb}"]
        parts += [f"{number} {name}" for name, number in counts.items()]
        parts.append(f"{done / elapsed:.1f} {self.unit}/s")
        return f"{self.stage}: " + ", ".join(parts)

    def update(
        self, done: int, verb: str, *, total: int | None = None, counts: Mapping[str, int] = {},
        final: bool = False,
    ) -> None:
        """Report the line when ``interval_s`` has passed since the last one, or when ``final``."""
        now = self.clock()
        if final or now - self._last_report >= self.interval_s:
            self._last_report = now
            self.report(self.line(done, verb, total=total, counts=counts))


class Tracker:
    """Counts the items of one stage, over one or several batches, and reports progress lines."""

    def __init__(
        self,
        report: Report | None,
        *,
        stage: str,
        verb: str = "extracted",
        is_error: Callable[[Any], bool] = lambda _item: False,
        interval_s: float = INTERVAL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.report, self.stage, self.interval_s, self.clock = report, stage, interval_s, clock
        self.progress: Progress | None = None  # started with the first item: the rate is of work only
        self.verb, self.is_error = verb, is_error
        self.done = self.errors = self.total = 0

    def track(self, items: Iterable[Item], *, added: int) -> Iterator[Item]:
        """Yield ``items`` (``added`` more to do) unchanged, counting them and reporting on the way."""
        self.total += added
        for item in items:
            if self.progress is None and self.report is not None:
                self.progress = Progress(
                    self.stage, self.report, interval_s=self.interval_s, clock=self.clock
                )
            self.done += 1
            self.errors += self.is_error(item)
            self._update(final=False)
            yield item

    def finish(self) -> None:
        """Report the last line (whatever the interval)."""
        self._update(final=True)

    def _update(self, *, final: bool) -> None:
        if self.progress is not None:
            counts = {"errors": self.errors}
            self.progress.update(self.done, self.verb, total=self.total, counts=counts, final=final)


def track(
    items: Iterable[Item],
    report: Report | None,
    *,
    stage: str,
    total: int,
    verb: str = "extracted",
    is_error: Callable[[Item], bool] = lambda _item: False,
    interval_s: float = INTERVAL_S,
    clock: Callable[[], float] = time.monotonic,
) -> Iterator[Item]:
    """Yield ``items`` unchanged, reporting progress (done of ``total``, errors) on the way.

    Without a ``report`` the items pass through untouched.
    """
    tracker = Tracker(report, stage=stage, verb=verb, is_error=is_error, interval_s=interval_s, clock=clock)
    yield from tracker.track(items, added=total)
    tracker.finish()


def extraction_tracker(report: Report | None) -> Tracker:
    """A :class:`Tracker` for the clean stage's ``(article id, extracted page)`` pairs.

    A page the extractor typed ``error`` (empty, binary, timed out) counts as an error.
    """
    return Tracker(report, stage="clean", is_error=lambda pair: pair[1].page_type == "error")
