"""Page types at their edges: binary input, walls beside a story, live words, JS shells, link share."""

from __future__ import annotations

import random

import pytest

from pipelines.extract import extract_page
from pipelines.extract.text import length_in_words
from tests.test_extract_pages import NOW, STORY, article_page

SHORT_STORY = "".join(f"<p>{p}</p>" for p in STORY[:3])  # 86 words: a complete short story
PLAIN_STORY = "".join(f"<p>{p}</p>" for p in STORY if p.isascii())  # encodable anywhere
URL = "https://ledger.example/harbour/ferry-pier"


def _page(title: str, body_html: str, head: str = "") -> str:
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>
    {head}</head><body>{body_html}</body></html>"""


# Bytes 0-255 repeated, and seeded random bytes with only four NULs in the first 2 KB.
@pytest.mark.parametrize("raw", [bytes(range(256)) * 40, random.Random(6).randbytes(20_000)],
                         ids=["every-byte", "random"])
def test_binary_bytes_are_an_error_not_an_article(raw: bytes) -> None:
    page = extract_page(raw, "https://ledger.example/file", now=NOW)
    assert page.page_type == "error", page.page_note
    assert "binary" in (page.page_note or "") and "mojibake" not in (page.page_note or "")
    assert page.body_text is None


def test_binary_text_handed_over_as_a_string_is_an_error() -> None:
    raw = random.Random(6).randbytes(20_000).decode("cp1252", errors="replace")
    page = extract_page(raw, "https://ledger.example/file", now=NOW)
    assert page.page_type == "error" and "binary" in (page.page_note or "")


OTHER_SCRIPTS = {
    "cyrillic": ("koi8_r", "Портовые власти вымышленного города Лоумир заявили во вторник, что "
                 "старый паромный причал закроют на ремонт после того, как инспекторы нашли "
                 "трещины в сваях под настилом. Закрытие продлится одиннадцать недель."),
    "arabic": ("cp1256", "قال مسؤولو الميناء في بلدة لومير الخيالية يوم الثلاثاء إن رصيف العبارة "
               "القديم سيغلق للإصلاح بعد أن وجد المفتشون شقوقا في الركائز تحت السطح. ومن "
               "المتوقع أن يستمر الإغلاق أحد عشر أسبوعا."),
    "chinese": ("gb18030", "虚构小镇洛米尔的港口官员周二表示，由于检查人员在甲板下方发现桩基开裂，"
                "旧渡轮码头将关闭维修。预计关闭将持续十一周，通勤者将被转移到鱼市附近的临时浮动平台。"),
    "western": ("cp1252", "Zürich café owners say the crème brûlée tastes better near the "
                "harbour – “really”, they said, and the ferry pier’s closure won’t change that."),
}


@pytest.mark.parametrize("name", sorted(OTHER_SCRIPTS))
def test_pages_in_other_scripts_and_legacy_charsets_are_not_binary(name: str) -> None:
    charset, text = OTHER_SCRIPTS[name]
    story = f"<p>{text}</p>" * 4 + PLAIN_STORY
    html = article_page(story, f'<meta charset="{charset}">')
    for raw in (html.encode(charset), html.encode("utf-8")):
        page = extract_page(raw, URL, now=NOW)
        assert page.page_type == "article", page.page_note
        assert text in (page.body_text or "")


def test_a_few_stray_control_characters_do_not_make_a_page_binary() -> None:
    story = PLAIN_STORY.replace("pier", "pier\x0b", 3).replace("council", "council\x1a", 2)
    page = extract_page(article_page(story).encode("utf-8"), URL, now=NOW)
    assert page.page_type == "article", page.page_note


COOKIE_BANNER = ('<div id="cookie-banner"><p>We use cookies to give you the best experience. '
                 "<button>Accept all cookies</button></p></div>")


@pytest.mark.parametrize("placement", ["banner-first", "banner-last", "sign-in-line"])
def test_complete_short_story_beside_a_banner_is_an_article(placement: str) -> None:
    html = article_page(SHORT_STORY)
    if placement == "banner-first":
        html = html.replace("<body>", "<body>" + COOKIE_BANNER)
    elif placement == "banner-last":
        html = html.replace("</body>", COOKIE_BANNER + "</body>")
    else:
        html = html.replace("</article>", "<p>Already a subscriber? Sign in</p></article>")
    page = extract_page(html, URL, now=NOW)
    assert page.page_type == "article", page.page_note
    assert STORY[2] in (page.body_text or "")


def test_consent_wall_filling_the_page_is_a_stub() -> None:
    notice = (
        "We and our many partners store and read information on your device, such as cookies, "
        "and process personal data such as unique identifiers sent by your device, to show "
        "personalised ads and content, to measure ads and content, to learn about our audience "
        "and to build and improve our products. With your permission we and our partners may "
        "use precise location data. Click to agree to this processing, or open the detailed "
        "settings to change your choices before you agree, or to refuse."
    )
    html = _page("Before you continue to Lowmere Ledger",
                 f'<div class="consent"><h1>Your privacy matters</h1><p>{notice}</p>'
                 '<button>Accept all</button><button>Reject all</button>'
                 '<a href="/privacy">Manage privacy settings</a></div>')
    page = extract_page(html, URL, now=NOW)
    assert page.page_type == "stub" and page.body_text is None


def test_teaser_cut_off_by_a_subscribe_line_is_a_stub() -> None:
    teaser = "".join(f"<p>{p}</p>" for p in STORY[:3])
    html = article_page(teaser + "<p>Subscribe to continue reading this story.</p>")
    assert extract_page(html, URL, now=NOW).page_type == "stub"


@pytest.mark.parametrize(("url", "title"), [
    ("https://ledger.example/culture/live-music-returns", "Live music returns to Lowmere"),
    ("https://ledger.example/news/live-animal-exports-banned", "Live animal exports banned"),
    ("https://ledger.example/live/2031/05/19/oil", "Olive growers deliver oil to Lowmere"),
    ("https://ledger.example/live-news/pier", "Lowmere residents live in fear of pier closure"),
])
def test_the_word_live_alone_does_not_make_a_live_blog(url: str, title: str) -> None:
    html = _page(title, f"<article><h1>{title}</h1>{SHORT_STORY}</article>",
                 '<meta property="og:type" content="article">')
    page = extract_page(html, url, now=NOW)
    assert page.page_type == "article", page.page_note


@pytest.mark.parametrize("url", ["https://ledger.example/news/live/2031/may/19/storm",
                                 "https://ledger.example/news/2031/may/19/storm-hits-live"])
def test_live_title_on_a_live_url_is_a_live_blog_without_a_declared_type(url: str) -> None:
    title = "Live: storm hits Lowmere - latest updates"
    updates = "".join(f"<p>{10 + i}:05 BST {STORY[i % 3]}</p>" for i in range(8))
    html = _page(title, f"<article><h1>{title}</h1>{updates}</article>")
    page = extract_page(html, url, now=NOW)
    assert page.page_type == "live_blog" and STORY[0] in (page.body_text or "")


def test_app_mount_point_with_one_module_script_is_a_js_shell() -> None:
    html = _page("Ledger", '<div id="app"></div>'
                           '<script type="module" src="/assets/index.js"></script>')
    page = extract_page(html, URL, now=NOW)
    assert page.page_type == "js_shell", page.page_note


def test_empty_page_without_scripts_is_still_an_error() -> None:
    page = extract_page(_page("Ledger", '<div id="app"></div>'), URL, now=NOW)
    assert page.page_type == "error" and "empty" in (page.page_note or "")


@pytest.mark.parametrize("links", [120, 200])
def test_minified_one_word_nav_links_do_not_make_a_story_an_index(links: int) -> None:
    sections = ["Home", "Politics", "Business", "Sport", "Weather", "Culture", "Travel"]
    nav = "".join(f'<li><a href="/s{i}">{sections[i % 7]}</a></li>' for i in range(links))
    html = _page("Ferry pier to close",
                 f"<nav><ul>{nav}</ul></nav><article><h1>Ferry pier to close</h1>"
                 f"{SHORT_STORY}</article>")
    page = extract_page(html, URL, now=NOW)
    assert page.page_type == "article", page.page_note
    assert STORY[0] in (page.body_text or "")


def test_text_in_a_script_without_spaces_is_long_enough_for_an_article() -> None:
    sentence = "\u5357\u6d77\u30c8\u30e9\u30d5\u5730\u9707\u306e\u8abf\u67fb\u304c\u7d9a\u3044\u3066\u3044\u308b\u3002"
    assert length_in_words(sentence * 10) == (len(sentence) - 1) * 10 // 2  # "。" is no word
    assert length_in_words("Harbour works begin \u6e2f\u6e7e") == 4
    # Four different paragraphs (trafilatura keeps one of identical ones).
    body = "".join(f"<p>{sentence[n:] + sentence * 3}</p>" for n in range(4))
    page = extract_page(f"""<html><head><title>t</title><meta property="og:type" content="article">
    </head><body><article><h1>\u5357\u6d77\u30c8\u30e9\u30d5</h1>{body}</article></body></html>""",
                        "https://ledger.example/a", now=NOW)
    assert page.page_type == "article"
    assert sentence in (page.body_text or "")
