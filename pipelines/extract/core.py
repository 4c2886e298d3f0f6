"""extract_page: one fetched page in, one ExtractedPage out (the asset's and the CLI's path)."""

from __future__ import annotations

import traceback
from datetime import UTC, datetime, timedelta
from urllib.parse import urljoin, urlsplit

from lxml.html import HtmlElement

from pipelines.extract.authors import choose_authors, credit_line, find_bylines
from pipelines.extract.body import (
    drop_author_bio,
    drop_hidden_panes,
    drop_nested_posts,
    extract_body,
)
from pipelines.extract.dates import choose_dates, collect_candidates
from pipelines.extract.decode import decode_html, looks_binary, looks_binary_bytes
from pipelines.extract.language import detect_language
from pipelines.extract.model import ExtractedPage, PageHints
from pipelines.extract.page_type import classify
from pipelines.extract.parse import parse_html
from pipelines.extract.structured import Declared, as_list, read_declared
from pipelines.extract.text import length_in_words, normalize_space, word_count
from pipelines.extract.titles import choose_title
from pipelines.extract.version import EXTRACTOR_VERSION, SETTINGS, extractor_settings_hash


def _error(note: str, truncated: bool = False) -> ExtractedPage:
    return ExtractedPage(page_type="error", page_note=note, truncated=truncated,
                         extractor_version=EXTRACTOR_VERSION,
                         settings_hash=extractor_settings_hash())


def _site_name(declared: Declared) -> str | None:
    name = declared.first("og:site_name", "application-name", "publisher", "cxenseparse:site")
    if name and name.startswith(("http://", "https://")):
        name = urlsplit(name).hostname or name
    if name:
        return name
    ld = declared.main_ld() or {}
    for publisher in as_list(ld.get("publisher")):
        if isinstance(publisher, dict) and isinstance(publisher.get("name"), str):
            return publisher["name"]
    return None


def _image(declared: Declared, url: str) -> str | None:
    image = declared.first("og:image", "og:image:url", "twitter:image", "twitter:image:src")
    if not image:
        ld = declared.main_ld() or {}
        for item in as_list(ld.get("image")):
            image = item if isinstance(item, str) else (
                item.get("url") if isinstance(item, dict) else None)
            if image:
                break
    return urljoin(url, image) if image else None


def _tags(declared: Declared) -> list[str]:
    raw = declared.all("article:tag", "news_keywords", "keywords")
    ld = declared.main_ld() or {}
    for kw in as_list(ld.get("keywords")):
        if isinstance(kw, str):
            raw.append(kw)
    tags: list[str] = []
    for entry in raw:
        for tag in entry.split(","):
            tag = normalize_space(tag)
            if tag and tag.casefold() not in {t.casefold() for t in tags}:
                tags.append(tag)
    return tags[:50]


def _section(declared: Declared) -> str | None:
    section = declared.first("article:section", "section", "parsely-section", "category")
    if section:
        return section
    ld = declared.main_ld() or {}
    value = as_list(ld.get("articleSection"))
    return str(value[0]) if value and isinstance(value[0], str) else None


def _byline_lines(elements: list[HtmlElement]) -> set[str]:
    lines: set[str] = set()
    for element in elements[:10]:
        text = normalize_space(element.text_content()).lower()
        if 0 < len(text) < 200:
            lines.add(text)
    return lines


def extract_page(html: bytes | str, url: str, *, hints: PageHints | None = None,
                 now: datetime | None = None) -> ExtractedPage:
    """Return what the page is, its metadata and, for an article or live blog, its text.

    Never raises: a page that cannot be read becomes page_type "error" with a note.
    """
    try:
        return _extract(html, url, hints or PageHints(), now or datetime.now(UTC))
    except Exception as err:  # noqa: BLE001 - a bad page must become a record, not a crash
        last = traceback.extract_tb(err.__traceback__)[-1]
        return _error(f"extraction failed: {type(err).__name__}: {err} "
                      f"(at {last.filename.rsplit('/', 1)[-1]}:{last.lineno})")


