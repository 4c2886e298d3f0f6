"""The online story clusterer: dedup, story assignment and relations, one article at a time.

:class:`StoryClusterer` takes articles in publication order (``published_at``, then id)
and decides for each, in this order:

1. **Exact duplicate** of a held article: same canonical URL (``"url"``) or same
   normalized body (``"text"``).
2. **Near-duplicate** (``"near"``): word 5-shingle Jaccard, estimated by MinHash LSH, at
   or above ``near_duplicate_threshold`` (syndicated copies, edited re-fetches).
   Duplicates point at the *root* original and join its story with relation ``"copy"``.
3. **Story**: TF-IDF cosine (names, numbers and title words weighted up; document
   frequencies kept online) against held articles found through an inverted index on
   each article's highest-weighted terms (no all-pairs comparison). The article joins the
   story of its best match when the best link reaches ``link_threshold``, shares at least
   ``min_shared_terms`` terms (or reaches ``strong_link_threshold``, or, for a short
   article, shares ``short_shared_share`` of the shorter vector's terms and at least half
   of ``min_shared_terms``, from another outlet: ``short_other_outlet``, as two briefs of
   one outlet share its own words) *and* its cosine with that story's centroid reaches
   ``centroid_threshold``. The shared-terms test tells another
   event of the same kind (same places and subject, few details in common: another round
   of the same talks) from another report of this event; it, the centroid test and the
   ``max_story_span_days`` limit keep stories from snowballing. When the links of several
   stories pass these tests, the article joins the one whose centroid it is closest to
   (``choose_by_centroid``: the story as a whole, not its single nearest member, which
   may be the one report of another event that reads like this one). Otherwise the
   article starts a new story. Vectors keep their ``vector_terms`` heaviest terms and centroids
   their ``centroid_terms`` heaviest, so the cost per article does not grow with story
   size.
4. **Relation** inside the story: ``"origin"`` (first of its story), ``"copy"``
   (duplicate), ``"rewrite"`` (shares at least ``rewrite_min_passages`` word passages of
   ``passage_words``+ words, i.e. quotes and phrases, with an earlier member) or
   ``"independent"``; with the related article, a similarity and the evidence.

Memory is bounded by a time window: an article leaves every index once the newest
publication time seen is more than ``far_window_days`` past its own, and the document
frequencies are halved every ``df_halving_docs`` articles (one-off names fade). Links between
articles more than ``window_days`` apart (follow-up reports of one event weeks later)
need ``far_link_threshold`` *and* a residual link of ``far_residual``: the cosine left
once the heaviest shared entity (a city, a neighbourhood: terms joined by name pairs)
is taken out, so that they agree on several details; or the article and the story both
name a person in full (two words or more) ``shared_person_mentions`` times or more (the
people of a follow-up: the arrest, the funeral, the charges; dated articles only, from
their NER entities); or the two articles share ``rare_details`` terms that at most
``rare_detail_df`` of the articles seen have used, themselves included (details of one
event that no other article has: the street, the house number, a name; judged once
``rare_detail_min_articles`` have been seen, as among a few articles every name is
rare). Links between articles at most ``close_days`` apart may be weaker
(``close_link_threshold``, ``close_centroid_threshold``): reports of one event cluster in
its first days, and the shared-terms guard still asks them for details in common (fewer
than ``min_shared_terms`` will do when ``rare_details`` of them are such rare details,
or when the article and the story both name a person in full, as above:
``close_shared_person``).
Two such close articles are also linked, whatever their cosine, shared terms and
centroid similarity (down to a cosine of ``title_link_floor``), when one's title is
mostly found in the other (``title_containment`` of its idf weight, in the other's vector
or title, with at least one word found in at most ``title_rare_share`` of the articles
seen; from two outlets, ``title_other_outlet``: an outlet's titles share its own words,
its name, its show, its town): pages whose body is mostly something else (a video list, the weather, other
headlines) still carry their own story in the title. As such a page shares too little
with its story's reports for the inverted index to find them, held articles at most
``close_days`` apart are also found through rare words of the titles (up to
``title_candidates``) when the index gave no story. Dated
articles more than ``close_days`` apart join a story at a centroid similarity of
``dated_centroid_threshold``; undated ones need ``centroid_threshold``. Otherwise
(undated, or more than ``close_days`` apart) a story is refused when neither side
mentions what the other is mainly about (``subject_check``):
the article's heaviest term is absent from the story centroid and the centroid's heaviest
term is absent from the article (another fight of the same champion, another signing
of the same club), unless both sides of a dated link name the same person in full, as
above, or, dated and from two outlets, share ``rare_details`` such rare details
(``subject_rare_details``: each report told through another person, the victim and the
suspect). **Entity evidence** (:mod:`pipelines.stories.evidence`, from the article's NER
entities in :attr:`Doc.entities`; none for an article not enriched yet): a story is
refused when the article and the story each name places of ``conflict_types`` at least
``conflict_min_mentions`` times and neither names any of the other's (the same kind of
event in another city). An undated article (time cannot tell two events of one kind
apart) is also refused by a story when each is headlined by its own person
(``title_person_mentions``): its most-named full name (that many mentions or more) has its
last name in its title and in no title of the story's members, and the story's
most-named full name (mentions summed) is in one of the story's titles and not in the
article's, and the article names its own person more often than the story's (another
player's arrest, which may name the first one in passing). Terms an
outlet used in at least ``source_share`` of its last ``source_memory`` articles (site
name, section names, footer; judged once it has ``source_min_articles``) are left out of
its articles' vectors: they tell who published an article, not what happened. An article without a
publication date is placed in time by its dateline, a full date on a line of its own
(``stated_dates``, :mod:`pipelines.stories.dates`), in the time checks above (the
window, close or weeks apart, the story span) but not on the window's clock; articles
with neither are compatible with any time.

**Second look** (``undated_second_look``, :meth:`StoryClusterer.look_again`; called by
:meth:`StoryClusterer.add_many` once its batch is placed): undated articles come in no
telling order, so one that came before the reports of its event may be left alone in a
story of its own. Once the batch is placed, each undated article still alone in its
story (no copies, no other member) is placed again with the same rules, at a centroid
similarity of ``second_look_centroid`` instead of ``centroid_threshold``, and joins the
story they choose, if any. Then each story of 2 to ``fragment_size`` of the batch's
undated articles and nothing else (no copies) joins a larger story found through its
members' links, when that story's centroid is at least ``fragment_centroid`` from its
own and ``fragment_margin`` times the next larger story's, and the two name no
conflicting places. The strict first bar builds stories from reports that are clearly
of one event (another event of the same kind reads alike); the second look, with the
batch's stories known, gathers the reports left over.

**Archive** (long-term memory, :mod:`pipelines.stories.archive`): when the last held
article of a story leaves the window, a compact copy of the story is kept for
``archive_days`` (its key, first and last times,
and its ``archive_terms`` heaviest centroid terms, unit length), found through a small
inverted index on its ``archive_index_terms`` heaviest terms; at most
``archive_max_stories`` are kept (the least recently active are dropped first). A dated
article that joins no story in the window looks up the archive with its
``archive_query_terms`` heaviest terms and joins the closest archived story (follow-ups
months later: charges, trial, sentencing, anniversary) when its cosine with the archived
centroid reaches ``archive_threshold``, its residual link (as above) reaches
``archive_residual``, the subject check passes, and the next archived candidate's cosine
is at most ``archive_distinct`` times it (an article about as close to several archived
stories shares their setting, not the event). Failing that, it joins an archived story
that names ``archive_person_shared`` of the people it names in full (the archive keeps a
story's ``archive_people`` most named), one of them named by no other archived story,
at a cosine of ``archive_person_threshold`` (the trial or the sentencing, in the court's
words, names the suspect and the victim). The story is revived under its old key
with relation ``"independent"`` (``related_to`` empty, evidence ``"revived"``); its old
centroid counts as ``archive_weight`` articles and its span starts afresh. The result
depends only on the seeds and the order of ``add`` calls, so a re-run over the same
inputs gives the same assignments. A run that does not see a story's articles (the
warehouse clusters one partition at a time) can take it back through
:meth:`StoryClusterer.story_summary` (what the archive keeps, by term string) and
:meth:`StoryClusterer.seed_archived`.
"""

