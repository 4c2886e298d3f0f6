"""Article body: precise trafilatura, a recall fallback, split bodies, the lead, chrome filter.

Each step was kept because it raised body F1 on the development corpus (benchmarks/extraction.py).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import trafilatura
from lxml.html import HtmlElement

from pipelines.extract.declared_body import agree_with_declared, complete_from_declared
from pipelines.extract.text import (
    fold_typography,
    length_in_words,
    normalize_space,
    shingles,
    word_count,
    word_key,
    words,
)
from pipelines.extract.version import SETTINGS

_BLOCK_TAGS = ("p",)
_NON_CONTENT_ANCESTORS = {"aside", "nav", "footer", "header", "form", "figure", "figcaption"}
_CHROME_LINE = re.compile(
    r"""^(
      (share|tweet|email|print|copy\ link|pin\ it|add\ .{1,40}\ on\ google)(\ (this|on|via)\b.*)?
    | (print|share|email)\ (this\ )?(article|story|page)|order\ reprints?|reprints?(\ &\ permissions)?
    | advertisement|sponsored(\ content)?|ad
    | (sign\ up|subscribe)\b.{0,80}(newsletter|inbox|updates|free)\b.*
    | (read|see|watch)\ (more|also|next)\b.{0,200}
    | (click|tap)\ here\b.{0,150}
    | (related|recommended|trending|most\ read|popular)(\ (stories|articles|now|news))?:?
    | follow\ us\b.{0,60}
    | .*\[(hour|minute|ampm|timezone|month|day|year)\].*
    | .*\{\{\s*[\w.]+\s*\}\}.*
    | (leave\ a\ (reply|comment)|post\ comment|your\ email\ address\ will\ not\ be\ published).*
    | (image|photo|video)\ (credit|source):.{0,80}
    | (quelle|source|fuente|fonte|bild|foto|credit|crédit)s?:\ ?\S[^.]{0,40}
    | ein\ klick\ für\ den\ datenschutz|click\ to\ load\b.{0,60}|load\ external\ content
    | (\d{1,2}\.\d{1,2}\.\d{4}\ \|\ )?\d{1,2}:\d{2}\ min
    | copyright\ ©?.{0,80}|©.{0,80}|all\ rights\ reserved\.?
    # a labelled pointer to another story: "Related: <headline>", "[Read also: <headline>]"
    | \[?(related|see\ also|also\ read|read\ also|lesen\ sie\ auch|leia\ também|veja\ também
        |lire\ aussi|lee\ también)(\ (posts?|articles?|stories|story|content|coverage|links?
        |videos?))?\ ?:\ .{1,200}
    # the heading of a block of such pointers
    | (you\ (may|might)\ also\ (like|enjoy)|don[’']?t\ miss|more|recommended\ (videos?|reading)
        |more\ on\ this(\ story|\ topic)?|mehr\ zum\ thema)[:.!]?
    # reading time: "Reading time: 3 minutes", "4 min read"
    | (tempo\ de\ leitura|reading\ time|read\ time|lesezeit|lesedauer|temps\ de\ lecture
        |tiempo\ de\ lectura|leestijd|lästid)\ ?:?\ ?(ca\.?\ |about\ )?[\d\ –-]{1,7}\ ?\w{0,9}\.?
    | (ca\.?\ )?\d{1,3}\ ?(min|mins|minutes?|minuten|minutos)\.?\ (read|lesen|de\ leitura
        |de\ lectura|de\ lecture|lezen|läsning)
    # the keyword row: "Tags", "Tags: a, b", "Filed under: c |"
    | (tags?|filed\ under|schlagw[öo]rter|stichw[öo]rter|etiquetas|topics)(\ ?:.{0,300})?
    # how to follow the paper or reach the writer
    | (follow|like)\ .{1,60}\ on\ (facebook|twitter|instagram|x|linkedin|youtube|tiktok|threads
        |bluesky)\b.{0,160}
    | (write\ to|e-?mail|contact|reach)\ .{1,80}?\ (at|on|via)\ \S*(@|twitter|\bx\b).{0,200}
    # the closing credit of contributing reporters, editors and agencies
    | .{3,120}\ contributed\ (reporting|to\ this\ (report|story|article))\b.{0,80}
    | [(–—-]?\ ?(additional\ )?reporting\ by\ .{3,250}
    | with\ (files|reports|information)\ from\ .{3,200}
    # a photo caption: a slide counter ("[1/5] ..."), or "Pictured left, ..." opening it
    | \[\d{1,3}/\d{1,3}\]\ ?.{0,600}
    | pictured\ (left|right|above|below|at\ the\ back|in\ front|from\ (left|right))\b.{0,600}
    | mit\ agenturmaterial\.?|with\ (agency|wire)\ (material|reports)\.?
    )$""",
    re.I | re.X,
)


def is_chrome_line(line: str) -> bool:
    """Return True when a whole line is page furniture rather than story text.

    Besides share and print buttons, ads, sign-up prompts and template placeholders, these
    kinds of line recur on news and blog sites whatever their template:
    a pointer to another story with its label ("Related: <headline>", "[Read also: ...]") or
    the heading over a block of them ("You may also like", "Don't miss", "More:"); the
    reading time ("Reading time: 3 minutes", "4 min read"); the keyword row ("Tags: ...",
    "Filed under: ..."); how to follow the paper or write to the reporter ("Follow us on
    Instagram and YouTube", "Write to Jane Doe at jane@example.com"); and the closing credit
    ("John Roe contributed reporting", "Reporting by ...; Editing by ...", "With agency
    material"). Each needs the whole line to match, so a sentence that merely mentions such
    words stays. The line is compared as chrome_key gives it (list markers dropped).
    """
    return bool(_CHROME_LINE.match(chrome_key(line)))


@dataclass
class BodyResult:
    """Body paragraphs and how they were obtained (method names, notes for the fetch record)."""

    paragraphs: list[str]
    method: str
    notes: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """Return paragraphs joined by blank lines."""
        return "\n\n".join(self.paragraphs)


def _trafilatura_lines(tree: HtmlElement, url: str, *, precise: bool) -> list[str]:
    """Return trafilatura's body lines: the settings' precision choice when precise, else its
    default (recall) pass."""
    text = trafilatura.extract(
        tree,
        url=url,
        favor_precision=precise and SETTINGS["trafilatura_favor_precision"],
        include_comments=SETTINGS["trafilatura_include_comments"],
        include_tables=SETTINGS["trafilatura_include_tables"],
        fast=SETTINGS["trafilatura_fast"],
        deduplicate=False,
        with_metadata=False,
    )
    return [line.strip() for line in (text or "").split("\n") if line.strip()]


def _link_density(element: HtmlElement, text_len: int) -> float:
    link_chars = sum(len(a.text_content()) for a in element.iter("a"))
    return link_chars / max(text_len, 1)


def _signature(element: HtmlElement | None) -> tuple[str, str] | None:
    if element is None:
        return None
    return (str(element.tag), " ".join(sorted((element.get("class") or "").split())))


_EXPANSION_LEVELS = 3
# A caption or credit: "(Photo: ...)", "Image: ...", agency names, "photos © Owner, 2024".
_CAPTION = re.compile(
    r"(\((\w+ )?(photo|image|foto|picture|file)\b[^)]*\)$|^(photo|image|credit|foto)s?:|"
    r"getty images|shutterstock|\bap photo\b|"
    r"\b(photos?|images?|pictures?|fotos?|bilder?|photographs?)\b[^.]{0,40}©)",
    re.I,
)


def _ancestors(element: HtmlElement, levels: int) -> list[HtmlElement]:
    out = []
    node = element.getparent()
    while node is not None and len(out) < levels:
        out.append(node)
        node = node.getparent()
    return out


def _mostly_in(text: str, known: set[tuple[str, ...]]) -> bool:
    """Return True when at least half of text's word 4-grams (lower-cased) are in known."""
    own = shingles(words(text.lower()))
    return bool(own) and 2 * sum(s in known for s in own) >= len(own)


def _expand_containers(tree: HtmlElement, lines: list[str]) -> tuple[list[str], int]:
    """Add paragraphs that sit in containers like those of the extracted ones (split bodies)."""
    blocks: list[tuple[HtmlElement, str]] = []
    keys: list[str] = []
    for element in tree.iter(*_BLOCK_TAGS):
        text = normalize_space(element.text_content())
        if text:
            blocks.append((element, text))
            keys.append(word_key(text))
    # Compared by their words: trafilatura spaces inline links and markup its own way.
    kept = {word_key(line) for line in lines}
    matched_parents: Counter[tuple[str, str] | None] = Counter()
    matched_index: dict[str, int] = {}
    grandparents: set[HtmlElement] = set()
    matched_parent_nodes: set[HtmlElement] = set()
    story_articles: set[HtmlElement | None] = set()
    for index, (element, _) in enumerate(blocks):
        if keys[index] in kept:
            parent = element.getparent()
            matched_parents[_signature(parent)] += 1
            matched_index.setdefault(keys[index], index)
            if parent is not None:
                matched_parent_nodes.add(parent)
            if parent is not None:
                grandparents.update(_ancestors(parent, _EXPANSION_LEVELS))
            story_articles.add(next(element.iterancestors("article"), None))
    total = sum(matched_parents.values())
    if total < 2:
        return lines, 0
    dominant = {
        sig for sig, n in matched_parents.items()
        if sig is not None and sig[1] and n >= 2 and n >= 0.2 * total
    }
    if not dominant:
        return lines, 0
    additions: list[tuple[int, str]] = []
    for index, (element, text) in enumerate(blocks):
        parent = element.getparent()
        if keys[index] in kept or _signature(parent) not in dominant:
            continue
        # Only whole sibling containers trafilatura skipped (bodies split around ads).
        if parent is None or parent in matched_parent_nodes:
            continue
        if not grandparents.intersection(_ancestors(parent, _EXPANSION_LEVELS)):
            continue
        article = next(element.iterancestors("article"), None)
        if article is not None and article not in story_articles:
            continue  # another story's <article>, built like this one (one under the other)
        if word_count(text) < 8 or _link_density(element, len(text)) > 0.3:
            continue
        if any(a.tag in _NON_CONTENT_ANCESTORS for a in element.iterancestors()):
            continue
        if _CHROME_LINE.match(text):
            continue
        additions.append((index, text))
    per_parent: Counter[HtmlElement | None] = Counter(
        blocks[index][0].getparent() for index, _ in additions
    )
    # A container must add two paragraphs, unless the story's own containers mostly hold one
    # each (a block per paragraph, as some templates build the text).
    story_sizes = sorted(Counter(blocks[i][0].getparent() for i in matched_index.values())
                         .values())
    least = 1 if story_sizes and story_sizes[len(story_sizes) // 2] == 1 else 2
    additions = [(i, t) for i, t in additions if per_parent[blocks[i][0].getparent()] >= least]
    if additions:
        # trafilatura breaks some paragraphs at inline markup; such a paragraph is kept already
        # when most of its word 4-grams are in the lines.
        have = set(shingles(words(" ".join(lines).lower())))
        additions = [(i, t) for i, t in additions if not _mostly_in(t, have)]
    if not additions:
        return lines, 0
    # Merge by document position: an unmatched extracted line follows the previous matched one.
    ordered: list[tuple[float, int, str]] = []
    position = -1.0
    for seq, line in enumerate(lines):
        found = matched_index.get(word_key(line))
        if found is not None:
            position = float(found)
        ordered.append((position, seq, line))
    ordered.extend((float(index), -1, text) for index, text in additions)
    ordered.sort(key=lambda item: (item[0], item[1]))
    return [line for _, _, line in ordered], len(additions)


_PANE_XPATH = "//*[contains(concat(' ', normalize-space(@class), ' '), ' tab-pane ')]"


def drop_hidden_panes(tree: HtmlElement) -> int:
    """Remove tab panes hidden beside the shown one (a "summary" or "print" view of the same
    story) from tree in place; return how many were removed.

    Only panes with a sibling pane marked active go: without one, which pane shows is unknown.
    """
    removed = 0
    for parent in {pane.getparent() for pane in tree.xpath(_PANE_XPATH)}:
        if parent is None:
            continue
        panes = [child for child in parent
                 if "tab-pane" in (child.get("class") or "").split()]
        active = [pane for pane in panes if {"active", "show", "in"} & set(
            (pane.get("class") or "").split())]
        if not active or len(active) == len(panes):
            continue
        for pane in panes:
            if pane not in active:
                pane.drop_tree()
                removed += 1
    return removed


_POST_ID = re.compile(r"\bpost-(\d+)\b")


def _post_id(element: HtmlElement) -> str | None:
    match = _POST_ID.search(f"{element.get('id') or ''} {element.get('class') or ''}")
    return match.group(1) if match else None


def drop_nested_posts(tree: HtmlElement) -> int:
    """Remove other posts' cards nested inside the page's post from tree in place; return how
    many were removed.

    Blog themes list related posts as ``<article class="post-N">`` cards, and an unclosed tag
    can put them inside the main ``<article>``, where they read as more of the story. Only an
    article naming a post id different from its enclosing article's goes.
    """
    removed = 0
    for inner in tree.xpath("//article[ancestor::article]"):
        inner_id = _post_id(inner)
        if inner_id is None or inner.getparent() is None:
            continue
        outer = next(inner.iterancestors("article"))
        outer_id = _post_id(outer)
        if outer_id is not None and outer_id != inner_id:
            inner.drop_tree()
            removed += 1
    return removed


_WORD = re.compile(r"\w")


def _is_headline(line_key: str, title_key: str) -> bool:
    """Return True when a body line is the headline, alone or after a short kicker."""
    if line_key == title_key:
        return True
    return line_key.endswith(title_key) and len(line_key) - len(title_key) <= 60


_CAPTION_MAX_WORDS = 60


def caption_texts(tree: HtmlElement) -> set[str]:
    """Return the word keys (see text.word_key) of figure captions: <figcaption> and its blocks,
    and a short emphasised line alone in a paragraph with an image ("<p><img><em>..</em></p>").

    Measured: metadata set +0.002 body F1 (its labels leave captions out), extraction set
    unchanged.
    """
    captions: set[str] = set()
    for caption in tree.iter("figcaption"):
        for element in caption.iter("figcaption", "p", "span", "div"):
            key = word_key(element.text_content())
            if key and key.count(" ") < _CAPTION_MAX_WORDS:
                captions.add(key)
    for image in tree.iter("img"):
        paragraph = image.getparent()
        if paragraph is None or paragraph.tag != "p":
            continue
        key = word_key(paragraph.text_content())
        emphasised = " ".join(e.text_content() for e in paragraph if e.tag in ("em", "i", "small"))
        if key and key.count(" ") < 25 and word_key(emphasised) == key:
            captions.add(key)
    return captions


_LIST_MARKER = re.compile(r"^[-•*·–—]\s+")


def chrome_key(line: str) -> str:
    """Return line lower-cased, spacing collapsed and any list marker ("- ", "• ") removed.

    Share, print and reprint buttons are often laid out as a list, so trafilatura writes them
    as "- Print Article"; the marker must not hide them from the chrome patterns.
    """
    return _LIST_MARKER.sub("", normalize_space(line).lower())


_TAG_HREF = re.compile(
    r"(/(tags?|topics?|themen|thema|schlagworte?|stichworte?|etiquetas?|temas?|keywords?)/"
    r"|[?&](tags?|topic|keyword)=)", re.I)
_TAG_SEPARATORS = re.compile(r"\s*[,|·•]\s*")


def tag_link_texts(tree: HtmlElement) -> set[str]:
    """Return the lower-cased texts of links to tag or topic archives (rel="tag", or an href
    under /tag/, /topics/, /thema/, ?tag= and the like).

    Pages list a story's keywords as links to the archive of each keyword, often right under
    the text where trafilatura takes them for a closing paragraph ("sad", "veiculo" or
    "stock car, rally, ..."). Such a link names a keyword, never a sentence of the story.
    """
    texts: set[str] = set()
    for link in tree.iter("a"):
        href = link.get("href") or ""
        if "tag" in (link.get("rel") or "").split() or _TAG_HREF.search(href):
            text = normalize_space(link.text_content()).lower().strip(" ,|#")
            if text:
                texts.add(text)
    return texts


def _only_tags(key: str, tags: set[str]) -> bool:
    parts = [part.strip(" #") for part in _TAG_SEPARATORS.split(key)]
    parts = [part for part in parts if part]
    return bool(parts) and all(part in tags for part in parts)


_FIELD_SEPARATORS = re.compile(r"\s+[-–|·•]\s+")
_LABELLED_FIELD = re.compile(r"^\w+(\ \w+){0,2}\s?:\s?\S")


def is_field_line(key: str) -> bool:
    """Return True when a line is a row of labelled fields, not a sentence.

    Blog and CMS templates print the post's details in one row, "Posted by: Jane - Category:
    Health - Tags: clinics", sometimes after a date. Such a row has at least two
    "label: value" fields (a label of one to three words), every field short, split by dashes,
    bars or dots.
    """
    fields = _FIELD_SEPARATORS.split(key)
    if len(fields) < 2 or any(word_count(field) > 8 for field in fields):
        return False
    return sum(bool(_LABELLED_FIELD.match(field)) for field in fields) >= 2


_DATE_WORD = re.compile(
    r"^(jan|feb|fev|fév|mar|mär|apr|avr|abr|ma[iy]|mei|maj|jun|jui|jul|lug|aug|ago|aoû|sep|set"
    r"|o[ck]t|out|ott|nov|de[czcs]|déc|dic|gen|ene|mon|tue|wed|thu|fri|sat|sun|die|mit|don|fre"
    r"|sam|son|lun|mer|jeu|ven|dim|miér|jue|vie|sáb|dom|seg|ter|qua|qui|sex|feira|updated"
    r"|published|posted|publicado|atualizado|actualizado|aktualisiert|veröffentlicht|publié)",
    re.I)
_YEAR_OR_TIME = re.compile(r"\b(1[89]|20)\d\d\b|\b\d{1,2}[:.h]\d{2}\b")


def is_date_line(line: str) -> bool:
    """Return True when a line says only when the story was published or updated.

    Templates print the date as its own paragraph, "Monday, 22 January 2018 at 0:13" or
    "November 20, 2019 - 11:28 GMT"; trafilatura keeps it as the first paragraph. Such a line
    has a year or a clock time, at most twelve words, and every word is a number, a month or
    weekday name (a few languages, matched by their first letters), "updated"/"published", or
    a connector of up to four letters ("de", "às", "um", "at", a zone abbreviation).
    """
    tokens = words(line)
    if not tokens or len(tokens) > 12 or not _YEAR_OR_TIME.search(line):
        return False
    return all(token.isdigit() or len(token) <= 4 or _DATE_WORD.match(token)
               for token in tokens)


_TEASER_MIN_WORDS = 3
_TEASER_MAX_WORDS = 40
_TEASER_MIN_CHARS = 10  # three short words and two spaces
_TEASER_LABEL_WORDS = 6
_TEASER_BLOCKS = {"p", "li", "h2", "h3", "h4", "h5", "h6", "div", "dd", "td"}
_PLAIN_BLOCKS = ("p", "li", "h1", "h2", "h3", "h4", "h5", "h6")


def teaser_link_texts(tree: HtmlElement, url: str, lines: list[str]) -> set[str]:
    """Return the chrome keys (see chrome_key) of those lines that are links to other pages of
    the same site filling their block alone: a paragraph, list item or heading that is nothing
    but the link, or a heading inside a link (a story card).

    That is how templates point to other stories inside or right after the text: related
    articles, "more on this" lists, previous and next posts. Story paragraphs carry links
    inside sentences, and a link to another site (a source, a shop, a partner) may be part of
    the story, so only a whole block linking within the site counts, and only from three
    words up; a short label before the link and a bar or colon ("Read more here | <headline>",
    "Health: <headline>", in any language) may share its block. A text that also stands
    somewhere as a block outside any link (a heading of the page itself, repeated in a list
    of links) is not counted.
    """
    candidates = {chrome_key(line).rstrip(" |") for line in lines
                  if _TEASER_MIN_WORDS <= word_count(line) <= _TEASER_MAX_WORDS}
    if not candidates:
        return set()
    # "Read more | <headline>": a short label before the link (the block is label and link).
    labelled: dict[str, str] = {}
    for candidate in candidates:
        for separator in (" | ", ": "):
            label, found, rest = candidate.partition(separator)
            if found and rest and word_count(label) <= _TEASER_LABEL_WORDS:
                labelled[rest] = candidate
    split = urlsplit(url)
    host, page_path = (split.hostname or "").removeprefix("www."), split.path
    texts: set[str] = set()
    for link in tree.iter("a"):
        text = link.text_content()
        if len(text) < _TEASER_MIN_CHARS:
            continue
        key = chrome_key(text)
        inner_keys = [chrome_key(inner.text_content())
                      for inner in link.iter(*_PLAIN_BLOCKS)] if len(link) else []
        hits = {k for k in [key, *inner_keys] if k in candidates}
        if key in labelled:
            hits.add(key)
        if not hits:
            continue
        href = (link.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:")):
            continue
        target = urlsplit(urljoin(url, href))
        if (target.hostname or "").removeprefix("www.") != host or target.path == page_path:
            continue
        if key in hits and key not in inner_keys:
            block = next((a for a in link.iterancestors() if a.tag in _TEASER_BLOCKS), None)
            block_key = chrome_key(block.text_content()).rstrip(" |") if block is not None else ""
            hits.discard(key)
            if block_key == key and key in candidates:
                hits.add(key)
            elif key in labelled and block_key == labelled[key]:
                hits.add(labelled[key])
        texts |= hits
    if texts:
        for element in tree.iter(*_PLAIN_BLOCKS):
            if element.find(".//a") is None and next(element.iterancestors("a"), None) is None:
                texts.discard(chrome_key(element.text_content()))
    return texts


# A newsletter sign-up box: a short title naming the newsletter, then a one-line pitch.
_BOX_TITLE = re.compile(r"newsletter", re.I)
_BOX_PITCH_WORDS = 25


_MAX_H1S = 3


def _drop_chrome(lines: list[str], titles: list[str], meta_lines: set[str],
                 captions: set[str] | None = None, tags: set[str] | None = None,
                 teasers: set[str] | None = None, *, drop_captions: bool = True) -> list[str]:
    """Return lines without page furniture: chrome lines (is_chrome_line), the headline, byline
    lines near the top, links to other stories filling a line (teasers, see
    teaser_link_texts), keyword links (tags, see tag_link_texts), rows of labelled fields
    (is_field_line), a date line at the top or bottom (is_date_line), and, with drop_captions,
    captions and credits.

    A newsletter box is dropped whole: a short line naming a newsletter ("The Morning Brief
    newsletter") and, under it, its one-line pitch (up to 25 words, not a question).
    """
    captions = captions or set()
    teasers = teasers or set()
    tags = tags or set()
    counts = Counter(normalize_space(line).lower() for line in lines)
    out: list[str] = []
    title_keys = [fold_typography(title) for title in titles if title.strip()]
    after_box_title = False
    for position, line in enumerate(lines):
        key = normalize_space(line).lower()
        if after_box_title and word_count(key) <= _BOX_PITCH_WORDS and not key.endswith("?"):
            after_box_title = False
            continue  # the pitch under a newsletter box's title
        after_box_title = bool(_BOX_TITLE.search(key)) and word_count(key) <= 6
        if after_box_title or is_chrome_line(line):
            continue
        if position < 3 and any(_is_headline(fold_typography(line), key) for key in title_keys):
            continue
        if position < 6 and key in meta_lines:
            continue
        if chrome_key(line).rstrip(" |") in teasers:
            continue
        if (tags and _only_tags(key, tags)) or is_field_line(key):
            continue
        if (position < 3 or position == len(lines) - 1) and is_date_line(line):
            continue
        if not _WORD.search(line) or (captions and word_key(line) in captions):
            continue
        if drop_captions and (counts[key] > 1 or word_count(key) < 40) and _CAPTION.search(key):
            # Photo captions and credits (often repeated per gallery slide) are not story text;
            # the length test runs first because the caption search is the slow one.
            continue
        out.append(line)
    return out


_SOFT = str.maketrans({"\u00ad": None, "\u200b": None})


def _lead_key(text: str, words: int = 8) -> str:
    return " ".join(normalize_space(text.translate(_SOFT)).split()[:words]).casefold()


def _in_story_area(element: HtmlElement) -> bool:
    """Return True unless element sits in the page's <head>, an aside, navigation, footer,
    form or figure, or a header outside any <article> (an article's own header holds its
    headline and standfirst)."""
    ancestors = list(element.iterancestors())
    in_article = any(a.tag == "article" for a in ancestors)
    return not any(a.tag == "head" or (a.tag in _NON_CONTENT_ANCESTORS
                                       and not (a.tag == "header" and in_article))
                   for a in ancestors)


def _recover_lead(tree: HtmlElement, lines: list[str], description: str | None) -> str | None:
    """Return the standfirst when the page shows its description as a lead the body lacks.

    Many pages put the lead ("teaser", "preamble") in its own block above the story, where
    trafilatura drops it; the meta description repeats its opening words. Measured: metadata
    set +0.004 F1 (its labels keep the lead), extraction set -0.001 (some of its labels leave
    the standfirst out); kept because a reader counts the standfirst as part of the story.
    """
    if not lines:
        return None
    body_keys = {_lead_key(line) for line in lines}
    header_lead = _header_standfirst(tree, body_keys)
    if not description or word_count(description) < 8:
        return header_lead
    key = _lead_key(description)
    if key in body_keys:
        return None
    for element in tree.iter("p", "div", "span"):
        text = element.text
        if not text or len(text) < 40 or _lead_key(text) != key:
            continue
        if not _in_story_area(element):
            continue
        lead = normalize_space(element.text_content().translate(_SOFT))
        if not 40 <= len(lead) <= 1500 or _lead_key(lead) in body_keys:
            return None
        return lead
    return header_lead


def _header_standfirst(tree: HtmlElement, body_keys: set[str]) -> str | None:
    """Return the paragraph an <article>'s <header> holds under its headline when it reads as
    a standfirst (a sentence of twelve words or more the body lacks)."""
    for header in tree.xpath("//article//header[.//h1]"):
        for paragraph in header.iter("p"):
            text = normalize_space(paragraph.text_content().translate(_SOFT))
            if (word_count(text) >= 12 and text.endswith((".", "!", "?", "\u201d", '"'))
                    and _lead_key(text) not in body_keys and len(text) <= 1500):
                return text
    return None


_BIO_VERB = r"\s+(is|ist|är|er|est|es|è|é|jest|was|war|works|writes|schreibt|arbeitet)\b"


def drop_author_bio(paragraphs: list[str], authors: list[str]) -> list[str]:
    """Return paragraphs without a closing author bio ("Jane Doe is a reporter ...") and what
    follows it; only the last four paragraphs are looked at, and the story must keep three."""
    if not authors or len(paragraphs) < 5:
        return paragraphs
    names = "|".join(re.escape(name) for name in authors)
    bio = re.compile(rf"^({names}){_BIO_VERB}", re.I)
    for index in range(max(3, len(paragraphs) - 4), len(paragraphs)):
        if bio.match(paragraphs[index]):
            return paragraphs[:index]
    return paragraphs


_LINK_WRAPPER_XPATH = "//p//span[@class or @id][a]"


def clear_link_wrappers(tree: HtmlElement) -> int:
    """Remove class and id from spans inside a paragraph that only wrap a link, in place;
    return how many were cleared.

    Templates wrap in-text links in a styled span (``<span class="link"><a>..</a></span>``).
    trafilatura's precision mode drops elements whose class reads like page chrome ("link",
    "bottom"), and with the span goes a piece of the sentence. A span whose whole text is its
    link's, inside a paragraph, is part of that paragraph whatever its class says.
    """
    cleared = 0
    for span in tree.xpath(_LINK_WRAPPER_XPATH):
        text = normalize_space(span.text_content())
        if text and text == normalize_space(" ".join(a.text_content() for a in span.iter("a"))):
            span.attrib.pop("class", None)
            span.attrib.pop("id", None)
            cleared += 1
    return cleared


def extract_body(
    tree: HtmlElement, url: str, *, title: str | None = None, meta_lines: set[str] | None = None,
    description: str | None = None, declared_body: str | None = None,
) -> BodyResult:
    """Return the body paragraphs of tree (empty when nothing article-like was found).

    Clears the class of spans that only wrap a link inside a paragraph (clear_link_wrappers).
    """
    fallback_words = SETTINGS["body_fallback_min_words"]
    fallback_ratio = SETTINGS["body_fallback_min_ratio"]
    drop_captions = SETTINGS["drop_captions"]
    clear_link_wrappers(tree)
    lines = _trafilatura_lines(tree, url, precise=True)
    method = "trafilatura_precision"
    words = length_in_words(" ".join(lines))
    if words < fallback_words:
        fallback = _trafilatura_lines(tree, url, precise=False)
        if length_in_words(" ".join(fallback)) * fallback_ratio > max(words, 1):
            lines, method = fallback, "trafilatura_default"
    if SETTINGS["container_expansion"]:
        lines, added = _expand_containers(tree, lines)
        if added:
            method += "+containers"
    lead = _recover_lead(tree, lines, description)
    if lead:
        lines.insert(0, lead)
        method += "+lead"
    # The headline: the chosen title and what the page's <h1>s show (which may be worded
    # differently from a declared title the chooser preferred).
    headlines = [title or ""] + [h1.text_content() for h1 in tree.iter("h1")][:_MAX_H1S]
    lines = _drop_chrome(lines, headlines, meta_lines or set(),
                         caption_texts(tree) if drop_captions else None,
                         tag_link_texts(tree), teaser_link_texts(tree, url, lines),
                         drop_captions=drop_captions)
    lines, disagreed = agree_with_declared(lines, declared_body)
    if disagreed:
        method += "+declared"
    lines, completed = complete_from_declared(lines, declared_body)
    if completed:
        method += "+declared_body"
    return BodyResult(lines, method)
