"""Page type: article, live blog, video, gallery, index, error, consent/paywall stub, JS shell."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from lxml.html import HtmlElement

from pipelines.extract.structured import Declared
from pipelines.extract.text import normalize_space, word_count

_ERROR_TITLE = re.compile(
    r"\b(404|410|500|503|page not found|not found|seite nicht gefunden|página no encontrada|"
    r"error|something went wrong|access denied|forbidden)\b", re.I)
# Lines that say the story stops here: beside them, a short body is only a teaser.
_TEASER_END = (
    r"subscribe to (continue|read)|to continue reading|"
    r"this (article|content) is (only )?(available|reserved) (to|for) (subscribers|members)|"
    r"register to read|sign in to (continue|read)|create a free account to continue"
)
# Consent banners and sign-in prompts: every page of some sites carries one, stories included.
_WALL = (
    r"already a subscriber|"
    r"we (use|value) cookies|cookie (consent|settings|preferences)|"
    r"consent to (the use of )?cookies|"
    r"accept (all )?cookies|before you continue|manage (your )?privacy"
)
_TEASER_TEXT = re.compile(_TEASER_END, re.I)
_STUB_TEXT = re.compile(f"{_TEASER_END}|{_WALL}", re.I)
_JS_TEXT = re.compile(r"(enable javascript|javascript (is )?(required|disabled)|"
                      r"requires javascript|turn on javascript|you need to enable javascript)",
                      re.I)
_NO_TEXT_TAGS = {"script", "style", "template"}
# Blocks a wall sits in; the page's own containers (body, main, article) are never the wall.
_WALL_BLOCKS = {"p", "div", "section", "aside", "form", "dialog", "header", "footer", "nav",
                "ul", "ol", "li", "table", "td", "figure", "blockquote", "h1", "h2", "h3", "h4"}
_EXECUTABLE_SCRIPTS = "//script[not(@type) or @type='module' or contains(@type, 'javascript')]"
_MOUNT_POINTS = ".//*[self::div or self::main or self::section][@id][not(*)][not(normalize-space())]"
# "live" as a word of the URL's path: /live/, /liveblog/, storm-live, live-updates-...
_LIVE_URL = re.compile(r"(?<![a-z0-9])live(-?blog|-updates?)?(?![a-z0-9])", re.I)
# "live" as a label in the title, not as a word of the headline ("Live music returns"):
# "Live: ...", "... - live | Site", "... LIVE: ...", "live updates", "as it happened".
# The end of a sentence: . ! ? or an ellipsis, closing quotes or brackets, then a space or the end.
_SENTENCE_END = re.compile(r"[.!?\u2026][\"'\u201d\u2019)\]]*(?=\s|$)")
# Prose ends a sentence every 15-30 words; under one end per this many words, it is no prose.
WORDS_PER_SENTENCE_LIMIT = 100
_LIVE_TITLE = re.compile(
    r"(?:^|[:|]|\s[-\u2013\u2014])\s*live\s*(?:$|[:|]|[-\u2013\u2014]\s)|\blive\s*:|"
    r"\blive[ -](?:updates?|blog|coverage|commentary)\b|\bas it happened\b", re.I)


def _visible_text(body: HtmlElement | None, limit: int | None = None) -> str:
    """Return the body's text outside scripts and styles, whitespace-normalised.

    With limit, reading stops soon after limit characters and the result is cut to limit.
    """
    if body is None:
        return ""
    parts: list[str] = []
    size = 0
    for element in body.iter():
        if element.text and element.tag not in _NO_TEXT_TAGS:
            parts.append(element.text)
            size += len(element.text)
        if element.tail and element is not body:
            parts.append(element.tail)
            size += len(element.tail)
        if limit is not None and size > 2 * limit:
            break
    text = normalize_space(" ".join(parts))
    return text[:limit] if limit is not None else text


def _wall_words(body: HtmlElement) -> int:
    """Return how many visible words the consent banners and sign-in prompts in body hold.

    Text goes to its nearest block (p, div, aside...); a block whose text names a wall is the
    wall, nested blocks and all. Loose text in body, main or article counts only itself.
    """
    block_of = {body: body}
    lines: dict[HtmlElement, list[str]] = {}
    for element in body.iter():
        if element is not body:
            outer = block_of[element.getparent()]
            block_of[element] = element if element.tag in _WALL_BLOCKS else outer
            if element.tail:
                lines.setdefault(outer, []).append(element.tail)
        if element.text and element.tag not in _NO_TEXT_TAGS:
            lines.setdefault(block_of[element], []).append(element.text)
    walls: list[HtmlElement] = []
    loose_words = 0
    for block, pieces in lines.items():
        line = " ".join(pieces)
        if not _STUB_TEXT.search(normalize_space(line)):
            continue
        if block.tag in _WALL_BLOCKS:
            walls.append(block)
        else:
            loose_words += word_count(line)
    outermost = [w for w in walls if not any(a in walls for a in w.iterancestors())]
    return loose_words + sum(word_count(_visible_text(w)) for w in outermost)


def _is_live_blog(types: set[str], url: str, title: str, body_words: int) -> bool:
    """Return True for a declared live blog, or a live label in the title of a /live/ URL."""
    if "liveblogposting" in types:
        return True
    path = urlsplit(url).path
    return body_words > 0 and bool(_LIVE_URL.search(path)) and bool(_LIVE_TITLE.search(title))


def _link_words(body: HtmlElement | None) -> tuple[int, int]:
    """Return (link words, all words) of body, scripts included; adjacent tags never merge words."""
    if body is None:
        return 0, 0
    links = body.xpath(".//a[not(ancestor::a)]")
    link_words = word_count(" ".join(" ".join(a.itertext()) for a in links))
    return link_words, word_count(" ".join(body.itertext()))


def classify(tree: HtmlElement, declared: Declared, url: str, title: str | None,
             body_words: int, min_article_words: int, body_text: str = "") -> tuple[str, str | None]:
    """Return (page_type, note) for a parsed page given the extracted body and its word count."""
    types = declared.ld_types()
    og_type = (declared.first("og:type") or "").lower()
    body = tree.find("body")
    title_text = title or normalize_space(tree.findtext(".//title") or "")
    if body_words < min_article_words and _ERROR_TITLE.search(title_text or ""):
        return "error", f"error page: title {title_text[:80]!r}"
    if _is_live_blog(types, url, title_text or "", body_words):
        return "live_blog", "live blog: a stream of timed updates, not one article"
    if body_words < min_article_words:
        visible = _visible_text(body)
        visible_words = word_count(visible)
        scripts = len(tree.xpath("//script"))
        noscript = " ".join(n.text_content() for n in tree.iter("noscript"))
        if visible_words < 40 and (_JS_TEXT.search(noscript + " " + visible) or scripts >= 3):
            return "js_shell", f"JavaScript-only shell: {visible_words} visible words"
        if _STUB_TEXT.search(visible):
            return "stub", "consent or paywall stub: story text not in the page"
        if "videoobject" in types or og_type.startswith("video"):
            return "video", "video page: too little text for an article"
        if "imagegallery" in types or len(tree.xpath("//img")) >= 8:
            return "gallery", "gallery page: images with too little text for an article"
        links = tree.xpath("//a[@href]")
        if len(links) >= 30 or og_type == "website" or "collectionpage" in types:
            return "index", f"index or hub page: {len(links)} links, {body_words} body words"
        if visible_words == 0 and body is not None and body.xpath(_MOUNT_POINTS) \
                and tree.xpath(_EXECUTABLE_SCRIPTS):
            return "js_shell", "JavaScript-only shell: an empty mount point and a script"
        if visible_words == 0:
            return "error", "empty page: no visible text"
        return "stub", f"too little text for an article ({body_words} words)"
    sentences = len(_SENTENCE_END.findall(body_text))
    if sentences * WORDS_PER_SENTENCE_LIMIT < body_words:
        # Hardly a sentence in many words: a list of labels, navigation when most are links.
        link_words, visible_words = _link_words(body)
        if link_words > 0.5 * max(visible_words, 1):
            return "index", (f"navigation: {sentences} sentences in {body_words} body words, "
                             f"{link_words} of {visible_words} words are links")
    declares_article = og_type == "article" or declared.main_ld() is not None
    if not declares_article and body_words < 300:
        # All body text, scripts included: the 0.8 share was measured that way.
        link_words, visible_words = _link_words(body)
        if link_words > 0.8 * max(visible_words, 1):
            return "index", f"index or hub page: {link_words} of {visible_words} words are links"
    # The word test first: the stub search over 3,000 characters costs more than the rest.
    if body_words < 2 * min_article_words and body is not None:
        start = _visible_text(body, 3000)
        if _STUB_TEXT.search(start):
            if _TEASER_TEXT.search(start):
                return "stub", "consent or paywall stub: only a teaser is in the page"
            if 2 * _wall_words(body) >= word_count(_visible_text(body)):
                return "stub", "consent or paywall stub: the wall is most of the page"
    if declared.main_ld() is None and og_type == "website" and "itemlist" in types:
        return "index", "index page declared as an item list"
    return "article", None
