"""Publication dates: every candidate with its source, one chosen by a stated rule, none future."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from dateutil import parser as dateutil_parser
from lxml.html import HtmlElement

from pipelines.extract.structured import Declared

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


@dataclass
class DateChoice:
    """The chosen publication/modification dates and every candidate considered."""

    published_at: datetime | None = None
    offset_minutes: int | None = None
    modified_at: datetime | None = None
    source: str | None = None
    rule: str = "no date candidates"
    candidates: list[dict[str, Any]] = field(default_factory=list)


def parse_datetime(raw: str) -> tuple[datetime, int | None] | None:
    """Return (UTC datetime, page offset in minutes or None) for a date string, else None."""
    text = raw.strip()
    if not text or len(text) > 64:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            value = dateutil_parser.parse(text, fuzzy=False)
        except (ValueError, OverflowError, TypeError):
            return None
    if not 1990 <= value.year <= 2100:
        return None
    if value.tzinfo is None or value.utcoffset() is None:
        return value.replace(tzinfo=UTC), None
    offset = value.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else None
    return value.astimezone(UTC), minutes


def _candidate(source: str, raw: str, kind: str = "published") -> dict[str, Any] | None:
    parsed = parse_datetime(raw)
    if parsed is None:
        return None
    value, offset = parsed
    return {"source": source, "value": value.isoformat(), "offset_minutes": offset, "raw": raw,
            "kind": kind}


def _from_datetime(source: str, value: datetime) -> dict[str, Any]:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
        offset = None
    else:
        delta = value.utcoffset()
        offset = int(delta.total_seconds() // 60) if delta is not None else None
    return {"source": source, "value": value.astimezone(UTC).isoformat(), "offset_minutes": offset,
            "raw": value.isoformat(), "kind": "published"}


def collect_candidates(tree: HtmlElement, declared: Declared, url: str,
                       feed_published_at: datetime | None,
                       first_seen_at: datetime | None,
                       use_htmldate: bool = True,
                       now: datetime | None = None) -> list[dict[str, Any]]:
    """Return every date candidate found in the page, its URL and the hints, with sources."""
    found: list[dict[str, Any] | None] = []
    ld = declared.main_ld() or {}
    for key, kind in (("datePublished", "published"), ("dateCreated", "published"),
                      ("dateModified", "modified")):
        if isinstance(ld.get(key), str):
            found.append(_candidate("json_ld", ld[key], kind))
    found += [_candidate("opengraph", v) for v in declared.all(*_OG_PUBLISHED)]
    found += [_candidate("opengraph", v, "modified") for v in declared.all(*_OG_MODIFIED)]
    found += [_candidate("meta", v) for v in declared.all(*_META_PUBLISHED)]
    found += [_candidate("meta", v, "modified") for v in declared.all(*_META_MODIFIED)]
    for time_el in tree.xpath("//time[@datetime][@itemprop='datePublished' or @pubdate "
                              "or ancestor::article or ancestor::header][position()<=2]"):
        found.append(_candidate("meta", time_el.get("datetime", "")))
    if feed_published_at is not None:
        found.append(_from_datetime("feed", feed_published_at))
    match = _URL_DATE.search(url) or _URL_DATE_COMPACT.search(url)
    if match:
        found.append(_candidate("url", "-".join(f"{int(g):02d}" for g in match.groups())))
    candidates = [c for c in found if c is not None]
    if use_htmldate and not any(c["kind"] == "published" for c in candidates):
        found.append(_htmldate_candidate(tree, url, now))
    if first_seen_at is not None:
        found.append(_from_datetime("first_seen", first_seen_at))
    return [c for c in found if c is not None]


def _htmldate_candidate(tree: HtmlElement, url: str,
                        now: datetime | None) -> dict[str, Any] | None:
    from htmldate import find_date  # imported late: slow import, rarely needed

    try:
        raw = find_date(tree, url=url, original_date=True, extensive_search=False,
                        max_date=(now or datetime.now(UTC)).strftime("%Y-%m-%d"))
    except Exception:  # noqa: BLE001 - a date guess must never break extraction
        return None
    return _candidate("htmldate", raw) if raw else None


def choose_dates(candidates: list[dict[str, Any]], now: datetime,
                 tolerance: timedelta) -> DateChoice:
    """Return the chosen dates: highest-priority source, future values rejected and marked."""
    limit = now + tolerance
    for cand in candidates:
        if datetime.fromisoformat(cand["value"]) > limit:
            cand["rejected"] = "in the future"
    valid = [c for c in candidates if "rejected" not in c]
    choice = DateChoice(candidates=candidates)
    published = [c for c in valid if c["kind"] == "published"]
    if published:
        def rank(c: dict[str, Any]) -> tuple[int, int]:
            # Within one source prefer a value with a declared offset (more precise).
            return SOURCE_PRIORITY.index(c["source"]), 0 if c["offset_minutes"] is not None else 1
        best = min(published, key=rank)
        # A structured date-only value gains the time of day of a same-day, offset-aware one.
        same_day = [c for c in published if c is not best and c["offset_minutes"] is not None
                    and c["source"] in ("json_ld", "opengraph", "meta")
                    and c["value"][:10] == best["value"][:10]]
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
