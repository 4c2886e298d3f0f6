"""Enrich documents: language, word count, entities (NER where a model is installed), places and keywords.

English texts go through spaCy NER in batches (``nlp.pipe``), spread over this process's
pool of worker processes (kept between calls) that each load the model once
(:func:`pipelines.enrich.model.process_ner`); this process detects languages (where the
caller does not know them already) and turns the mentions they send back into entities,
places and keywords (one copy of the gazetteer, beside the workers' copies of the NER
model).
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
from pipelines.enrich.model import NER_LANGUAGES, load_ner_model, model_info, ner_spans
from pipelines.enrich.places import gazetteer

#: Texts a NER worker takes, on average, before the pool is replaced by a fresh one
#: (spaCy's string store grows with every new word a process meets; a fresh worker
#: reloads the model in a second or two). Texts, not chunks: a day streamed in small
#: batches sends small chunks.
RECYCLE_TEXTS = 500
#: Texts sent to a worker process at a time (at most; fewer so that each worker gets several).
CHUNK = 32
#: Below this many NER texts, one process does them all (starting workers costs more),
#: unless the caller keeps NER out of its process (``isolated``).
MIN_PARALLEL = 48
#: Without NER, a capitalised name is taken as a city only from this population up (fewer
#: common words that happen to be small towns).
GAZETTEER_ONLY_MIN_POPULATION = 50_000
_CAPITALISED = re.compile(r"\b[A-Z][\w'’.-]+(?:\s+(?:of|de|del|la|van|von|al|bin)?\s*[A-Z][\w'’.-]+)*")


@dataclass(frozen=True)
class Document:
    """Text to enrich: a caller's key, title, body, and its language when known.

    ``language`` is a language detected already (the clean stage's, from the page's
    body): enrichment takes it as it is. Without it, enrichment detects the language
    from the title and body, falling back to ``declared_language`` (the page's own
    declaration) when detection is unsure.
    """

    key: object
    title: str
    text: str
    declared_language: str | None = None
    language: str | None = None

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


# This process's NER workers, kept between calls (each loads the model once): size, pool and
# the texts it was given.
_pool_of_process: tuple[int, ProcessPoolExecutor, list[int]] | None = None


def _pool(workers: int, texts: int) -> ProcessPoolExecutor:
    """Return this process's pool of ``workers`` NER processes for ``texts`` more texts.

    Started on first use, and started afresh (between calls, never during one) once its
    workers have taken :data:`RECYCLE_TEXTS` texts each. (``max_tasks_per_child`` would
    do it inside the pool, but it can hang the pool on Python 3.11.)
    """
    global _pool_of_process
    if _pool_of_process is not None:
        size, pool, given = _pool_of_process
        if size == workers and given[0] < RECYCLE_TEXTS * workers:
            given[0] += texts
            return pool
    close_pool()
    # Spawned, not forked from the extraction pool's forkserver, whose preloaded extraction
    # modules (about 120 MB) these workers never use; they import only the model module.
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=load_ner_model)
    _pool_of_process = (workers, pool, [texts])
    return pool


@atexit.register
def pool_workers() -> int | None:
    """Return how many NER workers this process's pool runs, or ``None`` when none runs."""
    return _pool_of_process[0] if _pool_of_process is not None else None


def close_pool() -> None:
    """Stop this process's NER workers (they start again when needed)."""
    global _pool_of_process
    if _pool_of_process is not None:
        _pool_of_process[1].shutdown(cancel_futures=True)
        _pool_of_process = None


def enrich_documents(
    documents: Sequence[Document], workers: int | None = None, *, isolated: bool = False
) -> list[Enrichment]:
    """Return each document's :class:`Enrichment`, in order; NER runs on ``workers`` processes.

    ``workers`` defaults to every core. Fewer than :data:`MIN_PARALLEL` texts go through
    NER in this process (starting workers costs more than they save), unless this
    process's pool runs already: then they go to it as it is, even when it has fewer
    workers than asked; more go to a pool of ``workers``. With ``isolated`` (the enrich step
    that follows a clean stage, beside the extraction workers) every text goes to the
    pool, even with one worker: a model in this process would be a second copy, kept
    for the rest of the process, and a batch's activations would add to this
    process's peak. Raises
    :class:`pipelines.enrich.model.ModelError` when the NER model is missing or altered
    (checked before any work).
    """
    if any(documents):
        model_info()  # refuse an altered model here, before forking workers
    languages = [
        d.language or detect_language(f"{d.title}\n{d.text}", d.declared_language) for d in documents
    ]
    results: list[Enrichment | None] = [None] * len(documents)
    ner_jobs = []
    for index, (document, language) in enumerate(zip(documents, languages, strict=True)):
        if language in NER_LANGUAGES:
            ner_jobs.append(index)
        else:
            results[index] = _finish(document, language, None)
    workers = workers or os.cpu_count() or 1
    running = pool_workers()
    if running is not None and running < workers and len(ner_jobs) < MIN_PARALLEL:
        workers = running  # a few texts: more workers (each loading the model) would cost more
    size = max(1, min(CHUNK, -(-len(ner_jobs) // (4 * workers))))
    chunks = [ner_jobs[i : i + size] for i in range(0, len(ner_jobs), size)]
    texts = [[documents[i].analysed_text() for i in chunk] for chunk in chunks]
    pooled = _pool_of_process is not None  # the model is in its workers already
    if texts and (isolated or pooled or (workers > 1 and len(ner_jobs) >= MIN_PARALLEL)):
        # Workers run NER only; this process cleans their mentions while they go on.
        outputs = _pool(workers, len(ner_jobs)).map(ner_spans, texts)
    else:
        outputs = map(ner_spans, texts)
    try:
        for chunk, mentions in zip(chunks, outputs, strict=True):
            for index, spans in zip(chunk, mentions, strict=True):
                found = [Mention(text, label, start) for text, label, start in spans]
                results[index] = _finish(documents[index], languages[index], found)
    except BrokenProcessPool:
        close_pool()  # a worker died (killed, out of memory): the next call starts afresh
        raise
    return [result for result in results if result is not None]
