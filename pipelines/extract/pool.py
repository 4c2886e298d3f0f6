"""Extract pages on every core with a per-page time limit; stuck workers are killed and replaced.

Each worker holds up to :data:`QUEUE_DEPTH` pages: the next page is already waiting in
its pipe when it finishes one, so a busy caller (reading the archive, writing rows)
never leaves a core idle. A page can be given as its HTML or as an
:class:`ArchivedPage`, the WARC record the worker reads itself.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections import deque
from collections.abc import Hashable, Iterable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import Any

from pipelines.archive import read_response
from pipelines.extract.core import extract_page
from pipelines.extract.model import ExtractedPage, PageHints
from pipelines.extract.version import EXTRACTOR_VERSION, extractor_settings_hash

#: Pages handed to one worker at a time (the one it works on and the next).
QUEUE_DEPTH = 2
#: The note of a page whose raw record could not be read (the clean stage keeps an
#: earlier extraction then).
UNREADABLE = "raw page unreadable from archive"


@dataclass(frozen=True)
class ArchivedPage:
    """Where a page's raw response lies in the archive: file, offset and record length."""

    path: str
    offset: int
    length: int | None = None


Job = tuple[Hashable, "bytes | str | ArchivedPage", str, PageHints | None]


def _extract_job(html: bytes | str | ArchivedPage, url: str, hints: PageHints | None) -> ExtractedPage:
    if isinstance(html, ArchivedPage):
        try:
            html = read_response(html.path, html.offset, html.length).body
        except (OSError, ValueError) as exc:
            return _failed(f"{UNREADABLE}: {exc}")
    return extract_page(html, url, hints=hints)


def _worker_main(conn: Connection) -> None:
    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        if job is None:
            return
        key, html, url, hints = job
        conn.send((key, _extract_job(html, url, hints)))


@dataclass
class _Worker:
    process: Any
    conn: Connection
    jobs: deque = field(default_factory=deque)  # jobs sent, oldest (the one running) first
    started: float = 0.0  # when the oldest job started


def _context() -> Any:
    methods = multiprocessing.get_all_start_methods()
    # forkserver: workers start clean (no inherited threads or DB sessions) yet start fast.
    ctx = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    if "forkserver" in methods:
        ctx.set_forkserver_preload(["pipelines.extract.warmup"])
    return ctx


def _start(ctx: Any) -> _Worker:
    parent, child = ctx.Pipe(duplex=True)
    process = ctx.Process(target=_worker_main, args=(child,), daemon=True)
    process.start()
    child.close()
    return _Worker(process, parent)


def _failed(note: str) -> ExtractedPage:
    return ExtractedPage(page_type="error", page_note=note, extractor_version=EXTRACTOR_VERSION,
                         settings_hash=extractor_settings_hash())


def _stop(worker: _Worker) -> None:
    worker.process.kill()
    worker.process.join(5)
    worker.conn.close()


class ExtractionPool:
    """Worker processes that extract pages, kept alive between batches (start it once per pass).

    Workers start lazily, up to ``workers`` (default: one per core). Use as a context
    manager, or call :meth:`close`.
    """

    def __init__(self, workers: int | None = None, page_timeout_s: float = 30.0) -> None:
        self.size = max(1, workers or os.cpu_count() or 1)
        self.page_timeout_s = page_timeout_s
        self._ctx = _context()
        self._workers: list[_Worker] = []

    def __enter__(self) -> ExtractionPool:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _free_worker(self, depth: int) -> _Worker | None:
        """The worker to hand the next job: a new one while below size, else the least loaded
        one with fewer than ``depth`` jobs, else ``None``."""
        pool = self._workers
        if len(pool) < self.size:
            worker = _start(self._ctx)
            pool.append(worker)
            return worker
        worker = min(pool, key=lambda w: len(w.jobs))
        return worker if len(worker.jobs) < depth else None

    def map(self, jobs: Iterable[Job]) -> Iterator[tuple[Hashable, ExtractedPage]]:
        """Yield (key, ExtractedPage) for every job, in completion order.

        A page still running after ``page_timeout_s`` yields page_type "error" with a
        timed-out note; its worker is killed and replaced (the pages queued behind it are
        handed out again), so one pathological page never stalls the run. A worker that
        dies yields an "error" page for its job. Raises nothing for bad pages. Jobs still
        running when the caller stops iterating are abandoned (their workers are stopped).
        """
        pending = iter(jobs)
        retry: deque = deque()  # jobs queued behind a page whose worker was stopped
        pool = self._workers
        exhausted = False
        timeout = self.page_timeout_s
        done: list[tuple[Hashable, ExtractedPage]] = []
        try:
            while True:
                # Fill every worker's queue before giving finished pages back, so that
                # workers never wait on the caller.
                while retry or not exhausted:
                    job = retry.popleft() if retry else next(pending, None)
                    if job is None:
                        exhausted = True
                        break
                    # A page sent as HTML may fill the pipe: queue it only on an idle worker,
                    # or sending it would wait on a busy (perhaps stuck) worker.
                    worker = self._free_worker(QUEUE_DEPTH if isinstance(job[1], ArchivedPage) else 1)
                    if worker is None:
                        retry.appendleft(job)
                        break
                    worker.conn.send(job)
                    if not worker.jobs:
                        worker.started = time.monotonic()
                    worker.jobs.append(job)
                yield from done
                done = []
                busy = [w for w in pool if w.jobs]
                if not busy:
                    if retry or not exhausted:
                        continue
                    return
                deadline = min(w.started for w in busy) + timeout
                ready = wait([w.conn for w in busy], timeout=max(0.0, deadline - time.monotonic()))
                for worker in busy:
                    if worker.conn in ready:
                        try:
                            key, page = worker.conn.recv()
                        except (EOFError, OSError):
                            done.append((worker.jobs.popleft()[0], _failed("extraction worker died")))
                            self._drop(worker, retry)
                            continue
                        worker.jobs.popleft()
                        worker.started = time.monotonic()
                        done.append((key, page))
                    elif time.monotonic() - worker.started >= timeout:
                        key = worker.jobs.popleft()[0]
                        done.append((key, _failed(f"extraction timed out after {timeout:g}s")))
                        self._drop(worker, retry)
        finally:
            for worker in [w for w in pool if w.jobs]:
                _stop(worker)
                pool.remove(worker)

    def _drop(self, worker: _Worker, retry: deque) -> None:
        """Stop ``worker``; the jobs still queued on it go back to ``retry``."""
        retry.extendleft(reversed(worker.jobs))
        worker.jobs.clear()
        _stop(worker)
        self._workers.remove(worker)

    def close(self) -> None:
        """Stop every worker (idle ones are asked to exit, others are killed)."""
        pool, self._workers = self._workers, []
        for worker in pool:
            try:
                worker.conn.send(None)
            except OSError:
                pass
        for worker in pool:
            worker.process.join(1)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join(1)
            worker.conn.close()


def extract_pages(jobs: Iterable[Job], *, workers: int | None = None,
                  page_timeout_s: float = 30.0) -> Iterator[tuple[Hashable, ExtractedPage]]:
    """Yield (key, ExtractedPage) for every job, in completion order, from a pool of its own.

    See :meth:`ExtractionPool.map`.
    """
    with ExtractionPool(workers, page_timeout_s) as pool:
        yield from pool.map(jobs)