from __future__ import annotations

import gc
import itertools
import math
import multiprocessing
import operator
import os
import uuid
from collections import deque
from collections.abc import Hashable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from pipelines.dedup.index import DuplicateIndex, DuplicateKeys, id_order
from pipelines.stories.archive import ArchiveRules, StoryArchive
from pipelines.stories.evidence import entity_conflict, last_name_word, lead_person, shares_person
from pipelines.stories.prepare import prepare_batch, prepare_doc
from pipelines.stories.similarity import cosine, passage_runs, residual_link, top_items
from pipelines.stories.types import Assignment, ClusterConfig, Doc, StoryKey
from pipelines.stories.vocabulary import TermVocabulary

DAY_SECONDS = 86_400.0
_FROM_ARRAYS = "from-arrays"  # a pickled entry's vector, rebuilt from its arrays on load


@dataclass
class _Entry:
    id: Hashable
    time: float | None
    story_key: StoryKey
    source: str
    vector: dict[int, float] | None  # term id -> weight, heaviest first
    vector_ids: np.ndarray  # the vector's term ids and weights as arrays, in the same order
    vector_weights: np.ndarray
    passages: np.ndarray
    indexed_terms: tuple[int, ...]
    title_terms: tuple[int, ...] = ()  # ids of the title's content words
    title_indexed: bool = False  # whether the title words are in the title index
    passage_set: frozenset[int] | None = None  # set of ``passages``, built when first needed
    when: float | None = None  # ``time``, or for an undated article the time of its dateline

    def passage_values(self) -> frozenset[int]:
        """Return the set of this article's passage hashes (cached)."""
        if self.passage_set is None:
            self.passage_set = frozenset(self.passages.tolist())
        return self.passage_set

    def __getstate__(self) -> dict[str, Any]:
        # A stored clusterer state (pipelines.stories.checkpoint) leaves out what its arrays
        # give back: the vector dict (same items, same order) and the cached passage set.
        state = self.__dict__.copy()
        state["vector"] = None if self.vector is None else _FROM_ARRAYS
        state["passage_set"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        if state["vector"] == _FROM_ARRAYS:
            ids, weights = state["vector_ids"].tolist(), state["vector_weights"].tolist()
            state["vector"] = dict(zip(ids, weights, strict=True))
        state.setdefault("when", state["time"])  # stored before datelines were read
        self.__dict__.update(state)


@dataclass
class _Story:
    key: StoryKey
    names: list[str]  # term id -> term (the clusterer's vocabulary), for tie-breaks
    first_time: float | None = None
    last_time: float | None = None
    size: int = 0
    held: int = 0
    centroid: dict[int, float] = field(default_factory=dict)  # term id -> summed weight
    _centroid_norm: float | None = 0.0
    _lead: int | None = None
    members: dict[Hashable, None] = field(default_factory=dict)  # held, non-duplicate
    evidence: dict[str, int] = field(default_factory=dict)  # entity key -> summed mentions
    name_words: set[str] = field(default_factory=set)  # capitalised words of members with evidence
    people: dict[str, int] = field(default_factory=dict)  # full-name person key -> summed mentions
    title_terms: set[int] = field(default_factory=set)  # title words of members (title_person_mentions)

    def add_evidence(self, evidence: dict[str, int], name_words: frozenset[str]) -> None:
        """Add one member's entity evidence (key -> mentions) and capitalised words."""
        summed = self.evidence
        for key, mentions in evidence.items():
            summed[key] = summed.get(key, 0) + mentions
        self.name_words |= name_words

    def add_people(self, people: dict[str, int]) -> None:
        """Add one member's people named in full (person key -> mentions)."""
        summed = self.people
        for key, mentions in people.items():
            summed[key] = summed.get(key, 0) + mentions

    def add_vector(self, vector: dict[int, float], max_terms: int) -> None:
        """Add ``vector`` to the centroid, keeping its ``max_terms`` heaviest terms.

        The centroid is pruned back to ``max_terms`` once it holds twice as many, so its
        size (and the cost of a centroid cosine) stays bounded however large the story.
        """
        centroid = self.centroid
        for term, weight in vector.items():
            centroid[term] = centroid.get(term, 0.0) + weight
        self._lead = None  # found again when first needed
        if len(centroid) > 2 * max_terms:
            self.centroid = dict(top_items(centroid, max_terms, self.names.__getitem__))
        self._centroid_norm = None  # computed when first needed

    @property
    def lead(self) -> int | None:
        """Return the heaviest centroid term id (ties: the larger term): what the story is about."""
        if self._lead is None and self.centroid:
            weights = list(self.centroid.values())
            heaviest = max(weights)
            if weights.count(heaviest) == 1:
                self._lead = list(self.centroid)[weights.index(heaviest)]
            else:
                ties = [term for term, weight in self.centroid.items() if weight == heaviest]
                self._lead = max(ties, key=self.names.__getitem__)
        return self._lead

    @property
    def centroid_norm(self) -> float:
        """Return the Euclidean norm of the centroid."""
        if self._centroid_norm is None:
            self._centroid_norm = math.hypot(*self.centroid.values())
        return self._centroid_norm


@dataclass
class _SourceProfile:
    """The heaviest terms of an outlet's last few articles: what its boilerplate looks like."""

    recent: deque = field(default_factory=deque)  # term id tuples, oldest first
    counts: dict[int, int] = field(default_factory=dict)  # term id -> recent articles with it
    boilerplate: set[int] = field(default_factory=set)  # terms in enough recent articles
    limit: int | None = None  # how many recent articles make a term boilerplate

    def remember(self, terms: tuple[int, ...], memory: int, min_articles: int, share: float) -> None:
        """Add one article's terms, forgetting the oldest beyond ``memory`` articles.

        ``boilerplate`` then holds the terms found in at least ``share`` of the recent
        articles (at least 2), once there are ``min_articles`` of them.
        """
        recent = self.recent
        forgotten: tuple[int, ...] = recent.popleft() if recent and len(recent) >= memory else ()
        recent.append(terms)
        limit = max(2, math.ceil(share * len(recent))) if len(recent) >= min_articles else None
        counts = self.counts
        get = counts.get
        same_limit = limit is not None and limit == self.limit
        boilerplate = self.boilerplate
        # With the same limit, the terms that cross it are among this article's (up) and
        # the forgotten one's (down); otherwise the set is found afresh below.
        for term in terms:
            count = counts[term] = get(term, 0) + 1
            if same_limit and count >= limit:
                boilerplate.add(term)
        for term in forgotten:
            left = counts[term] - 1
            if left:
                counts[term] = left
            else:
                del counts[term]
            if same_limit and left < limit:
                boilerplate.discard(term)
        if not same_limit and limit != self.limit:
            self.limit = limit
            self.boilerplate = (
                {term for term, count in counts.items() if count >= limit} if limit else set()
            )


_NO_IDS = np.zeros(0, dtype=np.int64)
_NO_WEIGHTS = np.zeros(0)

PARALLEL_MIN_DOCS = 5000
PARALLEL_CHUNK = 500
PARALLEL_IN_FLIGHT = 4


class StoryClusterer:
    """Online, incremental dedup + story clustering over a sliding time window.

    Use :meth:`seed` for articles already assigned (their story keys are kept), then
    :meth:`add` or :meth:`add_many` for new ones. New stories get keys ``"new-1"``,
    ``"new-2"``, ... in creation order.
    """

    def __init__(self, config: ClusterConfig | None = None):
        self.config = config or ClusterConfig()
        self._near_window = self.config.window_days * DAY_SECONDS
        self._window = max(self.config.window_days, self.config.far_window_days) * DAY_SECONDS
        self._entries: dict[Hashable, _Entry] = {}
        self._stories: dict[StoryKey, _Story] = {}
        self._vocabulary = TermVocabulary()
        self._postings: dict[int, dict[Hashable, float]] = {}  # term id -> {id: weight}
        self._title_postings: dict[int, dict[Hashable, None]] = {}  # title word -> {id}
        self._df = np.zeros(1024, dtype=np.int64)  # term id -> document frequency
        self._log1p_table = np.zeros(0)  # log(n + 1) at index n
        self._dense_query = np.zeros(0)  # term id -> weight of the article being placed
        self._sources: dict[str, _SourceProfile] = {}
        self._doc_total = 0
        self._since_halving = 0
        self._duplicates = DuplicateIndex(self.config.near_duplicate_threshold, self._window)
        self._new_story_count = 0
        config = self.config
        self._archive = StoryArchive(
            config.archive_days, config.archive_max_stories, config.archive_terms,
            config.archive_index_terms,
        )
        self._archive_rules = ArchiveRules(
            query_terms=config.archive_query_terms, candidates=config.archive_candidates,
            threshold=config.archive_threshold, residual=config.archive_residual,
            distinct=config.archive_distinct, subject_check=config.subject_check,
            person_shared=config.archive_person_shared,
            person_threshold=config.archive_person_threshold,
        )

    # -- public API ---------------------------------------------------------------------

    def __len__(self) -> int:
        """Return the number of articles currently held in the window."""
        return len(self._entries)

    @property
    def archived_stories(self) -> int:
        """Return how many stories are kept in the archive (none of their articles held)."""
        return len(self._archive)

    def is_archived(self, key: StoryKey) -> bool:
        """Return whether story ``key`` is in the archive (a later article may revive it)."""
        return key in self._archive

    def holds(self, doc_id: Hashable) -> bool:
        """Return whether article ``doc_id`` is currently held in the window."""
        return doc_id in self._entries

    def story_size(self, key: StoryKey) -> int:
        """Return how many articles were assigned to story ``key`` while any is held.

        A story is forgotten (size 0) once all its articles have left the window; a story
        revived from the archive counts its earlier articles again.
        """
        story = self._stories.get(key)
        return story.size if story else 0

    def story_summary(self, key: StoryKey) -> dict[str, Any] | None:
        """Return what the archive keeps of story ``key``, live or archived, by term string.

        A dict with ``first_time`` and ``last_time`` (POSIX seconds), ``size`` (as
        :meth:`story_size`), ``terms``: the story centroid's ``archive_terms``
        heaviest terms, unit length, heaviest first, as ``{term: weight}`` (the same
        choice the archive makes when the story leaves the window), and ``people``: the
        person keys the archive keeps (a list, maybe empty). Term strings, not
        ids, so that another clusterer (another run) can take it back with
        :meth:`seed_archived`. ``None`` when the story is unknown, or has no dated article
        or no vector (such a story is never archived).
        """
        names = self._vocabulary.terms
        story = self._stories.get(key)
        if story is not None:
            if story.first_time is None or story.last_time is None or not story.centroid:
                return None
            terms, weights = self._archive.vector(story.centroid)
            first, last, size = story.first_time, story.last_time, story.size
            people = self._named_people(story.people)
        else:
            archived = self._archive.get(key)
            if archived is None:
                return None
            terms, weights = archived.terms.tolist(), archived.weights.tolist()
            first, last, size = archived.first_time, archived.last_time, archived.size
            people = archived.people
        return {
            "first_time": first,
            "last_time": last,
            "size": size,
            "terms": {names[term]: weight for term, weight in zip(terms, weights, strict=True)},
            "people": list(people),
        }

    def seed_archived(
        self,
        key: StoryKey,
        first_time: datetime | float,
        last_time: datetime | float,
        size: int,
        terms: dict[str, float],
        people: Iterable[str] = (),
    ) -> bool:
        """Put story ``key`` into the archive as if it had been archived here; returns whether it was.

        ``terms`` is a :meth:`story_summary` vector (term -> weight, heaviest first; equal
        weights keep their order) and ``people`` its person keys; times are aware
        datetimes or POSIX seconds. The story
        goes through the same steps as a story whose last article leaves the window (its
        ``archive_terms`` heaviest terms, unit length; ``archive_max_stories`` applies),
        so a later dated article may revive it under ``key``. Nothing happens when
        ``key`` is live or already archived, when ``terms`` is empty, when the archive is
        off, or when ``last_time`` is more than ``archive_days`` before the newest
        publication time seen. Seed in a fixed order (and before :meth:`add`) for
        reproducible assignments.
        """
        config = self.config
        if key in self._stories or key in self._archive or not terms:
            return False
        if not self._archive.enabled:
            return False
        first = first_time.timestamp() if isinstance(first_time, datetime) else float(first_time)
        last = last_time.timestamp() if isinstance(last_time, datetime) else float(last_time)
        clock = self._duplicates.clock
        if clock is not None and last < clock - config.archive_days * DAY_SECONDS:
            return False
        id_of = self._vocabulary.id_of
        # Heaviest first (a stable sort keeps the given order of equal weights).
        ordered = sorted(terms.items(), key=operator.itemgetter(1), reverse=True)
        centroid = {id_of(term): float(weight) for term, weight in ordered}
        self._archive.keep(key, first, last, int(size), centroid, tuple(people))
        return key in self._archive

    def seed(
        self,
        doc: Doc,
        story_key: StoryKey,
        duplicate_of: Hashable | None = None,
        duplicate_kind: str | None = None,
    ) -> None:
        """Hold an already-assigned article so that new articles can join its story.

        Seeds should be given in :meth:`Doc.sort_key` order. Raises ``ValueError`` when
        ``doc.id`` is already held.
        """
        if doc.id in self._entries:
            raise ValueError(f"article {doc.id!r} is already held by the clusterer")
        self._advance_clock(doc)
        prepared = self._prepare(doc)
        held = duplicate_of is not None and duplicate_of in self._entries
        root = self._duplicates.root_of(duplicate_of) if held else None
        self._hold(doc, prepared, story_key, duplicate=duplicate_of is not None, root=root)

    def term_vector(self, doc_id: Hashable) -> dict[str, float]:
        """Return the TF-IDF vector of held article ``doc_id`` by term (empty for a duplicate).

        Raises ``KeyError`` when the article is not held.
        """
        vector = self._entries[doc_id].vector or {}
        terms = self._vocabulary.terms
        return {terms[term_id]: weight for term_id, weight in vector.items()}

    def document_frequency(self, term: str) -> int:
        """Return the (halved) number of articles ``term`` was counted in."""
        term_id = self._vocabulary.index.get(term)
        return int(self._df[term_id]) if term_id is not None and term_id < len(self._df) else 0

    @property
    def window(self) -> timedelta:
        """Return how far apart in time two articles of one story may be published."""
        return timedelta(seconds=self._window)

    def add(
        self,
        doc: Doc,
        duplicate_of: Hashable | None = None,
        duplicate_kind: str | None = None,
    ) -> Assignment:
        """Assign one new article; returns its :class:`Assignment`.

        ``duplicate_of`` (with ``duplicate_kind``) passes on an earlier dedup decision:
        when that article is held, the new one is its copy without looking again.
        Raises ``ValueError`` when ``doc.id`` is already held.
        """
        return self._add(doc, duplicate_of, duplicate_kind, None)

    def _add(
        self,
        doc: Doc,
        duplicate_of: Hashable | None,
        duplicate_kind: str | None,
        prepared: dict[str, Any] | None,
    ) -> Assignment:
        if doc.id in self._entries:
            raise ValueError(f"article {doc.id!r} was already added; ids must be unique")
        self._advance_clock(doc)
        if prepared is None:
            prepared = self._prepare(doc)
        if duplicate_of is not None and duplicate_of in self._entries:
            duplicate = (self._duplicates.root_of(duplicate_of), duplicate_kind or "near", 1.0)
        else:
            match = self._duplicates.find(_duplicate_keys(prepared))
            duplicate = (match.original, match.kind, match.similarity) if match else None
        if duplicate is not None:
            original, kind, similarity = duplicate
            story_key = self._entries[original].story_key
            self._hold(doc, prepared, story_key, duplicate=True, root=original)
            return Assignment(
                id=doc.id, story_key=story_key, new_story=False, duplicate_of=original,
                duplicate_kind=kind, relation="copy", related_to=original,
                similarity=round(similarity, 4), shared_passages=0,
                evidence={"duplicate_kind": kind, "jaccard": round(similarity, 4)},
            )
        vector = self._vectorize(prepared, doc.source)
        prepared["vector"] = vector
        time = self._time(doc)
        prepared["undated"] = time is None
        # An undated article is placed in time by its dateline, if it has one; the clock
        # (what leaves the window) follows publication times only.
        when = time if time is not None else prepared["stated_time"]
        scored = self._score_candidates(vector, when, prepared["vector_ids"], prepared["vector_weights"])
        story_key, best_id, link, centroid_similarity = self._choose_story(
            vector, when, scored, prepared["title_terms"], prepared, doc.source
        )
        if (
            story_key is None and time is not None and prepared["title_terms"]
            and self.config.title_candidates > 0
        ):
            # No story through the index: look for close articles through rare title words.
            found = self._title_candidates(vector, time, prepared["title_terms"], scored)
            if found:
                chosen = self._choose_story(
                    vector, time, found, prepared["title_terms"], prepared, doc.source
                )
                scored = sorted([*scored, *found], key=lambda item: (-item[0], id_order(item[1])))
                if chosen[0] is not None:
                    story_key, best_id, link, centroid_similarity = chosen
                else:
                    link = scored[0][0]
        revived: dict[str, Any] | None = None
        if story_key is None and time is not None and self._archive:
            found = self._archive.search(
                vector, time, self._archive_rules, self._vocabulary.terms.__getitem__,
                prepared["people"],
            )
            if found is not None:
                story_key, revived = found
        new_story = story_key is None
        if new_story:
            self._new_story_count += 1
            story_key = f"new-{self._new_story_count}"
        if revived is not None:
            relation, related_to, shared = "independent", None, 0
            similarity = revived["archive_cosine"]
            evidence = {"best_cosine": round(link, 4), **revived} if scored else dict(revived)
        else:
            relation, related_to, similarity, shared, evidence = self._relation(
                doc, prepared, story_key, new_story, best_id, link, scored
            )
        evidence["candidates"] = len(scored)
        if centroid_similarity is not None:
            evidence["centroid"] = round(centroid_similarity, 4)
        self._hold(doc, prepared, story_key, duplicate=False)
        return Assignment(
            id=doc.id, story_key=story_key, new_story=new_story, duplicate_of=None,
            duplicate_kind=None, relation=relation, related_to=related_to,
            similarity=similarity, shared_passages=shared, evidence=evidence,
        )

    def add_many(
        self, docs: Iterable[Doc], workers: int | None = None, start_method: str = "forkserver"
    ) -> list[Assignment]:
        """Sort ``docs`` by :meth:`Doc.sort_key` and :meth:`add` each; returns the assignments.

        Text features (tokens, weights, hashes: half the work, and independent per
        article) are computed by ``workers`` helper processes while this one clusters;
        ``None`` means one helper for batches of ``PARALLEL_MIN_DOCS`` or more on a
        machine with several CPUs, ``0`` none. The assignments do not depend on it.
        ``start_method`` is the helpers' multiprocessing start method: forkserver by default,
        since callers (a Dagster step, a web server) may hold threads that fork would copy.
        """
        placed: list[tuple[Doc, Assignment]] = [
            (doc, self._add(doc, None, None, prepared))
            for doc, prepared in self._prepared(docs, workers, start_method)
        ]
        moved = self.look_again([doc for doc, _ in placed])
        return [moved.get(assignment.id, assignment) for _, assignment in placed]

    def look_again(self, docs: Iterable[Doc]) -> dict[Hashable, Assignment]:
        """Place again the undated articles of ``docs`` alone in a story; returns the moved ones' assignments.

        Undated articles come in no telling order (the order of a feed, of a file), so an
        article that came before the reports of its event started a story of its own that
        none of them joined: the rules that weigh an article against a story are not
        symmetric (its centroid, its lead term, its headlined people). Asked again once
        the batch is placed, with the same rules but a centroid similarity of
        ``second_look_centroid``, it may join one of them. An article with copies stays
        where it is. Then a few such articles that found each other (a story of at most
        ``fragment_size`` of them) join a larger story clearly closer than any other
        (:meth:`_merge_fragment`). Dated articles are not looked at again: their order is
        time, and a story starts with its first report. Off with ``undated_second_look``.
        """
        moved: dict[Hashable, Assignment] = {}
        if not self.config.undated_second_look:
            return moved
        undated = [
            (doc, entry) for doc in docs
            if (entry := self._entries.get(doc.id)) is not None
            and entry.time is None and entry.vector is not None
        ]
        for doc, entry in undated:
            story = self._stories.get(entry.story_key)
            if story is None or story.size != 1:
                continue
            assignment = self._join_later_story(doc, entry)
            if assignment is not None:
                moved[doc.id] = assignment
        for fragment in self._fragments(undated):
            moved.update(self._merge_fragment(fragment))
        return moved

    def _fragments(self, undated: list[tuple[Doc, _Entry]]) -> list[list[tuple[Doc, _Entry]]]:
        """Return the stories of 2 to ``fragment_size`` of these articles and nothing else, smallest first."""
        by_story: dict[StoryKey, list[tuple[Doc, _Entry]]] = {}
        for doc, entry in undated:
            by_story.setdefault(entry.story_key, []).append((doc, entry))
        fragments = [
            members for key, members in by_story.items()
            if 2 <= len(members) <= self.config.fragment_size
            and self._stories[key].size == len(members) == len(self._stories[key].members)
        ]
        return sorted(fragments, key=len)

    def _merge_fragment(self, fragment: list[tuple[Doc, _Entry]]) -> dict[Hashable, Assignment]:
        """Move a small undated story into a larger, clearly closer one; returns the new assignments.

        The larger story is found through the members' links; its centroid must be at
        least ``fragment_centroid`` from the fragment's and ``fragment_margin`` times
        the next larger story's, and the two must not name conflicting places.
        """
        config = self.config
        key = fragment[0][1].story_key
        small = self._stories[key]
        scored = {doc.id: self._scored_others(doc.id, entry) for doc, entry in fragment}
        closeness: dict[StoryKey, float] = {}
        for member_scores in scored.values():
            for _, doc_id, _ in member_scores:
                other = self._entries[doc_id].story_key
                if other == key or other in closeness or self._stories[other].size <= small.size:
                    continue
                story = self._stories[other]
                closeness[other] = (
                    cosine(small.centroid, story.centroid) / (small.centroid_norm * story.centroid_norm)
                    if small.centroid_norm and story.centroid_norm else 0.0
                )
        ranked = sorted(closeness.items(), key=lambda item: (-item[1], str(item[0])))
        if not ranked or ranked[0][1] < config.fragment_centroid:
            return {}
        if len(ranked) > 1 and ranked[0][1] < config.fragment_margin * ranked[1][1]:
            return {}
        target_key = ranked[0][0]
        target = self._stories[target_key]
        if small.evidence and target.evidence and entity_conflict(
            small.evidence, frozenset(small.name_words), target.evidence, target.name_words,
            config.conflict_types, config.conflict_min_mentions,
        ):
            return {}
        del self._stories[key]
        target.size += small.size
        target.held += small.held
        for _, entry in fragment:
            entry.story_key = target_key
            target.members[entry.id] = None
            target.add_vector(entry.vector, config.centroid_terms)
        if small.evidence:
            target.add_evidence(small.evidence, frozenset(small.name_words))
        target.add_people(small.people)
        target.title_terms |= small.title_terms
        moved: dict[Hashable, Assignment] = {}
        for doc, _ in fragment:
            others = scored[doc.id]
            best = next((item for item in others if self._entries[item[1]].story_key == target_key), None)
            link, best_id = (best[0], best[1]) if best is not None else (0.0, None)
            moved[doc.id] = self._moved_assignment(
                doc, self._prepare(doc), target_key, best_id, link, others, ranked[0][1]
            )
        return moved

    def _scored_others(self, doc_id: Hashable, entry: _Entry) -> list[tuple[float, Hashable, int]]:
        """Return :meth:`_score_candidates` of a held article's own vector, itself left out."""
        found = self._score_candidates(entry.vector, entry.when, entry.vector_ids, entry.vector_weights)
        return [item for item in found if item[1] != doc_id]

    def _moved_assignment(
        self,
        doc: Doc,
        prepared: dict[str, Any],
        story_key: StoryKey,
        best_id: Hashable | None,
        link: float,
        scored: list[tuple[float, Hashable, int]],
        centroid_similarity: float | None,
    ) -> Assignment:
        """Return the assignment of an article the second look moved to ``story_key``."""
        relation, related_to, similarity, shared, evidence = self._relation(
            doc, prepared, story_key, False, best_id, link, scored
        )
        evidence["candidates"] = len(scored)
        evidence["second_look"] = True
        if centroid_similarity is not None:
            evidence["centroid"] = round(centroid_similarity, 4)
        return Assignment(
            id=doc.id, story_key=story_key, new_story=False, duplicate_of=None,
            duplicate_kind=None, relation=relation, related_to=related_to,
            similarity=similarity, shared_passages=shared, evidence=evidence,
        )

    def _join_later_story(self, doc: Doc, entry: _Entry) -> Assignment | None:
        """Move ``doc``, alone in its story, to the story the rules now choose for it, if any."""
        prepared = self._prepare(doc)
        vector = prepared["vector"] = entry.vector
        prepared["undated"] = True
        scored = self._scored_others(doc.id, entry)
        story_key, best_id, link, centroid_similarity = self._choose_story(
            vector, entry.when, scored, prepared["title_terms"], prepared, doc.source,
            self.config.second_look_centroid,
        )
        if story_key is None:
            return None
        del self._stories[entry.story_key]
        entry.story_key = story_key
        story = self._stories[story_key]
        story.size += 1
        story.held += 1
        self._join_story(story, doc.id, vector, prepared)
        return self._moved_assignment(doc, prepared, story_key, best_id, link, scored, centroid_similarity)

    def count_terms(
        self, docs: Iterable[Doc], workers: int | None = None, start_method: str = "forkserver"
    ) -> int:
        """Count earlier articles' terms without holding them; returns how many were counted.

        Document frequencies and outlet boilerplate then start where a run that had seen
        these articles would have them, so a run over one partition weighs terms like a
        run over the whole history (give the articles before the seeds' window, duplicates
        left out, before :meth:`seed`). ``workers`` and ``start_method`` as in :meth:`add_many`.
        """
        count = 0
        for doc, prepared in self._prepared(docs, workers, start_method):
            self._vectorize(prepared, doc.source)
            count += 1
        return count

    def _prepared(
        self, docs: Iterable[Doc], workers: int | None, start_method: str
    ) -> Iterator[tuple[Doc, dict[str, Any]]]:
        """Yield ``docs`` in :meth:`Doc.sort_key` order with their :func:`prepare_doc` features."""
        ordered = sorted(docs, key=Doc.sort_key)
        if workers is None:
            workers = 1 if len(ordered) >= PARALLEL_MIN_DOCS and (os.cpu_count() or 1) > 1 else 0
        # The cyclic garbage collector would walk the growing heap of held articles again
        # and again; the clusterer makes no reference cycles, so it is paused meanwhile.
        collecting = gc.isenabled()
        gc.disable()
        try:
            if workers <= 0:
                for doc in ordered:
                    yield doc, self._prepare(doc)
            else:
                yield from self._prepared_by_helpers(ordered, workers, start_method)
        finally:
            if collecting:
                gc.enable()

    def _prepared_by_helpers(
        self, ordered: list[Doc], workers: int, start_method: str
    ) -> Iterator[tuple[Doc, dict[str, Any]]]:
        chunks = [ordered[i : i + PARALLEL_CHUNK] for i in range(0, len(ordered), PARALLEL_CHUNK)]
        context = multiprocessing.get_context(start_method)
        session = uuid.uuid4().hex  # the helpers number terms afresh for this call
        translations: dict[int, np.ndarray] = {}  # helper pid -> its term ids -> ours
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            pending: deque = deque()
            submitted = 0
            for chunk in chunks:
                # A bounded number of chunks in flight keeps memory flat.
                while submitted < len(chunks) and len(pending) < PARALLEL_IN_FLIGHT:
                    pending.append(
                        pool.submit(prepare_batch, chunks[submitted], self.config, session)
                    )
                    submitted += 1
                batch = pending.popleft().result()
                ours = translations[batch.helper] = self._vocabulary.translation(
                    translations.get(batch.helper, np.zeros(0, np.int64)),
                    batch.first_new_term, batch.new_terms,
                )
                yield from zip(chunk, batch.records(ours), strict=True)

    # -- preparation --------------------------------------------------------------------

    def _prepare(self, doc: Doc) -> dict[str, Any]:
        return prepare_doc(doc, self.config, self._vocabulary)

    def _vectorize(self, prepared: dict[str, Any], source: str) -> dict[int, float]:
        """Return the unit TF-IDF vector of an article's terms (heaviest first), counting them in the df.

        Terms that the article's outlet used in most of its recent articles (site name,
        section names, its city, footer text) are left out: they say who published the
        article, not what happened.
        """
        config = self.config
        ids = prepared["term_ids"]
        if len(self._vocabulary) > len(self._df):
            self._df = np.concatenate((self._df, np.zeros(len(self._df) + len(self._vocabulary), np.int64)))
        df = self._df
        self._doc_total += 1
        df[ids] += 1  # ids are distinct within an article
        self._since_halving += 1
        if config.df_halving_docs and self._since_halving >= config.df_halving_docs:
            self._halve_document_frequencies()
        total = self._doc_total + 1
        # idf = log(total / (df + 1)) + 1 = log(total) + 1 - log(df + 1), with log(n + 1)
        # read from a table (no df reaches the number of documents seen).
        logs = self._log1p_table
        if total >= len(logs):
            logs = self._log1p_table = np.array([math.log(n + 1) for n in range(2 * total)])
        idf = (logs[total - 1] + 1.0) - logs[df[ids]]
        if config.idf_power != 1.0:
            idf **= config.idf_power
        values = prepared["term_weights"] * idf
        # Heaviest first; equal weights keep the input order (larger term first).
        order = np.argsort(-values, kind="stable")
        size = config.vector_terms
        profile = self._sources.get(source) if source and config.source_memory else None
        if source and config.source_memory and profile is None:
            profile = self._sources[source] = _SourceProfile()
        if profile is not None:
            heaviest = tuple(ids[order[:size]].tolist())
            if profile.boilerplate:
                boilerplate = profile.boilerplate.intersection(ids.tolist())
                if boilerplate:
                    order = order[~np.isin(ids[order], list(boilerplate))]
            profile.remember(
                heaviest, config.source_memory, config.source_min_articles, config.source_share
            )
        order = order[:size]
        kept = values[order]
        kept_values = kept.tolist()
        norm = math.sqrt(sum(map(operator.mul, kept_values, kept_values))) or 1.0
        kept /= norm
        kept_ids = ids[order]
        prepared["vector_ids"] = kept_ids
        prepared["vector_weights"] = kept
        # Heaviest term first: index and query terms are a prefix of the vector.
        return dict(zip(kept_ids.tolist(), kept.tolist(), strict=True))

    def _halve_document_frequencies(self) -> None:
        """Halve every document frequency and the total.

        Old vocabulary fades (names of last month's events), while the idf of a term,
        which depends on its share of the total, barely moves.
        """
        self._df //= 2
        self._doc_total //= 2
        self._since_halving = 0

    @staticmethod
    def _time(doc: Doc) -> float | None:
        return doc.published_at.timestamp() if doc.published_at is not None else None

    # -- window -------------------------------------------------------------------------

    def _advance_clock(self, doc: Doc) -> None:
        time = self._time(doc)
        if time is None:
            return
        for doc_id in self._duplicates.advance(time):
            self._evict(doc_id)
        self._archive.expire(self._duplicates.clock)

    def _evict(self, doc_id: Hashable) -> None:
        entry = self._entries.pop(doc_id, None)
        if entry is None:
            return
        postings = self._postings
        for term in entry.indexed_terms:
            posting = postings[term]
            del posting[doc_id]
            if not posting:
                del postings[term]
        if entry.title_indexed:
            titles = self._title_postings
            for term in entry.title_terms:
                posting = titles.get(term)
                if posting is not None:
                    posting.pop(doc_id, None)
                    if not posting:
                        del titles[term]
        story = self._stories.get(entry.story_key)
        if story is not None:
            story.members.pop(doc_id, None)
            story.held -= 1
            if story.held <= 0:
                # Nothing of the story is left to link to: forget it (bounded memory),
                # keeping a summary in the archive for late follow-ups.
                del self._stories[entry.story_key]
                self._archive_story(story)

    # -- archive ------------------------------------------------------------------------

    def _archive_story(self, story: _Story) -> None:
        """Keep a compact copy of ``story`` (see :class:`StoryArchive`) if it has a dated article."""
        if story.first_time is None or story.last_time is None:
            return
        self._archive.keep(
            story.key, story.first_time, story.last_time, story.size, story.centroid,
            self._named_people(story.people),
        )

    def _named_people(self, people: dict[str, int]) -> tuple[str, ...]:
        """Return the ``archive_people`` full names a story gives most (ties by name)."""
        if not self.config.archive_person_shared or not people:
            return ()
        ranked = sorted(people.items(), key=lambda item: (-item[1], item[0]))
        return tuple(person for person, _ in ranked[: self.config.archive_people])

    def _hold(
        self,
        doc: Doc,
        prepared: dict[str, Any],
        story_key: StoryKey,
        *,
        duplicate: bool,
        root: Hashable | None = None,
    ) -> None:
        time = self._time(doc)
        vector = prepared.get("vector")
        if vector is None and not duplicate:
            vector = self._vectorize(prepared, doc.source)
        indexed: tuple[str, ...] = ()
        if not duplicate and vector:
            heaviest = list(itertools.islice(vector.items(), self.config.index_terms))
            indexed = tuple(term for term, _ in heaviest)
            postings = self._postings
            doc_id = doc.id
            for term, weight in heaviest:
                posting = postings.get(term)
                if posting is None:
                    postings[term] = {doc_id: weight}
                else:
                    posting[doc_id] = weight
        title_indexed = (
            not duplicate and bool(vector) and time is not None
            and self.config.title_candidates > 0 and bool(prepared["title_terms"])
        )
        if title_indexed:
            titles = self._title_postings
            for term in prepared["title_terms"]:
                posting = titles.get(term)
                if posting is None:
                    titles[term] = {doc.id: None}
                else:
                    posting[doc.id] = None
        entry = _Entry(
            id=doc.id, time=time, story_key=story_key, source=doc.source, title_indexed=title_indexed,
            vector=None if duplicate else vector, passages=prepared["passages"],
            vector_ids=prepared.get("vector_ids", _NO_IDS),
            vector_weights=prepared.get("vector_weights", _NO_WEIGHTS),
            indexed_terms=indexed,
            title_terms=prepared["title_terms"], passage_set=prepared.get("passage_set"),
            when=time if time is not None else prepared["stated_time"],
        )
        self._entries[doc.id] = entry
        self._duplicates.add(doc.id, _duplicate_keys(prepared), time, copy=duplicate, root=root)
        story = self._stories.get(story_key)
        if story is None:
            story = self._stories[story_key] = _Story(key=story_key, names=self._vocabulary.terms)
            archived = self._archive.pop(story_key) if self._archive else None
            if archived is not None:
                # A late follow-up revives an archived story: same key, live again; its
                # span starts afresh and its old centroid counts as ``archive_weight`` articles.
                story.size = archived.size
                story.add_people(dict.fromkeys(archived.people, 1))  # named, counts not kept
                scale = self.config.archive_weight
                if scale > 0:
                    story.add_vector(
                        dict(zip(archived.terms.tolist(), (archived.weights * scale).tolist(),
                                 strict=True)),
                        self.config.centroid_terms,
                    )
        story.size += 1
        story.held += 1
        if time is not None:
            story.first_time = time if story.first_time is None else min(story.first_time, time)
            story.last_time = time if story.last_time is None else max(story.last_time, time)
        if not duplicate and vector:
            self._join_story(story, doc.id, vector, prepared)

    def _join_story(
        self, story: _Story, doc_id: Hashable, vector: dict[int, float], prepared: dict[str, Any]
    ) -> None:
        """Add a held, non-copy article's vector and evidence to ``story``."""
        story.members[doc_id] = None
        story.add_vector(vector, self.config.centroid_terms)
        if prepared["evidence"]:
            story.add_evidence(prepared["evidence"], prepared["name_words"])
        if prepared["people"]:
            story.add_people(prepared["people"])
        if self.config.title_person_mentions:
            story.title_terms.update(prepared["title_terms"])

    # -- decisions ----------------------------------------------------------------------

    def _score_candidates(
        self, vector: dict[int, float], time: float | None, ids: np.ndarray, weights: np.ndarray
    ) -> list[tuple[float, Hashable, int]]:
        """Return ``(cosine, id, shared terms)`` of the best held candidates, best first.

        ``ids`` and ``weights`` are ``vector`` as arrays. Candidates come from the inverted
        index (partial cosines over the query and index terms); their exact cosines are
        computed together against the query spread over a dense array.
        """
        config = self.config
        partial: dict[Hashable, float] = {}
        entries = self._entries
        postings = self._postings
        max_posting = config.max_posting
        for term, weight in itertools.islice(vector.items(), config.query_terms):
            posting = postings.get(term)
            if not posting or len(posting) > max_posting:
                continue
            if not partial:
                partial = {doc_id: weight * doc_weight for doc_id, doc_weight in posting.items()}
                continue
            get = partial.get
            for doc_id, doc_weight in posting.items():
                partial[doc_id] = get(doc_id, 0.0) + weight * doc_weight
        if not partial:
            return []
        window = self._window
        candidates = [
            entries[doc_id] for doc_id, _ in top_items(partial, config.max_candidates)
        ]
        if time is not None:
            candidates = [
                entry for entry in candidates
                if entry.when is None or abs(time - entry.when) <= window
            ]
        if not candidates:
            return []
        dense = self._dense_query
        if len(dense) < len(self._vocabulary):
            dense = self._dense_query = np.zeros(2 * len(self._vocabulary))
        dense[ids] = weights
        products = dense[np.concatenate([entry.vector_ids for entry in candidates])]
        products *= np.concatenate([entry.vector_weights for entry in candidates])
        dense[ids] = 0.0
        # Only shared terms give a product (weights are positive): each candidate's slice
        # of the nonzero products is its shared terms.
        shared = np.flatnonzero(products)
        values = products[shared].tolist()
        ends = np.searchsorted(
            shared, list(itertools.accumulate(len(entry.vector_ids) for entry in candidates))
        ).tolist()
        fsum = math.fsum
        scored = []
        start = 0
        for entry, end in zip(candidates, ends, strict=True):
            # Unit vectors: the cosine is the dot product; fsum is exactly rounded, so it
            # does not depend on the order of terms.
            scored.append((fsum(values[start:end]), entry.id, end - start))
            start = end
        scored.sort(key=lambda item: (-item[0], id_order(item[1])))
        return scored

    def _title_candidates(
        self, vector: dict[int, float], time: float, title: tuple[int, ...],
        scored: list[tuple[float, Hashable, int]],
    ) -> list[tuple[float, Hashable, int]]:
        """Return ``(cosine, id, shared terms)`` of close articles found through rare title words, best first.

        A page whose body is mostly something else (a video list, other headlines) shares
        too little with the report of its story for the inverted index to find it; what
        they share is the title. Held articles at most ``close_days`` apart, not in
        ``scored``, whose title holds one of the article's rare words (in at most
        ``title_rare_share`` of the articles seen; among its title and its
        ``query_terms`` heaviest terms), or whose index terms hold a rare word of its
        title, are returned (at most ``title_candidates``, most rare words shared first),
        so that the title rule (:meth:`_title_match`) can link them. Words found in more
        than ``title_max_posting`` held articles are not looked up. The clusterer looks
        them up only when the inverted index gave no story.
        """
        config = self.config
        df = self._df
        rare = config.title_rare_share * (self._doc_total + 1)
        close = config.close_days * DAY_SECONDS
        entries = self._entries
        present = {doc_id for _, doc_id, _ in scored}
        counts: dict[Hashable, int] = {}
        title_words = set(title)
        words = title_words.union(itertools.islice(vector, config.query_terms))
        titles, postings = self._title_postings, self._postings
        for term in words:
            if df[term] > rare:
                continue
            for posting in (titles.get(term), postings.get(term) if term in title_words else None):
                if not posting or len(posting) > config.title_max_posting:
                    continue
                for doc_id in posting:
                    if doc_id in present:
                        continue
                    entry = entries[doc_id]
                    if entry.vector and entry.time is not None and abs(time - entry.time) <= close:
                        counts[doc_id] = counts.get(doc_id, 0) + 1
        if not counts:
            return []
        added = []
        for doc_id, _ in top_items(counts, config.title_candidates, str):
            other = entries[doc_id].vector
            products = [weight * other[term] for term, weight in vector.items() if term in other]
            added.append((math.fsum(products), doc_id, len(products)))
        return sorted(added, key=lambda item: (-item[0], id_order(item[1])))

    def _title_match(
        self, title: tuple[int, ...], vector: dict[int, float], other: _Entry
    ) -> bool:
        """Return whether one article's title is mostly found in the other article.

        Either title's content words, weighted by idf, must be found for at least
        ``title_containment`` of their weight in the other article's vector or title, and
        at least one word found must be rare (in at most ``title_rare_share`` of the
        articles seen). Pages whose body is mostly something else (a video list, the
        weather, other headlines) still carry their own story in the title.
        """
        config = self.config
        df = self._df
        total = self._doc_total + 1
        base = math.log(total) + 1.0
        rare = config.title_rare_share * total
        for words, found in (
            (title, other.vector.keys() | set(other.title_terms)),
            (other.title_terms, vector.keys() | set(title)),
        ):
            if not words:
                continue
            counts = df[list(words)].tolist()
            weights = [base - math.log(count + 1) for count in counts]
            whole = math.fsum(weights)
            if not whole:
                continue
            hits = [
                (weight, count)
                for weight, count, word in zip(weights, counts, words, strict=True)
                if word in found
            ]
            if (
                math.fsum(weight for weight, _ in hits) >= config.title_containment * whole
                and any(count <= rare for _, count in hits)
            ):
                return True
        return False

    def _shares_rare_details(self, vector: dict[int, float], other: dict[int, float]) -> bool:
        """Return whether two vectors share ``rare_details`` terms that few articles have.

        Few is at most ``rare_detail_df`` of the articles seen; both articles are counted
        in the document frequencies, so at 2 these are terms no other article has used:
        the street, the house number, the name of a victim, details of one event and not
        of its kind or its setting. Never before ``rare_detail_min_articles`` articles have
        been counted: among a few articles every name is rare.
        """
        least = self.config.rare_details
        if least <= 0 or self._doc_total < self.config.rare_detail_min_articles:
            return False
        df = self._df
        limit = self.config.rare_detail_df
        found = 0
        for term in vector.keys() & other.keys():
            if df[term] <= limit:
                found += 1
                if found >= least:
                    return True
        return False

    def _choose_story(
        self,
        vector: dict[int, float],
        time: float | None,
        scored: list[tuple[float, Hashable, int]],
        title: tuple[int, ...] = (),
        prepared: dict[str, Any] | None = None,
        source: str = "",
        undated_centroid: float | None = None,
    ) -> tuple[StoryKey | None, Hashable | None, float, float | None]:
        config = self.config
        if undated_centroid is None:
            undated_centroid = config.centroid_threshold
        span = config.max_story_span_days * DAY_SECONDS
        seen: set[StoryKey] = set()
        accepted: list[tuple[float, float, StoryKey, Hashable]] = []
        floor = min(config.link_threshold, config.close_link_threshold)
        titled = bool(title) and time is not None and config.title_containment > 0
        if titled:
            floor = min(floor, config.title_link_floor)
        close = config.close_days * DAY_SECONDS
        evidence = prepared["evidence"] if prepared else None
        people = prepared["people"] if prepared else None
        least = config.shared_person_mentions
        undated = (
            prepared is not None and prepared.get("undated", False) and config.title_person_mentions > 0
        )
        for link, doc_id, overlap in scored:
            if link < floor:
                break
            entry = self._entries[doc_id]
            gap = abs(time - entry.when) if time is not None and entry.when is not None else None
            is_close = gap is not None and gap <= close
            by_title = False
            if link < (config.close_link_threshold if is_close else config.link_threshold) or (
                overlap < config.min_shared_terms and link < config.strong_link_threshold
                and not (
                    not (config.short_other_outlet and source and entry.source == source)
                    and short_shares_enough(overlap, min(len(vector), len(entry.vector)), config)
                )
                and not (is_close and self._shares_rare_details(vector, entry.vector))
                and not (
                    is_close and config.close_shared_person and people
                    and shares_person(people, self._stories[entry.story_key].people, least)
                )
            ):
                # Weak link, or a few heavy topic words (places, the subject) shared and no
                # details: another event of the same kind rather than another report of
                # this one; unless, published within days, they share details no other
                # article has (a street, a house number, a name), the article and the
                # story name a person in full, or one's title is found in the other's
                # (another outlet's) words.
                if not (
                    titled and is_close
                    and not (config.title_other_outlet and source and entry.source == source)
                    and self._title_match(title, vector, entry)
                ):
                    continue
                by_title = True
            key = entry.story_key
            if key in seen:
                continue
            story = self._stories[key]
            # Dated reports of one event days or weeks apart (the arrest, the funeral, the
            # charges) may share few details but the people: a full name both sides repeat.
            same_people = gap is not None and people and shares_person(people, story.people, least)
            if (
                gap is not None
                and gap > self._near_window
                and (
                    link < config.far_link_threshold
                    or residual_link(vector, entry.vector, self._vocabulary.terms.__getitem__)
                    < config.far_residual
                )
                and not same_people
                and not self._shares_rare_details(vector, entry.vector)
            ):
                # Weeks apart: the link must not rest on one shared name (the city, a
                # neighbourhood, a hospital) but on several details, on the people, or on
                # details no other article has.
                continue
            seen.add(key)
            if time is not None and story.first_time is not None:
                if time - story.first_time > span or story.last_time - time > span:
                    continue
            if (
                config.subject_check
                and not is_close
                and story.lead is not None
                and story.lead not in vector
                and next(iter(vector)) not in story.centroid
                and not same_people
                and not (
                    config.subject_rare_details
                    and gap is not None
                    and not (source and entry.source == source)
                    and self._shares_rare_details(vector, entry.vector)
                )
            ):
                # Not close in time (or undated) and neither mentions what the other is
                # mainly about (its heaviest term: the fighter, the player, the dead man):
                # another event of the same kind with the same setting; unless, both dated
                # and from two outlets, they share details no other article has (the street,
                # a name; an outlet's own rare words may be its template).
                continue
            if evidence and story.evidence and entity_conflict(
                evidence, prepared["name_words"], story.evidence, story.name_words,
                config.conflict_types, config.conflict_min_mentions,
            ):
                # Each keeps naming its own place (person) and never the other's: the
                # same kind of event somewhere else (another factory fire, another quake).
                continue
            if undated and people and self._title_person_conflict(people, title, story):
                # Undated (time cannot tell two events apart): each is headlined by its own
                # person, never by the other's (another player's arrest, another signing).
                continue
            centroid_similarity = (
                cosine(vector, story.centroid) / story.centroid_norm
                if story.centroid_norm
                else link
            )
            if by_title or centroid_similarity >= (
                config.close_centroid_threshold if is_close
                else undated_centroid if gap is None
                else config.dated_centroid_threshold
            ):
                if not config.choose_by_centroid:
                    return key, doc_id, link, centroid_similarity
                accepted.append((centroid_similarity, link, key, doc_id))
        if accepted:
            centroid_similarity, link, key, doc_id = max(
                accepted, key=lambda item: (item[0], item[1], str(item[2]))
            )
            return key, doc_id, link, centroid_similarity
        return None, None, scored[0][0] if scored else 0.0, None

    def _title_person_conflict(
        self, people: dict[str, int], title: tuple[int, ...], story: _Story
    ) -> bool:
        """Return whether an article and a story are each headlined by a person the other's titles never name.

        Each side's lead person is its most-mentioned full name (``title_person_mentions``
        times or more; a story's mentions summed over its members); its last name must be
        a word of that side's title (one of its members' titles) and of no title of the
        other side, and the article names its own lead more often than the story's. Two
        reports of one event may quote different people (a spokesman, an expert), but
        their headlines name the same person; reports of the same kind of event about two
        people (two players' arrests) are headlined by each. An article that names the
        story's lead as often as its own (a tie between two names) is about both.
        """
        least = self.config.title_person_mentions
        mine = lead_person(people, least)
        if mine is None:
            return False
        theirs = lead_person(story.people, least)
        if theirs is None:
            return False
        index = self._vocabulary.index
        mine_word = index.get(last_name_word(mine))
        theirs_word = index.get(last_name_word(theirs))
        return (
            mine_word is not None and theirs_word is not None and mine_word != theirs_word
            and people.get(theirs, 0) < people[mine]
            and mine_word in title and mine_word not in story.title_terms
            and theirs_word in story.title_terms and theirs_word not in title
        )

    def _relation(
        self,
        doc: Doc,
        prepared: dict[str, Any],
        story_key: StoryKey,
        new_story: bool,
        best_id: Hashable | None,
        link: float,
        scored: list[tuple[float, Hashable, int]],
    ) -> tuple[str, Hashable | None, float | None, int, dict[str, Any]]:
        config = self.config
        if new_story:
            evidence = {"best_cosine": round(link, 4)} if scored else {}
            return "origin", None, None, 0, evidence
        time = self._time(doc)
        cosines = {doc_id: value for value, doc_id, _ in scored}
        story = self._stories[story_key]
        members = [
            member
            for member in story.members
            if member in cosines and self._earlier(self._entries[member].time, time)
        ]
        if not members:
            # Nothing published earlier is held in the story: this article leads it.
            return "origin", None, None, 0, {"best_cosine": round(link, 4)}
        members.sort(key=lambda member: (-cosines[member], id_order(member)))
        members = members[: config.relation_members]
        best_passages: tuple[int, int, int, Hashable | None] = (0, 0, 0, None)
        new_passages = prepared["passages"]
        if len(new_passages):
            later_values = new_passages.tolist()
            later_set = prepared["passage_set"] = frozenset(later_values)  # kept by _hold
            for member in members:
                shared, words, longest = passage_runs(
                    later_values, later_set, self._entries[member].passage_values(),
                    config.passage_words,
                )
                if (words, shared) > (best_passages[1], best_passages[0]):
                    best_passages = (shared, words, longest, member)
        shared, words, longest, quoted = best_passages
        if (
            quoted is not None
            and shared >= config.rewrite_min_passages
            and words >= config.rewrite_min_shared_words
        ):
            return "rewrite", quoted, round(cosines[quoted], 4), shared, {
                "cosine": round(cosines[quoted], 4),
                "shared_words": words,
                "longest_passage_words": longest,
            }
        related = members[0] if members else best_id
        similarity = cosines.get(related, link) if related is not None else link
        return "independent", related, round(similarity, 4), shared, {
            "cosine": round(similarity, 4),
            "shared_words": words,
            "longest_passage_words": longest,
        }

    @staticmethod
    def _earlier(member_time: float | None, time: float | None) -> bool:
        return member_time is None or time is None or member_time <= time


def short_shares_enough(overlap: int, shorter: int, config: ClusterConfig) -> bool:
    """Return whether ``overlap`` shared terms are enough details when the shorter vector has ``shorter``.

    A brief or a short wire item has few terms to share, so fewer than ``min_shared_terms``
    are enough when they reach ``short_shared_share`` of its terms (and at least half of
    ``min_shared_terms``).
    """
    return overlap >= config.min_shared_terms // 2 and overlap >= config.short_shared_share * shorter


def _duplicate_keys(prepared: dict[str, Any]) -> DuplicateKeys:
    """Return the duplicate-index keys among an article's prepared features."""
    return DuplicateKeys(
        url_key=prepared["url_key"], text_key=prepared["text_key"], signature=prepared["signature"],
        bands=prepared["bands"], shingle_count=prepared["shingle_count"],
    )
