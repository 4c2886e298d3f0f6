"""Decoding of JSON-lines input shared by the ``storyline cluster`` and ``enrich`` commands."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator


def decoded_lines(lines: Iterable[str]) -> Iterator[tuple[int, object]]:
    """Yield ``(line number, decoded value)`` for each non-blank line.

    Raises ``ValueError`` naming the line when it is not valid JSON.
    """
    for line_number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            yield line_number, json.loads(line)
        except json.JSONDecodeError as error:
            raise ValueError(f"line {line_number}: not valid JSON ({error.msg})") from None
