"""extract_page on pages written for these tests: chrome stripping, page types, dates, metadata."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest

from pipelines.extract import PageHints, extract_page
from pipelines.extract.authors import clean_author
from pipelines.extract.titles import strip_site_suffix

NOW = datetime(2031, 5, 20, 12, 0, tzinfo=UTC)

STORY = [
    "Harbour officials in the fictional town of Lowmere said on Tuesday that the old ferry "
    "pier will close for repairs after inspectors found cracked pilings beneath the deck.",
    "The closure is expected to last eleven weeks, and commuters will be moved to a temporary "
    "floating platform near the fish market, according to the town engineer, Petra Vance.",
    "\u201cWe would rather lose a summer than lose a pier,\u201d Vance told reporters gathered "
    "on the quay, adding that divers had photographed every one of the ninety wooden posts.",
    "Local shop owners worried about fewer visitors, but the council promised a free shuttle "
    "bus every twenty minutes between the station and the harbour while the work goes on.",
    "Repairs will be paid from a reserve fund set aside after the storm of two winters ago, "
    "the council treasurer said, so no increase in local taxes is planned this year.",
    "Contributing: Omar Lindqvist in Lowmere.",
]
CHROME = [
    "Home", "Politics", "Harbour News", "Sport", "Weather", "Trending now",
    "Sign up for the Lowmere Ledger newsletter and get the morning briefing free",
    "Share on Facebook", "Copy link", "Add Lowmere Ledger on Google",
    "Updated [hour]:[minute] [AMPM] [timezone], [monthFull] [day], [year]",
    "Advertisement",
]
CAPTION = "Workers inspect the pilings of the ferry pier in Lowmere. (Photo/Ada Brook)"


def seed_like_page(extra_head: str = "", body_extra: str = "") -> str:
    """A page built like the seed: heavy chrome around a short story."""
    nav = "".join(f'<li><a href="/{i}">{c}</a></li>' for i, c in enumerate(CHROME[:5]))
    trending = "".join(
        f'<li><a href="/t/{i}">Other headline number {i} about something else</a></li>'
        for i in range(12)
    )
    figures = "".join(
        f'<figure><img src="/p{i}.jpg"><figcaption>{CAPTION}</figcaption></figure>'
        for i in range(4)
    )
    paras = "".join(f"<p>{p}</p>" for p in STORY)
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Ferry pier to close for repairs | Lowmere Ledger</title>
<meta property="og:title" content="Ferry pier to close for repairs">
<meta property="og:site_name" content="Lowmere Ledger">
<meta property="og:type" content="article">
<meta name="description" content="The pier shuts for eleven weeks.">
<link rel="canonical" href="https://ledger.example/harbour/ferry-pier">
{extra_head}</head><body>
<header><nav><ul>{nav}</ul></nav></header>
<aside><h3>Trending now</h3><ul>{trending}</ul></aside>
<div class="promo"><p>{CHROME[6]}</p></div>
<main><article>
<h1>Ferry pier to close for repairs</h1>
<div class="share"><a href="#">{CHROME[7]}</a> <a href="#">{CHROME[8]}</a>
<a href="#">{CHROME[9]}</a></div>
<div class="byline">By Jonas Whitfield, Harbour Reporter</div>
<p class="timestamp">{CHROME[10]}</p>
{figures}
<div class="article-body">{paras}</div>
<div class="ad">{CHROME[11]}</div>
{body_extra}
</article></main>
<aside><ul>{trending}</ul></aside>
<footer><p>About us</p><p>Contact</p><p>Privacy policy</p></footer>
</body></html>"""


def test_story_kept_and_every_chrome_line_gone() -> None:
    page = extract_page(seed_like_page(), "https://ledger.example/harbour/ferry-pier", now=NOW)
    assert page.page_type == "article"
    body = page.body_text or ""
    for paragraph in STORY:
        assert paragraph in body
    for line in CHROME + [CAPTION, "Other headline number", "Privacy policy"]:
        assert line not in body, line
    assert body.count("\n\n") == len(STORY) - 1
    assert page.word_count == len(re.findall(r"\w+", " ".join(STORY)))
    assert page.title == "Ferry pier to close for repairs"
    assert page.site_name == "Lowmere Ledger"
    assert page.canonical_url == "https://ledger.example/harbour/ferry-pier"
    assert page.language == "en"
    assert page.truncated is False


