"""Exact-duplicate keys and the near-duplicate MinHash index."""

from __future__ import annotations

import pytest

from pipelines.dedup.exact import normalize_text, normalized_words, text_fingerprint, url_key
from pipelines.dedup.near import (
    NearDuplicateIndex,
    estimate_jaccard,
    minhash_signature,
    token_hashes,
    word_shingle_hashes,
)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://Example.com/news/story-1/?utm_source=x&utm_medium=y", "//example.com/news/story-1"),
        ("https://example.com/news/story-1#comments", "//example.com/news/story-1"),
        ("https://example.com/a?b=2&a=1&fbclid=zz", "//example.com/a?a=1&b=2"),
        ("https://example.com:443/a", "//example.com/a"),
        # One story whatever the scheme or a leading www.; other subdomains stay apart.
        ("http://www.example.com/a", "//example.com/a"),
        ("https://WWW.example.com/a", "//example.com/a"),
        ("https://news.example.com/a", "//news.example.com/a"),
        ("http://example.com:8080/a", "//example.com:8080/a"),
        ("not a url", None),
        ("", None),
        (None, None),
    ],
)
def test_url_key_is_the_canonical_url_without_scheme_or_www(url: str | None,
                                                            expected: str | None) -> None:
    assert url_key(url) == expected


def test_text_fingerprint_ignores_typography() -> None:
    first = "The council’s vote — held on Tuesday — passed.\n\nIt was close."
    second = "the council's vote - held on tuesday - passed. It was close."
    assert normalize_text(first) == normalize_text(second)
    assert text_fingerprint(first) == text_fingerprint(second)
    assert text_fingerprint("   ") is None


def _signature(text: str):
    return minhash_signature(word_shingle_hashes(token_hashes(normalize_text(text).split())))


BODY = (
    "The harbour authority of Port Quillon said on Friday that the new ferry terminal will "
    "open in the spring after two years of delays caused by flooding and a shortage of steel. "
    "Engineers told the board that the pier foundations had been reinforced and that the "
    "waiting hall would hold four hundred passengers. Local traders welcomed the news and "
    "said the summer season could finally bring back the visitors lost since the old quay closed."
)


@pytest.mark.parametrize("text", [
    "Mayor’s “new” bridge_fund — 2,5 m€ in 2026…",
    "snake_case and\u00a0no-break\u2003em space\u3000ideographic",
    "Ｆｕｌｌｗｉｄｔｈ ＡＢＣ and ﬁ ligature, Straße, İstanbul",
    "東京で会議 — 서울 회의; ٢٠٢٦ Arabic-Indic digits; e\u0301 combining",
    "__init__ ___ _ tabs\tand\nnewlines\r\n",
])
def test_normalized_words_are_the_words_left_when_every_non_word_run_is_a_space(text: str) -> None:
    import re
    import unicodedata

    reference = re.sub(r"[\W_]+", " ", unicodedata.normalize("NFKC", text).casefold()).split()
    assert normalized_words(text) == reference
    assert normalize_text(text) == " ".join(reference)


def test_near_duplicate_index_finds_edited_copy_and_forgets_removed() -> None:
    index = NearDuplicateIndex()
    index.insert("a", _signature(BODY))
    edited = BODY.replace("Friday", "Thursday") + " Reporting by the Quillon Courier."
    matches = index.query(_signature(edited))
    assert [key for key, _ in matches] == ["a"]
    assert matches[0][1] >= 0.5
    unrelated = "A different article about mountain goats grazing above the valley of Ebbe."
    assert index.query(_signature(unrelated)) == []
    index.remove(["a"])
    assert index.query(_signature(edited)) == []
    assert len(index) == 0


def test_signatures_are_stable_and_estimate_jaccard() -> None:
    assert (_signature(BODY) == _signature(BODY)).all()
    assert estimate_jaccard(_signature(BODY), _signature(BODY)) == 1.0
