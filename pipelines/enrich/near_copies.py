"""NER once per near copy: in one enrich step, a text nearly copying one analysed before borrows its analysis.

Wire copy reaches a day many times over, each outlet editing it a little, and NER is the
costliest part of enrichment. While a shard's enrich step runs, every text it analyses or
finds analysed before enters a MinHash index (the dedup stage's word shingles and
threshold, :mod:`pipelines.dedup.near`); a later text of the step that nearly copies one
of them takes that text's analysis instead of going through NER, with :data:`BORROWED`
among what was applied.

Borrowing only saves work; it never decides what the warehouse ends with. The day's dedup
stage decides which articles are copies. Those it keeps as originals but that borrowed get
their own analysis right after it, before clustering reads entities
(:func:`pipelines.enrich.store.analyse_borrowed_originals`), and the copies take their
original's analysis in the day's ``story_enrichment`` step. So incremental runs and a
rebuild end in the same rows, whoever borrowed from whom on the way.
"""

from __future__ import annotations

from pipelines.dedup.index import DuplicateKeys, duplicate_keys
from pipelines.dedup.near import NEAR_DUPLICATE_THRESHOLD, NearDuplicateIndex

#: In ``enrichment_applied``: the analysis is a near copy's (the article's own comes later).
BORROWED = "near_copy_analysis"


class NearCopies:
    """The texts one step analysed, by analysis key, for near-copy lookup of the next ones."""

    def __init__(self, threshold: float = NEAR_DUPLICATE_THRESHOLD) -> None:
        self._index = NearDuplicateIndex(threshold)
        self._last: tuple[str | None, DuplicateKeys] | None = None  # the body asked about last

    def _keys(self, body: str | None) -> DuplicateKeys:
        # A text is asked about, then held: its keys are computed once.
        if self._last is None or self._last[0] is not body:
            self._last = (body, duplicate_keys(None, body))
        return self._last[1]

    def source_of(self, body: str | None) -> str | None:
        """Return the analysis key of a held text that ``body`` nearly copies (the closest), or ``None``."""
        keys = self._keys(body)
        matches = self._index.query(keys.signature, keys.bands) if keys.shingle_count else []
        return str(matches[0][0]) if matches else None

    def hold(self, key: str, body: str | None) -> None:
        """Hold the analysed text ``key`` (its body) as a source for later near copies."""
        if key in self._index:
            return
        keys = self._keys(body)
        if keys.shingle_count:
            self._index.insert(key, keys.signature, keys.bands)
