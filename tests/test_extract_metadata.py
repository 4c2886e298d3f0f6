"""Headline, author and lead rules of extract_page, on pages written for these tests."""

from __future__ import annotations

from datetime import UTC, datetime

import lxml.html
import pytest

from pipelines.extract import changed_fields, extract_page
from pipelines.extract.authors import clean_author, credit_line, find_bylines, looks_like_person
from pipelines.extract.body import drop_author_bio
from pipelines.extract.language import detect_language
from pipelines.extract.structured import Declared
from pipelines.extract.text import normalize_space
from pipelines.extract.titles import strip_site_suffix
from tests.test_extract_pages import NOW, STORY, seed_like_page

URL = "https://ledger.example/harbour/ferry-pier"


def _with_h1(h1_html: str, head: str = "") -> str:
    return seed_like_page(head).replace("<h1>Ferry pier to close for repairs</h1>", h1_html)


def test_kicker_and_screen_reader_parts_of_the_h1_are_not_the_title() -> None:
    h1 = ('<h1 class="article-title"><span class="article-title__overline">Harbour works'
          '</span><span class="sr-only"> - </span><span class="article-title__text">'
          "Ferry pier to close for repairs</span></h1>")
    page = extract_page(_with_h1(h1), URL, now=NOW)
    assert page.title == "Ferry pier to close for repairs"


def test_title_loses_site_and_byline_segments() -> None:
    title = "Ferry pier to close for repairs | Lowmere Ledger | by Jonas Whitfield"
    assert strip_site_suffix(title, ["Lowmere Ledger"]) == "Ferry pier to close for repairs"


def test_visible_spelling_wins_when_h1_differs_only_in_typography() -> None:
    html = _with_h1("<h1>Ferry pier\u2019s closure starts in May</h1>").replace(
        '<meta property="og:title" content="Ferry pier to close for repairs">',
        "<meta property=\"og:title\" content=\"Ferry pier's closure starts in May\">",
    )
    assert extract_page(html, URL, now=NOW).title == "Ferry pier\u2019s closure starts in May"


def test_the_spelling_most_sources_use_wins() -> None:
    head = ('<script type="application/ld+json">{"@type":"NewsArticle",'
            '"headline":"Ferry pier\'s closure starts in May"}</script>'
            '<meta name="twitter:title" content="Ferry pier\'s closure starts in May">')
    html = _with_h1("<h1>Ferry pier\u2019s closure starts in May</h1>", head).replace(
        '<meta property="og:title" content="Ferry pier to close for repairs">',
        "<meta property=\"og:title\" content=\"Ferry pier's closure starts in May\">",
    )
    # og:title, twitter:title and JSON-LD type a plain apostrophe; only the <h1> curls it.
    assert extract_page(html, URL, now=NOW).title == "Ferry pier's closure starts in May"


def test_og_title_wins_over_a_differently_worded_h1_and_json_ld() -> None:
    head = ('<script type="application/ld+json">{"@type":"NewsArticle",'
            '"headline":"Harbour pier shuts for eleven weeks"}</script>')
    html = _with_h1("<h1>Harbour pier shuts for eleven weeks</h1>", head).replace(
        'content="Ferry pier to close for repairs"', 'content="Pier repairs: what to know"')
    assert extract_page(html, URL, now=NOW).title == "Pier repairs: what to know"


