"""Warehouse glue of the cluster stage: put one partition's articles into stories.

:func:`cluster_partition` reads the partition's articles (``page_type == "article"``,
with a body), lets a :class:`~pipelines.stories.engine.StoryClusterer` count the terms
of the latest earlier articles before the window (so that terms weigh what they would
in one run over the whole history), seeds it with the already-clustered articles of
other partitions published within the time window (so new articles join existing
stories), and writes ``articles.story_id``,
``articles.clustered_by_id``, one ``story_articles`` row per article, and the
``stories`` rows it touched.

Stable ids and re-runs: story ids are never renumbered. The clusterer takes articles
in publication order. A scheduled run resumes from the clusterer state the previous
run left at its cut (:mod:`pipelines.warehouse.checkpoints`) and places again only the
articles from the cut on, when no new article is published before the cut and
history, context and the articles before the cut are unchanged. Otherwise (an
article published long before stored ones, a re-extracted or re-marked article, a
changed context) it decides the whole partition again in memory. Either
way it then writes, in one short transaction, the assignments that are pending or
changed (all of them in a rebuild), and the state it ends in.
A new story of the run takes back the id that most of its members had before (so a
re-run keeps ids even for stories that later partitions extended); a story that is
empty after the run is deleted (an empty story is never kept). Context comes only from
partitions whose key sorts before this one, so re-runs and backfills see what the
first run saw, and a sequence of scheduled runs ends in the assignments one rebuild
gives. ``stories`` rows whose figures did not change are not written.

Duplicates found by the dedup stage (``duplicate_of_id``) join their original's story
with relation ``"copy"``. ``stories.origin_article_id`` is the earliest published
member; ``story_articles.relation == "origin"`` marks the article that had no earlier
member when it was clustered.

Long-term memory across runs: the clusterer keeps an archive of stories none of whose
articles is in its window, and a dated article that joins no live story may revive one
(see :mod:`pipelines.stories.engine`). A run only holds the articles within the window,
so ``stories.cluster_state`` keeps, for each story a run touched, what the archive keeps of it
(:meth:`~pipelines.stories.engine.StoryClusterer.story_summary`: first and last times,
size, heaviest centroid terms by term string, the people it names most) as a *snapshot*
tagged with the run's
partition. Before the partition's articles are added, every story whose latest snapshot
from an earlier partition ended before the context window (but within ``archive_days``)
and that is not live from the context is put into the archive
(:meth:`~pipelines.stories.engine.StoryClusterer.seed_archived`), in story id order. A
story keeps its latest snapshot plus the snapshots that revived it and those they were
seeded from, so a re-run of a partition seeds what its first run seeded.
"""

from __future__ import annotations

import pickle
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Engine, delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from pipelines.stories.engine import StoryClusterer
from pipelines.stories.rows import ArticleRow, load_context, load_partition, ordered_rows, stored_entities
from pipelines.stories.state import STAGE, ClusterState, version_of
from pipelines.stories.types import Assignment, ClusterConfig
from pipelines.warehouse import checkpoints, pending
from pipelines.warehouse.article_window import (
    COLUMNS,
    LINEAGE,
    context_rows,
    history_rows,
    partition_rows,
)
from pipelines.warehouse.db import session_scope, upsert
from pipelines.warehouse.models import Article, Story, StoryArticle

_CHUNK = 500
HISTORY_ARTICLES = 20_000  # terms counted before the context, when df is never halved
SUMMARY_VERSION = 1  # format of ``stories.cluster_state``; other versions are ignored
_SUMMARY_SNAPSHOTS = 8  # at most this many snapshots per story (the newest)
_WEIGHT_DIGITS = 6  # decimals kept of a summary's term weights


