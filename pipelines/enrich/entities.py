"""Named entities of one article from NER mentions: typed, cleaned, merged and placed.

Types: ``person``, ``organisation``, ``place`` and ``norp`` (nationalities, religious and
political groups). A mention loses a leading "the", a possessive and, for people,
honorifics and job titles ("Detective Inspector Hanna Brisk" -> "Hanna Brisk"); lowercase
and one-character spans, weekdays and months are dropped. Within the article a bare
surname is the full name seen before it ("Peskov" -> "Dmitry Peskov"), case variants
("PORT SERAVIN", "Port Seravin") are one entity, and places that resolve to the same
gazetteer entry ("U.S.", "the United States") are one entity with its country.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from pipelines.enrich.places import Gazetteer, Place, gazetteer, resolve_places

#: spaCy labels kept, and the entity type each becomes.
LABEL_TYPES = {
    "PERSON": "person",
    "ORG": "organisation",
    "GPE": "place",
    "LOC": "place",
    "FAC": "place",
    "NORP": "norp",
}
ENTITY_TYPES = ("person", "organisation", "place", "norp")

#: Words before a name that are a form of address or a job, not part of the name.
TITLES = frozenset(
    """mr mrs ms miss mx dr prof professor sir dame lord lady rev reverend fr father sister brother
    president vice prime minister deputy foreign defence defense interior finance secretary
    chancellor senator sen rep representative congressman congresswoman gov governor mayor
    ambassador envoy spokesman spokeswoman spokesperson general gen lt lieutenant col colonel
    maj major capt captain sgt sergeant cpl corporal adm admiral commander cmdr officer detective
    inspector superintendent constable chief judge justice attorney king queen prince princess
    pope cardinal bishop archbishop rabbi imam sheikh emir crown coach ceo chairman chairwoman
    chair director dr. st saint""".split()
)
#: A city this populous is a place even when NER calls it an organisation ("Marseille").
BIG_CITY = 100_000
WEEKDAYS_AND_MONTHS = frozenset(
    """monday tuesday wednesday thursday friday saturday sunday january february march april may
    june july august september october november december mon tue tues wed thu thur thurs fri sat
    sun jan feb mar apr jun jul aug sep sept oct nov dec""".split()
)
#: Words NER sometimes takes for a name at a sentence's start ("The", "We").
FUNCTION_WORDS = frozenset(
    "the an we he she it they this that these those our my his her their its you your".split()
)
_LEADING_THE = re.compile(r"^(?:the|The|THE)\s+")
_POSSESSIVE = re.compile(r"['’]s?$")
_EDGE = " \t.,;:!?\"'“”‘’()[]{}-–—"


@dataclass(frozen=True)
class Mention:
    """One NER span: its text, spaCy label and character offset in the analysed text."""

    text: str
    label: str
    start: int
    #: The words as written, when ``text`` was resolved to a fuller name.
    surface: str | None = None

    def written(self) -> str:
        """Return the mention as the article wrote it."""
        return self.surface or self.text


@dataclass
class Entity:
    """An entity of one article, with how often and where it is mentioned."""

    name: str
    type: str
    mentions: int
    first_offset: int
    surface_forms: list[str]
    country: str | None = None
    geonameid: int | None = None
    disputed: bool = False

    def as_json(self) -> dict:
        """Return the entity as the CLI prints it."""
        return {"text": self.name, "type": self.type, "country": self.country, "mentions": self.mentions}


def clean_mention(mention: Mention) -> list[Mention]:
    """Return the usable parts of ``mention`` (none when it is not a name), trimmed."""
    parts = []
    offset = mention.start
    for line in mention.text.split("\n"):
        parts.append((line, offset))
        offset += len(line) + 1
    cleaned = []
    for text, start in parts:
        stripped = text.lstrip(_EDGE)
        start += len(text) - len(stripped)
        without_the = _LEADING_THE.sub("", stripped)
        start += len(stripped) - len(without_the)
        text = _POSSESSIVE.sub("", without_the).rstrip(_EDGE.replace(".", ""))
        if text.endswith(".") and "." not in text[:-1]:
            text = text.rstrip(".")  # a sentence's full stop, not an abbreviation's ("U.S.")
        words = text.split()
        label = mention.label
        if label in ("ORG", "NORP", "FAC") and len(words) > 2 and words[0].rstrip(".").casefold() in TITLES:
            label = "PERSON"  # "Detective Inspector Hanna Brisk" read as an organisation
        if label == "PERSON":
            while len(words) > 1 and words[0].rstrip(".").casefold() in TITLES:
                start += text.index(words[1], len(words[0]))
                text = text[text.index(words[1], len(words[0])):]
                words = words[1:]
        if is_name(text):
            cleaned.append(Mention(text, label, start))
    return cleaned


def is_date_word(word: str) -> bool:
    """Return whether ``word`` names a weekday or a month."""
    return word.casefold().strip(".") in WEEKDAYS_AND_MONTHS


def is_name(text: str) -> bool:
    """Return whether ``text`` can be a name: two characters or more, capitalised, not a date
    word, not a capitalised pronoun or article ("The", "We")."""
    if len(text) < 2 or not text[0].isupper() and not text[0].isdigit():
        return False
    if text.casefold() in FUNCTION_WORDS and not text.isupper():
        return False
    return any(c.isalpha() for c in text) and not all(is_date_word(word) for word in text.split())


def _resolve_surnames(mentions: list[Mention], gazette: Gazetteer) -> list[Mention]:
    """Replace bare surnames by the full name of a person the article names, and a bare
    last word of an organisation's name by that organisation ("Sox" -> "Red Sox")."""
    fuller: dict[tuple[str, str], list[Mention]] = {}  # (label, last word) -> full mentions
    for mention in mentions:
        words = mention.text.split()
        if mention.label in ("PERSON", "ORG") and len(words) > 1:
            fuller.setdefault((mention.label, words[-1].casefold()), []).append(mention)
    resolved = []
    for mention in mentions:
        if " " in mention.text:
            resolved.append(mention)
            continue
        key = mention.text.casefold()
        # People first: "Jackson" is Vincent Jackson before the Jackson Five.
        named = fuller.get(("PERSON", key)) or fuller.get(("ORG", key))
        # A word the gazetteer knows is the person's surname (the organisation's last word)
        # unless it names a country, a region or a big city ("Palin" is Sarah Palin, not the
        # Guatemalan town).
        knowable = named is not None and (mention.label == "PERSON" or all(
            place.kind == "city" and place.population < BIG_CITY
            for place in gazette.candidates(mention.text)
        ))
        if knowable:
            before = [m for m in named if m.start < mention.start]
            full = (before or named)[-1 if before else 0]
            mention = Mention(full.text, full.label, mention.start, surface=mention.text)
        resolved.append(mention)
    return resolved


