"""Body rules in pipelines.extract.body, each on a page written for these tests."""

from __future__ import annotations

import lxml.html
import pytest

from pipelines.extract import extract_page
from pipelines.extract.body import chrome_key, is_date_line, is_field_line, teaser_link_texts

URL = "https://gazette.example/valley/orchard-frost"

STORY = [
    "Fruit growers in the invented Brannock valley lit straw fires between their apple rows "
    "on Sunday night after forecasters warned that a late frost would settle before dawn.",
    "The smoke keeps a thin layer of warmer air above the blossoms, said Ilse Marren, who has "
    "farmed forty acres on the valley floor since her parents handed her the orchard.",
    "By morning the thermometers in the lowest rows had dropped to minus two degrees, but most "
    "buds on the higher terraces looked healthy when the growers walked the slopes at sunrise.",
    "The growers' cooperative will count the damaged trees this week and expects to know by "
    "the end of the month whether the autumn harvest has to be sold at a lower grade.",
    "Marren said the fires cost her two nights of sleep and a trailer of straw, a price she "
    "would pay again rather than lose a season of fruit to a single cold hour before dawn.",
]


def page(before: str = "", after: str = "", inside: str = "", elsewhere: str = "") -> str:
    """An article page: the story in <article>, optional blocks around it and in a sidebar."""
    paragraphs = [f"<p>{text}</p>" for text in STORY]
    paragraphs.insert(3, inside)
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Growers light fires to save the blossom | Valley Gazette</title>
<meta property="og:title" content="Growers light fires to save the blossom">
<meta property="og:type" content="article"></head><body>
<nav><a href="/">Home</a> <a href="/valley">Valley</a></nav>
<main><article><h1>Growers light fires to save the blossom</h1>
<div class="article-text">{before}{"".join(paragraphs)}{after}</div></article>
<aside>{elsewhere}</aside></main><footer>Valley Gazette</footer></body></html>"""


def body_of(html: str) -> str:
    extracted = extract_page(html, URL)
    assert extracted.body_text, extracted.page_note
    return extracted.body_text


def test_the_story_alone_comes_through() -> None:
    body = body_of(page())
    for paragraph in STORY:
        assert paragraph in body


@pytest.mark.parametrize(("before", "after", "inside", "gone"), [
    # A teaser line to another story, with its label, inside the text.
    ("", "", "<p>Related: Why the valley's cherry growers switched to wind machines</p>",
     "wind machines"),
    ("", "", "<p>[Read also: Beekeepers move their hives uphill]</p>", "Beekeepers"),
    # Closing credits for contributing reporters and the desk.
    ("", "<p>Tomas Reyl contributed reporting from the lower valley.</p>", "", "Tomas Reyl"),
    ("", "<p>Reporting by Ada Finch; Editing by Ruth Olm</p>", "", "Ada Finch"),
    # How to reach the writer or follow the paper.
    ("", "<p>Write to Ada Finch at ada.finch@gazette.example</p>", "", "ada.finch"),
    ("", "<p>Follow the Valley Gazette on Facebook, Instagram and YouTube.</p>", "",
     "Follow the Valley"),
    # Reading time, a date printed as its own paragraph, a row of post details.
    ("<p>Reading time: 3 minutes</p>", "", "", "Reading time"),
    ("<p>Tuesday, 14 March 2028 at 09:15</p>", "", "", "14 March 2028"),
    ("<p>02/03/2028 - Posted by: Ada Finch - Category: Farming - Tags: frost</p>", "", "",
     "Posted by"),
    # Print and reprint buttons laid out as a list.
    ("<ul><li>Print Article</li><li>Order Reprints</li></ul>", "", "", "Reprints"),
    # A newsletter box: a title and a one-line pitch.
    ("", "<p>The Orchard Letter newsletter</p><p>Prices, weather and tips for growers, "
     "every Friday morning.</p>", "", "every Friday morning"),
    # The closing credit of agency copy.
    ("", "<p>With files from The Associated Press and Ada Finch</p>", "", "With files"),
    # A pointer to another story behind a short label and a bar.
    ("", '<p>FROM OUR ARCHIVE | <a href="/valley/hail-nets">Hail nets divide the valley\'s '
     "younger growers</a></p>", "", "Hail nets"),
    ("", '<ul><li>Harvest: <a href="/valley/pear-prices">Pear prices climb after a short '
     "harvest</a></li></ul>", "", "Pear prices"),
    ("", "<p>With reports from the Valley Gazette and the Brannock Courier</p>", "",
     "With reports"),
    # Photo captions: a slide counter, or "Pictured left, ..." opening the line.
    ("", "", "<p>[2/5] Straw fires between the rows of the lowest orchard, seen at dawn</p>",
     "[2/5]"),
    ("", "", "<p>Pictured left, Ilse Marren and her neighbour light the first fire.</p>",
     "Pictured left"),
    # A photo credit with a copyright sign.
    ("", "", "<p>Straw fires between the rows, photos © Valley Gazette, 2028</p>", "photos ©"),
])
def test_page_furniture_is_left_out(before: str, after: str, inside: str, gone: str) -> None:
    body = body_of(page(before=before, after=after, inside=inside))
    assert gone not in body
    assert all(paragraph in body for paragraph in STORY)  # and the story is whole
    for paragraph in STORY:
        assert paragraph in body


def test_keyword_links_to_tag_archives_are_left_out() -> None:
    tags = ('<p><a href="/tag/frost" rel="tag">frost</a>, '
            '<a href="/tag/apple-growers">apple growers</a></p>')
    body = body_of(page(after=tags))
    assert "apple growers" not in body


def test_a_paragraph_that_is_only_a_link_to_another_story_is_left_out() -> None:
    teaser = ('<p><a href="/valley/hail-nets">Hail nets divide the valley\'s younger '
              'growers</a></p>')
    card = ('<a href="/valley/pear-prices"><h3>Pear prices climb after a short '
            'harvest</h3></a>')
    body = body_of(page(inside=teaser, after=card))
    assert "Hail nets" not in body
    assert "Pear prices" not in body


def test_a_whole_paragraph_link_to_another_site_is_no_teaser() -> None:
    line = "The regional frost report for the week"
    source = f'<p><a href="https://weather.example/frost-report">{line}</a></p>'
    inside = f'<p><a href="/valley/frost-report">{line}</a></p>'
    assert teaser_link_texts(lxml.html.fromstring(page(inside=source)), URL, [line]) == set()
    assert teaser_link_texts(lxml.html.fromstring(page(inside=inside)), URL, [line]) == {
        chrome_key(line)}


def test_a_linked_text_also_shown_unlinked_stays() -> None:
    heading = "<h2>What the cooperative will count</h2>"
    sidebar = '<ul><li><a href="/valley/count">What the cooperative will count</a></li></ul>'
    body = body_of(page(inside=heading, elsewhere=sidebar))
    assert "What the cooperative will count" in body


def test_a_link_wrapped_in_a_styled_span_keeps_its_words() -> None:
    sentence = ('<p>Growers said <span class="link"><a href="/valley/frost-2027">last '
                'spring\'s frost</a></span> had taught them to keep straw ready by March, '
                'and most barns now hold a reserve for two cold nights at least.</p>')
    assert "said last spring's frost had taught them" in body_of(page(inside=sentence))


@pytest.mark.parametrize(("line", "is_date"), [
    ("Tuesday, 14 March 2028 at 09:15", True),
    ("sexta-feira, 3 de março de 2028 às 20:13", True),
    ("March 14, 2028 - 11:28 GMT", True),
    ("Updated 14.03.2028, 09:15 Uhr", True),
    ("On 14 March 2028 the frost came early to the valley", False),
    ("Paris 2028", False),
    ("Tuesday, 14 March", False),
])
def test_is_date_line(line: str, is_date: bool) -> None:
    assert is_date_line(line) is is_date


@pytest.mark.parametrize(("line", "is_field"), [
    ("posted by: ada finch | category: farming", True),
    ("02/03/2028 - publicado por: ada finch - categoria: campo - tags: geada", True),
    ("the price: two nights of sleep - and a trailer of straw", False),
    ("note: growers met on sunday", False),
])
def test_is_field_line(line: str, is_field: bool) -> None:
    assert is_field_line(line) is is_field


def test_chrome_key_drops_list_markers() -> None:
    assert chrome_key("-  Print  Article") == "print article"
    assert chrome_key("• Share") == "share"


def test_a_crosshead_the_declared_body_leaves_out_stays() -> None:
    from pipelines.extract.declared_body import agree_with_declared

    declared = " ".join(STORY)
    lines = [STORY[0], STORY[1], "Smoke over the terraces", STORY[2], STORY[3],
             "Get the Gazette in your inbox", "Read the orchard diary"]
    kept, dropped = agree_with_declared(lines, declared)
    # The crosshead introduces declared text; the two lines at the end introduce nothing.
    assert kept == lines[:5] and dropped == 2
    # A standfirst opening the text stays too; a short sentence there does not.
    standfirst = "Growers across the valley spent the night feeding straw fires between rows."
    kept, _ = agree_with_declared([standfirst, *lines[:5]], declared)
    assert kept == [standfirst, *lines[:5]]
    kept, _ = agree_with_declared(["Sign up today.", *lines[:5]], declared)
    assert kept == lines[:5]


def test_the_h1_opening_the_body_goes_when_another_title_was_chosen() -> None:
    # og:title (the chosen title) and the visible <h1> word the headline differently.
    html = page(before="<h2>Straw fires save the Brannock blossoms</h2>").replace(
        "<h1>Growers light fires to save the blossom</h1>",
        "<h1>Straw fires save the Brannock blossoms</h1>")
    extracted = extract_page(html, URL)
    assert extracted.title == "Growers light fires to save the blossom"
    body = extracted.body_text or ""
    assert STORY[0] in body and "Straw fires save" not in body


def test_split_paragraphs_are_not_added_twice() -> None:
    from pipelines.extract.body import _expand_containers

    def box(*texts: str) -> str:
        return '<div class="txt">' + "".join(f"<p>{t}</p>" for t in texts) + "</div>"

    tree = lxml.html.document_fromstring(
        f"<html><body><article>{box(*STORY[:2])}{box(*STORY[2:4])}{box(STORY[4])}</article>"
        "</body></html>")
    # trafilatura wrote the paragraphs of the middle box in two pieces each (broken at links).
    pieces = [piece for text in STORY[2:4] for piece in (text[:40], text[40:])]
    lines = [*STORY[:2], *pieces, STORY[4]]
    out, added = _expand_containers(tree, lines)
    assert added == 0 and out == lines


def test_the_next_story_in_its_own_article_is_not_added() -> None:
    from pipelines.extract.body import _expand_containers

    other = [f"Another story paragraph number {n} about the harbour ferry timetable and its "
             "winter changes for commuters" for n in range(3)]
    boxes = "".join(f'<div class="txt"><p>{t}</p></div>' for t in STORY[:3])
    next_story = '<div class="txt">' + "".join(f"<p>{t}</p>" for t in other) + "</div>"
    tree = lxml.html.document_fromstring(
        f'<html><body><main><article id="main">{boxes}</article>'
        f'<div class="below"><article id="next">{next_story}</article></div></main>'
        "</body></html>")
    out, added = _expand_containers(tree, list(STORY[:3]))
    assert added == 0 and out == list(STORY[:3])


def test_a_declared_body_holding_all_the_text_and_more_completes_it() -> None:
    from pipelines.extract.declared_body import complete_from_declared

    # The extraction lost the end of the story; the declared body has all of it.
    extracted = list(STORY[:3])
    lines, completed = complete_from_declared(extracted, " ".join(STORY))
    assert completed and lines == [*STORY[:3], " ".join(STORY[3:])]
    # With line breaks, the declared body's own paragraphs are kept.
    lines, completed = complete_from_declared(extracted, "\n".join(STORY))
    assert completed and lines == list(STORY)
    # A declared body that adds little, or lacks part of the extraction, changes nothing.
    assert complete_from_declared(list(STORY), " ".join(STORY)) == (list(STORY), False)
    assert complete_from_declared(extracted, " ".join(STORY[1:]))[1] is False


def test_one_paragraph_containers_are_expanded_when_the_story_is_built_so() -> None:
    from pipelines.extract.body import _expand_containers

    blocks = "".join(f'<div class="text-block"><p>{t}</p></div>' for t in STORY)
    tree = lxml.html.document_fromstring(f"<html><body><article>{blocks}</article></body>"
                                         "</html>")
    lines = [STORY[0], STORY[1], STORY[3], STORY[4]]  # the third block was cut
    out, added = _expand_containers(tree, lines)
    assert added == 1 and out == list(STORY)


def test_the_standfirst_in_the_article_header_is_kept() -> None:
    standfirst = ("Growers across the Brannock valley spent a sleepless night feeding straw fires "
                  "to keep a late frost off the apple blossom.")
    html = page().replace(
        "<main><article><h1>Growers light fires to save the blossom</h1>",
        "<main><article><header><h1>Growers light fires to save the blossom</h1>"
        f'<p class="intro">{standfirst}</p></header>')
    body = body_of(html)
    assert body.startswith(standfirst) and all(paragraph in body for paragraph in STORY)