def test_author_box_and_comment_form_are_stripped() -> None:
    extra = """<div class="author-box"><p>Jonas Whitfield has covered the harbour beat for the
    Lowmere Ledger since the flood year and writes about boats, bridges and budgets.</p></div>
    <div id="respond" class="comment-respond"><h3>Leave a Reply</h3><form>
    <p>Your email address will not be published. Required fields are marked *</p>
    <textarea></textarea><p><input type="submit" value="Post Comment"></p></form></div>"""
    page = extract_page(seed_like_page(body_extra=extra), "https://ledger.example/a", now=NOW)
    body = page.body_text or ""
    assert STORY[0] in body
    for line in ("covered the harbour beat", "Leave a Reply", "will not be published",
                 "Post Comment"):
        assert line not in body


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("By Jonas Whitfield, Harbour Reporter", ["Jonas Whitfield"]),
        ("BY MARA OKAFOR and Lee Tan (AP)", ["MARA OKAFOR", "Lee Tan"]),
        ("Von Ines Krüger [ik], Redakteurin", ["Ines Krüger"]),
        ("Rafael Gomez | Senior Correspondent", ["Rafael Gomez"]),
        ("Rafael Gomez | Ana Lima", ["Rafael Gomez", "Ana Lima"]),
    ],
)
def test_author_strings_lose_prefixes_roles_and_initials(raw: str, expected: list[str]) -> None:
    assert clean_author(raw) == expected


def test_outlet_is_not_an_author_and_authors_are_a_list() -> None:
    head = """<script type="application/ld+json">{"@context":"https://schema.org",
    "@type":"NewsArticle","headline":"Ferry pier to close for repairs",
    "author":[{"@type":"Person","name":"By Jonas Whitfield"},{"@type":"Person",
    "name":"Lowmere Ledger"},{"@type":"Person","name":"Nadia Roux"}],
    "datePublished":"2031-05-19T08:15:00+02:00"}</script>"""
    page = extract_page(seed_like_page(head), "https://ledger.example/a", now=NOW)
    assert page.authors == ["Jonas Whitfield", "Nadia Roux"]


@pytest.mark.parametrize(
    ("title", "site", "expected"),
    [
        ("Ferry pier to close for repairs - Lowmere Ledger", "Lowmere Ledger",
         "Ferry pier to close for repairs"),
        ("Ferry pier to close for repairs | Harbour | Lowmere Ledger", "Lowmere Ledger",
         "Ferry pier to close for repairs"),
        ("Lowmere Ledger: Ferry pier to close", "Lowmere Ledger", "Ferry pier to close"),
        ("Left - right: a question of taste in the long run", None,
         "Left - right: a question of taste in the long run"),
        # No site name known: both short trailing segments go.
        ("Ferry pier to close for repairs | Harbour | Lowmere Ledger", None,
         "Ferry pier to close for repairs"),
    ],
)
def test_title_site_suffix(title: str, site: str | None, expected: str) -> None:
    assert strip_site_suffix(title, [site or ""]) == expected


def _dated(head: str, url: str = "https://ledger.example/a", hints: PageHints | None = None):
    return extract_page(seed_like_page(head), url, hints=hints, now=NOW)


def test_date_from_json_ld_keeps_offset() -> None:
    page = _dated('<script type="application/ld+json">{"@type":"NewsArticle",'
                  '"datePublished":"2031-05-19T08:15:00+02:00",'
                  '"dateModified":"2031-05-19T10:00:00+02:00"}</script>')
    assert page.date_source == "json_ld"
    assert page.published_at == datetime(2031, 5, 19, 6, 15, tzinfo=UTC)
    assert page.published_offset_minutes == 120
    assert page.modified_at == datetime(2031, 5, 19, 8, 0, tzinfo=UTC)


def test_date_from_opengraph() -> None:
    page = _dated('<meta property="article:published_time" content="2031-05-18T22:00:00-05:00">')
    assert page.date_source == "opengraph"
    assert page.published_at == datetime(2031, 5, 19, 3, 0, tzinfo=UTC)
    assert page.published_offset_minutes == -300


def test_date_from_meta() -> None:
    page = _dated('<meta name="pubdate" content="2031-05-17">')
    assert page.date_source == "meta"
    assert page.published_at is not None and page.published_at.date().isoformat() == "2031-05-17"
    assert page.published_offset_minutes is None


def test_date_from_feed_then_url_then_first_seen() -> None:
    feed = PageHints(feed_published_at=datetime(2031, 5, 16, 9, 30, tzinfo=UTC),
                     first_seen_at=datetime(2031, 5, 16, 10, 0, tzinfo=UTC))
    page = _dated("", "https://ledger.example/2031/05/15/ferry", feed)
    assert page.date_source == "feed"
    sources = {c["source"] for c in page.date_candidates}
    assert {"feed", "url", "first_seen"} <= sources
    page = _dated("", "https://ledger.example/2031/05/15/ferry")
    assert page.date_source == "url"
    assert page.published_at == datetime(2031, 5, 15, tzinfo=UTC)
    page = _dated("", hints=PageHints(first_seen_at=datetime(2031, 5, 14, tzinfo=UTC)))
    assert page.date_source in {"htmldate", "first_seen"}