@pytest.mark.parametrize(
    ("og_title", "ld_headline", "expected"),
    [
        # A section segment before the headline the page shows: navigation, not headline.
        ("Harbour works | Ferry pier to close for repairs", None,
         "Ferry pier to close for repairs"),
        ("Harbour works: Ferry pier to close for repairs", "Ferry pier to close for repairs",
         "Ferry pier to close for repairs"),
        # JSON-LD declares the longer headline too: the segment is part of it.
        ("Harbour works: Ferry pier to close for repairs",
         "Harbour works: Ferry pier to close for repairs",
         "Harbour works: Ferry pier to close for repairs"),
        # A trailing segment that is not the site's name stays unless JSON-LD leaves it out.
        ("Ferry pier to close for repairs - updates", None,
         "Ferry pier to close for repairs - updates"),
        ("Ferry pier to close for repairs - Harbour", "Ferry pier to close for repairs",
         "Ferry pier to close for repairs"),
        ("Ferry pier to close for repairs * Lowmere Ledger", None,
         "Ferry pier to close for repairs"),
        ("Ferry pier to close for repairs - ledger.example", None,
         "Ferry pier to close for repairs"),
    ],
)
def test_og_title_segments(og_title: str, ld_headline: str | None, expected: str) -> None:
    head = ('<script type="application/ld+json">{"@type":"NewsArticle","headline":'
            f'"{ld_headline}"}}</script>') if ld_headline else ""
    html = _with_h1("<h1>Ferry pier to close for repairs</h1>", head).replace(
        'content="Ferry pier to close for repairs"', f'content="{og_title}"')
    assert extract_page(html, URL, now=NOW).title == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Von: Ines Krüger, Lee Tan", ["Ines Krüger", "Lee Tan"]),
        ("| BY: Rafael Gomez", ["Rafael Gomez"]),
        ("Author: Mara Okafor", ["Mara Okafor"]),
        ("Analysis by Petra Vance", ["Petra Vance"]),
        ("Story and photos by Omar Lindqvist", ["Omar Lindqvist"]),
        ("Bruce Y. Lee", ["Bruce Y. Lee"]),  # an initial, not Spanish "y"
        ("Ana Lima y Luis Roca", ["Ana Lima", "Luis Roca"]),
        ("Nadia Roux, MS, RDN", ["Nadia Roux"]),  # degrees are not names
        ("by Jonas Whitfield | November 18, 2031 12:01 PM", ["Jonas Whitfield"]),
        ("• 2 min read", []),
    ],
)
def test_byline_prefixes_with_colons_and_separators(raw: str, expected: list[str]) -> None:
    assert clean_author(raw) == expected


def test_visible_byline_without_markup_names_people_not_the_outlet() -> None:
    html = seed_like_page().replace(
        '<div class="byline">By Jonas Whitfield, Harbour Reporter</div>',
        '<ul><li class="info">Von:<span><a href="/p/nadia">Nadia Roux</a>,</span>'
        '<span><a href="/p/omar">Omar Lindqvist</a></span></li></ul>',
    )
    assert extract_page(html, URL, now=NOW).authors == ["Nadia Roux", "Omar Lindqvist"]


def test_site_account_and_outlet_bylines_are_skipped_for_a_credit_line() -> None:
    html = seed_like_page().replace(
        '<div class="byline">By Jonas Whitfield, Harbour Reporter</div>',
        '<p class="meta">by <a rel="author" href="https://ledger.example/author/admin/">'
        "Lowmere L</a></p>",
    ).replace('<div class="article-body">', '<div class="article-body"><p><strong>PETRA VANCE'
              "</strong></p>")
    page = extract_page(html, URL, now=NOW)
    assert page.authors == ["PETRA VANCE"]
    assert (page.body_text or "").startswith(STORY[0])  # the credit is not story text


def test_organisations_are_not_people() -> None:
    head = """<script type="application/ld+json">{"@type":"NewsArticle",
    "headline":"Ferry pier to close for repairs","author":[{"@type":"Person",
    "name":"Harbour Press Agency"},{"@type":"Organization","name":"Lowmere Ledger"}]}</script>"""
    html = seed_like_page(head).replace(
        '<div class="byline">By Jonas Whitfield, Harbour Reporter</div>', "")
    page = extract_page(html, URL, now=NOW)
    assert page.authors == []
    assert page.author_organisations == ["Lowmere Ledger", "Harbour Press Agency"]


