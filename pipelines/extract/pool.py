"""Extract pages on every core with a per-page time limit; stuck workers are killed and replaced."""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Hashable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

from pipelines.extract.core import extract_page
from pipelines.extract.model import ExtractedPage, PageHints
from pipelines.extract.version import EXTRACTOR_VERSION, extractor_settings_hash

Job = tuple[Hashable, bytes | str, str, PageHints | None]


def _worker_main(conn: Connection) -> None:
    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        if job is None:
            return
        key, html, url, hints = job
        conn.send((key, extract_page(html, url, hints=hints)))


@dataclass
class _Worker:
    process: Any
    conn: Connection
    key: Hashable | None = None
    started: float = 0.0


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

    def map(self, jobs: Iterable[Job]) -> Iterator[tuple[Hashable, ExtractedPage]]:
        """Yield (key, ExtractedPage) for every job, in completion order.

        A page still running after ``page_timeout_s`` yields page_type "error" with a
        timed-out note; its worker is killed and replaced, so one pathological page never
        stalls the run. A worker that dies yields an "error" page for its job. Raises
        nothing for bad pages. Jobs still running when the caller stops iterating are
        abandoned (their workers are stopped).
        """
        pending = iter(jobs)
        pool = self._workers
        exhausted = False
        timeout = self.page_timeout_s
        done: list[tuple[Hashable, ExtractedPage]] = []
        try:
            while True:
                # Hand a job to every idle worker (starting workers lazily, up to size) before
                # giving finished pages back, so workers never wait on the caller.
                while not exhausted and (len(pool) < self.size or any(w.key is None for w in pool)):
                    job = next(pending, None)
                    if job is None:
                        exhausted = True
                        break
                    worker = next((w for w in pool if w.key is None), None)
                    if worker is None:
                        worker = _start(self._ctx)
                        pool.append(worker)
                    key, html, url, hints = job
                    worker.conn.send((key, html, url, hints))
                    worker.key, worker.started = key, time.monotonic()
                yield from done
                done = []
                busy = [w for w in pool if w.key is not None]
                if not busy:
                    return
                deadline = min(w.started for w in busy) + timeout
                ready = wait([w.conn for w in busy], timeout=max(0.0, deadline - time.monotonic()))
                for worker in busy:
                    if worker.conn in ready:
                        try:
                            key, page = worker.conn.recv()
                        except (EOFError, OSError):
                            key, page = worker.key, _failed("extraction worker died")
                            _stop(worker)
                            pool.remove(worker)
                        else:
                            worker.key = None
                        done.append((key, page))
                    elif time.monotonic() - worker.started >= timeout:
                        key = worker.key
                        _stop(worker)
                        pool.remove(worker)
                        done.append((key, _failed(f"extraction timed out after {timeout:g}s")))
        finally:
            for worker in [w for w in pool if w.key is not None]:
                _stop(worker)
                pool.remove(worker)

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