def _extract(html: bytes | str, url: str, hints: PageHints, now: datetime) -> ExtractedPage:
    if html is None or len(html) == 0:
        return _error("empty response body")
    if looks_binary_bytes(html):
        return _error("binary content, not HTML")
    text, decode_note = decode_html(html, hints.http_content_type)
    if looks_binary(text):
        return _error("binary content, not HTML")
    parsed = parse_html(text, SETTINGS["max_html_bytes"])
    notes = list(parsed.notes) + ([decode_note] if decode_note else [])
    if parsed.tree is None or parsed.tree.find("body") is None and not parsed.tree.text_content():
        return _error("; ".join(notes) or "not parseable as HTML", parsed.truncated)
    tree = parsed.tree
    declared = read_declared(tree)
    site_name = _site_name(declared)
    title = choose_title(tree, declared, site_name, hints.feed_title, url)
    ld = declared.main_ld() or {}
    description = declared.first("description", "og:description", "twitter:description")
    if not description and isinstance(ld.get("description"), str):
        description = ld["description"]
    if SETTINGS["drop_hidden_tab_panes"] and "tab-pane" in text:  # the cheap test first
        drop_hidden_panes(tree)
    if SETTINGS["drop_nested_other_posts"]:
        drop_nested_posts(tree)
    meta_elements = find_bylines(tree, with_times=True)
    byline_elements = [e for e in meta_elements if e.tag != "time"]
    declared_body = ld.get("articleBody")
    body = extract_body(tree, url, title=title, meta_lines=_byline_lines(meta_elements),
                        description=description,
                        declared_body=declared_body if isinstance(declared_body, str) else None)
    first_line = body.paragraphs[0] if body.paragraphs else None
    if first_line is not None and credit_line(first_line):
        body.paragraphs.pop(0)  # "JANE DOE" or "By Jane Doe" opening the text is a credit
    byline = choose_authors(tree, declared, site_name, byline_elements=byline_elements,
                            first_body_line=first_line)
    body.paragraphs = drop_author_bio(body.paragraphs, byline.authors)
    body_text = body.text
    words = word_count(body_text)
    page_type, type_note = classify(tree, declared, url, title, length_in_words(body_text),
                                    SETTINGS["min_article_words"], body_text)
    if type_note:
        notes.insert(0, type_note)
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    candidates = collect_candidates(tree, declared, url, hints.feed_published_at,
                                    hints.first_seen_at, now=now)
    dates = choose_dates(candidates, now, timedelta(seconds=SETTINGS["future_date_tolerance_s"]))
    # A live blog keeps its text: the type says what the page is, the text what it says; the
    # warehouse stage decides which types become article rows.
    has_text = page_type in SETTINGS["text_page_types"]
    return ExtractedPage(
        page_type=page_type,
        page_note="; ".join(notes) or None,
        title=title,
        body_text=body_text if has_text else None,
        authors=byline.authors,
        author_organisations=byline.organisations,
        published_at=dates.published_at,
        published_offset_minutes=dates.offset_minutes,
        modified_at=dates.modified_at,
        date_source=dates.source,
        date_rule=dates.rule,
        date_candidates=dates.candidates,
        description=normalize_space(description) if description else None,
        site_name=site_name,
        section=_section(declared),
        tags=_tags(declared),
        image_url=_image(declared, url),
        language=detect_language(body_text or title, declared, SETTINGS["language_min_words"],
                                 SETTINGS["language_sample_chars"]),
        canonical_url=urljoin(url, declared.canonical) if declared.canonical else None,
        truncated=parsed.truncated,
        word_count=words if has_text else 0,
        extractor_version=EXTRACTOR_VERSION,
        settings_hash=extractor_settings_hash(),
    )
