"""Parse decoded HTML into an lxml tree, recording when a size or nesting limit was hit."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import lxml.etree
import lxml.html
from lxml.html import HtmlElement

from pipelines.extract.flatten import unwrap_deep_wrappers

_INVALID_XML_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_DEPTH_ERROR = "Excessive depth"
# Wrapper elements opened below this many levels are unwrapped when libxml2's limit is hit.
MAX_WRAPPER_DEPTH = 200


@dataclass
class ParsedPage:
    """An lxml tree plus the limits hit while building it (notes say which)."""

    tree: HtmlElement | None
    truncated: bool = False
    notes: list[str] = field(default_factory=list)


# Every element an HtmlElement, chosen in C: lxml.html's own lookup is a Python call per element
# proxy (trafilatura's and our tree walks create millions), and only adds form-field classes
# that neither we nor trafilatura use.
_LOOKUP = lxml.etree.ElementDefaultClassLookup(
    element=lxml.html.HtmlElement, comment=lxml.html.HtmlComment,
    pi=lxml.html.HtmlProcessingInstruction, entity=lxml.html.HtmlEntity,
)


def _parse(text: str, huge: bool) -> tuple[HtmlElement | None, bool]:
    parser = lxml.etree.HTMLParser(
        remove_comments=True, remove_pis=True, huge_tree=huge, default_doctype=False
    )
    parser.set_element_class_lookup(_LOOKUP)
    try:
        tree = lxml.html.document_fromstring(text, parser=parser)
    except (lxml.etree.ParserError, ValueError):
        return None, False
    depth_hit = any(_DEPTH_ERROR in entry.message for entry in parser.error_log)
    return tree, depth_hit


def parse_html(text: str, max_chars: int) -> ParsedPage:
    """Return the parsed page; input over max_chars is cut and the result marked truncated."""
    notes: list[str] = []
    truncated = False
    if len(text) > max_chars:
        text = text[:max_chars]
        truncated = True
        notes.append(f"page over the size limit: only the first {max_chars} characters parsed")
    text = _INVALID_XML_CHARS.sub("", text)
    if not text.strip():
        return ParsedPage(None, truncated, notes + ["empty page"])
    tree, depth_hit = _parse(text, huge=False)
    if depth_hit:
        # libxml2 stops at 256 levels and drops what lies deeper: unwrap the wrappers
        # (div, span...) nested past MAX_WRAPPER_DEPTH so their content comes up.
        text, unwrapped = unwrap_deep_wrappers(text, MAX_WRAPPER_DEPTH)
        tree, depth_hit = _parse(text, huge=False)
        notes.append(
            f"nesting deeper than 256 levels: {unwrapped} wrapper elements below level "
            f"{MAX_WRAPPER_DEPTH} unwrapped"
        )
    if depth_hit:
        # Still too deep (lists, quotes, tables...): unwrap all but the text blocks down there.
        text, unwrapped = unwrap_deep_wrappers(text, MAX_WRAPPER_DEPTH, everything=True)
        tree, depth_hit = _parse(text, huge=False)
        notes.append(f"{unwrapped} more elements below level {MAX_WRAPPER_DEPTH} unwrapped")
    if depth_hit:
        # Text blocks nested that deep are beyond repair: huge_tree allows 2048 levels.
        tree, depth_hit = _parse(text, huge=True)
        notes.append("nesting deeper than 256 levels: parsed with huge_tree")
        if depth_hit:
            truncated = True
            notes.append("nesting deeper than 2048 levels: content below that depth was dropped")
    return ParsedPage(tree, truncated, notes)
