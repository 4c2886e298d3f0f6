"""Long-term memory of the story clusterer: stories none of whose articles is held any more.

When the last held article of a story leaves the clusterer's window, :class:`StoryArchive`
keeps a compact copy of the story for ``days``: its key, first and last times, size and
its ``terms`` heaviest centroid terms (unit length), found through a small inverted index
on its ``index_terms`` heaviest terms, and the people it names most in full (found
through an index by person). At most ``max_stories`` are kept (the least
recently active are dropped first). :meth:`StoryArchive.search` finds the archived story
a late follow-up (charges, trial, sentencing, anniversary) belongs to, under strict
tests; the clusterer then revives the story under its old key.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

import numpy as np

from pipelines.stories.similarity import cosine, heaviest, residual_link, top_items

DAY_SECONDS = 86_400.0


@dataclass
class ArchivedStory:
    """What is kept of a story once none of its articles is held: enough to recognise it."""

    key: Hashable
    first_time: float
    last_time: float
    size: int
    terms: np.ndarray  # ids of the centroid's heaviest terms, heaviest first
    weights: np.ndarray  # their weights, unit length
    lead: int | None
    indexed_terms: tuple[int, ...]
    serial: int  # which archiving this is (a revived story may be archived again)
    people: tuple[str, ...] = ()  # full-name person keys the story names most


@dataclass(frozen=True)
class ArchiveRules:
    """When an article revives an archived story (see :meth:`StoryArchive.search`)."""

    query_terms: int
    candidates: int
    threshold: float
    residual: float
    distinct: float
    subject_check: bool
    person_shared: int = 0
    person_threshold: float = 1.0


def _person_words(key: str) -> tuple[str, str]:
    """Return the first and last words of a person key's name: one person however written.

    A credit after a slash is left out ("jane roe/the courier" is Jane Roe).
    """
    words = key.split("|", 2)[1].split("/", 1)[0].split() or [""]
    return words[0], words[-1]


class StoryArchive:
    """Archived stories by key, with an inverted index on their heaviest terms."""

    def __init__(self, days: float, max_stories: int, terms: int, index_terms: int):
        self.days = days
        self.max_stories = max_stories
        self.terms = terms
        self.index_terms = index_terms
        self._stories: dict[Hashable, ArchivedStory] = {}
        self._postings: dict[int, dict[Hashable, float]] = {}  # term id -> {key: weight}
        self._named: dict[str, set[Hashable]] = {}  # person key -> keys of stories naming them
        self._expiry: list[tuple[float, str, int, Hashable]] = []
        self._serial = 0

    @property
    def enabled(self) -> bool:
        """Return whether stories are kept at all."""
        return self.days > 0 and self.max_stories > 0

    def __len__(self) -> int:
        return len(self._stories)

    def __contains__(self, key: object) -> bool:
        return key in self._stories

    def footprint(self) -> tuple[int, int, int]:
        """Return what is held in memory: stories, index entries (terms and people) and expiry entries."""
        entries = sum(len(posting) for posting in self._postings.values())
        entries += sum(len(keys) for keys in self._named.values())
        return len(self._stories), entries, len(self._expiry)

    def get(self, key: Hashable) -> ArchivedStory | None:
        """Return archived story ``key``, or ``None``."""
        return self._stories.get(key)

    def vector(self, centroid: dict[int, float]) -> tuple[list[int], list[float]]:
        """Return the ``terms`` heaviest ``centroid`` terms and their weights, unit length."""
        kept = heaviest(centroid, self.terms)
        terms = [term for term, _ in kept]
        weights = [weight for _, weight in kept]
        norm = math.hypot(*weights) or 1.0
        return terms, [weight / norm for weight in weights]

    def keep(
        self, key: Hashable, first_time: float, last_time: float, size: int,
        centroid: dict[int, float], people: tuple[str, ...] = (),
    ) -> None:
        """Archive a story (replacing an earlier copy of it), then apply the cap.

        ``people`` are the full-name person keys the story names most (see :meth:`search_people`).
        """
        if not self.enabled or not centroid:
            return
        terms, weights = self.vector(centroid)
        self._serial += 1
        indexed = self.index_terms
        archived = ArchivedStory(
            key=key, first_time=first_time, last_time=last_time, size=size,
            terms=np.array(terms, np.int64), weights=np.array(weights), lead=terms[0],
            indexed_terms=tuple(terms[:indexed]), serial=self._serial, people=tuple(people),
        )
        self.pop(key)
        self._stories[key] = archived
        for person in archived.people:
            self._named.setdefault(person, set()).add(key)
        postings = self._postings
        for term, weight in zip(terms[:indexed], weights[:indexed], strict=True):
            posting = postings.get(term)
            if posting is None:
                postings[term] = {key: weight}
            else:
                posting[key] = weight
        expiry = self._expiry
        heapq.heappush(expiry, (last_time, str(key), archived.serial, key))
        if len(self._stories) > self.max_stories:
            self.trim(None)
        if len(expiry) > 2 * len(self._stories) + 1024:
            # Entries of revived stories are only skipped when popped: rebuild now and then.
            self._expiry = [
                (item.last_time, str(item.key), item.serial, item.key)
                for item in self._stories.values()
            ]
            heapq.heapify(self._expiry)

    def trim(self, horizon: float | None) -> None:
        """Drop stories last seen before ``horizon``, and the oldest beyond the cap."""
        expiry = self._expiry
        stories = self._stories
        while expiry and (
            (horizon is not None and expiry[0][0] < horizon) or len(stories) > self.max_stories
        ):
            _, _, serial, key = heapq.heappop(expiry)
            archived = stories.get(key)
            if archived is not None and archived.serial == serial:
                self.pop(key)
        if not stories:
            expiry.clear()

    def expire(self, clock: float) -> None:
        """Drop stories last seen more than ``days`` before ``clock``."""
        if self._expiry:
            self.trim(clock - self.days * DAY_SECONDS)

    def pop(self, key: Hashable) -> ArchivedStory | None:
        """Remove story ``key``; returns what was kept of it."""
        archived = self._stories.pop(key, None)
        if archived is not None:
            postings = self._postings
            for term in archived.indexed_terms:
                posting = postings.get(term)
                if posting is not None:
                    posting.pop(key, None)
                    if not posting:
                        del postings[term]
            named = self._named
            for person in archived.people:
                keys = named.get(person)
                if keys is not None:
                    keys.discard(key)
                    if not keys:
                        del named[person]
        return archived

    def search(
        self, vector: dict[int, float], time: float, rules: ArchiveRules,
        name: Callable[[int], str], people: dict[str, int] | None = None,
    ) -> tuple[Hashable, dict[str, Any]] | None:
        """Return the archived story a dated article without a story in the window joins.

        First by its words (:meth:`search_terms`), else by the people it names in full
        (:meth:`search_people`; ``people`` is person key -> mentions). Returns the key
        and the evidence, or ``None``.
        """
        found = self.search_terms(vector, time, rules, name)
        if found is None and people and rules.person_shared:
            found = self.search_people(vector, time, rules, people)
        return found

    def search_people(
        self, vector: dict[int, float], time: float, rules: ArchiveRules, people: dict[str, int]
    ) -> tuple[Hashable, dict[str, Any]] | None:
        """Return the archived story that names ``person_shared`` of the article's people in full.

        The trial or the sentencing months later, written in the court's words, names the
        suspect and the victim; one name alone may be a spokesman's or a chief's, found
        in reports of many events. The story must also be the only archived story naming
        one of the shared people, and the article's cosine with its centroid must reach
        ``person_threshold``. When several stories qualify, the closest by cosine is taken.
        """
        named = self._named
        shared: dict[Hashable, list[str]] = {}
        for person in sorted(people):
            for key in named.get(person, ()):
                shared.setdefault(key, []).append(person)
        horizon = self.days * DAY_SECONDS
        scored = []
        for key, persons in shared.items():
            own = {_person_words(person) for person in persons if len(named[person]) == 1}
            if len(own) < rules.person_shared:
                continue
            archived = self._stories[key]
            if time - archived.last_time > horizon or time < archived.first_time:
                continue
            centroid = dict(zip(archived.terms.tolist(), archived.weights.tolist(), strict=True))
            similarity = cosine(vector, centroid)
            if similarity >= rules.person_threshold:
                scored.append((similarity, str(key), key, persons, archived))
        if not scored:
            return None
        similarity, _, key, persons, archived = max(scored, key=lambda item: (item[0], item[1]))
        return key, {
            "revived": True,
            "archive_cosine": round(similarity, 4),
            "archive_people": persons,
            "archive_gap_days": round((time - archived.last_time) / DAY_SECONDS, 1),
        }

    def search_terms(
        self, vector: dict[int, float], time: float, rules: ArchiveRules,
        name: Callable[[int], str],
    ) -> tuple[Hashable, dict[str, Any]] | None:
        """Return the archived story whose words a dated article repeats, or ``None``.

        Candidates come from the inverted index on the article's ``query_terms`` heaviest
        terms; the closest is joined when its cosine with the archived centroid reaches
        ``threshold``, the next candidate's cosine is at most ``distinct`` times it (an
        article about as close to several archived stories shares their setting, not the
        event), one side mentions what the other is mainly about (``subject_check``) and
        the residual link (without the heaviest shared entity) reaches ``residual``.
        Returns the key and the evidence, or ``None``.
        """
        postings = self._postings
        partial: dict[Hashable, float] = {}
        for term, weight in itertools.islice(vector.items(), rules.query_terms):
            posting = postings.get(term)
            if not posting:
                continue
            get = partial.get
            for key, story_weight in posting.items():
                partial[key] = get(key, 0.0) + weight * story_weight
        if not partial:
            return None
        horizon = self.days * DAY_SECONDS
        lead = next(iter(vector))
        scored = []
        for key, _ in top_items(partial, rules.candidates):
            archived = self._stories[key]
            if time - archived.last_time > horizon or time < archived.first_time:
                continue
            centroid = dict(zip(archived.terms.tolist(), archived.weights.tolist(), strict=True))
            scored.append((cosine(vector, centroid), str(key), key, centroid))
        scored.sort(key=lambda item: (item[0], item[1]), reverse=True)
        for rank, (similarity, _, key, centroid) in enumerate(scored):
            if similarity < rules.threshold:
                break
            if rank + 1 < len(scored) and scored[rank + 1][0] > rules.distinct * similarity:
                # Another archived story is about as close: the article shares the setting
                # (a city, a hospital, an outlet's phone line), not the event.
                continue
            archived = self._stories[key]
            if (
                rules.subject_check
                and archived.lead is not None
                and archived.lead not in vector
                and lead not in centroid
            ):
                continue
            residual = residual_link(vector, centroid, name)
            if residual >= rules.residual:
                return key, {
                    "revived": True,
                    "archive_cosine": round(similarity, 4),
                    "archive_residual": round(residual, 4),
                    "archive_gap_days": round((time - archived.last_time) / DAY_SECONDS, 1),
                }
        return None
