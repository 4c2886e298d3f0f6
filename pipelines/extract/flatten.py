"""Unwrap wrapper elements nested past a depth limit, in the HTML text, before lxml parses it.

libxml2 stops building the tree at 256 levels (2048 with ``huge_tree``) and drops what lies
deeper, so a story behind thousands of nested ``<div>`` elements would be lost. Elements
that only wrap (``div``, ``span``, ``section``, ``font``...) carry no text structure of
their own: past ``max_depth`` open elements their start and end tags are cut out of the
text, so their content moves up to the deepest kept level and nothing else changes (every
other byte of the page stays as it was). When that is not enough (lists, quotes or
tables nested as deep), every element past ``max_depth`` is unwrapped but the blocks that
hold text (paragraphs, headings...), so the text comes up and keeps its paragraphs. The
rule is structural: what is unwrapped is decided by depth and tag name alone, never by the
page's text.
"""

from __future__ import annotations

from html.parser import HTMLParser

#: Elements that only group their content; unwrapping one keeps its text and children.
WRAPPERS = frozenset(
    {"div", "span", "section", "font", "center", "b", "i", "u", "s", "em", "strong", "small",
     "big", "ins", "del", "label", "nobr", "abbr", "cite", "mark", "bdi", "bdo"}
)
#: Elements kept at any depth when everything else is unwrapped: they hold the text's shape.
TEXT_BLOCKS = frozenset(
    {"html", "head", "body", "title", "p", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "script",
     "style", "template", "textarea", "noscript"}
)
# Elements without an end tag: never on the stack of open elements.
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
     "source", "track", "wbr"}
)


class _DepthScanner(HTMLParser):
    """Finds the character spans of wrapper tags opened past ``max_depth`` kept elements."""

    def __init__(self, text: str, max_depth: int, everything: bool) -> None:
        super().__init__(convert_charrefs=False)
        self.max_depth = max_depth
        self.everything = everything
        self.line_starts = [0]
        for index, char in enumerate(text):
            if char == "\n":
                self.line_starts.append(index + 1)
        self.text = text
        self.open: list[tuple[str, bool]] = []  # (tag, unwrapped)
        self.kept_depth = 0
        self.unwrapped = 0
        self.cuts: list[tuple[int, int]] = []

    def _offset(self) -> int:
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in _VOID:
            return
        movable = tag not in TEXT_BLOCKS if self.everything else tag in WRAPPERS
        unwrap = movable and self.kept_depth >= self.max_depth
        if unwrap:
            self.unwrapped += 1
            start = self._offset()
            self.cuts.append((start, start + len(self.get_starttag_text() or "")))
        else:
            self.kept_depth += 1
        self.open.append((tag, unwrap))

    def handle_endtag(self, tag: str) -> None:
        for position in range(len(self.open) - 1, -1, -1):
            if self.open[position][0] != tag:
                continue
            for _, unwrapped in self.open[position + 1 :]:
                self.kept_depth -= not unwrapped
            _, unwrapped = self.open[position]
            self.kept_depth -= not unwrapped
            del self.open[position:]
            if unwrapped:
                start = self._offset()
                end = self.text.find(">", start)
                self.cuts.append((start, end + 1 if end >= 0 else len(self.text)))
            return


def unwrap_deep_wrappers(text: str, max_depth: int, *, everything: bool = False) -> tuple[str, int]:
    """Return ``text`` with the wrapper elements opened below ``max_depth`` kept elements
    unwrapped (their tags cut, their content kept), and how many were unwrapped.

    With ``everything``, every element but the :data:`TEXT_BLOCKS` is unwrapped there.
    """
    scanner = _DepthScanner(text, max_depth, everything)
    scanner.feed(text)
    scanner.close()
    if not scanner.cuts:
        return text, 0
    pieces: list[str] = []
    last = 0
    for start, end in sorted(scanner.cuts):
        if start < last:
            continue
        pieces.append(text[last:start])
        last = end
    pieces.append(text[last:])
    return "".join(pieces), scanner.unwrapped