@pytest.mark.parametrize(
    ("byline", "authors", "organisations"),
    [
        ("Von Ines Krüger und Max Muster, dpa", ["Ines Krüger", "Max Muster"], ["dpa"]),
        ("By Reuters", [], ["Reuters"]),
        ("By Lowmere Newsroom", [], ["Lowmere Newsroom"]),
        ("By Nadia Roux, The Associated Press", ["Nadia Roux"], ["The Associated Press"]),
        ("By Lowmere Ledger", [], ["Lowmere Ledger"]),
        ("By LL Staff", [], ["LL Staff"]),  # a desk, not a role
        ("ledger.news, Lowmere, Harbourshire", [], ["ledger.news"]),  # a dateline follows
        ("Nadia Roux, emma-mackenzie, nadia-roux", ["Nadia Roux", "emma-mackenzie"], []),
    ],
)
def test_agencies_and_the_outlet_are_credits_not_people(
    byline: str, authors: list[str], organisations: list[str]
) -> None:
    html = seed_like_page().replace(
        '<div class="byline">By Jonas Whitfield, Harbour Reporter</div>',
        f'<div class="byline">{byline}</div>')
    page = extract_page(html, URL, now=NOW)
    assert (page.authors, page.author_organisations) == (authors, organisations)


def test_name_shapes() -> None:
    assert looks_like_person("Nadia Roux") and looks_like_person("Ines van der Berg")
    assert not looks_like_person("TPN") and not looks_like_person("in News")
    assert credit_line("PETRA VANCE") == ["PETRA VANCE"]
    assert credit_line("By Petra Vance") == ["Petra Vance"]
    assert credit_line("HARBOUR NEWS TODAY IS HERE AND NOW") == []
    assert credit_line(STORY[0]) == []


def test_lead_in_its_own_block_is_kept_and_author_bio_dropped() -> None:
    lead = ("The old ferry pier in Lowmere shuts for eleven weeks while divers and engineers "
            "replace the cracked pilings under its deck.")
    bio = ("<p>Jonas Whitfield is the Ledger's harbour reporter and has written about the "
           "town's boats, bridges and budgets for a decade.</p>")
    html = seed_like_page().replace(
        '<meta name="description" content="The pier shuts for eleven weeks.">',
        f'<meta name="description" content="{lead[:70]}...">',
    ).replace(
        '<div class="byline">', f'<div class="standfirst">{lead}</div><div class="byline">',
    ).replace(f"<p>{STORY[-1]}</p>", f"<p>{STORY[-1]}</p>{bio}")
    page = extract_page(html, URL, now=NOW)
    body = page.body_text or ""
    assert page.authors == ["Jonas Whitfield"]
    assert body.startswith(lead)
    assert STORY[-1] in body and "harbour reporter and has written" not in body
    bio_text = "Jonas Whitfield is the Ledger's harbour reporter."
    assert drop_author_bio([*STORY, bio_text], ["Jonas Whitfield"]) == STORY
    assert drop_author_bio([*STORY, bio_text], ["Nadia Roux"]) == [*STORY, bio_text]


def test_changed_fields_compares_only_stored_fields_and_instants() -> None:
    page = extract_page(seed_like_page(
        '<meta property="article:published_time" content="2031-05-18T10:00:00+02:00">'),
        URL, now=NOW)
    stored = {
        "title": page.title,
        "body_hash": page.body_hash,
        # What SQLite gives back: the same instant without a zone.
        "published_at": datetime(2031, 5, 18, 8, 0),
        "authors": None if not page.authors else list(page.authors),
        "tags": None,
    }
    assert changed_fields(stored, page) == {}
    stored["published_at"] = datetime(2031, 5, 18, 9, 0, tzinfo=UTC)
    assert set(changed_fields(stored, page)) == {"published_at"}


@pytest.mark.parametrize("raw", ["  harbour\u00a0works\u3000begin\t\n today ", "harbour works begin today"])
def test_normalize_space_collapses_unicode_whitespace(raw: str) -> None:
    assert normalize_space(raw) == "harbour works begin today"


def test_language_is_detected_from_a_sample_of_the_text() -> None:
    declared = Declared(html_lang="de")
    long_text = ("The ferry pier will close for repairs next month, the harbour office said. " * 40
                 + "Die Fähre fährt nicht mehr. " * 200)
    assert detect_language(long_text, declared, 15) == "en"
    assert detect_language("Too short to decide.", declared, 15) == "de"


