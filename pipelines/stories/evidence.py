"""Entity evidence for the story clusterer: which places (people, organisations) an article is about.

An article's evidence is its typed entities, keyed as the enrich stage keys them in
``entities.entity_key`` (``type|name|country``), with their mention counts, plus the words
it writes with a capital letter. A story's evidence is the same summed over its members.
Two reports of one *kind* of event (a factory fire, an earthquake, a shooting) share
their vocabulary; when each keeps naming its own place and never the other's, they are
two events (:func:`entity_conflict`). Articles without entities (not enriched yet) carry
no evidence, and the clusterer decides on their words alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_CAPITALISED = re.compile(r"\b[A-Z][^\W_]+")
MIN_NAME_LENGTH = 3
# Words of places and institutions that NER sometimes takes for a person's name
# ("Stroger Hospital", "Anderson County Sheriff", "Churchill Downs", "Muir Place").
NOT_PERSON_WORDS = frozenset(
    "hospital county sheriff police department street avenue road drive place downs park "
    "center school church court".split()
)


def entity_type(key: str) -> str:
    """Return the type part of an entity key (``"place"`` of ``"place|lisbon|PT"``)."""
    return key.split("|", 1)[0]


def last_name_word(key: str) -> str:
    """Return the last word of an entity key's name (``"jackson"`` of ``"person|vincent jackson|"``)."""
    return key.split("|", 2)[1].rsplit(" ", 1)[-1]


def entity_evidence(entities: Iterable[tuple[str, int]], types: Iterable[str]) -> dict[str, int]:
    """Return entity key -> mentions for the entities of ``types`` (repeated keys add up).

    Names shorter than ``MIN_NAME_LENGTH`` are left out: one or two letters ("KO", "ER")
    are abbreviations that NER takes for a place, no evidence of where an event happened.
    """
    wanted = frozenset(types)
    evidence: dict[str, int] = {}
    for key, mentions in entities:
        if entity_type(key) in wanted and len(key.split("|", 2)[1]) >= MIN_NAME_LENGTH:
            evidence[key] = evidence.get(key, 0) + int(mentions)
    return evidence


def full_names(entities: Iterable[tuple[str, int]]) -> dict[str, int]:
    """Return person key -> mentions for the people named with two words or more ("jamal williams").

    A full name is specific to the people of one event (a victim, a suspect), where a last
    name alone ("williams") or a first name is shared by many. Names with a word of
    ``NOT_PERSON_WORDS`` are left out: places and institutions NER took for people.
    """
    people: dict[str, int] = {}
    for key, mentions in entities:
        if entity_type(key) != "person":
            continue
        words = key.split("|", 2)[1].split()
        if len(words) > 1 and NOT_PERSON_WORDS.isdisjoint(words):
            people[key] = people.get(key, 0) + int(mentions)
    return people


def shares_person(article: dict[str, int], story: dict[str, int], min_mentions: int) -> bool:
    """Return whether a full name is named ``min_mentions`` times or more on both sides.

    ``article`` and ``story`` are :func:`full_names` (a story's summed over its members).
    """
    if not min_mentions or not article or not story:
        return False
    return any(
        count >= min_mentions and story.get(key, 0) >= min_mentions for key, count in article.items()
    )


def name_words(title: str, text: str, limit: int) -> frozenset[str]:
    """Return the lower-cased words the title and the first ``limit`` body names write with a capital."""
    words = _CAPITALISED.findall(title) + _CAPITALISED.findall(text)[:limit]
    return frozenset(word.lower() for word in words)


def entity_conflict(
    article: dict[str, int],
    article_words: frozenset[str],
    story: dict[str, int],
    story_words: frozenset[str] | set[str],
    types: Iterable[str],
    min_mentions: int,
) -> str | None:
    """Return the first of ``types`` on which an article and a story disagree, else ``None``.

    They disagree on a type when both have salient entities of it (``min_mentions``
    mentions or more: in the article, and summed over the story) and neither names any
    of the other's: no salient entity of one side is among the other side's entities
    (NER resolves "U.S." to "united states", a word the text never writes), nor the last
    word of its name ("cleveland", "jackson") among the other side's capitalised words
    (``*_words``: NER misses mentions that the words still show). A side without a
    salient entity of a type is no evidence either way.
    """
    for kind in types:
        mine = [key for key, count in article.items() if count >= min_mentions and entity_type(key) == kind]
        if not mine:
            continue
        theirs = [key for key, count in story.items() if count >= min_mentions and entity_type(key) == kind]
        if (
            theirs
            and not any(key in story or last_name_word(key) in story_words for key in mine)
            and not any(key in article or last_name_word(key) in article_words for key in theirs)
        ):
            return kind
    return None


def lead_person(people: dict[str, int], min_mentions: int) -> str | None:
    """Return the most-mentioned full name of ``people`` if named ``min_mentions`` times or more.

    ``people`` is :func:`full_names` (of an article, or summed over a story's members);
    ties go to the smaller key; ``min_mentions`` 0 means none.
    """
    if not people or min_mentions <= 0:
        return None
    key = min(people, key=lambda name: (-people[name], name))
    return key if people[key] >= min_mentions else None
