"""Page type: article, live blog, video, gallery, index, error, consent/paywall stub, JS shell."""

from __future__ import annotations

import re

from lxml.html import HtmlElement

from pipelines.extract.structured import Declared
from pipelines.extract.text import normalize_space, word_count

_ERROR_TITLE = re.compile(
    r"\b(404|410|500|503|page not found|not found|seite nicht gefunden|página no encontrada|"
    r"error|something went wrong|access denied|forbidden)\b", re.I)
_STUB_TEXT = re.compile(
    r"(subscribe to (continue|read)|to continue reading|already a subscriber|"
    r"this (article|content) is (only )?(available|reserved) (to|for) "
    r"(subscribers|members)|"
    r"we (use|value) cookies|cookie (consent|settings|preferences)|"
    r"consent to (the use of )?cookies|"
    r"accept (all )?cookies|before you continue|manage (your )?privacy|"
    r"register to read|"
    r"sign in to (continue|read)|create a free account to continue)", re.I)
_JS_TEXT = re.compile(r"(enable javascript|javascript (is )?(required|disabled)|"
                      r"requires javascript|turn on javascript|you need to enable javascript)",
                      re.I)
_NO_TEXT_TAGS = {"script", "style", "template"}
_LIVE_URL = re.compile(r"/live(blog|-blog|-updates|-news)?[/-]|[/-]live$|liveblog", re.I)


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


def classify(tree: HtmlElement, declared: Declared, url: str, title: str | None,
             body_words: int, min_article_words: int) -> tuple[str, str | None]:
    """Return (page_type, note) for a parsed page given how many body words were extracted."""
    types = declared.ld_types()
    og_type = (declared.first("og:type") or "").lower()
    body = tree.find("body")
    title_text = title or normalize_space(tree.findtext(".//title") or "")
    if body_words < min_article_words and _ERROR_TITLE.search(title_text or ""):
        return "error", f"error page: title {title_text[:80]!r}"
    if "liveblogposting" in types or (_LIVE_URL.search(url) and body_words > 0
                                       and "live" in (title_text or "").lower()):
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
        if visible_words == 0:
            return "error", "empty page: no visible text"
        return "stub", f"too little text for an article ({body_words} words)"
    declares_article = og_type == "article" or declared.main_ld() is not None
    if not declares_article and body_words < 300:
        # All body text, scripts included: the 0.8 share was measured that way.
        visible_words = word_count(body.text_content()) if body is not None else 0
        link_words = word_count(" ".join(a.text_content() for a in tree.iter("a")))
        if link_words > 0.8 * max(visible_words, 1):
            return "index", f"index or hub page: {link_words} of {visible_words} words are links"
    # The word test first: the stub search over 3,000 characters costs more than the rest.
    if body_words < 2 * min_article_words and _STUB_TEXT.search(_visible_text(body, 3000)):
        return "stub", "consent or paywall stub: only a teaser is in the page"
    if declared.main_ld() is None and og_type == "website" and "itemlist" in types:
        return "index", "index page declared as an item list"
    return "article", None
