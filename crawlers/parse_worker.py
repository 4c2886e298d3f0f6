"""A parse worker process: reads ``(function, args)`` tasks on stdin, answers ``(ok, value)`` on stdout.

Started by :mod:`crawlers.offload` as ``python -m crawlers.parse_worker``. It imports no
Scrapy, Twisted or warehouse code (only what a task's function needs, on first use), so
it starts in a fraction of a second and stays small. Tasks and answers are pickled
``multiprocessing.connection`` messages; an error in a task is answered as
``(False, "ExceptionName: message")`` and the worker goes on. It ends at end of input.
"""

from __future__ import annotations

import os
import signal
import sys
from multiprocessing.connection import Connection
from typing import Any


def serve(tasks: Connection, answers: Connection) -> None:
    """Answer each task from ``tasks`` on ``answers`` until ``tasks`` is closed."""
    while True:
        try:
            function, args = tasks.recv()
        except (EOFError, OSError):
            return
        try:
            answer: tuple[bool, Any] = (True, function(*args))
        except Exception as exc:  # noqa: BLE001 - any parser error becomes a recorded failure
            answer = (False, f"{type(exc).__name__}: {exc}"[:2000])
        answers.send(answer)


def main() -> None:
    """Serve on stdin/stdout; anything else written to stdout goes to stderr instead."""
    # Ctrl-C reaches the whole process group: the crawl decides, its workers only stop
    # when their input closes or they are killed.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    tasks = Connection(os.dup(0), writable=False)
    answers = Connection(os.dup(1), readable=False)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    serve(tasks, answers)


if __name__ == "__main__":
    main()
