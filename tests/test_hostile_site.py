"""The crawler against a hostile site on loopback: every failure a recorded row, no stall, bounded runs.

One crawl (and a second, incremental one) of :class:`~tests.support.hostile_site.HostileSite`
per warehouse backend, with one case per class of trouble: broken and malicious feeds,
HTTP failures, traps, bombs, redirects off the web, a canary on 127.0.0.2, sitemap-only
stories; between the two crawls the clean stage runs, so that junk pages (binaries served
as HTML, navigation only, a JavaScript shell) are seen to stay out of ``articles`` and a
story behind 5,000 nested elements to come out whole. Each test reads what that left in
the warehouse: the case's ``fetches`` row and its reason (or the absence of any row), and
that no good story was lost. Two
smaller crawls check what needs its own timing: a feed that outlasts its parse budget
while other feeds go on, and a 429 that pauses its host and only its host. Timeouts are
small (config), so the whole file runs in about half a minute per backend.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from pipelines.warehouse.db import make_engine, session_scope
from pipelines.warehouse.models import Article, FeedEntry, Fetch, SitemapEntry
from tests.conftest import REPO_ROOT, clean_stored_pages, crawl_command, fresh_warehouse, write_config
from tests.support.fixture_server import PNG_BYTES
from tests.support.hostile_site import CanaryServer, HostileSite

pytestmark = pytest.mark.slow

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
# The hostile crawl's limits (config ``crawl:``): small, so traps cost seconds, not minutes.
LIMITS = {
    "download_timeout": 1.5,
    "fetch_deadline": 3.0,
    "retry_times": 2,
    "retry_backoff_base": 1.0,
    "max_page_bytes": 4 * 1024 * 1024,
    "parse_timeout": 15.0,
}
# Whole-run bound for the hostile pass with the limits above: it takes 10-15 s, the rest
# is room for a loaded CI machine. (With the production limits, 30 s timeouts and a 60 s
# fetch deadline, one measured pass over this site took 132 s; the bound is 240 s.)
HOSTILE_PASS_SECONDS = 60
PEAK_RSS_MB = 1000  # under the 1 GiB a gzip bomb inflated in memory would take (issue: < 1.5 GB); a full-suite run saw ~700

# A story long enough to be an article (the extractor wants 60 words), in six paragraphs.
PARAGRAPHS = (
    "The harbour board of Eastmere voted on Tuesday to rebuild the north pier.",
    "Work starts in spring and should last two years, the board said in a statement.",
    "Fishermen had asked for the repair since a winter storm broke the outer wall.",
    "The cost is shared between the town, the county and a fund for coastal towns.",
    "Ferries will use the south quay while the builders close the north end of the port.",
    "A public meeting on the plans is set for the first week of the new year.",
)
PAGE = (
    "<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
    + "".join(f"<p>{text}</p>" for text in PARAGRAPHS)
    + "</article></body></html>"
)
# Declared UTF-8, sent as Latin-1 (invalid UTF-8): the story must survive the wrong charset.
MOJIBAKE = (
    '<html><head><meta charset="utf-8"><title>Café owners of Zürich meet</title></head><body>'
    "<article><h1>Café owners of Zürich meet</h1>"
    + "".join(f"<p>Señora Müller said: {text}</p>" for text in PARAGRAPHS)
    + "</article></body></html>"
).encode("latin-1")
PDF_BYTES = (
    b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<</Type/Catalog>>endobj\n" + bytes(range(256)) * 8 + b"\n%%EOF\n"
)


def page(title: str) -> str:
    return PAGE.format(title=title)


# Article paths by case. "good" ones must end as articles; the others must not.
GOOD = {
    "feed": "/news/2026/12/01/harbour-board-votes-on-north-pier.html",
    "feed_two": "/news/2026/12/01/ferry-timetable-changes-in-winter.html",
    "hub": "/news/2026/12/01/hub-listed-story-about-the-library.html",
    "retried_503": "/news/2026/12/01/busy-once-then-fine-story.html",
    "malformed": "/news/2026/12/01/story-from-a-malformed-feed.html",
    "laughs": "/news/2026/12/01/story-beside-entity-expansion.html",
    "xxe": "/news/2026/12/01/story-beside-external-entities.html",
    "schemes": "/news/2026/12/01/story-beside-bad-link-schemes.html",
    "duplicate": "/news/2026/12/01/story-listed-three-times-one-guid.html",
    "no_date": "/news/2026/12/01/story-with-no-date-at-all.html",
    "future_date": "/news/2026/12/01/story-dated-in-the-year-2100.html",
    "junk_date": "/news/2026/12/01/story-with-an-unreadable-date.html",
    "sitemap_only": "/news/2026/11/28/story-only-in-the-sitemap.html",
    "redirected": "/news/2026/12/01/story-after-one-redirect.html",
    # Pages the crawler must store as they are and the clean stage must find the story in:
    # deep nesting, mojibake, a date in the future.
    "nested": "/news/2026/12/01/story-behind-five-thousand-divs.html",
    "mojibake": "/news/2026/12/01/story-with-a-wrong-charset.html",
    "future_html": "/news/2026/12/01/story-whose-page-says-2100.html",
}
MANY = [f"/news/2026/12/01/one-of-ten-thousand-items-{n}.html" for n in range(4)]
FAILING = {
    "missing": "/news/2026/12/01/this-story-was-never-here.html",
    "gone": "/news/2026/12/01/this-story-was-taken-down.html",
    "server_error": "/news/2026/12/01/server-error-on-this-story.html",
    "trickle": "/news/2026/12/01/tarpit-trickles-a-byte-at-a-time.html",
    "hang": "/news/2026/12/01/request-never-answered.html",
    "slow": "/news/2026/12/01/headers-come-too-late.html",
    "reset": "/news/2026/12/01/connection-reset-by-peer.html",
    "short": "/news/2026/12/01/body-shorter-than-declared.html",
    "loop": "/news/2026/12/01/redirect-loop-first-half.html",
    "chain": "/news/chain/1",
    "to_file": "/news/2026/12/01/redirects-to-a-local-file.html",
    "to_canary": "/news/2026/12/01/redirects-to-the-canary.html",
    "bomb": "/news/2026/12/01/gzip-bomb-one-gibibyte.html",
    "endless": "/news/2026/12/01/endless-chunked-body.html",
    "huge": "/news/2026/12/01/sixty-megabyte-page.html",
    "empty": "/news/2026/12/01/empty-page-no-bytes.html",
    "no_location": "/news/2026/12/01/redirect-without-a-location.html",
    "no_content": "/news/2026/12/01/answered-204-no-content.html",
}
JUNK = {  # served as text/html, stored by the crawl; the clean stage keeps them out of articles
    "pdf": "/news/2026/12/01/pdf-served-as-html.html",
    "png": "/news/2026/12/01/png-served-as-html.html",
    "navigation": "/news/2026/12/01/navigation-only-page.html",
    "link_list": "/news/2026/12/01/a-thousand-words-of-links.html",
    "script": "/news/2026/12/01/javascript-only-shell.html",
}
STALE_SITEMAP = "/news/2026/11/20/sitemap-story-ten-days-old.html"
PRIVATE = "/private/2026/12/01/robots-disallowed-story.html"


def rss(*items: str, prolog: str = "") -> str:
    return f'<?xml version="1.0"?>{prolog}<rss version="2.0"><channel><title>Hostile</title>{"".join(items)}</channel></rss>'


def item(link: str, title: str = "Story", guid: str | None = None, date: str | None = None) -> str:
    parts = [f"<title>{title}</title><link>{link}</link>"]
    if guid:
        parts.append(f'<guid isPermaLink="false">{guid}</guid>')
    if date:
        parts.append(f"<pubDate>{date}</pubDate>")
    return f"<item>{''.join(parts)}</item>"


def lay_out(site: HostileSite, canary: CanaryServer) -> dict[str, Any]:
    """Register every case on ``site``; return the source config for it."""
    base = site.base_url
    site.add("/robots.txt", "User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    for path in (*GOOD.values(), *MANY, PRIVATE):
        site.add(path, page(path.rsplit("/", 1)[-1]))
    site.add(GOOD["nested"], page("nested").replace("<article>", "<div>" * 5000 + "<article>", 1))
    site.add(GOOD["mojibake"], MOJIBAKE)
    future = '<meta property="article:published_time" content="2100-01-01T00:00:00Z">'
    site.add(GOOD["future_html"], page("future").replace("</head>", future + "</head>", 1))
    site.add(STALE_SITEMAP, page("stale"))
    # HTTP failures and traps.
    site.add(FAILING["gone"], "<h1>Gone</h1>", status=410)
    site.add(FAILING["server_error"], "<h1>Oops</h1>", status=500)
    site.add_retry_after(GOOD["retried_503"], seconds=1, then_body=page("busy once"), status=503)
    site.add_trickle(FAILING["trickle"])
    site.add_hang(FAILING["hang"])
    site.add_slow(FAILING["slow"], seconds=10, body=page("too late"))
    site.add_reset(FAILING["reset"])
    site.add_short_body(FAILING["short"])
    site.add_redirect_loop(FAILING["loop"], "/news/2026/12/01/redirect-loop-second-half.html")
    site.add_redirect_chain("/news/chain", hops=12)
    site.add_redirect(FAILING["to_file"], "file:///etc/passwd", status=302)
    site.add_redirect(FAILING["to_canary"], canary.base_url + "/news/2026/12/01/redirected-canary.html", 302)
    site.add_redirect("/news/2026/12/01/story-before-one-redirect.html", GOOD["redirected"], 301)
    site.add_gzip_bomb(FAILING["bomb"])
    site.add_endless_chunked(FAILING["endless"])
    site.add_huge(FAILING["huge"], size_bytes=60 * 1024 * 1024)
    site.add(FAILING["empty"], b"")
    site.add(FAILING["no_location"], b"", status=302)
    site.add(FAILING["no_content"], b"", status=204)
    site.add(JUNK["pdf"], PDF_BYTES)
    site.add(JUNK["png"], PNG_BYTES)
    site.add(
        JUNK["navigation"],
        "<html><body><nav>" + "<a href='/section/x'>Section</a>" * 40 + "</nav></body></html>",
    )
    # A hundred long link labels and not one sentence: a site map, however many words.
    labels = [f"{text.rstrip('.')} in section {n}" for n, text in enumerate(PARAGRAPHS * 17)]
    site.add(
        JUNK["link_list"],
        "<html><head><title>All sections</title></head><body><div>"
        + " ".join(f"<a href='/section/{n}/'>{label}</a>" for n, label in enumerate(labels[:100]))
        + "</div></body></html>",
    )
    site.add(
        JUNK["script"],
        "<html><head><script src='/app.js'></script></head><body><div id='root'></div></body></html>",
    )

    main = [
        item(base + GOOD[name])
        for name in ("feed", "feed_two", "retried_503", "nested", "mojibake", "future_html")
    ]
    main += [item(base + path, title=name) for name, path in FAILING.items()]
    main += [item(base + path, title=name) for name, path in JUNK.items()]
    main += [
        item(base + "/news/2026/12/01/story-before-one-redirect.html", title="redirected"),
        item(canary.base_url + "/news/2026/12/01/direct-canary-link.html", title="canary"),
    ]
    malformed = (
        f'<rss version="2.0"><channel><title>t</title><item><title>Fine &amp; well</title>'
        f"<link>{base}{GOOD['malformed']}</link></item><item><title>broken<link>{base}/b</link></channel>"
    )
    lol = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{n} "{("&lol" + str(n - 1) + ";") * 10 if n > 1 else "&lol;" * 10}">'
        for n in range(1, 10)
    )
    laughs = rss(
        item(base + "/news/2026/12/01/entity-expansion-item.html", title="&lol9;"),
        item(base + GOOD["laughs"]),
        prolog=f"<!DOCTYPE rss [{lol}]>",
    )
    xxe = rss(
        item(base + GOOD["xxe"], title="&file;&net;"),
        prolog=f'<!DOCTYPE rss [<!ENTITY file SYSTEM "file:///etc/passwd"><!ENTITY net SYSTEM "{canary.base_url}/xxe">]>',
    )
    many = rss(*(item(base + MANY[n % 4], title=f"Item {n}", guid=f"many-{n}") for n in range(10_000)))
    schemes = rss(
        item("javascript:alert(document.cookie)", title="js"),
        item("file:///etc/passwd", title="file"),
        item("data:text/html,<h1>hi</h1>", title="data"),
        item("mailto:desk@example.invalid", title="mail"),
        item("ftp://127.0.0.1/pub/story.html", title="ftp"),
        item(base + GOOD["schemes"]),
    )
    duplicate = rss(*(item(base + GOOD["duplicate"], guid="tag:hostile,2026:dup") for _ in range(3)))
    dates = rss(
        item(base + GOOD["no_date"]),
        item(base + GOOD["future_date"], date="Fri, 01 Jan 2100 00:00:00 GMT"),
        item(base + GOOD["junk_date"], date="sometime around lunch"),
    )
    feeds = {
        "/feeds/main.xml": rss(*main),
        "/feeds/malformed.xml": malformed,
        "/feeds/laughs.xml": laughs,
        "/feeds/xxe.xml": xxe,
        "/feeds/many.xml": many,
        "/feeds/schemes.xml": schemes,
        "/feeds/duplicate.xml": duplicate,
        "/feeds/dates.xml": dates,
    }
    for path, body in feeds.items():
        site.add_conditional(path, body, content_type="application/rss+xml")
    hub = (
        "<html><body><nav><a href='/section/world/'>World</a></nav><main>"
        f"<a href='{GOOD['hub']}'>Library</a><a href='{PRIVATE}'>Private</a></main></body></html>"
    )
    site.add_conditional("/hub/", hub)
    now = datetime.now(UTC)
    sitemap = (
        '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<url><loc>{base}{GOOD['sitemap_only']}</loc><lastmod>{(now - timedelta(days=4)).isoformat()}</lastmod></url>"
        f"<url><loc>{base}{STALE_SITEMAP}</loc><lastmod>{(now - timedelta(days=10)).isoformat()}</lastmod></url>"
        "</urlset>"
    )
    site.add_conditional("/sitemap.xml", sitemap, content_type="application/xml")
    return {
        "name": "Hostile",
        "feeds": [base + path for path in feeds],
        "hubs": [base + "/hub/"],
        "sitemaps": [base + "/sitemap.xml"],
    }


@dataclass
class CrawlRun:
    """A crawl in a child process: its outcome line, wall time and peak memory."""

    outcome: dict[str, Any]
    seconds: float
    peak_rss_mb: float
    stderr: str = ""


def measured_crawl(config: Path, warehouse_url: str, *extra: str, timeout: float = 300) -> CrawlRun:
    """Crawl in a child process (as conftest.run_crawl does) and measure it with ``wait4``."""
    import json
    import tempfile

    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.monotonic()
        child = subprocess.Popen(crawl_command(config, warehouse_url, *extra), cwd=REPO_ROOT, stdout=out, stderr=err)
        killer = threading.Timer(timeout, child.kill)
        killer.start()
        try:
            _, status, usage = os.wait4(child.pid, 0)
        finally:
            killer.cancel()
        child.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.monotonic() - started
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if child.returncode != 0:
        pytest.fail(f"crawl exited {child.returncode}:\n{stderr[-4000:]}")
    outcome = json.loads(stdout.strip().splitlines()[-1])
    return CrawlRun(outcome, seconds, usage.ru_maxrss / 1024, stderr)


@dataclass
class HostileCrawl:
    """A crawl of a hostile site (and the second, incremental one), and what the site saw."""

    warehouse_url: str
    base: str
    first: CrawlRun
    site: HostileSite
    second: CrawlRun | None = None
    hits_after_first: Counter[str] = field(default_factory=Counter)
    canary: CanaryServer | None = None

    def rows(self, model: type, *where: Any) -> list[Any]:
        engine = make_engine(self.warehouse_url)
        try:
            with session_scope(engine) as session:
                return list(session.scalars(select(model).where(*where)).all())
        finally:
            engine.dispose()

    def attempts(self, path: str, run: CrawlRun | None = None) -> list[Fetch]:
        """The fetch rows of ``path`` (every attempt and hop that started there), oldest first."""
        run_id = (run or self.first).outcome["crawl_run_id"]
        found = self.rows(Fetch, Fetch.url == self.base + path, Fetch.crawl_run_id == run_id)
        return sorted(found, key=lambda f: f.requested_at)

    def chain_end(self, path: str) -> Fetch:
        """The last fetch of the chain (retries and redirect hops) that started at ``path``."""
        fetches = {
            f.id: f for f in self.rows(Fetch, Fetch.crawl_run_id == self.first.outcome["crawl_run_id"])
        }
        followers = {f.discovered_from_id: f for f in fetches.values() if f.kind == "article"}
        (current,) = [
            f
            for f in fetches.values()
            if f.url == self.base + path
            and getattr(fetches.get(f.discovered_from_id), "kind", None) != "article"
        ]
        while current.id in followers:
            current = followers[current.id]
        return current

    def stored(self) -> set[str]:
        """Canonical paths of the pages the crawls stored (article fetches with a body)."""
        return {f.canonical_url.removeprefix(self.base) for f in self.rows(Fetch, Fetch.url_identity.is_not(None))}

    def articles(self) -> set[str]:
        """Canonical paths of the news stories the clean stage found (``articles`` rows)."""
        return {a.canonical_url.removeprefix(self.base) for a in self.rows(Article)}


@pytest.fixture(scope="module", params=BACKENDS)
def hostile(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[HostileCrawl]:
    directory = tmp_path_factory.mktemp(f"hostile-{request.param}")
    with (
        fresh_warehouse(request.param, directory) as url,
        HostileSite() as site,
        CanaryServer() as canary,
    ):
        source = lay_out(site, canary)
        config = write_config(directory / "config.yaml", site.host_port, [source], **LIMITS)
        first = measured_crawl(config, url)
        hits_after_first = Counter(site.hits)
        clean_stored_pages(url)
        # A full crawl (every document, not only those due): it must ask conditionally.
        second = measured_crawl(config, url, "--poll", "all")
        yield HostileCrawl(url, site.base_url, first, site, second, hits_after_first, canary)


# --- the run as a whole ----------------------------------------------------------------------


def test_the_hostile_pass_finishes_in_bounded_time_and_memory(hostile):
    assert hostile.first.outcome["status"] == "succeeded"
    assert hostile.first.seconds < HOSTILE_PASS_SECONDS, hostile.first.seconds
    assert hostile.first.peak_rss_mb < PEAK_RSS_MB, f"peak RSS {hostile.first.peak_rss_mb:.0f} MB"


def test_every_good_story_is_stored_and_no_junk_link_became_one(hostile):
    stored = hostile.stored()
    assert set(GOOD.values()) | set(MANY) <= stored
    assert stored.isdisjoint(FAILING.values())
    assert STALE_SITEMAP not in stored and PRIVATE not in stored


def test_the_canary_on_127_0_0_2_is_never_reached(hostile):
    assert hostile.canary.total_hits == 0, hostile.canary.hits
    blocked = hostile.rows(Fetch, Fetch.error == "blocked_private_address")
    assert {f.url.rsplit("/", 1)[-1] for f in blocked} == {
        "direct-canary-link.html",
        "redirected-canary.html",
    }
    assert all(f.status_code is None for f in blocked)


# --- HTTP failures: one row each, with its reason ---------------------------------------------


@pytest.mark.parametrize(
    ("case", "reason", "status"),
    [
        ("missing", "http_404", 404),
        ("gone", "http_410", 410),
        ("server_error", "http_500", 500),
        ("trickle", "timeout", None),
        ("hang", "timeout", None),
        ("slow", "timeout", None),
        ("reset", "connection_lost", None),
        ("short", "truncated_response", None),
        ("bomb", "too_large", 200),
        ("endless", "too_large", None),
        ("huge", "too_large", None),
        ("empty", "empty_body", 200),
        ("no_location", "unexpected_status", 302),
        ("no_content", "unexpected_status", 204),
    ],
)
def test_a_failed_fetch_ends_in_a_row_with_its_reason(hostile, case, reason, status):
    end = hostile.chain_end(FAILING[case])
    assert (end.error, end.status_code) == (reason, status), end.error_detail
    assert end.error_detail or reason.startswith("http_")


def test_traps_are_cut_at_the_timeout_and_stop_at_the_fetch_deadline(hostile):
    # Each attempt is cut after download_timeout (1.5 s), however slowly the body trickles;
    # the URL's 3 s network budget then leaves room for two attempts, not retry_times + 1.
    for case in ("trickle", "hang", "slow"):
        attempts = hostile.attempts(FAILING[case])
        arrivals = [r for r in hostile.site.requests if r.path == FAILING[case]]
        assert [(a.error, a.status_code) for a in attempts] == [("timeout", None)] * 2, case
        assert len(arrivals) == 2, case
    # Quick failures spend little of the budget: every retry is made.
    assert [a.error for a in hostile.attempts(FAILING["server_error"])] == ["http_500"] * 3


def test_503_once_is_retried_and_the_story_kept(hostile):
    attempts = hostile.attempts(GOOD["retried_503"])
    assert [(a.status_code, a.error) for a in attempts] == [(503, "http_503"), (200, None)]
    assert attempts[1].discovered_from_id == attempts[0].id


def test_redirect_loops_end_with_redirect_loop(hostile):
    loop = hostile.chain_end(FAILING["loop"])
    assert (loop.status_code, loop.error) == (302, "redirect_loop")
    assert "already visited" in loop.error_detail
    chain = hostile.chain_end(FAILING["chain"])
    assert (chain.status_code, chain.error) == (302, "redirect_loop")
    assert "REDIRECT_MAX_TIMES" in chain.error_detail


def test_redirects_off_the_web_are_refused_with_a_reason(hostile):
    to_file = hostile.chain_end(FAILING["to_file"])
    assert (to_file.status_code, to_file.error) == (302, "redirect_refused")
    assert "file" in to_file.error_detail
    assert not hostile.rows(Fetch, Fetch.url.like("file:%"))
    hop = hostile.attempts(FAILING["to_canary"])[0]
    assert (hop.status_code, hop.error) == (302, "redirect_refused")
    (blocked,) = hostile.rows(Fetch, Fetch.discovered_from_id == hop.id)
    assert blocked.error == "blocked_private_address"


def test_a_plain_redirect_is_still_followed(hostile):
    start = "/news/2026/12/01/story-before-one-redirect.html"
    assert [(h.status_code, h.error) for h in hostile.attempts(start)] == [(301, None)]
    end = hostile.chain_end(start)
    assert (end.status_code, end.error) == (200, None)
    (stored,) = hostile.rows(Article, Article.fetch_id == end.id)
    assert (stored.url, stored.canonical_url) == (hostile.base + start, hostile.base + GOOD["redirected"])


def test_robots_disallowed_page_is_refused_not_fetched(hostile):
    (refused,) = hostile.rows(Fetch, Fetch.url == hostile.base + PRIVATE)
    assert (refused.error, refused.status_code) == ("robots_disallowed", None)
    assert hostile.hits_after_first[PRIVATE] == 0


# --- feeds -------------------------------------------------------------------------------------


def feed_fetch(hostile: HostileCrawl, path: str) -> Fetch:
    (fetch,) = hostile.attempts(path)
    return fetch


def test_a_malformed_feed_is_flagged_and_its_readable_entries_kept(hostile):
    fetch = feed_fetch(hostile, "/feeds/malformed.xml")
    assert fetch.error == "malformed_feed" and "recovered" in fetch.error_detail
    assert GOOD["malformed"] in hostile.stored()


def test_entity_expansion_is_refused_and_the_feed_goes_on(hostile):
    fetch = feed_fetch(hostile, "/feeds/laughs.xml")
    assert fetch.error == "malformed_feed" and "amplification" in fetch.error_detail
    entries = hostile.rows(FeedEntry, FeedEntry.feed_url == hostile.base + "/feeds/laughs.xml")
    assert entries and all(len(e.title or "") < 100 for e in entries)
    assert GOOD["laughs"] in hostile.stored()


def test_external_entities_are_never_resolved(hostile):
    entries = hostile.rows(FeedEntry, FeedEntry.feed_url == hostile.base + "/feeds/xxe.xml")
    assert len(entries) == 1
    assert "root:" not in f"{entries[0].title}{entries[0].summary}"
    assert hostile.canary.hits["/xxe"] == 0
    assert GOOD["xxe"] in hostile.stored()


def test_ten_thousand_items_are_all_recorded(hostile):
    fetch = feed_fetch(hostile, "/feeds/many.xml")
    assert fetch.error is None
    entries = hostile.rows(FeedEntry, FeedEntry.feed_url == hostile.base + "/feeds/many.xml")
    assert len(entries) == 10_000
    assert all(hostile.hits_after_first[path] == 1 for path in MANY)


def test_links_with_bad_schemes_are_never_fetched(hostile):
    entries = hostile.rows(FeedEntry, FeedEntry.feed_url == hostile.base + "/feeds/schemes.xml")
    assert len(entries) == 6
    assert {e.canonical_url for e in entries if e.canonical_url} == {hostile.base + GOOD["schemes"]}
    schemes = ("javascript:%", "file:%", "data:%", "mailto:%", "ftp:%")
    assert not [f for pattern in schemes for f in hostile.rows(Fetch, Fetch.url.like(pattern))]
    assert GOOD["schemes"] in hostile.stored()


def test_duplicate_guids_are_one_entry_and_one_fetch(hostile):
    entries = hostile.rows(FeedEntry, FeedEntry.feed_url == hostile.base + "/feeds/duplicate.xml")
    assert [e.guid for e in entries] == ["tag:hostile,2026:dup"]
    assert hostile.hits_after_first[GOOD["duplicate"]] == 1


def test_missing_future_and_unreadable_dates_keep_the_story(hostile):
    entries = {
        e.canonical_url.removeprefix(hostile.base): e
        for e in hostile.rows(FeedEntry, FeedEntry.feed_url == hostile.base + "/feeds/dates.xml")
    }
    assert entries[GOOD["no_date"]].published_at is None
    assert entries[GOOD["junk_date"]].published_at is None
    assert entries[GOOD["future_date"]].published_at == datetime(2100, 1, 1, tzinfo=UTC)
    assert {GOOD["no_date"], GOOD["future_date"], GOOD["junk_date"]} <= hostile.stored()


# --- sitemaps and the second run -----------------------------------------------------------------


def test_a_story_only_in_the_sitemap_four_days_old_is_fetched(hostile):
    entries = {e.canonical_url.removeprefix(hostile.base) for e in hostile.rows(SitemapEntry)}
    assert entries == {GOOD["sitemap_only"], STALE_SITEMAP}
    assert GOOD["sitemap_only"] in hostile.stored()
    assert hostile.hits_after_first[STALE_SITEMAP] == 0, "the live window is a week, not forever"


def test_a_second_run_asks_conditionally_and_fetches_no_story_again(hostile):
    assert hostile.second.outcome["status"] == "succeeded"
    fetches = hostile.rows(Fetch, Fetch.crawl_run_id == hostile.second.outcome["crawl_run_id"])
    discovery = [f for f in fetches if f.kind in ("feed", "hub", "sitemap")]
    assert len(discovery) == 10 and {f.status_code for f in discovery} == {304}
    assert not [f for f in fetches if f.kind == "article"]
    for path in (*GOOD.values(), *MANY):
        assert hostile.site.hits[path] == hostile.hits_after_first[path], path


# --- what the clean stage makes of the stored pages: news stories only in articles -------------


@pytest.mark.parametrize(
    ("case", "page_type", "reason"),
    [
        ("pdf", "error", "binary"),
        ("png", "error", "binary"),
        ("navigation", "index", "navigation"),
        ("link_list", "index", "navigation"),
        ("script", "js_shell", "js_shell"),
    ],
)
def test_junk_pages_never_become_articles(hostile, case, page_type, reason):
    (fetch,) = hostile.attempts(JUNK[case])
    assert (fetch.status_code, fetch.error) == (200, None)
    assert JUNK[case] in hostile.stored()  # the crawl kept the page, for a later re-extraction
    assert JUNK[case] not in hostile.articles()
    assert (fetch.page_type, fetch.page_reason) == (page_type, reason), fetch.page_note
    assert fetch.page_note and fetch.extracted_by_id is not None
    # Known by its fetch: the second run does not fetch it again.
    assert hostile.site.hits[JUNK[case]] == hostile.hits_after_first[JUNK[case]] == 1


def test_every_good_story_becomes_an_article_and_nothing_else_does(hostile):
    articles = hostile.articles()
    assert set(GOOD.values()) | set(MANY) == articles
    news = hostile.rows(Article)
    assert {a.page_type for a in news} == {"article"}
    assert all(a.title and a.body_text for a in news)


def test_a_story_behind_five_thousand_nested_elements_is_extracted_whole(hostile):
    (story,) = hostile.rows(Article, Article.canonical_url == hostile.base + GOOD["nested"])
    found = [text for text in PARAGRAPHS if text in story.body_text]
    assert len(found) >= 0.9 * len(PARAGRAPHS), story.body_text
    assert "wrapper elements" in story.extraction_note and not story.truncated


def test_a_wrong_charset_keeps_the_story_readable(hostile):
    (story,) = hostile.rows(Article, Article.canonical_url == hostile.base + GOOD["mojibake"])
    assert "Señora Müller" in story.body_text and "Ã" not in story.body_text


# --- a feed over its parse budget, and a 429: the rest of the crawl goes on -----------------------


def test_a_feed_over_its_parse_budget_fails_alone_while_the_crawl_goes_on(tmp_path, warehouse_url):
    with HostileSite() as site:
        base = site.base_url
        calm_story = "/news/2026/12/01/calm-story-from-another-feed.html"
        author_story = "/news/2026/12/01/good-story-beside-huge-authors.html"
        big_links = [f"/news/2026/12/01/big-feed-story-{n}.html" for n in range(3)]
        for path in (calm_story, author_story, *big_links):
            site.add(path, page(path))
        # About 10 MB: feedparser needs many seconds for it, the budget is one.
        big = rss(*(item(base + big_links[n % 3], title=f"Item {n}", guid=f"big-{n}") for n in range(75_000)))
        site.add_conditional("/feeds/big.xml", big, content_type="application/rss+xml")
        # Huge almost-e-mail authors: seconds per entry in feedparser unless trimmed first.
        almost = "desk@" + "a." * 10_000
        authors = rss(
            *(
                f"<item><title>a{n}</title><link>{base}/news/2026/12/01/author-item-{n}.html</link>"
                + (
                    f"<author>{almost}</author>"
                    if n % 2
                    else f"<dc:creator><![CDATA[{almost}]]></dc:creator>"
                )
                + "</item>"
                for n in range(40)
            ),
            item(base + author_story),
        ).replace("<rss ", '<rss xmlns:dc="http://purl.org/dc/elements/1.1/" ')
        site.add("/feeds/authors.xml", authors, content_type="application/rss+xml")
        site.add(
            "/feeds/calm.xml", rss(item(base + calm_story)), content_type="application/rss+xml", delay=0.3
        )
        feeds = [base + p for p in ("/feeds/big.xml", "/feeds/authors.xml", "/feeds/calm.xml")]
        config = write_config(
            tmp_path / "config.yaml",
            site.host_port,
            [{"name": "Feeds", "feeds": feeds}],
            parse_timeout=1.0,
            max_page_bytes=16 * 1024 * 1024,
        )
        run = measured_crawl(config, warehouse_url)
        arrivals = {r.path: r.received_at for r in site.requests}
        again = measured_crawl(config, warehouse_url, "--poll", "all")

    crawl = HostileCrawl(warehouse_url, base, run, site)
    big_fetch = feed_fetch(crawl, "/feeds/big.xml")
    assert big_fetch.error == "parse_timeout" and "1s" in big_fetch.error_detail
    assert not crawl.rows(FeedEntry, FeedEntry.feed_url == base + "/feeds/big.xml")
    assert feed_fetch(crawl, "/feeds/authors.xml").error is None
    entries = crawl.rows(FeedEntry, FeedEntry.feed_url == base + "/feeds/authors.xml")
    assert len(entries) == 41 and all(len(author) <= 512 for e in entries for author in e.authors)
    assert {calm_story, author_story} <= crawl.stored()
    # The calm feed's story did not wait for the big feed's parse to end (on the event
    # loop it would have waited the whole parse, many seconds).
    assert arrivals[calm_story] - arrivals["/feeds/big.xml"] < 6.0
    # The good story beside the huge authors came promptly too (trimmed, not parsed for minutes).
    assert arrivals[author_story] - arrivals["/feeds/authors.xml"] < 6.0
    # A feed never read is asked for in full next time, not conditionally (no 304).
    (retried,) = crawl.attempts("/feeds/big.xml", again)
    assert (retried.status_code, retried.error) == (200, "parse_timeout")


def test_a_429_pauses_its_host_for_retry_after_and_only_that_host(tmp_path, warehouse_url):
    import yaml

    with HostileSite() as site:
        port = site.host_port.rsplit(":", 1)[1]
        host_a, host_b = f"http://127.0.0.1:{port}", f"http://localhost:{port}"
        busy = "/news/2026/12/01/rate-limited-story-on-a.html"
        on_a = [f"/news/2026/12/01/story-{n}-on-host-a.html" for n in range(6)]
        on_b = [f"/news/2026/12/01/story-{n}-on-host-b.html" for n in range(6)]
        for path in on_a:
            site.add(path, page(path), delay=0.2)
        for path in on_b:
            site.add(path, page(path), delay=0.4)
        site.add_retry_after(busy, seconds=2, then_body=page("busy"), status=429)
        links = [host_a + p for p in on_a[:3]] + [host_a + busy] + [host_a + p for p in on_a[3:]]
        links += [host_b + p for p in on_b]
        site.add("/hub/", "<html><body>" + "".join(f"<a href='{u}'>s</a>" for u in links) + "</body></html>")
        config = write_config(
            tmp_path / "config.yaml",
            site.host_port,
            [{"name": "Two hosts", "hubs": [host_a + "/hub/"], "article_pattern": "/news/"}],
            concurrent_requests_per_domain=1,
            # A small delay: with none, Scrapy 2.19 starts every queued request of a slot at
            # once (its concurrency check runs before the tasks it schedules start).
            download_delay=0.05,
            retry_times=2,
        )
        document = yaml.safe_load(config.read_text())
        document["network"]["allow_private"].append(f"localhost:{port}")
        config.write_text(yaml.safe_dump(document))
        run = measured_crawl(config, warehouse_url)
        requests = list(site.requests)

    assert run.outcome["status"] == "succeeded"
    first_429 = next(r.received_at for r in requests if r.path == busy)
    after = [r for r in requests if r.received_at > first_429]
    on_host_a = [r for r in after if r.headers.get("Host", "").startswith("127.0.0.1")]
    on_host_b = [r for r in after if r.headers.get("Host", "").startswith("localhost")]
    assert any(r.path != busy for r in on_host_a), "no request to host A was left after the 429"
    # Host A waited Retry-After (2 s) before its next request, whichever it was ...
    assert on_host_a[0].received_at - first_429 >= 1.9
    # ... while host B went on meanwhile.
    assert any(r.received_at - first_429 < 1.9 for r in on_host_b)
    crawl = HostileCrawl(warehouse_url, host_a, run, site)
    assert [(a.status_code, a.error) for a in crawl.attempts(busy)] == [(429, "http_429"), (200, None)]
    assert len(crawl.stored()) == 13
