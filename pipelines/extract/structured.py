"""What a page declares about itself: JSON-LD objects, OpenGraph and <meta> tags, canonical link."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from lxml.html import HtmlElement

ARTICLE_TYPES = {
    "article", "newsarticle", "reportagenewsarticle", "analysisnewsarticle", "blogposting",
    "opinionnewsarticle", "reviewnewsarticle", "backgroundnewsarticle", "scholarlyarticle",
    "techarticle", "report", "posting", "socialmediaposting", "liveblogposting", "webpage",
    "askpublicnewsarticle", "satiricalarticle", "medicalwebpage", "creativework",
}


@dataclass
class Declared:
    """Structured facts a page declares: meta tags by lower-cased key, flattened JSON-LD."""

    meta: dict[str, list[str]] = field(default_factory=dict)
    json_ld: list[dict[str, Any]] = field(default_factory=list)
    canonical: str | None = None
    html_lang: str | None = None

    def first(self, *keys: str) -> str | None:
        """Return the first non-empty meta value under any of keys, in key order."""
        for key in keys:
            for value in self.meta.get(key, []):
                if value.strip():
                    return value.strip()
        return None

    def all(self, *keys: str) -> list[str]:
        """Return every non-empty meta value under keys, in key order."""
        return [v.strip() for key in keys for v in self.meta.get(key, []) if v.strip()]

    def ld_types(self) -> set[str]:
        """Return the lower-cased @type values of every JSON-LD object."""
        types: set[str] = set()
        for obj in self.json_ld:
            for t in as_list(obj.get("@type")):
                if isinstance(t, str):
                    types.add(t.lower())
        return types

    def main_ld(self) -> dict[str, Any] | None:
        """Return the JSON-LD object describing the article itself (headline or body), if any."""
        best: tuple[int, dict[str, Any]] | None = None
        for obj in self.json_ld:
            types = {t.lower() for t in as_list(obj.get("@type")) if isinstance(t, str)}
            if not types & ARTICLE_TYPES:
                continue
            score = 2 * ("headline" in obj) + ("articleBody" in obj) + ("datePublished" in obj)
            score += 3 * bool(types - {"webpage", "creativework"})
            if best is None or score > best[0]:
                best = (score, obj)
        return best[1] if best else None


def as_list(value: Any) -> list[Any]:
    """Return value as a list (None -> [], scalar -> [scalar])."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


_TRAILING_COMMA = re.compile(r",\s*([}\]])")


def _load_json(text: str) -> Any:
    text = text.strip().removeprefix("<!--").removesuffix("-->").strip().rstrip(";")
    try:
        return json.loads(text, strict=False)
    except RecursionError:
        return None  # nested deeper than the parser's stack: no usable metadata in it
    except ValueError:
        try:
            return json.loads(_TRAILING_COMMA.sub(r"\1", text), strict=False)
        except (ValueError, RecursionError):
            return None


def _flatten(node: Any, out: list[dict[str, Any]], depth: int = 0) -> None:
    if depth > 6:
        return
    if isinstance(node, list):
        for item in node:
            _flatten(item, out, depth + 1)
    elif isinstance(node, dict):
        if "@type" in node:
            out.append(node)
        for key in ("@graph", "mainEntity", "mainEntityOfPage", "itemListElement"):
            if isinstance(node.get(key), (list, dict)):
                _flatten(node[key], out, depth + 1)


def read_declared(tree: HtmlElement) -> Declared:
    """Return the structured facts found in tree's JSON-LD scripts, <meta> tags and links."""
    declared = Declared()
    for meta in tree.iter("meta"):
        key = meta.get("property") or meta.get("name") or meta.get("itemprop") or meta.get(
            "http-equiv"
        )
        content = meta.get("content")
        if key and content is not None:
            declared.meta.setdefault(key.strip().lower(), []).append(content)
    for script in tree.iter("script"):
        if (script.get("type") or "").strip().lower() == "application/ld+json" and script.text:
            _flatten(_load_json(script.text), declared.json_ld)
    for link in tree.iter("link"):
        if (link.get("rel") or "").strip().lower() == "canonical" and link.get("href"):
            declared.canonical = link.get("href", "").strip()
            break
    declared.html_lang = tree.get("lang") or tree.get("xml:lang")
    return declared