def _chunks(values: list, size: int = _CHUNK) -> Iterable[list]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def cluster_partition(
    engine: Engine,
    partition_key: str,
    stage_run_id: int,
    config: ClusterConfig | None = None,
    *,
    rebuild: bool = True,
) -> dict[str, int]:
    """Assign the partition's articles to stories; returns counts.

    Reads and computes in one read-only transaction, then writes in one short one, so a
    crawl writing meanwhile is never locked out. A scheduled run (``rebuild`` false)
    skips a partition without pending articles (:data:`pipelines.warehouse.pending.CLUSTER`),
    resumes from the clusterer state the previous run left when no new article comes
    before its cut (:mod:`pipelines.warehouse.checkpoints`), and otherwise places the whole
    partition again; it writes only the rows that are pending or changed. A rebuild places and
    writes every row. All end in the same assignments.

    The dict holds what this run did (``articles``: pending articles handled,
    ``written``: assignments written, ``resumed``: 1 when it resumed, ``placed``: articles
    it placed, ``state_bytes``: size of the state it left) and the partition's figures
    (``partition_articles``, ``copies``, ``rewrites``, ``independent``, ``origins``, ``stories_created``,
    ``stories_extended``, ``stories_removed``, ``context_articles``, ``context_archived``:
    stories put into the clusterer's archive from their ``summary``, ``history_articles``:
    earlier articles whose terms were counted first). Raises
    ``sqlalchemy.exc.SQLAlchemyError`` on database errors.
    """
    now = datetime.now(UTC)
    config = config or ClusterConfig()
    version = version_of(config)
    with session_scope(engine) as session:
        todo = pending.pending_ids(session, partition_key, pending.CLUSTER)
        if not todo and not rebuild:
            return {"articles": 0, "written": 0, "skipped": 1}
        run = None if rebuild else _resume(session, partition_key, todo, config, version)
        if run is None:
            run = _place_all(session, partition_key, config)

    state = run.state
    with session_scope(engine) as session:
        story_ids, created = _resolve_story_ids(
            session, run.assignments, run.previous, stage_run_id, now, known=state.story_ids
        )
        links = {
            row.id: {
                "article_id": row.id,
                "story_id": story_ids[assignment.story_key],
                "relation": assignment.relation,
                "related_to_id": assignment.related_to,
                "similarity": assignment.similarity,
                "shared_passages": assignment.shared_passages,
                "evidence": assignment.evidence,
                "stage_run_id": stage_run_id,
            }
            for row, assignment in run.assignments
        }
        written = [
            link for article_id, link in links.items()
            if rebuild or article_id in todo or _link_values(link) != run.stored.get(article_id)
        ]
        if written:
            session.execute(
                update(Article),
                [{"id": link["article_id"], "story_id": link["story_id"], "clustered_by_id": stage_run_id}
                 for link in written],
            )
        upsert(session, StoryArticle, written, key=["article_id"], update=_LINK_UPDATES)
        session.flush()
        touched = set(story_ids.values())
        left = set(run.previous.values()) - touched
        removed = _delete_empty(session, left)
        _refresh_stories(session, touched, stage_run_id, now)
        every_story = {**state.story_ids, **story_ids}
        _write_summaries(session, run.clusterer, partition_key, every_story, left, state.seeded)
        relations = state.relations + Counter(assignment.relation for _, assignment in run.assignments)
        next_state = run.next_state(story_ids)
        state_bytes = checkpoints.save(
            session, STAGE, partition_key, version, next_state,
            article_count=len(next_state.placed), stage_run_id=stage_run_id, now=now,
        )
    return {
        "articles": len(todo),
        "written": len(written),
        "resumed": int(run.resumed),
        "placed": len(run.assignments),
        "state_bytes": state_bytes,
        "partition_articles": len(state.placed) + len(run.assignments),
        "copies": relations["copy"],
        "rewrites": relations["rewrite"],
        "independent": relations["independent"],
        "origins": relations["origin"],
        "stories_created": len(created),
        "stories_extended": len(touched - set(created) - set(run.orphans)),
        "stories_removed": removed,
        **state.figures,
    }


