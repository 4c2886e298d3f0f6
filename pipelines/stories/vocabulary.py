"""Integer ids for terms, so that the clusterer can keep per-term numbers in numpy arrays.

A vocabulary numbers terms in the order it first sees them. The clusterer has its own;
a helper process computing features has another, and the clusterer translates the
helper's ids into its own once per new term (:meth:`TermVocabulary.translation`), not
once per occurrence.
"""

from __future__ import annotations

import numpy as np


class TermVocabulary:
    """Term -> integer id (first-seen order) and back.

    Grows with the number of distinct terms seen (about 100 bytes per term); the clusterer
    that owns it lives for one run.
    """

    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.terms: list[str] = []
        # Raw token -> what the tokenizer made of it, with this vocabulary's term id
        # (filled by pipelines.stories.features, so a token is looked up once, not twice).
        self.tokens: dict[str, tuple] = {}

    def __len__(self) -> int:
        return len(self.terms)

    def id_of(self, term: str) -> int:
        """Return the id of ``term``, numbering it when it is new."""
        term_id = self.index.get(term)
        if term_id is None:
            term_id = self.index[term] = len(self.terms)
            self.terms.append(term)
        return term_id

    def encode(self, weights: dict[int, float]) -> tuple[np.ndarray, np.ndarray]:
        """Return ``(ids, weights)`` arrays of a term id -> weight mapping, larger terms first.

        The order is the tie-break of every later ranking by weight (a stable sort keeps
        it), so rankings do not depend on how terms happened to be numbered.
        """
        ordered = sorted(weights, key=self.terms.__getitem__, reverse=True)
        return (
            np.array(ordered, dtype=np.int64),
            np.fromiter(map(weights.__getitem__, ordered), dtype=np.float64, count=len(ordered)),
        )

    def translation(self, table: np.ndarray, first: int, new_terms: list[str]) -> np.ndarray:
        """Extend ``table`` (another vocabulary's id -> our id) with that vocabulary's new terms.

        ``first`` is the other vocabulary's id of ``new_terms[0]``; it must equal
        ``len(table)`` (the other side's terms arrive in order).
        """
        if first != len(table):
            raise ValueError(f"terms from id {first} arrived, expected id {len(table)}")
        if not new_terms:
            return table
        added = np.fromiter(map(self.id_of, new_terms), dtype=np.int64, count=len(new_terms))
        return np.concatenate((table, added))
