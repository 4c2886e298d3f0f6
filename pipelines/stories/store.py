"""Warehouse glue of the cluster stage: put one partition's articles into stories.

:func:`cluster_partition` reads the partition's articles (``page_type == "article"``,
with a body), seeds a :class:`~pipelines.stories.engine.StoryClusterer` with the
already-clustered articles of other partitions published within the time window (so
new articles join existing stories), and writes ``articles.story_id``,
``articles.clustered_by_id``, one ``story_articles`` row per article, and the
``stories`` rows it touched.

Stable ids and re-runs: story ids are never renumbered. A re-run first clears the
partition's own assignments (``articles.story_id`` and its ``story_articles`` rows);
stories that other partitions' articles belong to are kept and only get members back.
A new story of the run takes back the id that most of its members had before (so a
re-run keeps ids even for stories that later partitions extended); a story that is
empty after the run is deleted (an empty story is never kept). Context comes only from
partitions whose key sorts before this one, so re-runs and backfills see what the
first run saw. ``stories`` rows whose figures did not change
are not written, so a re-run of an unchanged partition leaves identical rows apart from
``clustered_by_id`` / ``stage_run_id`` lineage.

Duplicates found by the dedup stage (``duplicate_of_id``) join their original's story
with relation ``"copy"``. ``stories.origin_article_id`` is the earliest published
member; ``story_articles.relation == "origin"`` marks the article that had no earlier
member when it was clustered.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime
from urllib.parse import urlsplit

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from pipelines.stories.engine import Assignment, ClusterConfig, StoryClusterer
from pipelines.stories.rows import ArticleRow, load_context, load_partition
from pipelines.warehouse.db import upsert
from pipelines.warehouse.models import Article, Story, StoryArticle

_CHUNK = 500


def _chunks(values: list, size: int = _CHUNK) -> Iterable[list]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def cluster_partition(
    session: Session, partition_key: str, stage_run_id: int, config: ClusterConfig | None = None
) -> dict[str, int]:
    """Assign the partition's articles to stories; returns counts.

    The dict holds ``articles``, ``copies``, ``rewrites``, ``independent``, ``origins``,
    ``stories_created``, ``stories_extended``, ``stories_removed`` and
    ``context_articles``. Flushes but does not commit. Raises
    ``sqlalchemy.exc.SQLAlchemyError`` on database errors.
    """
    now = datetime.now(UTC)
    rows = load_partition(session, partition_key)
    ids = [row.id for row in rows]
    previous = {row.id: row.story_id for row in rows if row.story_id is not None}
    for chunk in _chunks(ids):
        session.execute(delete(StoryArticle).where(StoryArticle.article_id.in_(chunk)))
        session.execute(update(Article).where(Article.id.in_(chunk)).values(story_id=None))
    session.flush()
    orphans = _empty_stories(session, set(previous.values()))

    clusterer = StoryClusterer(config)
    context = load_context(session, partition_key, rows, clusterer.window, clustered_only=True)
    for row in context:
        clusterer.seed(row.doc, row.story_id, duplicate_of=row.duplicate_of_id,
                       duplicate_kind=row.duplicate_kind)
    assignments: list[tuple[ArticleRow, Assignment]] = []
    for row in rows:
        assignment = _outside_window_copy(session, clusterer, row) or clusterer.add(
            row.doc, duplicate_of=row.duplicate_of_id, duplicate_kind=row.duplicate_kind
        )
        assignments.append((row, assignment))

    story_ids, created = _resolve_story_ids(
        session, assignments, previous, orphans, stage_run_id, now
    )
    for row, assignment in assignments:
        session.execute(
            update(Article)
            .where(Article.id == row.id)
            .values(story_id=story_ids[assignment.story_key], clustered_by_id=stage_run_id)
        )
    upsert(
        session,
        StoryArticle,
        (
            {
                "article_id": row.id,
                "story_id": story_ids[assignment.story_key],
                "relation": assignment.relation,
                "related_to_id": assignment.related_to,
                "similarity": assignment.similarity,
                "shared_passages": assignment.shared_passages,
                "evidence": assignment.evidence,
                "stage_run_id": stage_run_id,
            }
            for row, assignment in assignments
        ),
        key=["article_id"],
        update=["story_id", "relation", "related_to_id", "similarity", "shared_passages",
                "evidence", "stage_run_id"],
    )
    session.flush()
    touched = set(story_ids.values())
    removed = _delete_empty(session, set(previous.values()) - touched)
    _refresh_stories(session, touched, stage_run_id, now)
    session.flush()
    relations = Counter(assignment.relation for _, assignment in assignments)
    return {
        "articles": len(rows),
        "copies": relations["copy"],
        "rewrites": relations["rewrite"],
        "independent": relations["independent"],
        "origins": relations["origin"],
        "stories_created": len(created),
        "stories_extended": len(touched - set(created) - set(orphans)),
        "stories_removed": removed,
        "context_articles": len(context),
    }


def _outside_window_copy(
    session: Session, clusterer: StoryClusterer, row: ArticleRow
) -> Assignment | None:
    """A duplicate whose original is clustered but not held joins that story directly."""
    original = row.duplicate_of_id
    if original is None or original in {row.id}:
        return None
    if clusterer.holds(original):
        return None
    story_id = session.execute(select(Article.story_id).where(Article.id == original)).scalar()
    if story_id is None:
        return None
    return Assignment(
        id=row.id, story_key=story_id, new_story=False, duplicate_of=original,
        duplicate_kind=row.duplicate_kind, relation="copy", related_to=original,
        similarity=None, shared_passages=0,
        evidence={"duplicate_kind": row.duplicate_kind, "original_outside_window": True},
    )


def _empty_stories(session: Session, story_ids: set[int]) -> list[int]:
    """Return, sorted, the ids among ``story_ids`` that no article belongs to any more."""
    if not story_ids:
        return []
    used = set()
    for chunk in _chunks(sorted(story_ids)):
        used.update(
            session.execute(
                select(Article.story_id).where(Article.story_id.in_(chunk)).distinct()
            ).scalars()
        )
    return sorted(story_ids - used)


def _resolve_story_ids(
    session: Session,
    assignments: list[tuple[ArticleRow, Assignment]],
    previous: dict[int, int],
    orphans: list[int],
    stage_run_id: int,
    now: datetime,
) -> tuple[dict[object, int], list[int]]:
    """Map engine story keys to story ids: existing ids stay, new keys reuse or insert."""
    story_ids: dict[object, int] = {}
    members: dict[object, list[int]] = {}
    for row, assignment in assignments:
        key = assignment.story_key
        if isinstance(key, int):
            story_ids[key] = key
        else:
            members.setdefault(key, []).append(row.id)
    # A new engine story takes back the id its members had before a re-run, when no
    # story of this run already holds that id.
    free = set(previous.values()) - set(story_ids.values())
    created: list[int] = []
    for key, article_ids in members.items():  # creation order of the engine
        votes = Counter(previous[a] for a in article_ids if previous.get(a) in free)
        if votes:
            reused = min(votes, key=lambda story_id: (-votes[story_id], story_id))
            free.discard(reused)
            story_ids[key] = reused
            continue
        new_id = session.execute(
            insert(Story)
            .values(article_count=0, outlet_count=0, created_at=now, updated_at=now,
                    stage_run_id=stage_run_id)
            .returning(Story.id)
        ).scalar_one()
        story_ids[key] = new_id
        created.append(new_id)
    return story_ids, created


def _delete_empty(session: Session, story_ids: set[int]) -> int:
    """Delete stories without articles among ``story_ids``; returns how many."""
    empty = _empty_stories(session, story_ids)
    for chunk in _chunks(empty):
        session.execute(update(Story).where(Story.id.in_(chunk)).values(origin_article_id=None))
        session.execute(delete(StoryArticle).where(StoryArticle.story_id.in_(chunk)))
        session.execute(delete(Story).where(Story.id.in_(chunk)))
    return len(empty)


def _refresh_stories(session: Session, story_ids: set[int], stage_run_id: int, now: datetime) -> None:
    """Recompute title, dates, counts and origin of ``story_ids`` from their articles."""
    for chunk in _chunks(sorted(story_ids)):
        by_story: dict[int, list] = {}
        for values in session.execute(
            select(
                Article.story_id, Article.id, Article.title, Article.published_at,
                Article.modified_at, Article.fetched_at, Article.source_id, Article.site_name,
                Article.canonical_url,
            ).where(Article.story_id.in_(chunk))
        ):
            by_story.setdefault(values[0], []).append(values)
        stored = {
            story.id: story
            for story in session.execute(select(Story).where(Story.id.in_(chunk))).scalars()
        }
        for story_id, members in by_story.items():
            def order(member):
                published = _aware(member[3]) or _aware(member[5])
                return (published is None, published or now, member[1])

            origin = min(members, key=order)
            dates = [_aware(m[3]) for m in members if m[3] is not None]
            updates = [_aware(m[4]) for m in members if m[4] is not None] + dates
            outlets = {
                f"source:{m[6]}" if m[6] is not None
                else (m[7] or urlsplit(m[8] or "").hostname or "")
                for m in members
            }
            figures = {
                "title": origin[2],
                "first_published_at": min(dates) if dates else None,
                "last_updated_at": max(updates) if updates else None,
                "article_count": len(members),
                "outlet_count": len(outlets),
                "origin_article_id": origin[1],
            }
            story = stored[story_id]
            current = {name: getattr(story, name) for name in figures}
            for name in ("first_published_at", "last_updated_at"):
                current[name] = _aware(current[name])
            if current != figures:
                session.execute(
                    update(Story)
                    .where(Story.id == story_id)
                    .values(**figures, updated_at=now, stage_run_id=stage_run_id)
                )
    session.flush()


def story_member_count(session: Session, story_id: int) -> int:
    """Return how many articles belong to ``story_id``."""
    return session.execute(
        select(func.count()).select_from(Article).where(Article.story_id == story_id)
    ).scalar_one()