@dataclass
class _Placement:
    """What a run computed, before it writes: its assignments, and the state to leave.

    ``state`` is the state the run started from (a fresh one when it placed the whole
    partition); ``assignments`` are those of every article it placed, in order, of which
    the first ``before_cut`` come before the new cut, where ``snapshot`` was taken.
    """

    state: ClusterState
    clusterer: StoryClusterer
    assignments: list[tuple[ArticleRow, Assignment]]
    before_cut: int
    snapshot: bytes
    cut: float
    resumed: bool
    previous: dict[int, int] = field(default_factory=dict)  # article -> story before the run
    stored: dict[int, tuple] = field(default_factory=dict)  # article -> stored link values
    orphans: list[int] = field(default_factory=list)  # stories only these articles held

    def next_state(self, story_ids: dict[object, int]) -> ClusterState:
        """Return the state at the new cut, given the story ids the run resolved."""
        done = self.assignments[: self.before_cut]
        placed = self.state.placed | {row.id for row, _ in done}
        return ClusterState(
            clusterer=self.snapshot,
            placed=placed,
            cut=self.cut,
            story_ids={**self.state.story_ids,
                       **{assignment.story_key: story_ids[assignment.story_key] for _, assignment in done}},
            inputs=self.state.inputs,
            seeded=self.state.seeded,
            relations=self.state.relations + Counter(assignment.relation for _, assignment in done),
            enriched={
                article_id: value for article_id, value in self.state.enriched.items() if article_id in placed
            },
            figures=self.state.figures,
        )


def _place_from(
    session: Session,
    state: ClusterState,
    clusterer: StoryClusterer,
    rows: list[ArticleRow],
    own: set[int],
    times: list[float],
    *,
    resumed: bool,
) -> _Placement:
    """Place ``rows`` (in order) on ``clusterer``, taking the next state at the new cut.

    ``own`` are the partition's article ids and ``times`` their publication times.
    """
    cut = checkpoints.cut_of(times, None if not resumed else state.cut)
    before_cut = sum(1 for row in rows if row.doc.sort_key()[0] < cut)
    assignments = [(row, _place(session, clusterer, row, own)) for row in rows[:before_cut]]
    snapshot = pickle.dumps(clusterer, protocol=pickle.HIGHEST_PROTOCOL)
    assignments += [(row, _place(session, clusterer, row, own)) for row in rows[before_cut:]]
    previous = {row.id: row.story_id for row in rows if row.story_id is not None}
    return _Placement(
        state=state, clusterer=clusterer, assignments=assignments, before_cut=before_cut,
        snapshot=snapshot, cut=cut, resumed=resumed, previous=previous,
        stored=_stored_links(session, sorted(row.id for row in rows)),
        orphans=_stories_only_in(session, previous),
    )


def _place_all(session: Session, partition_key: str, config: ClusterConfig) -> _Placement:
    """Place every article of the partition with a fresh clusterer."""
    rows = load_partition(session, partition_key)
    clusterer = StoryClusterer(config)
    times = [row.doc.published_at for row in rows if row.doc.published_at is not None]
    # Read before the inputs themselves: a change committed in between makes the next
    # run place everything again instead of resuming from a state it does not match.
    inputs = _inputs_fingerprint(session, partition_key, times, clusterer)
    enriched = _enrichment(session, partition_key)
    context = load_context(session, partition_key, rows, clusterer.window, clustered_only=True)
    history = _history(session, partition_key, times, clusterer)
    clusterer.count_terms(row.doc for row in history)
    for row in context:
        clusterer.seed(row.doc, row.story_id, duplicate_of=row.duplicate_of_id,
                       duplicate_kind=row.duplicate_kind)
    seeded = _seed_archive(session, clusterer, partition_key, times)
    start = ClusterState(
        clusterer=b"", placed=frozenset(), cut=float("-inf"), story_ids={}, inputs=inputs,
        seeded=seeded,
        figures={"context_articles": len(context), "context_archived": len(seeded),
                 "history_articles": len(history)},
        enriched=enriched,
    )
    own = {row.id for row in rows}
    return _place_from(
        session, start, clusterer, rows, own, [time.timestamp() for time in times], resumed=False
    )