def test_declared_section_tags_image_site_and_description() -> None:
    head = """<meta property="article:section" content="Harbour">
<meta property="article:tag" content="ferries"><meta property="article:tag" content="Pier">
<meta name="keywords" content="pier, repairs, ferries">
<meta property="og:image" content="/img/pier-1200.jpg">"""
    page = extract_page(seed_like_page(head), URL, now=NOW)
    assert page.section == "Harbour"
    assert page.tags == ["ferries", "Pier", "repairs"]  # case-insensitive, first spelling kept
    assert page.image_url == "https://ledger.example/img/pier-1200.jpg"  # resolved on the URL
    assert page.site_name == "Lowmere Ledger"
    assert page.description == "The pier shuts for eleven weeks."
    assert page.language == "en"


def test_json_ld_fills_section_tags_image_and_site_when_meta_tags_are_missing() -> None:
    head = """<script type="application/ld+json">{"@type":"NewsArticle",
    "headline":"Ferry pier to close for repairs","articleSection":["Harbour","Town"],
    "keywords":["pier","ferries"],"image":[{"@type":"ImageObject","url":"https://cdn.example/p.jpg"}],
    "publisher":{"@type":"Organization","name":"Lowmere Ledger Group"}}</script>"""
    html = seed_like_page(head).replace(
        '<meta property="og:site_name" content="Lowmere Ledger">', "")
    page = extract_page(html, URL, now=NOW)
    assert (page.section, page.tags) == ("Harbour", ["pier", "ferries"])
    assert page.image_url == "https://cdn.example/p.jpg"
    assert page.site_name == "Lowmere Ledger Group"


def test_a_sentence_opening_with_by_is_not_a_byline() -> None:
    # An agency-only byline sends the search on to visible "By ..." lines; a newsletter box's
    # small print is one, but a sentence, and its "Privacy Policy" is nobody's name.
    html = seed_like_page().replace(
        '<div class="byline">By Jonas Whitfield, Harbour Reporter</div>',
        '<p class="byline">Continental Press Service</p>',
    ).replace("</article>", "<div><p>Get the morning briefing.</p><p class=small>By signing "
              "up you agree to our Terms of Use and Privacy Policy.</p></div></article>")
    page = extract_page(html, URL, now=NOW)
    assert page.authors == []
    assert page.author_organisations == ["Continental Press Service"]


def test_a_desk_of_the_outlet_is_an_organisation() -> None:
    html = seed_like_page().replace(
        '<div class="byline">By Jonas Whitfield, Harbour Reporter</div>',
        '<p class="byline">Lowmere Ledger Video</p>')
    page = extract_page(html, URL, now=NOW)
    assert (page.authors, page.author_organisations) == ([], ["Lowmere Ledger Video"])


def test_the_innermost_byline_element_names_the_author() -> None:
    # A byline box holding date, comment link and categories around the author's own span.
    html = seed_like_page().replace(
        '<div class="byline">By Jonas Whitfield, Harbour Reporter</div>',
        '<div class="entry-byline"><span class="author-name">Nadia Roux</span> 19/05/2031 '
        '<a href="#c">Comment!</a> Harbour, Ferries, Town Council</div>')
    assert extract_page(html, URL, now=NOW).authors == ["Nadia Roux"]


@pytest.mark.parametrize(
    ("author_json", "authors", "organisations"),
    [
        # Names given in parts, and a list nested in the list.
        ('[{"@type":"Person","givenName":"Anna Maria","familyName":"Roux"},'
         '[{"@type":"Person","name":"Omar Lindqvist"}]]', ["Anna Maria Roux", "Omar Lindqvist"],
         []),
        # A site account is no one's name: the visible byline decides.
        ('{"@type":"Person","name":"Ledger Admin","url":"https://ledger.example/author/admin/"}',
         ["Jonas Whitfield"], []),
        # A web address as a name is the outlet.
        ('{"@type":"Person","name":"ledger.news"}', ["Jonas Whitfield"], ["ledger.news"]),
    ],
)
def test_json_ld_author_shapes(author_json: str, authors: list[str],
                               organisations: list[str]) -> None:
    head = f'<script type="application/ld+json">{{"@type":"NewsArticle","author":{author_json}}}' \
           "</script>"
    page = extract_page(seed_like_page(head), URL, now=NOW)
    assert (page.authors, page.author_organisations) == (authors, organisations)


