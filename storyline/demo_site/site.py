"""The demo site's manifest: every page the site links to as an article, with URLs and dates.

Dates are relative to an anchor date (default: today in UTC): pages are published on
``anchor - 2``, ``anchor - 1`` and ``anchor``. No page is ever published or modified in the
future: when the anchor is today, today's pages are squeezed, in order, into the part of the
day that has already passed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone

from storyline.demo_site.content import (
    ARTICLE,
    DISALLOWED,
    ERROR,
    MISSING,
    OUTLETS_BY_SLUG,
    PAGES,
    PageSpec,
)

_DAY = timedelta(days=1)
_SAFETY = timedelta(minutes=2)  # today's pages end at least this long before "now"


@dataclass(frozen=True)
class ManifestEntry:
    """One page linked as an article, as the tests should expect to find it.

    ``url_path`` is the clean path the page is served at; ``canonical_path`` is what its
    ``<link rel="canonical">`` names; ``linked_paths`` are every form (with tracking queries)
    that some feed or hub links to. ``expected_status`` is what a GET answers.
    """

    key: str
    outlet: str
    outlet_name: str
    url_path: str
    canonical_path: str
    linked_paths: tuple[str, ...]
    title: str
    published: datetime  # timezone-aware, outlet's local offset
    modified: datetime
    event_key: str | None
    role: str
    kind: str
    expected_status: int
    in_feed: bool
    in_sitemap: bool
    robots_disallowed: bool
    word_count: int  # words of story text (0 for pages without a story)

    @property
    def is_article(self) -> bool:
        """True for real news articles (not live blogs, videos, paywalls or failures)."""
        return self.kind == ARTICLE


def resolve_anchor(anchor_date: date | None, now: datetime) -> date:
    """Return the anchor date to use; raises ``ValueError`` for an anchor after today (UTC)."""
    today = now.astimezone(UTC).date()
    if anchor_date is None:
        return today
    if anchor_date > today:
        raise ValueError(
            f"anchor_date {anchor_date.isoformat()} is in the future (today is "
            f"{today.isoformat()} UTC); pass today or an earlier date"
        )
    return anchor_date


def published_at(spec: PageSpec, anchor: date, now: datetime) -> datetime:
    """Return the UTC publication time of ``spec``: nominal, or squeezed before ``now``."""
    day_start = datetime.combine(anchor + timedelta(days=spec.day), time(0), UTC)
    span = max(timedelta(0), min(_DAY, now - day_start - _SAFETY))
    fraction = (spec.at[0] * 3600 + spec.at[1] * 60) / 86400
    published = day_start + span * fraction
    return published.replace(microsecond=0)


def build_manifest(anchor_date: date | None = None, now: datetime | None = None) -> list[ManifestEntry]:
    """Return the manifest entries of every linked page, ordered by publication time.

    Raises ``ValueError`` when ``anchor_date`` is after today.
    """
    now = now or datetime.now(UTC)
    anchor = resolve_anchor(anchor_date, now)
    latest = (now - timedelta(minutes=1)).replace(microsecond=0)
    entries: list[ManifestEntry] = []
    for spec in PAGES:
        outlet = OUTLETS_BY_SLUG[spec.outlet]
        tz = timezone(timedelta(minutes=outlet.utc_offset_minutes))
        published_utc = published_at(spec, anchor, now)
        modified_utc = published_utc
        if spec.modified_after_hours:
            modified_utc = min(published_utc + timedelta(hours=spec.modified_after_hours), latest)
            modified_utc = max(modified_utc, published_utc)
        prefix = "/private" if spec.private else ""
        url_path = f"{prefix}/{spec.outlet}/{published_utc:%Y/%m/%d}/{spec.slug}.html"
        linked = [url_path]
        for query in (spec.feed_tracking_query, spec.hub_tracking_query):
            if query:
                linked.append(f"{url_path}?{query}")
        status = {MISSING: 404, ERROR: 500}.get(spec.kind, 200)
        words = sum(len(p.split()) for p in spec.paragraphs) if spec.kind == ARTICLE else 0
        entries.append(
            ManifestEntry(
                key=spec.key,
                outlet=spec.outlet,
                outlet_name=outlet.name,
                url_path=url_path,
                canonical_path=url_path,
                linked_paths=tuple(linked),
                title=spec.title,
                published=published_utc.astimezone(tz),
                modified=modified_utc.astimezone(tz),
                event_key=spec.event_key,
                role=spec.role,
                kind=spec.kind,
                expected_status=status,
                in_feed=spec.in_feed,
                in_sitemap=spec.in_sitemap and status == 200 and spec.kind != DISALLOWED,
                robots_disallowed=spec.private,
                word_count=words,
            )
        )
    entries.sort(key=lambda entry: (entry.published, entry.key))
    return entries