def test_date_from_htmldate_when_nothing_is_declared() -> None:
    extra = '<span class="date">2031-03-12</span>'
    html = seed_like_page().replace('<div class="article-body">', extra + '<div class="article-body">')
    page = extract_page(html, "https://ledger.example/a", now=NOW)
    assert page.date_source == "htmldate"
    assert page.published_at is not None and page.published_at.date().isoformat() == "2031-03-12"


def test_future_dates_are_rejected() -> None:
    future = (NOW + timedelta(days=30)).isoformat()
    page = _dated(f'<meta property="article:published_time" content="{future}">',
                  "https://ledger.example/2031/05/10/ferry")
    assert page.published_at is not None and page.published_at <= NOW
    assert page.date_source == "url"
    rejected = [c for c in page.date_candidates if c.get("rejected")]
    assert rejected and rejected[0]["source"] == "opengraph"
    assert "future" in page.date_rule


def test_live_blog_is_typed_and_keeps_its_text() -> None:
    # The extractor says what the page is and what it says; the clean stage decides that a
    # live blog does not become an article row.
    head = '<script type="application/ld+json">{"@type":"LiveBlogPosting"}</script>'
    page = extract_page(seed_like_page(head), "https://ledger.example/live/pier", now=NOW)
    assert page.page_type == "live_blog" and page.page_note
    assert page.body_text is not None and STORY[1] in page.body_text
    assert page.word_count == len(re.findall(r"\w+", page.body_text))


def article_page(body_html: str, head: str = "") -> str:
    """A plain article page: body_html inside <article> under the headline."""
    return f"""<html><head><title>Ferry pier to close</title>
    <meta property="og:type" content="article">{head}</head><body><article>
    <h1>Ferry pier to close</h1>{body_html}</article></body></html>"""


def test_captions_and_click_here_lines_are_not_story_text() -> None:
    paras = [f"<p>{p}</p>" for p in STORY]
    paras.insert(1, '<p><img src="/diver.jpg"><em>Diver Sam Ortega beside post 41 (R)</em></p>')
    paras.insert(3, '<figure><img src="/deck.jpg"><figcaption><p>The deck of the pier, seen '
                    'from the lighthouse path.</p></figcaption></figure>')
    paras.insert(5, "<p>Click here to read the full inspection report.</p>")
    page = extract_page(article_page("".join(paras)), "https://ledger.example/a", now=NOW)
    body = page.body_text or ""
    assert all(paragraph in body for paragraph in STORY)
    for line in ("Diver Sam Ortega", "seen from the lighthouse", "Click here"):
        assert line not in body, line


def test_hidden_tab_pane_beside_the_shown_story_is_dropped() -> None:
    story = "".join(f"<p>{p}</p>" for p in STORY)
    panes = f"""<div class="tab-content">
    <div class="tab-pane active" id="full">{story}</div>
    <div class="tab-pane" id="summary"><p>{STORY[0]}</p><h3>Summary</h3>
    <ul><li>In short: the Lowmere ferry pier closes for eleven weeks of repairs and commuters
    move to a floating platform near the fish market.</li></ul></div></div>"""
    page = extract_page(article_page(panes), "https://ledger.example/a", now=NOW)
    body = page.body_text or ""
    assert all(paragraph in body for paragraph in STORY)
    assert body.count(STORY[0]) == 1 and "In short" not in body and "Summary" not in body

    # Without a pane marked active, which one shows is unknown: nothing is dropped.
    unmarked = panes.replace('class="tab-pane active"', 'class="tab-pane"')
    page = extract_page(article_page(unmarked), "https://ledger.example/a", now=NOW)
    assert "In short" in (page.body_text or "")


def test_other_posts_nested_in_the_post_by_an_unclosed_tag_are_dropped() -> None:
    story = "".join(f"<p>{p}</p>" for p in STORY)
    teasers = "".join(
        f'<article id="post-{n}" class="post-{n} post type-post"><h2><a href="/p/{n}">Another '
        f'post number {n}</a></h2><p>Teaser text of another post about lighthouse keepers and '
        f'their long winter evenings on the cliffs above the northern bay, number {n} …</p>'
        for n in (7816, 7817, 7818)
    )  # the theme never closes these, so each ends up inside the main article
    page_html = f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Ferry pier to close for repairs</title></head><body>
