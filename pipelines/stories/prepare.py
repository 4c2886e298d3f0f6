"""What the story clusterer needs of each article, computed apart from its state.

:func:`prepare_doc` turns one article into term ids and weights, a MinHash signature,
passage hashes and exact-duplicate keys. It reads no clusterer state (it only numbers new
terms in a :class:`TermVocabulary`), so :func:`prepare_batch` can run it in a helper
process while the clusterer works. A batch travels back as a :class:`PreparedBatch`: a
few flat arrays instead of a dict of small arrays per article, which is several times
cheaper to pickle and unpickle.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from pipelines.dedup.exact import url_key
from pipelines.dedup.near import NUM_PERM, minhash_signature, signature_bands
from pipelines.stories.dates import dateline
from pipelines.stories.evidence import entity_evidence, full_names, name_words
from pipelines.stories.features import extract_features
from pipelines.stories.vocabulary import TermVocabulary

if TYPE_CHECKING:
    from pipelines.stories.types import ClusterConfig, Doc


def prepare_doc(doc: Doc, config: ClusterConfig, vocabulary: TermVocabulary) -> dict[str, Any]:
    """Return what the clusterer needs of ``doc``: terms, MinHash signature, passages, keys.

    Terms come as ids of ``vocabulary`` with their raw weights (``term_ids``,
    ``term_weights``; ``title_terms`` are the ids of the title's content words), and
    the entity ``evidence`` with the article's capitalised ``name_words`` and the
    ``people`` it names in full (all empty without entities; :mod:`pipelines.stories.evidence`),
    and the ``stated_time`` of an undated article (:func:`_stated_time`).
    """
    features = extract_features(
        doc.title, doc.text, name_boost=config.name_boost, title_boost=config.title_boost,
        passage_words=config.passage_words, max_body_words=config.max_body_words,
        name_pairs=config.name_pairs, vocabulary=vocabulary,
    )
    signature = minhash_signature(features.shingles)
    term_ids, term_weights = vocabulary.encode(features.terms)
    return {
        "term_ids": term_ids,
        "term_weights": term_weights,
        "signature": signature,
        "bands": signature_bands(signature),
        "passages": features.passages,
        "url_key": url_key(doc.canonical_url or doc.url),
        "text_key": features.fingerprint,
        "shingle_count": len(features.shingles),
        "title_terms": features.title_terms,
        **_evidence(doc, config),
        **_stated_time(doc, config),
    }


def _stated_time(doc: Doc, config: ClusterConfig) -> dict[str, float | None]:
    """Return the POSIX seconds of an undated article's first dateline (``stated_time``), if any."""
    if doc.published_at is not None or not config.stated_dates:
        return {"stated_time": None}
    found = dateline(doc.title, doc.text)
    return {"stated_time": found.timestamp() if found is not None else None}


def _evidence(doc: Doc, config: ClusterConfig) -> dict[str, Any]:
    evidence = entity_evidence(doc.entities, config.conflict_types)
    # People named in full: for dated follow-ups (shared_person_mentions) and for the
    # lead people of undated articles (title_person_mentions).
    wanted = config.shared_person_mentions or (
        config.title_person_mentions and doc.published_at is None
    )
    people = full_names(doc.entities) if wanted else {}
    if not evidence:
        return {"evidence": {}, "name_words": frozenset(), "people": people}
    return {
        "evidence": evidence,
        "name_words": name_words(doc.title, doc.text, config.max_body_words),
        "people": people,
    }


def _offsets(arrays: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(([0], np.cumsum([len(array) for array in arrays])))


def _joined(arrays: list[np.ndarray], dtype: type) -> np.ndarray:
    return np.concatenate(arrays) if arrays else np.zeros(0, dtype)


@dataclass
class PreparedBatch:
    """:func:`prepare_doc` of several articles, as flat arrays (cheap to send between processes).

    ``helper`` is the process that numbered the terms, ``new_terms`` the terms it numbered
    for this batch (ids from ``first_new_term`` on): what the clusterer needs to translate
    the ids into its own. Article ``i``'s terms are ``term_ids[term_offsets[i]:term_offsets[i + 1]]``,
    and likewise for titles and passages.
    """

    helper: int
    first_new_term: int
    new_terms: list[str]
    term_ids: np.ndarray
    term_weights: np.ndarray
    term_offsets: np.ndarray
    title_ids: np.ndarray
    title_offsets: np.ndarray
    passages: np.ndarray
    passage_offsets: np.ndarray
    signatures: np.ndarray  # one row of NUM_PERM values per article
    shingle_counts: list[int]
    url_keys: list[str | None]
    text_keys: list[str | None]
    evidence: list[dict[str, int]]
    name_words: list[frozenset[str]]
    people: list[dict[str, int]]
    stated_times: list[float | None]

    @classmethod
    def of(
        cls, prepared: list[dict[str, Any]], vocabulary: TermVocabulary, first: int
    ) -> PreparedBatch:
        """Pack :func:`prepare_doc` results; ``first`` is the vocabulary size before them."""
        term_ids = [item["term_ids"] for item in prepared]
        titles = [np.array(item["title_terms"], dtype=np.int64) for item in prepared]
        passages = [item["passages"] for item in prepared]
        return cls(
            helper=os.getpid(), first_new_term=first, new_terms=vocabulary.terms[first:],
            term_ids=_joined(term_ids, np.int64), term_offsets=_offsets(term_ids),
            term_weights=_joined([item["term_weights"] for item in prepared], np.float64),
            title_ids=_joined(titles, np.int64), title_offsets=_offsets(titles),
            passages=_joined(passages, np.uint64), passage_offsets=_offsets(passages),
            signatures=(
                np.stack([item["signature"] for item in prepared])
                if prepared else np.zeros((0, NUM_PERM), np.uint64)
            ),
            shingle_counts=[item["shingle_count"] for item in prepared],
            url_keys=[item["url_key"] for item in prepared],
            text_keys=[item["text_key"] for item in prepared],
            evidence=[item["evidence"] for item in prepared],
            name_words=[item["name_words"] for item in prepared],
            people=[item["people"] for item in prepared],
            stated_times=[item["stated_time"] for item in prepared],
        )

    def records(self, translation: np.ndarray) -> list[dict[str, Any]]:
        """Return the per-article dicts of :func:`prepare_doc`, term ids mapped by ``translation``."""
        term_ids = translation[self.term_ids]
        title_ids = translation[self.title_ids]
        terms, titles, passages = self.term_offsets, self.title_offsets, self.passage_offsets
        bands = signature_bands(self.signatures)  # one list of band keys per row
        return [
            {
                "term_ids": term_ids[terms[i] : terms[i + 1]],
                "term_weights": self.term_weights[terms[i] : terms[i + 1]],
                "signature": self.signatures[i],
                "bands": bands[i],
                "passages": self.passages[passages[i] : passages[i + 1]],
                "url_key": self.url_keys[i],
                "text_key": self.text_keys[i],
                "shingle_count": self.shingle_counts[i],
                "title_terms": tuple(title_ids[titles[i] : titles[i + 1]].tolist()),
                "evidence": self.evidence[i],
                "name_words": self.name_words[i],
                "people": self.people[i],
                "stated_time": self.stated_times[i],
            }
            for i in range(len(self.url_keys))
        ]


# In a helper process: the vocabulary of the current add_many call (its session id).
_helper_vocabulary: tuple[str, TermVocabulary] | None = None


def prepare_batch(docs: list[Doc], config: ClusterConfig, session: str) -> PreparedBatch:
    """Return :func:`prepare_doc` of each of ``docs`` as one batch (a helper process's task).

    Term ids are those of this process's vocabulary for ``session`` (one ``add_many`` call).
    """
    global _helper_vocabulary
    if _helper_vocabulary is None or _helper_vocabulary[0] != session:
        _helper_vocabulary = (session, TermVocabulary())
    vocabulary = _helper_vocabulary[1]
    first = len(vocabulary)
    return PreparedBatch.of([prepare_doc(doc, config, vocabulary) for doc in docs], vocabulary, first)