def test_prefix_only_and_teaser_bylines_are_passed_over() -> None:
    html = seed_like_page().replace(
        '<div class="byline">By Jonas Whitfield, Harbour Reporter</div>',
        '<div class="teaser"><span class="author">Omar Lindqvist</span></div>'
        '<div class="article__byline"><span class="byline__by">By</span> '
        '<span class="byline__name">Nadia Roux</span></div>')
    assert extract_page(html, URL, now=NOW).authors == ["Nadia Roux"]


def test_an_author_class_marks_a_byline() -> None:
    html = seed_like_page().replace(
        '<div class="byline">By Jonas Whitfield, Harbour Reporter</div>',
        '<p class="article__author">von Nadia Roux, Lowmere</p>').replace(
        "By Jonas Whitfield", "")
    assert extract_page(html, URL, now=NOW).authors[0] == "Nadia Roux"


def test_byline_markers() -> None:
    html = ('<html><body><p class="author">A</p><span class="article__author x">B</span>'
            '<a rel="author">C</a><div class="authority">no</div><div class="co-authors">no</div>'
            '<time>D</time><div class="entry-byline">E</div><i class="author-name__x">F</i>'
            '</body></html>')
    tree = lxml.html.document_fromstring(html)
    assert [e.text for e in find_bylines(tree)] == ["A", "B", "C", "E", "F"]
    assert [e.text for e in find_bylines(tree, with_times=True)] == ["A", "B", "C", "D", "E",
                                                                       "F"]


@pytest.mark.parametrize(
    ("head", "byline", "authors", "organisations"),
    [
        # JSON-LD credits only the outlet; the visible byline names the writer.
        ('{"@type":"Organization","name":"Lowmere Ledger"}', "By Nadia Roux", ["Nadia Roux"],
         []),
        # ... but an outlet named beside the writer in JSON-LD stays.
        ('[{"@type":"Person","name":"Nadia Roux"},{"@type":"Organization",'
         '"name":"Lowmere Ledger"}]', "By Nadia Roux", ["Nadia Roux"], ["Lowmere Ledger"]),
        # Initials are a credit only when the byline credits nothing else.
        ('{"@type":"Organization","name":"Lowmere Ledger"}', "nrx", [], ["Lowmere Ledger"]),
        (None, "nrx", ["nrx"], []),
        # A credited source; agencies as initials-like words.
        ('{"@type":"Organization","name":"Lowmere Ledger"}', "Quelle: sid/dpa", [],
         ["Lowmere Ledger"]),
        # The outlet's address with a kind of source after it is the outlet.
        ('{"@type":"Organization","name":"ledger.news"}', "ledger.news/Agenturen", [],
         ["ledger.news"]),
        (None, "Nachrichten", [], []),
    ],
)
def test_house_credits_and_signatures(head: str | None, byline: str, authors: list[str],
                                      organisations: list[str]) -> None:
    ld = ('<script type="application/ld+json">{"@type":"NewsArticle","author":'
          f'{head}}}</script>') if head else ""
    html = seed_like_page(ld).replace(
        '<div class="byline">By Jonas Whitfield, Harbour Reporter</div>',
        f'<div class="byline">{byline}</div>')
    page = extract_page(html, URL, now=NOW)
    assert (page.authors, page.author_organisations) == (authors, organisations)


def test_the_title_element_comes_before_the_h1_when_nothing_else_is_declared() -> None:
    html = _with_h1("<h1>Pier to shut</h1>").replace(
        '<meta property="og:title" content="Ferry pier to close for repairs">', "")
    assert extract_page(html, URL, now=NOW).title == "Ferry pier to close for repairs"


def test_a_title_element_that_is_the_h1_and_a_site_segment_gives_the_h1() -> None:
    html = ("<html><head><title>Pier to shut - Harbour Times</title></head><body><article>"
            f"<h1>Pier to shut</h1>{''.join(f'<p>{p}</p>' for p in STORY)}</article></body></html>")
    assert extract_page(html, URL, now=NOW).title == "Pier to shut"