def _entity_type(labels: Counter[str], in_gazetteer: bool, country_or_region: bool, big_city: bool) -> str:
    """A name the gazetteer knows is a place when NER once said so, when it is a country or
    region, or a city of :data:`BIG_CITY` people that NER never took for a person."""
    votes: Counter[str] = Counter()
    for label, count in labels.items():
        votes[LABEL_TYPES[label]] += count
    if in_gazetteer and (votes["place"] or country_or_region or big_city and not votes["person"]):
        return "place"
    votes.pop("place", None) if not in_gazetteer and len(votes) > 1 else None
    return max(votes, key=lambda kind: votes[kind])


def _display_name(forms: Counter[str]) -> str:
    # Most frequent, but a mixed-case form over an all-capitals one ("Port Seravin", not "PORT SERAVIN").
    return max(forms, key=lambda form: (not form.isupper() or len(form) < 4, forms[form], -len(form)))


def article_entities(raw_mentions: Iterable[Mention], gazette: Gazetteer | None = None) -> list[Entity]:
    """Return the article's entities from its NER mentions, most mentioned first."""
    gazette = gazette or gazetteer()
    mentions = [
        part for mention in raw_mentions if mention.label in LABEL_TYPES for part in clean_mention(mention)
    ]
    mentions = _resolve_surnames(sorted(mentions, key=lambda m: m.start), gazette)
    groups: dict[str, list[Mention]] = {}
    for mention in mentions:
        groups.setdefault(mention.text.casefold(), []).append(mention)
    typed: list[tuple[str, list[Mention]]] = []
    for members in groups.values():
        # Looked up by a form not in capitals when there is one ("Rome" rather than a
        # headline's "ROME", which reads like an acronym).
        lookup = next((m.text for m in members if not m.text.isupper()), members[0].text)
        members.sort(key=lambda m: (m.text != lookup, m.start))
        candidates = gazette.candidates(lookup)
        country_or_region = any(p.kind != "city" for p in candidates)
        big_city = any(p.population >= BIG_CITY for p in candidates)
        kind = _entity_type(Counter(m.label for m in members), bool(candidates), country_or_region, big_city)
        typed.append((kind, members))
    place_names = [members[0].text for kind, members in typed if kind == "place"]
    places = resolve_places(place_names, gazette)
    merged: dict[tuple, list[Mention]] = {}
    where: dict[tuple, Place | None] = {}
    for kind, members in typed:
        place = places.get(members[0].text) if kind == "place" else None
        key = (kind, place.geonameid or place.name) if place else (kind, members[0].text.casefold())
        merged.setdefault(key, []).extend(members)
        where[key] = place
    entities = []
    for (kind, _), members in merged.items():
        place = where[(kind, _)]
        forms = Counter(m.written() for m in members)
        names = Counter(m.text for m in members)
        name = place.name if place and place.kind in ("country", "region", "state") else _display_name(names)
        entities.append(
            Entity(
                name=name,
                type=kind,
                mentions=len(members),
                first_offset=min(m.start for m in members),
                surface_forms=sorted(forms),
                country=place.country if place else None,
                geonameid=place.geonameid if place else None,
                disputed=place.disputed if place else False,
            )
        )
    entities.sort(key=lambda e: (-e.mentions, e.first_offset))
    return entities


@dataclass
class EntitySpans:
    """Token sequences of an article's entities, for keeping keywords off them."""

    people_words: set[str] = field(default_factory=set)
    names: set[tuple[str, ...]] = field(default_factory=set)

    @classmethod
    def of(cls, entities: Iterable[Entity]) -> EntitySpans:
        """Return the spans of ``entities`` (every surface form, case-folded)."""
        spans = cls()
        for entity in entities:
            for form in {*entity.surface_forms, entity.name}:
                words = tuple(form.casefold().split())
                spans.names.add(words)
                if entity.type == "person":
                    spans.people_words.update(words)
        return spans
