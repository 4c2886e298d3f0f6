"""Publication dates: every candidate with its source, one chosen by a stated rule, none future."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from typing import Any

from dateutil import parser as dateutil_parser
from lxml.html import HtmlElement

from pipelines.extract.structured import Declared, as_list

# Highest first. Structured declarations beat the feed (feeds often carry update times),
# the URL beats htmldate's guess, first_seen is the last resort.
SOURCE_PRIORITY = ("json_ld", "opengraph", "meta", "feed", "url", "htmldate", "first_seen")

_OG_PUBLISHED = ("article:published_time", "og:published_time", "og:article:published_time")
_OG_MODIFIED = ("article:modified_time", "og:updated_time", "og:modified_time")
_META_PUBLISHED = (
    "datepublished", "date", "pubdate", "publishdate", "publish-date", "publish_date",
    "article.published", "dc.date", "dc.date.issued", "dcterms.created", "sailthru.date",
    "parsely-pub-date", "date_published", "published_time", "release_date",
    "cxenseparse:recs:publishtime", "displaydate", "originalpublicationdate",
)
_META_MODIFIED = ("datemodified", "last-modified", "dcterms.modified", "article.updated")
_URL_DATE = re.compile(r"/((?:19|20)\d{2})[/-](0?[1-9]|1[0-2])[/-](0?[1-9]|[12]\d|3[01])(?:[/-]|$)")
_URL_DATE_COMPACT = re.compile(r"/((?:19|20)\d{2})(0[1-9]|1[0-2])([0-2]\d|3[01])/")
# "05.06.2031", "05/06/2031", "05-06-31": day and month before the year, separated alike.
_NUMERIC_DAY_MONTH = re.compile(r"^\d{1,2}([./-])\d{1,2}\1\d{2,4}(?!\d)")


def _zone(hours: float) -> timezone:
    return timezone(timedelta(hours=hours))


# Zone abbreviations read as fixed offsets (the abbreviation already says standard or summer
# time). Where one is used for several zones the choice is the one English-language news means
# most often: CST is US Central (not China), BST British Summer Time (not Bangladesh). IST (India,
# Ireland, Israel) and AST (Atlantic, Arabia) are left out: their offset stays unknown.
ZONE_ABBREVIATIONS: dict[str, timezone] = {
    "UTC": _zone(0), "UT": _zone(0), "GMT": _zone(0), "Z": _zone(0),
    "EST": _zone(-5), "EDT": _zone(-4), "CST": _zone(-6), "CDT": _zone(-5),
    "MST": _zone(-7), "MDT": _zone(-6), "PST": _zone(-8), "PDT": _zone(-7),
    "AKST": _zone(-9), "AKDT": _zone(-8), "HST": _zone(-10),
    "WET": _zone(0), "WEST": _zone(1), "BST": _zone(1), "CET": _zone(1), "CEST": _zone(2),
    "EET": _zone(2), "EEST": _zone(3), "MSK": _zone(3),
    "JST": _zone(9), "KST": _zone(9), "HKT": _zone(8), "SGT": _zone(8),
    "AEST": _zone(10), "AEDT": _zone(11), "NZST": _zone(12), "NZDT": _zone(13),
}


@dataclass
class DateChoice:
    """The chosen publication/modification dates and every candidate considered."""

    published_at: datetime | None = None
    offset_minutes: int | None = None
    modified_at: datetime | None = None
    source: str | None = None
    rule: str = "no date candidates"
    candidates: list[dict[str, Any]] = field(default_factory=list)


def _zone_for(name: str | None, offset_seconds: int | None) -> tzinfo | None:
    """dateutil's tzinfos hook: a known abbreviation, else a stated numeric offset, else None
    (naive; an unknown name then raises no UnknownTimezoneWarning)."""
    if name and name in ZONE_ABBREVIATIONS:
        return ZONE_ABBREVIATIONS[name]
    if offset_seconds is not None:
        return timezone(timedelta(seconds=offset_seconds))
    return None


def _day_first(text: str, month_first: bool) -> bool:
    """Return whether a numeric date opening text puts the day first: dotted ones always,
    slashed or dashed ones unless the page's locale writes the month first."""
    match = _NUMERIC_DAY_MONTH.match(text)
    if match is None:
        return False
    return match.group(1) == "." or not month_first