<article id="post-1806" class="post-1806 post type-post"><h1>Ferry pier to close for repairs</h1>
{story}{teasers}</article></body></html>"""
    body = extract_page(page_html, "https://ledger.example/a", now=NOW).body_text or ""
    assert all(paragraph in body for paragraph in STORY)
    assert "lighthouse keepers" not in body

    # Cards of the same post (or without a post id) are part of the story and stay.
    same = page_html.replace('id="post-7816" class="post-7816', 'id="post-1806" class="post-1806')
    body = extract_page(same, "https://ledger.example/a", now=NOW).body_text or ""
    assert "number 7816" in body and "number 7817" not in body


def test_declared_article_body_overrules_lines_it_leaves_out() -> None:
    promo = "Get the Lowmere Ledger morning briefing in your inbox every weekday at seven."
    story = "".join(f"<p>{p}</p>" for p in STORY[:3]) + f"<p>{promo}</p>" + "".join(
        f"<p>{p}</p>" for p in STORY[3:5])
    declared = json.dumps({"@type": "NewsArticle", "headline": "Ferry pier to close",
                           "articleBody": " ".join(STORY[:5])})
    head = f'<script type="application/ld+json">{declared}</script>'
    url = "https://ledger.example/a"
    plain = extract_page(article_page(story), url, now=NOW)
    fused = extract_page(article_page(story, head), url, now=NOW)
    assert promo in (plain.body_text or "")
    assert promo not in (fused.body_text or "")
    assert all(paragraph in (fused.body_text or "") for paragraph in STORY[:5])

    # A declared body that is only a teaser does not get a say.
    teaser = json.dumps({"@type": "NewsArticle", "headline": "Ferry pier to close",
                         "articleBody": STORY[0] + " More in the full story." * 10})
    head = f'<script type="application/ld+json">{teaser}</script>'
    page = extract_page(article_page(story, head), url, now=NOW)
    assert promo in (page.body_text or "") and STORY[3] in (page.body_text or "")


def test_video_page() -> None:
    html = """<html><head><meta property="og:type" content="video.other">
    <title>Watch: the pier at dawn</title></head><body><h1>Watch: the pier at dawn</h1>
    <video src="/v.mp4"></video><p>A short clip.</p></body></html>"""
    page = extract_page(html, "https://ledger.example/video/1", now=NOW)
    assert page.page_type == "video" and page.body_text is None


def test_gallery_page() -> None:
    imgs = "".join(f'<img src="/g{i}.jpg" alt="boat {i}">' for i in range(12))
    html = f"<html><head><title>In pictures</title></head><body><h1>In pictures</h1>{imgs}</body></html>"
    assert extract_page(html, "https://ledger.example/g", now=NOW).page_type == "gallery"


def test_index_page() -> None:
    links = "".join(f'<li><a href="/story/{i}">Short teaser {i}</a></li>' for i in range(40))
    html = f"<html><head><title>Harbour news</title></head><body><ul>{links}</ul></body></html>"
    page = extract_page(html, "https://ledger.example/harbour/", now=NOW)
    assert page.page_type == "index" and page.body_text is None


def test_error_page() -> None:
    html = "<html><head><title>404 - Page not found</title></head><body><h1>Page not found</h1>" \
           "<p>Sorry, this page has sailed.</p></body></html>"
    assert extract_page(html, "https://ledger.example/x", now=NOW).page_type == "error"


def test_consent_stub() -> None:
    html = """<html><head><title>Before you continue</title></head><body>
    <p>We use cookies and similar tools to run this site. Accept all cookies or manage your
    privacy choices.</p><button>Accept all</button></body></html>"""
    assert extract_page(html, "https://ledger.example/a", now=NOW).page_type == "stub"


def test_paywall_stub() -> None:
    html = """<html><head><title>Pier money</title></head><body><h1>Pier money</h1>
    <p>The council met on Monday.</p><p>Subscribe to continue reading this story.</p>
    </body></html>"""
    assert extract_page(html, "https://ledger.example/a", now=NOW).page_type == "stub"


def test_js_shell() -> None:
    html = """<html><head><title>Ledger</title><script src="/a.js"></script>
    <script src="/b.js"></script><script>window.boot()</script></head>
    <body><div id="root"></div><noscript>You need to enable JavaScript to run this app.
    </noscript></body></html>"""
    assert extract_page(html, "https://ledger.example/a", now=NOW).page_type == "js_shell"


@pytest.mark.parametrize("raw", [b"", b"\x89PNG\r\n\x1a\n" + bytes(200), b"%PDF-1.7 ..."])
def test_broken_input_is_an_error_page_not_an_exception(raw: bytes) -> None:
    page = extract_page(raw, "https://ledger.example/a", now=NOW)
    assert page.page_type == "error" and page.page_note


def test_page_deeper_than_lxml_nesting_limit() -> None:
    deep = "<div>" * 300 + "".join(f"<p>{p}</p>" for p in STORY) + "</div>" * 300
    html = f"<html><head><title>Deep</title></head><body>{deep}</body></html>"
    page = extract_page(html, "https://ledger.example/deep", now=NOW)
    assert page.page_type == "article"
    assert STORY[0] in (page.body_text or "")
    assert "nesting" in (page.page_note or "")
    # Past libxml2's 2048 levels too: the wrappers are unwrapped first, nothing is dropped.
    too_deep = "<div>" * 2100 + "".join(f"<p>{p}</p>" for p in STORY) + "</div>" * 2100
    page = extract_page(f"<html><body><p>Top.</p>{too_deep}</body></html>", "https://x.example/",
                        now=NOW)
    assert page.truncated is False and all(p in (page.body_text or "") for p in STORY)
    assert "wrapper elements below level 200 unwrapped" in (page.page_note or "")


def test_form_fields_parse_as_plain_elements_and_the_story_is_kept() -> None:
    # The parser picks every element's class in C (one HtmlElement class, no form-field
    # classes); a page with a form must still parse whole and give its story.
    from lxml.html import HtmlElement

    from pipelines.extract.parse import parse_html

    form = ('<form action="/s"><label for="q">Search</label><input id="q" name="q">'
            '<select name="s"><option>All</option></select><textarea name="t"></textarea></form>')
    html = ("<html><head><title>Pier</title></head><body>" + form
            + "<article>" + "".join(f"<p>{p}</p>" for p in STORY) + "</article></body></html>")
    tree = parse_html(html, 1_000_000).tree
    assert tree is not None
    assert {type(element) for element in tree.iter()} == {HtmlElement}
    assert [element.tag for element in tree.iter("input", "select", "textarea")] == [
        "input", "select", "textarea"]
    page = extract_page(html, "https://ledger.example/pier", now=NOW)
    assert page.page_type == "article"
    assert STORY[1] in (page.body_text or "") and "Search" not in (page.body_text or "")


def test_json_ld_nested_too_deep_is_ignored_and_the_article_kept() -> None:
    deep = '{"a":' * 5000 + "1" + "}" * 5000
    head = f'<script type="application/ld+json">{deep}</script>'
    page = extract_page(seed_like_page(head), "https://ledger.example/a", now=NOW)
    assert page.page_type == "article" and STORY[0] in (page.body_text or "")


def test_wrong_declared_charset_and_mojibake() -> None:
    text = "Zürich café owners say the crème brûlée tastes better near the harbour."
    html = seed_like_page().replace(STORY[1], f"{text} {STORY[1]}")
    # UTF-8 bytes that declare latin-1: the bytes win.
    wrong_label = html.replace('charset="utf-8"', 'charset="iso-8859-1"').encode("utf-8")
    page = extract_page(wrong_label, "https://ledger.example/a", now=NOW)
    assert text in (page.body_text or "")
    assert "overruled" in (page.page_note or "")
    # Mojibake: UTF-8 decoded as cp1252 once upstream and re-encoded.
    garbled = html.encode("utf-8").decode("cp1252", errors="ignore")
    page = extract_page(garbled, "https://ledger.example/a", now=NOW)
    assert text in (page.body_text or "")
    # The same mojibake fetched as UTF-8 bytes (encoded twice upstream): the fetched bytes
    # are searched for it, not the text encoded again.
    page = extract_page(garbled.encode("utf-8"), "https://ledger.example/a", now=NOW)
    assert text in (page.body_text or "") and "repaired mojibake" in (page.page_note or "")
    # cp1252 bytes that declare nothing.
    cp_bytes = html.replace('<meta charset="utf-8">', "").encode("cp1252", errors="replace")
    page = extract_page(cp_bytes, "https://ledger.example/a", now=NOW)
    assert text in (page.body_text or "")


def test_record_is_json_serialisable() -> None:
    import json

    page = _dated('<meta property="article:published_time" content="2031-05-18T10:00:00Z">')
    record = json.loads(json.dumps(page.to_record()))
    assert record["published_at"] == "2031-05-18T10:00:00+00:00"
    assert len(record["settings_hash"]) == 16
    assert record["extractor_version"]
