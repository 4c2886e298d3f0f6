"""Term ids: numbering, the tie-break order of encoded terms, and translating a helper's ids."""

from __future__ import annotations

import numpy as np
import pytest

from pipelines.stories.prepare import PreparedBatch, prepare_doc
from pipelines.stories.types import ClusterConfig, Doc
from pipelines.stories.vocabulary import TermVocabulary


def test_terms_are_numbered_once_in_first_seen_order() -> None:
    vocabulary = TermVocabulary()
    assert [vocabulary.id_of(term) for term in ["harbour", "crane", "harbour"]] == [0, 1, 0]
    assert vocabulary.terms == ["harbour", "crane"] and len(vocabulary) == 2


def test_encoded_terms_come_larger_term_first_whatever_their_ids() -> None:
    vocabulary = TermVocabulary()
    weights = {vocabulary.id_of(term): 1.0 for term in ["apple", "zebra", "mango"]}
    ids, values = vocabulary.encode(weights)
    assert [vocabulary.terms[i] for i in ids.tolist()] == ["zebra", "mango", "apple"]
    assert values.tolist() == [1.0, 1.0, 1.0]


def test_a_helpers_ids_translate_into_ours() -> None:
    ours, helper = TermVocabulary(), TermVocabulary()
    ours.id_of("bridge")  # we already know a term the helper numbers later
    table = np.zeros(0, np.int64)
    first = len(helper)
    helper_ids = [helper.id_of(term) for term in ["flood", "bridge"]]
    table = ours.translation(table, first, helper.terms[first:])
    assert [ours.terms[i] for i in table[helper_ids].tolist()] == ["flood", "bridge"]
    with pytest.raises(ValueError, match="arrived"):
        ours.translation(table, first + 5, ["late"])


def test_a_packed_batch_gives_back_each_article() -> None:
    config, vocabulary = ClusterConfig(), TermVocabulary()
    docs = [
        Doc(id=1, title="Ferry strike ends", text="The ferry crews in Portmerrow went back to work today."),
        Doc(id=2, title="", text=""),
        Doc(id=3, title="Council budget", text="Councillors in Ashby approved the budget after a long debate."),
    ]
    single = [prepare_doc(doc, config, vocabulary) for doc in docs]
    batch = PreparedBatch.of(single, vocabulary, 0)
    identity = np.arange(len(vocabulary), dtype=np.int64)
    for packed, alone in zip(batch.records(identity), single, strict=True):
        assert packed.keys() == alone.keys()
        for key, value in alone.items():
            if isinstance(value, np.ndarray):
                assert np.array_equal(packed[key], value), key
            else:
                assert packed[key] == value, key