def _resume(
    session: Session, partition_key: str, todo: set[int], config: ClusterConfig, version: str
) -> _Placement | None:
    """Place again only the articles from the stored state's cut on, when that gives what placing all would.

    It does when the stored state is of ``version``, every article it placed is still in
    the partition and unchanged (not pending), every other article comes at or after its
    cut, history, context and archive are what the state was built on, and no article it
    placed as no copy has other entities since.
    """
    found = checkpoints.resumable(session, STAGE, partition_key, version, ClusterState, todo)
    if found is None:
        return None
    state, current, again = found
    times = list(current.values())
    if _inputs_fingerprint(session, partition_key, times, StoryClusterer(config)) != state.inputs:
        return None
    enriched = _enrichment(session, partition_key)
    if any(enriched.get(article_id) != state.enriched.get(article_id) for article_id in state.enriched):
        return None  # an article placed before the cut has other entities now
    state = replace(state, enriched={**enriched, **state.enriched})
    clusterer = pickle.loads(state.clusterer)
    rows = load_partition(session, partition_key, ids=again)
    return _place_from(
        session, state, clusterer, rows, set(current), [time.timestamp() for time in times], resumed=True
    )


def _place(session: Session, clusterer: StoryClusterer, row: ArticleRow, own: set[int]) -> Assignment:
    """Place one article of the partition (``own``: the partition's article ids)."""
    return _outside_window_copy(session, clusterer, row, own) or clusterer.add(
        row.doc, duplicate_of=row.duplicate_of_id, duplicate_kind=row.duplicate_kind
    )


def _inputs_fingerprint(
    session: Session, partition_key: str, times: list[datetime], clusterer: StoryClusterer
) -> str:
    """Return a digest of what a placement of articles at ``times`` reads besides them.

    History and context articles by their lineage (text, duplicate marks and story
    versions), and the archive candidates by their snapshots.
    """
    window = clusterer.window
    context = context_rows(session, partition_key, times, window, clustered_only=True, columns=LINEAGE)
    history = _history_query(session, partition_key, times, clusterer, columns=LINEAGE)
    candidates = _archive_candidates(session, clusterer.config, window, partition_key, times)
    archived = [(story_id, repr(sorted(snap.items()))) for story_id, snap in candidates]
    # Entities are evidence too: a context article enriched again changes the stories it seeds.
    enriched = context_rows(session, partition_key, times, window, clustered_only=True, columns=_ENRICHED)
    return checkpoints.digest(context, history, archived, enriched)


def _enrichment(session: Session, partition_key: str) -> dict[int, str]:
    """Return the partition's article id -> a digest of the entities the clusterer reads for it.

    Copies (a duplicate mark) are left out: the clusterer places a copy with its original
    and takes no evidence from it, and the day-level enrich step gives a copy its original's
    entities after clustering, which must not stop the next run from resuming. (Not the
    ``enriched_by_id`` stamp either: that step restamps articles whose entities it keeps.)
    """
    rows = partition_rows(session, partition_key, columns=(Article.id, Article.duplicate_of_id))
    ids = [row.id for row in rows if row.duplicate_of_id is None]
    entities = stored_entities(session, ids)
    return {article_id: checkpoints.digest(entities.get(article_id, ())) for article_id in ids}


_ENRICHED = (Article.id, Article.enriched_by_id)
_LINK_UPDATES = ["story_id", "relation", "related_to_id", "similarity", "shared_passages", "evidence",
                 "stage_run_id"]
_LINK_VALUES = ["story_id", "relation", "related_to_id", "similarity", "shared_passages", "evidence"]


def _link_values(link: dict[str, Any]) -> tuple:
    return tuple(link[name] for name in _LINK_VALUES)


def _stored_links(session: Session, article_ids: list[int]) -> dict[int, tuple]:
    """Return the stored ``story_articles`` values of ``article_ids`` (as :func:`_link_values`)."""
    columns = [getattr(StoryArticle, name) for name in _LINK_VALUES]
    stored: dict[int, tuple] = {}
    for chunk in _chunks(article_ids):
        for values in session.execute(
            select(StoryArticle.article_id, *columns).where(StoryArticle.article_id.in_(chunk))
        ):
            stored[values[0]] = tuple(values[1:])
    return stored