def parse_datetime(raw: str, month_first: bool = True) -> tuple[datetime, int | None] | None:
    """Return (UTC datetime, page offset in minutes or None) for a date string, else None.

    month_first says how to read 05/06/2031 (6 May when true); 05.06.2031 is always 5 June.
    """
    text = raw.strip()
    if not text or len(text) > 64:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            value = dateutil_parser.parse(text, fuzzy=False, tzinfos=_zone_for,
                                          dayfirst=_day_first(text, month_first))
        except (ValueError, OverflowError, TypeError):
            return None
    if not 1990 <= value.year <= 2100:
        return None
    if value.tzinfo is None or value.utcoffset() is None:
        return value.replace(tzinfo=UTC), None
    offset = value.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else None
    return value.astimezone(UTC), minutes


def reads_month_first(declared: Declared) -> bool:
    """Return whether the page's locale writes 05/06/2031 as 6 May.

    True for US English and, as before (dateutil's reading), for a page that declares no
    language or a bare "en"; any other declared language or English region reads day first.
    A declaration naming a region (og:locale "en_GB") beats one that does not (lang="en").
    """
    ld = declared.main_ld() or {}
    raw_codes = [declared.html_lang, declared.first("og:locale", "content-language", "language",
                                                    "dc.language"),
                 ld.get("inLanguage") if isinstance(ld.get("inLanguage"), str) else None]
    locales = [code.strip().replace("_", "-").lower().split("-") for code in raw_codes if code]
    locales = [parts for parts in locales if parts[0]]
    with_region = [parts for parts in locales if len(parts) > 1]
    chosen = (with_region or locales or [["en"]])[0]
    return chosen[0] == "en" and (len(chosen) == 1 or chosen[1] == "us")


def _candidate(source: str, raw: str, kind: str = "published",
               month_first: bool = True) -> dict[str, Any] | None:
    parsed = parse_datetime(raw, month_first)
    if parsed is None:
        return None
    value, offset = parsed
    return {"source": source, "value": value.isoformat(), "offset_minutes": offset, "raw": raw,
            "kind": kind}


