"""An offline fictional news site (five outlets, feeds, hubs, sitemaps) on loopback for tests.

Use ``DemoSite`` as a context manager::

    with DemoSite(anchor_date=date(2026, 1, 26)) as site:
        site.base_url          # "http://127.0.0.1:PORT"
        site.manifest          # list[ManifestEntry]: every page linked as an article
        site.hits              # Counter of request paths (query stripped)

Story design (see ``content.STORIES`` for the machine-readable version):

(a) ``veltra-talks-round1``: Harbor Herald publishes the origin (anchor-2); Northgate Post
    rewrites it a day later in its own words, re-using three long quotes verbatim and the figures.
(b) ``veltra-talks-round2``: a later round of the same talks (anchor day), origin by Valley Wire,
    rewrite by Meridian Daily; and ``veltra-pumping-flood``, a flood on the same river (Harbor
    Herald, anchor-1). Neither may join (a).
(c) ``astrolabe-recovered``: wire copy carried verbatim by Valley Wire and Meridian Daily.
(d) ``gull-point-lighthouse``: linked with utm_* parameters from the Harbor Herald feed and with
    fbclid from its hubs, as well as by its clean URL.
(e) ``northgate-bike-lanes``: edited, dateModified ~20 hours after datePublished.
(f) independent single-outlet stories (ferry, cargo, library, fares, frost, rail, robotics,
    market hall; the Lakeside Courier's boathouse, with a correction notice, and shore trail).
(g) non-article pages linked like articles: a live blog, a video page, a paywall/consent stub.
(h) failures: a linked 404 article (Meridian feed and hub), a linked 500 article (Northgate
    hub), and a malformed extra feed ``/valley-wire/feeds/breaking.xml``.
(i) a Harbor Herald hub links ``/private/...``, which robots.txt disallows.
(j) the Lakeside Courier is configured by its homepage alone: its front page declares a JSON
    Feed and names its sections; robots.txt names the sitemap index.
"""

from __future__ import annotations

from storyline.demo_site.content import OUTLETS, PAGES, STORIES, Outlet, PageSpec, Story
from storyline.demo_site.server import DemoSite
from storyline.demo_site.site import ManifestEntry, build_manifest

__all__ = [
    "OUTLETS",
    "PAGES",
    "STORIES",
    "DemoSite",
    "ManifestEntry",
    "Outlet",
    "PageSpec",
    "Story",
    "build_manifest",
]