def _stories_only_in(session: Session, previous: dict[int, int]) -> list[int]:
    """Return, sorted, the stories whose every member is among ``previous``'s articles.

    ``previous`` maps the partition's articles to their stories before this run: these
    stories would be empty without the partition.
    """
    own = Counter(previous.values())
    only: list[int] = []
    for chunk in _chunks(sorted(own)):
        counts = session.execute(
            select(Article.story_id, func.count())
            .where(Article.story_id.in_(chunk))
            .group_by(Article.story_id)
        )
        only.extend(story_id for story_id, count in counts if count <= own[story_id])
    return sorted(only)


def _history_query(
    session: Session, partition_key: str, times: list[datetime], clusterer: StoryClusterer, columns=COLUMNS
) -> list:
    """Return the rows of the earlier articles whose terms the clusterer counts before the context.

    The latest ``df_halving_docs`` non-duplicate articles dated before the context window
    of ``times`` (older counts would have been halved away): with them, document
    frequencies and outlet boilerplate are what a single run over the whole history
    would have.
    """
    if not times:
        return []
    limit = clusterer.config.df_halving_docs or HISTORY_ARTICLES
    return history_rows(session, partition_key, min(times) - clusterer.window, limit, columns)


def _history(
    session: Session, partition_key: str, times: list[datetime], clusterer: StoryClusterer
) -> list[ArticleRow]:
    """Return the history articles (:func:`_history_query`) as clusterer rows, in processing order."""
    return ordered_rows(_history_query(session, partition_key, times, clusterer))


def _snapshots(summary: Any) -> list[dict[str, Any]]:
    """Return the snapshots of a ``stories.cluster_state`` value (none when absent or of another format)."""
    if not isinstance(summary, dict) or summary.get("version") != SUMMARY_VERSION:
        return []
    return [snap for snap in summary.get("snapshots") or () if isinstance(snap, dict)]


def _snapshot_before(summary: Any, partition_key: str) -> dict[str, Any] | None:
    """Return the latest snapshot written by a partition sorting before ``partition_key``."""
    earlier = [snap for snap in _snapshots(summary) if snap.get("partition", "") < partition_key]
    return max(earlier, key=lambda snap: snap["partition"]) if earlier else None


def _archive_candidates(
    session: Session, config: ClusterConfig, window: timedelta, partition_key: str, times: list[datetime]
) -> list[tuple[int, dict[str, Any]]]:
    """Return the dormant stories to put into the archive, with their snapshots, by story id.

    A story qualifies when its latest snapshot from an earlier partition ended before
    the context window of ``times`` and at most ``archive_days`` before the earliest
    of them. One query (stories ordered by id; a coarse bound on ``last_updated_at``),
    one JSON parse per story.
    """
    if not times or config.archive_days <= 0 or config.archive_max_stories <= 0:
        return []
    earliest = min(times)
    context_start = (earliest - window).timestamp()
    horizon = earliest - timedelta(days=config.archive_days)
    # Undated members count at their fetch time, which last_updated_at does not see:
    # the bound is a window looser than the horizon.
    bound = horizon - window
    query = (
        select(Story.id, Story.cluster_state)
        .where(
            Story.cluster_state.is_not(None),
            or_(Story.last_updated_at.is_(None), Story.last_updated_at >= bound),
        )
        .order_by(Story.id)
    )
    candidates = []
    for story_id, summary in session.execute(query):
        snap = _snapshot_before(summary, partition_key)
        if snap is not None and horizon.timestamp() <= snap["last_time"] < context_start:
            candidates.append((story_id, snap))
    return candidates


