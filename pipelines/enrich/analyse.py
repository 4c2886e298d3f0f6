"""Enrich documents: language, word count, entities (NER where a model is installed), places and keywords.

English texts go through spaCy NER in batches (``nlp.pipe``), spread over this process's
pool of worker processes (kept between calls) that each load the model once
(:func:`pipelines.enrich.model.process_ner`) and do the whole analysis of their chunk.
Texts in other languages get their places from the gazetteer (capitalised names it
knows) and their keywords; each result says what was applied.
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
import re
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field

from pipelines.enrich.entities import Entity, EntitySpans, Mention, article_entities
from pipelines.enrich.keywords import Keyword, keywords
from pipelines.enrich.language import detect_language, word_count
from pipelines.enrich.model import NER_LANGUAGES, model_info, process_ner
from pipelines.enrich.places import gazetteer

#: Texts per nlp.pipe batch.
NER_BATCH = 32
#: Texts sent to a worker process at a time (at most; fewer so that each worker gets several).
CHUNK = 32
#: Below this many texts, one process does them all (starting workers costs more).
MIN_PARALLEL = 48
#: Without NER, a capitalised name is taken as a city only from this population up (fewer
#: common words that happen to be small towns).
GAZETTEER_ONLY_MIN_POPULATION = 50_000
_CAPITALISED = re.compile(r"\b[A-Z][\w'’.-]+(?:\s+(?:of|de|del|la|van|von|al|bin)?\s*[A-Z][\w'’.-]+)*")


@dataclass(frozen=True)
class Document:
    """Text to enrich: a caller's key, title, body and the language the page declares."""

    key: object
    title: str
    text: str
    declared_language: str | None = None

    def analysed_text(self) -> str:
        """Return the text NER and keywords read: the title, a blank line, the body."""
        return f"{self.title}\n\n{self.text}" if self.title else self.text


@dataclass
class Enrichment:
    """What enrichment found in one document, and which methods it applied."""

    language: str | None
    word_count: int
    entities: list[Entity] = field(default_factory=list)
    keywords: list[Keyword] = field(default_factory=list)
    applied: list[str] = field(default_factory=list)

    def as_json(self, key: object) -> dict:
        """Return the CLI's line for this document."""
        return {
            "id": key,
            "language": self.language,
            "entities": [entity.as_json() for entity in self.entities],
            "keywords": [keyword.phrase for keyword in self.keywords],
        }


def _gazetteer_mentions(text: str) -> list[Mention]:
    gazette = gazetteer()
    mentions = []
    for match in _CAPITALISED.finditer(text):
        name, start = match.group(0), match.start()
        words = name.split(maxsplit=1)
        if not gazette.candidates(name) and len(words) == 2:  # a sentence's first word ("In Moskau")
            start += name.index(words[1], len(words[0]))
            name = words[1]
        found = gazette.candidates(name)
        if any(p.kind != "city" or p.population >= GAZETTEER_ONLY_MIN_POPULATION for p in found):
            mentions.append(Mention(name, "GPE", start))
    return mentions


def _finish(document: Document, language: str | None, mentions: list[Mention] | None) -> Enrichment:
    text = document.analysed_text()
    applied = ["language", "word_count"]
    if mentions is None:
        mentions = _gazetteer_mentions(text)
        applied.append("gazetteer_places")
    else:
        applied.extend(["ner", "gazetteer_places"])
    entities = article_entities(mentions)
    found = keywords(text, language, EntitySpans.of(entities))
    applied.append("keywords")
    return Enrichment(language, word_count(document.text), entities, found, applied)


def analyse_chunk(documents: Sequence[Document]) -> list[Enrichment]:
    """Return each document's :class:`Enrichment`, in order, computed in this process.

    What a worker process runs for a chunk: language, NER (``nlp.pipe``) on the texts in a
    language with a model, then entities, places and keywords, so the process that asks
    loads neither the model nor the gazetteer.
    """
    languages = [detect_language(f"{d.title}\n{d.text}", d.declared_language) for d in documents]
    ner_indexes = [index for index, language in enumerate(languages) if language in NER_LANGUAGES]
    mentions: dict[int, list[Mention]] = {}
    if ner_indexes:
        texts = [documents[index].analysed_text() for index in ner_indexes]
        for index, doc in zip(ner_indexes, process_ner().pipe(texts, batch_size=NER_BATCH), strict=True):
            mentions[index] = [Mention(ent.text, ent.label_, ent.start_char) for ent in doc.ents]
    return [
        _finish(document, language, mentions.get(index))
        for index, (document, language) in enumerate(zip(documents, languages, strict=True))
    ]


def _load_model() -> None:
    process_ner()


# This process's analysis workers, kept between calls (each loads the model once): (size, pool).
_pool_of_process: tuple[int, ProcessPoolExecutor] | None = None


def _pool(workers: int) -> ProcessPoolExecutor:
    """Return this process's pool of ``workers`` NER processes, started on first use."""
    global _pool_of_process
    if _pool_of_process is not None and _pool_of_process[0] == workers:
        return _pool_of_process[1]
    close_pool()
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_load_model)
    _pool_of_process = (workers, pool)
    return pool


@atexit.register
def close_pool() -> None:
    """Stop this process's NER workers (they start again when needed)."""
    global _pool_of_process
    if _pool_of_process is not None:
        _pool_of_process[1].shutdown(cancel_futures=True)
        _pool_of_process = None


def enrich_documents(
    documents: Sequence[Document], workers: int | None = None, *, isolated: bool = False
) -> list[Enrichment]:
    """Return each document's :class:`Enrichment`, in order, analysed on ``workers`` processes.

    ``workers`` defaults to every core. A few documents are analysed in this process
    (starting workers costs more), unless ``isolated``: then always in this process's
    pool, so the model is never loaded here (the pipeline's stage). Raises
    :class:`pipelines.enrich.model.ModelError` when the NER model is missing or altered
    (checked before any work).
    """
    if not documents:
        return []
    model_info()  # refuse an altered model here, before starting workers
    workers = workers or os.cpu_count() or 1
    size = max(1, min(CHUNK, -(-len(documents) // (4 * workers))))
    chunks = [documents[i : i + size] for i in range(0, len(documents), size)]
    if isolated or (workers > 1 and len(documents) >= MIN_PARALLEL):
        outputs = _pool(workers).map(analyse_chunk, chunks)
    else:
        outputs = map(analyse_chunk, chunks)
    try:
        return [result for chunk in outputs for result in chunk]
    except BrokenProcessPool:
        close_pool()  # a worker died (killed, out of memory): the next call starts afresh
        raise
