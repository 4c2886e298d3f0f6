"""Which pages and articles a stage still owes work, read off the lineage columns.

The clean stage works on stored pages (``fetches`` rows the crawl marked with a URL
identity) and stamps each page's fetch with its run; the later stages work on articles.
Every stage stamps the rows it writes with its stage run (``extracted_by_id``,
``deduped_by_id``, ``clustered_by_id``, ``enriched_by_id``; the enrich stage's two
steps, per shard and per day, share the last). Stage run ids only grow,
so an article is pending for a stage when that stage never wrote it, or wrote it
before the stage it depends on last changed it. A scheduled run handles the pending
articles of its partition (and skips the partition when there are none); a rebuild
(backfill, re-derivation from the archive) handles them all.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from pipelines.warehouse.article_window import eligible
from pipelines.warehouse.models import Article, ArticleRevision, Fetch


def _after(own, upstream) -> ColumnElement[bool]:
    return or_(own.is_(None), and_(upstream.is_not(None), own < upstream))


#: Fetches that stored a page (an article fetch answered 200 with an HTML body).
STORED_PAGE = Fetch.url_identity.is_not(None)
#: Stored pages never classified by the clean stage (a condition on ``fetches``).
CLEAN = and_(STORED_PAGE, Fetch.extracted_by_id.is_(None))
#: Eligible articles not deduplicated since their last extraction.
DEDUP = and_(eligible(), _after(Article.deduped_by_id, Article.extracted_by_id))
#: Eligible articles not clustered since their duplicate marks last changed.
CLUSTER = and_(eligible(), _after(Article.clustered_by_id, Article.deduped_by_id))
#: Articles whose own text was not analysed since their last extraction (the shard-level
#: enrich stage, which runs NER).
ANALYSE = and_(Article.page_type == "article", _after(Article.enriched_by_id, Article.extracted_by_id))
#: Articles not enriched since their last extraction or since their duplicate marks last
#: changed (a copy takes its original's entities and keywords): the day-level step.
ENRICH = and_(
    Article.page_type == "article",
    or_(
        _after(Article.enriched_by_id, Article.extracted_by_id),
        _after(Article.enriched_by_id, Article.deduped_by_id),
    ),
)


#: Articles a revisit found changed: they have a revision after their first. A revision
#: leaves the article in its own (earlier) partition while the crawl day that fetched it
#: does the work.
REVISED = Article.id.in_(select(ArticleRevision.article_id).where(ArticleRevision.revision > 1))
#: How many days before a crawl day its revisits reach back: a story is revisited up to 72
#: hours after it was stored by default, and no later than twice that when crawls come late.
REVISED_DAYS_BACK = 7


def revised_before(day: str) -> ColumnElement[bool]:
    """Revised articles of the :data:`REVISED_DAYS_BACK` days before ``day`` (a day key)."""
    since = (date.fromisoformat(day) - timedelta(days=REVISED_DAYS_BACK)).isoformat()
    return and_(Article.partition_key >= since, Article.partition_key < day, REVISED)


def revised_days_owing(session: Session, day: str) -> list[str]:
    """The days before ``day`` (within :data:`REVISED_DAYS_BACK`), oldest first, with revised
    articles a day-level stage (dedup, clustering, story entities) owes work."""
    owed = and_(revised_before(day), or_(DEDUP, CLUSTER, ENRICH))
    query = select(Article.partition_key).where(owed).distinct().order_by(Article.partition_key)
    return list(session.scalars(query))


def pending_ids(session: Session, partition_key: str, condition: ColumnElement[bool]) -> set[int]:
    """Return the ids of ``partition_key``'s articles that match ``condition``."""
    query = select(Article.id).where(Article.partition_key == partition_key, condition)
    return set(session.execute(query).scalars())


def pending_count(session: Session, partition_key: str, condition: ColumnElement[bool]) -> int:
    """Return how many of ``partition_key``'s articles match ``condition``."""
    query = select(func.count()).select_from(Article).where(Article.partition_key == partition_key, condition)
    return session.execute(query).scalar_one()
