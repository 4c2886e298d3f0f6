"""The extractor's SETTINGS describe the code they version: every key is read, and changes output."""

from __future__ import annotations

from typing import Any

import pytest

from pipelines.extract import SETTINGS, extract_page, extractor_settings_hash
from tests.test_extract_pages import NOW, STORY, article_page, seed_like_page

URL = "https://ledger.example/a"


def test_every_setting_is_read_while_extracting_an_article() -> None:
    with SETTINGS.tracking() as reads:
        page = extract_page(seed_like_page(), URL, now=NOW)
    assert page.page_type == "article"
    assert reads == set(SETTINGS), f"never read: {sorted(set(SETTINGS) - reads)}"


def test_tracking_records_only_inside_its_block() -> None:
    with SETTINGS.tracking() as reads:
        SETTINGS["min_article_words"]
    SETTINGS["max_html_bytes"]
    assert reads == {"min_article_words"}


@pytest.mark.parametrize("key", sorted(SETTINGS))
def test_each_setting_changes_the_hash(key: str, monkeypatch: pytest.MonkeyPatch) -> None:
    before = extractor_settings_hash()
    value = SETTINGS[key]
    changed: Any = (not value if isinstance(value, bool) else value * 2 + 1
                    if isinstance(value, int | float) else [])
    monkeypatch.setitem(SETTINGS, key, changed)
    assert extractor_settings_hash() != before


_PANES = f"""<div class="tab-content">
<div class="tab-pane active" id="full">{"".join(f"<p>{p}</p>" for p in STORY)}</div>
<div class="tab-pane" id="summary"><ul><li>In short: the Lowmere ferry pier closes for eleven
weeks of repairs and commuters move to a floating platform near the fish market.</li></ul>
</div></div>"""
_TABLE = ("<table><tr><td>Pier section north</td><td>eleven weeks of repairs</td></tr>"
          "<tr><td>Pier section south</td><td>nine weeks of repairs</td></tr></table>")


@pytest.mark.parametrize(
    ("key", "value", "html", "text"),
    [
        ("drop_hidden_tab_panes", False, article_page(_PANES), "In short"),
        ("trafilatura_include_tables", True,
         article_page("".join(f"<p>{p}</p>" for p in STORY) + _TABLE), "Pier section north"),
    ],
)
def test_a_setting_switches_its_rule(key: str, value: Any, html: str, text: str,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(SETTINGS, key, value)
    assert text in (extract_page(html, URL, now=NOW).body_text or "")
    monkeypatch.setitem(SETTINGS, key, not value)
    assert text not in (extract_page(html, URL, now=NOW).body_text or "")


def test_text_page_types_decide_which_pages_keep_text(monkeypatch: pytest.MonkeyPatch) -> None:
    assert extract_page(seed_like_page(), URL, now=NOW).body_text
    monkeypatch.setitem(SETTINGS, "text_page_types", ["live_blog"])
    page = extract_page(seed_like_page(), URL, now=NOW)
    assert page.page_type == "article" and page.body_text is None
