"""Warehouse glue of the dedup stage: mark one partition's exact and near duplicates.

Reads the partition's ``articles`` (``page_type == "article"``, with a body) and, as
context, articles of other partitions published within the clusterer's time window,
then runs the same :class:`~pipelines.stories.engine.StoryClusterer` the cluster stage
uses. Each article gets ``duplicate_of_id`` (the root original, or NULL),
``duplicate_kind`` (``"url"``, ``"text"``, ``"near"`` or NULL) and ``deduped_by_id``.
Nothing is deleted. Every article of the partition is rewritten, so a re-run leaves
the same values.
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy import update
from sqlalchemy.orm import Session

from pipelines.stories.engine import ClusterConfig, StoryClusterer
from pipelines.stories.rows import load_context, load_partition
from pipelines.warehouse.models import Article


def dedup_partition(
    session: Session, partition_key: str, stage_run_id: int, config: ClusterConfig | None = None
) -> dict[str, int]:
    """Mark duplicates among the partition's articles; returns counts.

    The returned dict holds ``articles`` and ``duplicates_url``, ``duplicates_text``,
    ``duplicates_near`` and ``context_articles``. Flushes but does not commit. Raises
    ``sqlalchemy.exc.SQLAlchemyError`` on database errors.
    """
    rows = load_partition(session, partition_key)
    clusterer = StoryClusterer(config)
    context = load_context(session, partition_key, rows, clusterer.window, clustered_only=False)
    for row in context:
        clusterer.seed(row.doc, row.story_id if row.story_id is not None else f"seed-{row.id}",
                       duplicate_of=row.duplicate_of_id, duplicate_kind=row.duplicate_kind)
    kinds: Counter[str] = Counter()
    for row in rows:
        assignment = clusterer.add(row.doc)
        if assignment.duplicate_kind:
            kinds[assignment.duplicate_kind] += 1
        session.execute(
            update(Article)
            .where(Article.id == row.id)
            .values(
                duplicate_of_id=assignment.duplicate_of,
                duplicate_kind=assignment.duplicate_kind,
                deduped_by_id=stage_run_id,
            )
        )
    session.flush()
    return {
        "articles": len(rows),
        "duplicates_url": kinds["url"],
        "duplicates_text": kinds["text"],
        "duplicates_near": kinds["near"],
        "context_articles": len(context),
    }
