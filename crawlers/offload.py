"""Run discovery parsers away from the crawl's event loop: in worker processes, with a time budget.

A feed is untrusted input, and a parser can spend minutes on it (feedparser's e-mail
regex on a huge almost-address, a feed of a million items). Parsing in the crawl's own
thread would hold up every other download meanwhile, and a worker *thread* would not
help: a long regular-expression match holds the GIL. So parses run in up to
``STORYLINE_PARSE_CONCURRENCY`` worker processes (``crawlers.parse_worker``, light:
no Scrapy in them; started on first use, then reused), each waited on by a thread of a
small pool so the event loop stays free. A worker that has not answered within
``STORYLINE_PARSE_TIMEOUT`` seconds is killed (a fresh one replaces it) and the parse
fails with :class:`ParseTimeout`; a parser error or a dead worker fails it with
:class:`ParseFailed`.

Settings:

- ``STORYLINE_PARSE_TIMEOUT``: seconds a single parse may take (default 30).
- ``STORYLINE_PARSE_CONCURRENCY``: parses running at the same time (default 2).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any, TypeVar

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import threads
from twisted.python.threadpool import ThreadPool

T = TypeVar("T")


class ParseFailed(Exception):
    """A parse did not return a result; ``reason`` is the short code for ``fetches.error``."""

    reason = "parse_failed"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class ParseTimeout(ParseFailed):
    """A parse ran out of its time budget and its worker process was killed."""

    reason = "parse_timeout"


class ParseOffloader:
    """Runs picklable functions in worker processes under a time budget, off the event loop."""

    def __init__(self, timeout: float, concurrency: int) -> None:
        self.timeout = timeout
        self._idle: list[_Worker] = []
        self._lock = threading.Lock()
        self._shutdown_hooked = False
        self._pool = ThreadPool(minthreads=0, maxthreads=max(1, concurrency), name="storyline-parse")
        self._pool.start()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ParseOffloader:
        offloader = cls(
            timeout=crawler.settings.getfloat("STORYLINE_PARSE_TIMEOUT", 30.0),
            concurrency=crawler.settings.getint("STORYLINE_PARSE_CONCURRENCY", 2),
        )
        crawler.signals.connect(offloader.close, signal=signals.spider_closed)
        return offloader

    def _reactor(self) -> Any:
        """The crawl's installed reactor (imported late: never install a default one); it
        stops the pool at shutdown too, should the spider never close."""
        from twisted.internet import reactor

        if not self._shutdown_hooked:
            reactor.addSystemEventTrigger("during", "shutdown", self.close)
            self._shutdown_hooked = True
        return reactor

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        """Return ``function(*args)`` computed in a worker process.

        Raises :class:`ParseTimeout` when it takes longer than the budget and
        :class:`ParseFailed` when it raises or its worker dies.
        """
        deferred = threads.deferToThreadPool(self._reactor(), self._pool, self._call, function, args)
        return await maybe_deferred_to_future(deferred)

    def close(self) -> None:
        """Stop the waiting threads and the idle workers (a second call does nothing)."""
        if not self._pool.started:
            return
        self._pool.stop()
        with self._lock:
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.stop()

    def _call(self, function: Callable[..., T], args: tuple[Any, ...]) -> T:
        with self._lock:
            worker = self._idle.pop() if self._idle else None
        if worker is None:
            worker = _Worker()
        try:
            ok, value = worker.call(function, args, self.timeout)
        except ParseFailed:
            worker.stop()
            raise
        with self._lock:
            self._idle.append(worker)
        if not ok:
            raise ParseFailed(value)
        return value


class _Worker:
    """One ``crawlers.parse_worker`` process and the pipes to it."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "crawlers.parse_worker"], stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        self.tasks = Connection(os.dup(self.process.stdin.fileno()), readable=False)
        self.answers = Connection(os.dup(self.process.stdout.fileno()), writable=False)
        self.process.stdin.close()
        self.process.stdout.close()

    def call(self, function: Callable[..., Any], args: tuple[Any, ...], timeout: float) -> tuple[bool, Any]:
        """Send one task; return ``(ok, result or error text)`` or raise :class:`ParseFailed`."""
        try:
            self.tasks.send((function, args))
            if not self.answers.poll(timeout):
                raise ParseTimeout(
                    f"parsing took longer than {timeout:g}s and was stopped "
                    "(STORYLINE_PARSE_TIMEOUT, crawl.parse_timeout)"
                )
            return self.answers.recv()
        except (EOFError, OSError) as exc:
            raise ParseFailed(f"the parser process died (exit code {self.process.poll()})") from exc

    def stop(self) -> None:
        """Kill the process (a parse may still be running in it) and close the pipes."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=5)
        self.tasks.close()
        self.answers.close()
