"""Items the spiders yield: rows bound for one warehouse table."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class WarehouseRow:
    """One row for ``table``; ``key`` is its natural key when repeats must merge.

    ``table`` is one of ``feed_entries``, ``hub_links``, ``sitemap_entries`` or
    ``fetch_updates`` (changes to a fetch already recorded, e.g. marking a stored page).
    """

    table: str
    row: dict[str, Any] = field(default_factory=dict)
    key: tuple[str, str] | None = None
