"""Run discovery parsers away from the crawl's event loop: in worker processes, with a time budget.

A feed is untrusted input, and a parser can spend minutes on it (feedparser's e-mail
regex on a huge almost-address, a feed of a million items). Parsing in the crawl's own
thread would hold up every other download meanwhile, and a worker *thread* would not
help: a long regular-expression match holds the GIL. So parses run in up to
``STORYLINE_PARSE_CONCURRENCY`` worker processes (started by :meth:`ParseOffloader.warm_up`
or on first use, then reused), each waited on by a thread of a small pool so the event
loop stays free. A worker that has not answered within ``STORYLINE_PARSE_TIMEOUT``
seconds is killed (a fresh one replaces it) and the parse fails with
:class:`ParseTimeout`; a parser error or a dead worker fails it with :class:`ParseFailed`.

Settings:

- ``STORYLINE_PARSE_TIMEOUT``: seconds a single parse may take (default 30).
- ``STORYLINE_PARSE_CONCURRENCY``: parses running at the same time (default 2).
"""

from __future__ import annotations

import multiprocessing
import signal
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
        self._context = multiprocessing.get_context("spawn")
        self._idle: list[_Worker] = []
        self._lock = threading.Lock()
        self._concurrency = max(1, concurrency)
        self._shutdown_hooked = False
        self._pool = ThreadPool(minthreads=0, maxthreads=self._concurrency, name="storyline-parse")
        self._pool.start()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ParseOffloader:
        offloader = cls(
            timeout=crawler.settings.getfloat("STORYLINE_PARSE_TIMEOUT", 30.0),
            concurrency=crawler.settings.getint("STORYLINE_PARSE_CONCURRENCY", 2),
        )
        crawler.signals.connect(offloader.close, signal=signals.spider_closed)
        return offloader

    def warm_up(self) -> None:
        """Start the workers in the background, so the first parses do not wait for them."""
        self._reactor()
        for _ in range(self._concurrency):
            self._pool.callInThread(self._start_worker)

    def _reactor(self) -> Any:
        """The crawl's installed reactor (imported late: never install a default one), which
        stops the pool at shutdown too, should the spider never close."""
        from twisted.internet import reactor

        if not self._shutdown_hooked:
            reactor.addSystemEventTrigger("during", "shutdown", self.close)
            self._shutdown_hooked = True
        return reactor

    def _start_worker(self) -> None:
        worker = _Worker(self._context)
        with self._lock:
            self._idle.append(worker)

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
            worker = _Worker(self._context)
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
    """One worker process and the pipe to it."""

    def __init__(self, context: Any) -> None:
        self.connection, child_end = context.Pipe()
        self.process = context.Process(target=_worker_main, args=(child_end,), daemon=True)
        self.process.start()
        child_end.close()

    def call(self, function: Callable[..., Any], args: tuple[Any, ...], timeout: float) -> tuple[bool, Any]:
        """Send one task; return ``(ok, result or error text)`` or raise :class:`ParseFailed`."""
        try:
            self.connection.send((function, args))
            if not self.connection.poll(timeout):
                raise ParseTimeout(
                    f"parsing took longer than {timeout:g}s and was stopped "
                    "(STORYLINE_PARSE_TIMEOUT, crawl.parse_timeout)"
                )
            return self.connection.recv()
        except (EOFError, OSError) as exc:
            raise ParseFailed(f"the parser process died (exit code {self.process.exitcode})") from exc

    def stop(self) -> None:
        """Kill the process (a parse may still be running in it) and close the pipe."""
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)
        self.connection.close()


def _worker_main(connection: Connection) -> None:
    """Loop of a worker process: answer each ``(function, args)`` with ``(ok, value)`` until EOF."""
    # Ctrl-C in the terminal reaches the whole process group: the crawl decides, its
    # workers only stop when their pipe closes or they are killed.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        try:
            function, args = connection.recv()
        except (EOFError, OSError):
            return
        try:
            answer: tuple[bool, Any] = (True, function(*args))
        except Exception as exc:  # noqa: BLE001 - any parser error becomes a recorded failure
            answer = (False, f"{type(exc).__name__}: {exc}"[:2000])
        connection.send(answer)
