"""Article revisions: a revisited story whose text, title or dates changed gets a new version.

The crawl fetches a stored story again on its revisit schedule (``pipelines/revisits.py``);
such a fetch names the article in ``fetches.revisit_of_id``. The clean stage extracts it
like any page and asks :class:`ArticleVersions` what it means: when the title, the text
(by hash), the publication or the modification date differ from the version the
``articles`` row shows, the page is the article's next revision: an ``article_revisions``
row says what changed (fields, words added and removed, paragraphs changed, a correction
or update notice found on the page, see ``pipelines/correction_notices.py``), and the
article row takes the new version, stamped by the clean run, so that dedup, clustering
and enrichment take it up again (``pipelines/warehouse/pending.py``). An unchanged page
adds nothing.

Revision 1 is an article's first version (its own fetch), written when the clean stage
adds the article. Re-extraction (a rebuild) refreshes a revision's facts and keeps its
number; a page older than the version the article shows never overwrites it.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, delete, func, select, update
from sqlalchemy.orm import Session

from pipelines.correction_notices import correction_notice, paragraphs
from pipelines.extract import ExtractedPage, changed_fields
from pipelines.warehouse.db import session_scope, upsert
from pipelines.warehouse.models import Article, ArticleRevision, Fetch

#: Article columns a revision compares (named as ExtractedPage fields).
REVISED_FIELDS = {
    "title": Article.title,
    "body_hash": Article.text_sha256,
    "published_at": Article.published_at,
    "modified_at": Article.modified_at,
}
#: Revision facts refreshed when a page is extracted again.
_FACTS = ["title", "text_sha256", "published_at", "modified_at", "correction_notice", "stage_run_id"]
_CHUNK = 500


@dataclass
class Version:
    """The version of an article its row shows."""

    revision: int
    fetch_id: str
    fetched_at: datetime
    values: dict[str, Any]  # REVISED_FIELDS by name
    body_text: str | None
    has_rows: bool  # whether article_revisions holds it (else revision 1 is written with the next)
    first_warc: tuple[str | None, int | None] = (None, None)  # the first version's WARC record


@dataclass(frozen=True)
class TextDiff:
    """How a text changed: words added and removed, paragraphs changed, in a short line."""

    words_added: int
    words_removed: int
    paragraphs_changed: int

    @property
    def summary(self) -> str:
        paragraph = "paragraph" if self.paragraphs_changed == 1 else "paragraphs"
        return (
            f"+{self.words_added}/-{self.words_removed} words, {self.paragraphs_changed} {paragraph} changed"
        )


def text_diff(old: str | None, new: str | None) -> TextDiff:
    """Compare two texts paragraph by paragraph, then word by word within the changed ones."""
    before, after = paragraphs(old or ""), paragraphs(new or "")
    added = removed = changed = 0
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, before, after, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        changed += max(i2 - i1, j2 - j1)
        old_words = " ".join(before[i1:i2]).split()
        new_words = " ".join(after[j1:j2]).split()
        matcher = difflib.SequenceMatcher(None, old_words, new_words, autojunk=False)
        same = sum(block.size for block in matcher.get_matching_blocks())
        added += len(new_words) - same
        removed += len(old_words) - same
    return TextDiff(added, removed, changed)


class ArticleVersions:
    """The versions a batch of pages may revise, and the revision rows they make."""

    def __init__(self, versions: dict[int, Version], numbers: dict[str, int]) -> None:
        self.versions = versions
        self.numbers = numbers  # fetch id -> revision number already recorded
        self.rows: list[dict[str, Any]] = []

    @classmethod
    def load(cls, engine: Engine, pages: Iterable[dict[str, Any]]) -> ArticleVersions:
        """Read the current versions of the articles that ``pages`` (clean's page rows) belong to."""
        pages = [page for page in pages if page["id"] is not None]
        ids = sorted({page["id"] for page in pages})
        revisited = {page["id"] for page in pages if page["revisit_of_id"] is not None}
        versions: dict[int, Version] = {}
        numbers: dict[str, int] = {}
        with session_scope(engine) as session:
            for start in range(0, len(ids), _CHUNK):
                chunk = ids[start : start + _CHUNK]
                _load_chunk(session, chunk, revisited, versions, numbers)
        return cls(versions, numbers)

    def is_older(self, page: dict[str, Any]) -> bool:
        """Whether ``page`` was fetched before the version its article shows (a rebuild's
        re-extraction of an earlier version): it must not overwrite the article."""
        version = self.versions.get(page["id"])
        if version is None or version.fetch_id == page["fetch_id"]:
            return False
        return page["fetched_at"] < version.fetched_at or page["revisit_of_id"] is None

    def revise(
        self,
        page: dict[str, Any],
        stored: ExtractedPage,
        body_text: str | None,
        *,
        stage_run_id: int,
        now: datetime,
    ) -> bool:
        """Record ``page`` (a revisit) as its article's next revision when it changes the
        article; return whether it does. ``stored`` is what the article row would hold."""
        version = self.versions[page["id"]]
        diff = changed_fields(version.values, stored)
        if not diff:
            return False
        notice = correction_notice(body_text)
        facts = {
            "title": stored.title,
            "text_sha256": stored.body_hash,
            "published_at": stored.published_at,
            "modified_at": stored.modified_at,
            "correction_notice": notice,
            "stage_run_id": stage_run_id,
        }
        number = self.numbers.get(page["fetch_id"])
        if number is None:
            if not version.has_rows:
                self.rows.append(self._first_row(page["id"], version, stage_run_id, now))
                version.has_rows = True
            number = version.revision + 1
            text = text_diff(version.body_text, body_text) if "body_hash" in diff else TextDiff(0, 0, 0)
            self.rows.append(
                {
                    "article_id": page["id"],
                    "revision": number,
                    "fetch_id": page["fetch_id"],
                    "warc_path": page["warc_path"],
                    "warc_offset": page["warc_offset"],
                    "fetched_at": page["fetched_at"],
                    **facts,
                    "changed_fields": sorted(_COLUMN_NAMES[name] for name in diff),
                    "words_added": text.words_added,
                    "words_removed": text.words_removed,
                    "paragraphs_changed": text.paragraphs_changed,
                    "diff_summary": text.summary,
                    "recorded_at": now,
                }
            )
            self.numbers[page["fetch_id"]] = number
        else:
            # Extracted again (a rebuild): the same revision, with fresh facts.
            self.rows.append(
                {
                    "article_id": page["id"],
                    "revision": number,
                    "fetch_id": page["fetch_id"],
                    "fetched_at": page["fetched_at"],
                    "recorded_at": now,
                    **facts,
                }
            )
        self.versions[page["id"]] = replace(
            version,
            revision=number,
            fetch_id=page["fetch_id"],
            fetched_at=page["fetched_at"],
            values={
                "title": stored.title,
                "body_hash": stored.body_hash,
                "published_at": stored.published_at,
                "modified_at": stored.modified_at,
            },
            body_text=body_text,
        )
        return True

    def _first_row(
        self, article_id: int, version: Version, stage_run_id: int, now: datetime
    ) -> dict[str, Any]:
        return {
            "article_id": article_id,
            "revision": 1,
            "fetch_id": version.fetch_id,
            "warc_path": version.first_warc[0],
            "warc_offset": version.first_warc[1],
            "fetched_at": version.fetched_at,
            "title": version.values["title"],
            "text_sha256": version.values["body_hash"],
            "published_at": version.values["published_at"],
            "modified_at": version.values["modified_at"],
            "correction_notice": correction_notice(version.body_text),
            "stage_run_id": stage_run_id,
            "recorded_at": now,
        }

    def write(self, session: Session) -> None:
        """Write the revisions recorded (upserts: a repeat changes nothing)."""
        # One row per (article, fetch): a later one (a revision) wins over an earlier one.
        rows = {(row["article_id"], row["fetch_id"]): {"changed_fields": [], **row} for row in self.rows}
        upsert(session, ArticleRevision, list(rows.values()), key=["article_id", "fetch_id"], update=_FACTS)


_COLUMN_NAMES = {
    "title": "title",
    "body_hash": "text",
    "published_at": "published_at",
    "modified_at": "modified_at",
}


def _load_chunk(
    session: Session,
    ids: list[int],
    revisited: set[int],
    versions: dict[int, Version],
    numbers: dict[str, int],
) -> None:
    latest = (
        select(ArticleRevision.article_id, func.max(ArticleRevision.revision).label("revision"))
        .where(ArticleRevision.article_id.in_(ids))
        .group_by(ArticleRevision.article_id)
        .subquery()
    )
    shown = {
        row.article_id: row
        for row in session.execute(
            select(
                ArticleRevision.article_id,
                ArticleRevision.revision,
                ArticleRevision.fetch_id,
                ArticleRevision.fetched_at,
            ).join(
                latest,
                (latest.c.article_id == ArticleRevision.article_id)
                & (latest.c.revision == ArticleRevision.revision),
            )
        )
    }
    query = (
        select(
            Article.id,
            Article.fetch_id,
            Article.fetched_at,
            Fetch.warc_path,
            Fetch.warc_offset,
            *(column.label(name) for name, column in REVISED_FIELDS.items()),
        )
        .join(Fetch, Fetch.id == Article.fetch_id)
        .where(Article.id.in_(ids))
    )
    # Only a revisit compares texts (the word counts of its diff): only its article's text is read.
    wanted = [article_id for article_id in ids if article_id in revisited]
    texts = dict(session.execute(select(Article.id, Article.body_text).where(Article.id.in_(wanted))).all())
    for row in session.execute(query):
        top = shown.get(row.id)
        versions[row.id] = Version(
            revision=top.revision if top else 1,
            fetch_id=top.fetch_id if top else row.fetch_id,
            fetched_at=top.fetched_at if top else row.fetched_at,
            values={name: row._mapping[name] for name in REVISED_FIELDS},
            body_text=texts.get(row.id),
            has_rows=top is not None,
            first_warc=(row.warc_path, row.warc_offset),
        )
    revisions = select(ArticleRevision.fetch_id, ArticleRevision.revision)
    numbers.update(
        {
            fetch_id: number
            for fetch_id, number in session.execute(revisions.where(ArticleRevision.article_id.in_(ids)))
        }
    )


def first_revisions(
    session: Session, pages: list[tuple[dict[str, Any], str | None]], stage_run_id: int, now: datetime
) -> list[dict[str, Any]]:
    """Revision 1 of the articles just written on their own fetch, from their rows (``pages``:
    each page row with its notice)."""
    notices = {page["fetch_id"]: (page, notice) for page, notice in pages}
    rows = []
    fetch_ids = sorted(notices)
    for start in range(0, len(fetch_ids), _CHUNK):
        chunk = fetch_ids[start : start + _CHUNK]
        query = select(
            Article.id,
            Article.fetch_id,
            Article.fetched_at,
            Article.title,
            Article.text_sha256,
            Article.published_at,
            Article.modified_at,
        ).where(Article.fetch_id.in_(chunk))
        for row in session.execute(query):
            page, notice = notices[row.fetch_id]
            rows.append(
                {
                    "article_id": row.id,
                    "revision": 1,
                    "fetch_id": row.fetch_id,
                    "warc_path": page["warc_path"],
                    "warc_offset": page["warc_offset"],
                    "fetched_at": row.fetched_at,
                    "title": row.title,
                    "text_sha256": row.text_sha256,
                    "published_at": row.published_at,
                    "modified_at": row.modified_at,
                    "changed_fields": [],
                    "correction_notice": notice,
                    "stage_run_id": stage_run_id,
                    "recorded_at": now,
                }
            )
    return rows


def forget(session: Session, article_ids: list[int]) -> None:
    """Drop the revisions of removed articles, and let their revisits' fetches name none."""
    session.execute(delete(ArticleRevision).where(ArticleRevision.article_id.in_(article_ids)))
    session.execute(update(Fetch).where(Fetch.revisit_of_id.in_(article_ids)).values(revisit_of_id=None))