def _seed_archive(
    session: Session, clusterer: StoryClusterer, partition_key: str, times: list[datetime]
) -> dict[int, str]:
    """Put dormant stories (:func:`_archive_candidates`) into the clusterer's archive.

    Stories live from the context are left out (call after seeding the context).
    Returns story id -> snapshot partition of those put in.
    """
    seeded: dict[int, str] = {}
    for story_id, snap in _archive_candidates(
        session, clusterer.config, clusterer.window, partition_key, times
    ):
        if clusterer.seed_archived(
            story_id, snap["first_time"], snap["last_time"], snap["size"], snap["terms"],
            snap.get("people") or (),
        ):
            seeded[story_id] = snap["partition"]
    return seeded


def _merge_snapshots(
    summary: Any, partition_key: str, snapshot: dict[str, Any] | None
) -> dict[str, Any] | None:
    """Return ``summary`` with ``snapshot`` as this partition's (or without one), pruned.

    Kept: the latest snapshot, every snapshot that revived the story from the archive
    (``seeded_from``) and the snapshots they were seeded from; at most
    ``_SUMMARY_SNAPSHOTS``, the newest.
    """
    snapshots = [snap for snap in _snapshots(summary) if snap.get("partition") != partition_key]
    if snapshot is not None:
        snapshots.append(snapshot)
    if not snapshots:
        return None
    snapshots.sort(key=lambda snap: snap["partition"])
    wanted = {snap["seeded_from"] for snap in snapshots if snap.get("seeded_from")}
    kept = [
        snap for index, snap in enumerate(snapshots)
        if index == len(snapshots) - 1 or snap.get("seeded_from") or snap["partition"] in wanted
    ]
    return {"version": SUMMARY_VERSION, "snapshots": kept[-_SUMMARY_SNAPSHOTS:]}


def _write_summaries(
    session: Session,
    clusterer: StoryClusterer,
    partition_key: str,
    story_ids: dict[object, int],
    left: set[int],
    seeded: dict[int, str],
) -> None:
    """Write this partition's snapshot into ``stories.cluster_state`` of the stories it touched.

    ``left`` are stories that had articles of this partition before the run and have
    none now: their snapshot of this partition is dropped. Rows whose summary does not
    change are not written.
    """
    snapshots: dict[int, dict[str, Any] | None] = {story_id: None for story_id in left}
    for key, story_id in story_ids.items():
        summary = clusterer.story_summary(key)
        if summary is None:
            snapshots[story_id] = None
            continue
        snapshots[story_id] = {
            "partition": partition_key,
            "seeded_from": seeded.get(story_id),
            "first_time": summary["first_time"],
            "last_time": summary["last_time"],
            "size": summary["size"],
            "terms": {
                term: round(weight, _WEIGHT_DIGITS) for term, weight in summary["terms"].items()
            },
        }
        if summary["people"]:
            snapshots[story_id]["people"] = summary["people"]
    for chunk in _chunks(sorted(snapshots)):
        stored = session.execute(
            select(Story.id, Story.cluster_state).where(Story.id.in_(chunk)).order_by(Story.id)
        ).all()
        for story_id, summary in stored:
            merged = _merge_snapshots(summary, partition_key, snapshots[story_id])
            if merged != summary:
                session.execute(update(Story).where(Story.id == story_id).values(cluster_state=merged))


def _outside_window_copy(
    session: Session, clusterer: StoryClusterer, row: ArticleRow, own: set[int]
) -> Assignment | None:
    """A duplicate whose original is clustered but not held joins that story directly.

    ``own`` are the partition's article ids: an original among them is placed by this run.
    """
    original = row.duplicate_of_id
    if original is None or original in own:
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
    stage_run_id: int,
    now: datetime,
    known: dict[object, int],
) -> tuple[dict[object, int], list[int]]:
    """Map engine story keys to story ids: existing ids stay, new keys reuse or insert.

    ``known`` maps the keys of a resumed clusterer's earlier runs to their stories.
    """
    story_ids: dict[object, int] = {}
    members: dict[object, list[int]] = {}
    for row, assignment in assignments:
        key = assignment.story_key
        if isinstance(key, int):
            story_ids[key] = key
        elif key in known:
            story_ids[key] = known[key]
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