def _from_hint(source: str, value: datetime) -> dict[str, Any]:
    """A feed or first-seen time as a candidate. Neither tells the page's own offset: first
    seen is our clock, and discovery stores feed times in UTC; a feed time given with a
    non-zero offset keeps it."""
    if value.tzinfo is None or value.utcoffset() is None:
        value = value.replace(tzinfo=UTC)
    delta = value.utcoffset()
    offset = int(delta.total_seconds() // 60) if source == "feed" and delta else None
    return {"source": source, "value": value.astimezone(UTC).isoformat(), "offset_minutes": offset,
            "raw": value.isoformat(), "kind": "published"}


def collect_candidates(tree: HtmlElement, declared: Declared, url: str,
                       feed_published_at: datetime | None,
                       first_seen_at: datetime | None,
                       use_htmldate: bool = True,
                       now: datetime | None = None) -> list[dict[str, Any]]:
    """Return every date candidate found in the page, its URL and the hints, with sources.

    htmldate is asked only when no published candidate up to now was found: a future one is
    kept (choose_dates marks it rejected) but does not stand in for a usable date.
    """
    now = now or datetime.now(UTC)
    month_first = reads_month_first(declared)
    declared_values: list[tuple[str, str, str]] = []
    ld = declared.main_ld() or {}
    for key, kind in (("datePublished", "published"), ("dateCreated", "published"),
                      ("dateModified", "modified")):
        # A string, or a list of them (some sites list the first and later editions).
        declared_values += [("json_ld", value, kind) for value in as_list(ld.get(key))[:3]
                            if isinstance(value, str)]
    for source, keys, kind in (("opengraph", _OG_PUBLISHED, "published"),
                               ("opengraph", _OG_MODIFIED, "modified"),
                               ("meta", _META_PUBLISHED, "published"),
                               ("meta", _META_MODIFIED, "modified")):
        declared_values += [(source, value, kind) for value in declared.all(*keys)]
    for time_el in tree.xpath("//time[@datetime][@itemprop='datePublished' or @pubdate "
                              "or ancestor::article or ancestor::header][position()<=2]"):
        declared_values.append(("meta", time_el.get("datetime", ""), "published"))
    found = [_candidate(source, raw, kind, month_first) for source, raw, kind in declared_values]
    if feed_published_at is not None:
        found.append(_from_hint("feed", feed_published_at))
    match = _URL_DATE.search(url) or _URL_DATE_COMPACT.search(url)
    if match:
        found.append(_candidate("url", "-".join(f"{int(g):02d}" for g in match.groups())))
    candidates = [c for c in found if c is not None]
    if use_htmldate and not any(c["kind"] == "published" and not _after(c, now)
                                for c in candidates):
        found.append(_htmldate_candidate(tree, url, now))
    if first_seen_at is not None:
        found.append(_from_hint("first_seen", first_seen_at))
    return [c for c in found if c is not None]


def _after(candidate: dict[str, Any], limit: datetime) -> bool:
    return datetime.fromisoformat(candidate["value"]) > limit


def _local_day(candidate: dict[str, Any]) -> date:
    """Return the candidate's calendar day in its own offset (UTC when it states none)."""
    value = datetime.fromisoformat(candidate["value"])
    if candidate["offset_minutes"] is not None:
        value = value.astimezone(timezone(timedelta(minutes=candidate["offset_minutes"])))
    return value.date()


def _htmldate_candidate(tree: HtmlElement, url: str, now: datetime) -> dict[str, Any] | None:
    from htmldate import find_date  # imported late: slow import, rarely needed

    try:
        raw = find_date(tree, url=url, original_date=True, extensive_search=False,
                        max_date=now.strftime("%Y-%m-%d"))
    except Exception:  # noqa: BLE001 - a date guess must never break extraction
        return None
    return _candidate("htmldate", raw) if raw else None


def choose_dates(candidates: list[dict[str, Any]], now: datetime,
                 tolerance: timedelta) -> DateChoice:
    """Return the chosen dates: highest-priority source, future values rejected and marked."""
    limit = now + tolerance
    for cand in candidates:
        if _after(cand, limit):
            cand["rejected"] = "in the future"
    valid = [c for c in candidates if "rejected" not in c]
    choice = DateChoice(candidates=candidates)
    published = [c for c in valid if c["kind"] == "published"]
    if published:
        def rank(c: dict[str, Any]) -> tuple[int, int]:
            # Within one source prefer a value with a declared offset (more precise).
            return SOURCE_PRIORITY.index(c["source"]), 0 if c["offset_minutes"] is not None else 1
        best = min(published, key=rank)
        # A value without offset (often a bare date) gains the time of day and offset of a
        # structured one written on the same calendar day where it was written.
        same_day = [c for c in published if c is not best and c["offset_minutes"] is not None
                    and c["source"] in ("json_ld", "opengraph", "meta")
                    and _local_day(c) == _local_day(best)]
        if best["offset_minutes"] is None and same_day:
            best = min(same_day, key=rank)
        choice.published_at = datetime.fromisoformat(best["value"])
        choice.offset_minutes = best["offset_minutes"]
        choice.source = best["source"]
        choice.rule = f"highest-priority source ({' > '.join(SOURCE_PRIORITY)})"
        if len(valid) < len(candidates):
            choice.rule += "; future candidates rejected"
    elif candidates:
        choice.rule = "every candidate was in the future" if not valid else "no published date"
    modified = [c for c in valid if c["kind"] == "modified"]
    if modified:
        best_mod = min(modified, key=lambda c: SOURCE_PRIORITY.index(c["source"]))
        choice.modified_at = datetime.fromisoformat(best_mod["value"])
    return choice
