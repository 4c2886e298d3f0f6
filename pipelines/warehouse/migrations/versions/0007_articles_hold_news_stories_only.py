"""articles hold news stories only: stored pages live on fetches, junk rows move there

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 14:00:00.000000

New ``fetches`` columns mark a stored page (``first_url``, ``url_identity``,
``requested_url_identity``) and say what the clean stage made of it (``page_reason``
beside ``page_type`` and ``page_note``, ``extracted_by_id``). They are filled from every
stored ``articles`` row; then the rows that are no news story (binaries, empty pages,
navigation, JavaScript shells, error pages, videos, galleries, consent walls, pages too
short, and pages never cleaned) leave ``articles``: their fetch keeps the page, its type,
reason and lineage, and what pointed at them lets go (their extraction changes and story
memberships go, copies of them lose the mark). A re-extraction that finds a story in one
of them adds its article again. Downgrading puts the moved rows back (with their page
type, note and extracting run, the text left for a re-extraction).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from pipelines.news_pages import page_reason

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

_BATCH = 1000
_FK = 'fk_fetches_extracted_by'

_fetches = sa.table(
    'fetches',
    sa.column('id', sa.String), sa.column('first_url', sa.Text), sa.column('url_identity', sa.Text),
    sa.column('requested_url_identity', sa.Text), sa.column('page_type', sa.String),
    sa.column('page_reason', sa.String), sa.column('page_note', sa.Text),
    sa.column('extracted_by_id', sa.Integer), sa.column('crawl_run_id', sa.Integer),
    sa.column('source_id', sa.Integer), sa.column('canonical_url', sa.Text),
    sa.column('requested_at', sa.DateTime(timezone=True)),
)
_articles = sa.table(
    'articles',
    sa.column('id', sa.Integer), sa.column('fetch_id', sa.String), sa.column('url', sa.Text),
    sa.column('url_identity', sa.Text), sa.column('requested_url_identity', sa.Text),
    sa.column('page_type', sa.String), sa.column('title', sa.Text), sa.column('description', sa.Text),
    sa.column('extraction_note', sa.Text), sa.column('extracted_by_id', sa.Integer),
    sa.column('crawl_run_id', sa.Integer), sa.column('source_id', sa.Integer),
    sa.column('partition_key', sa.String), sa.column('fetched_at', sa.DateTime(timezone=True)),
    sa.column('canonical_url', sa.Text), sa.column('truncated', sa.Boolean),
    sa.column('story_id', sa.Integer), sa.column('duplicate_of_id', sa.Integer),
    sa.column('duplicate_kind', sa.String), sa.column('deduped_by_id', sa.Integer),
    sa.column('clustered_by_id', sa.Integer),
)
_story_articles = sa.table(
    'story_articles', sa.column('article_id', sa.Integer), sa.column('related_to_id', sa.Integer)
)
_stories = sa.table('stories', sa.column('id', sa.Integer), sa.column('origin_article_id', sa.Integer))
_changes = sa.table('extraction_changes', sa.column('article_id', sa.Integer))
_crawl_runs = sa.table('crawl_runs', sa.column('id', sa.Integer), sa.column('partition_key', sa.String))


def upgrade() -> None:
    op.add_column('fetches', sa.Column('first_url', sa.Text(), nullable=True))
    op.add_column('fetches', sa.Column('url_identity', sa.Text(), nullable=True))
    op.add_column('fetches', sa.Column('requested_url_identity', sa.Text(), nullable=True))
    op.add_column('fetches', sa.Column('page_reason', sa.String(length=40), nullable=True))
    if op.get_bind().dialect.name == 'sqlite':
        # SQLite alters no constraint, but takes a reference inline (and the table stays).
        op.execute('ALTER TABLE fetches ADD COLUMN extracted_by_id INTEGER REFERENCES stage_runs (id)')
    else:
        op.add_column('fetches', sa.Column('extracted_by_id', sa.BigInteger(), nullable=True))
        op.create_foreign_key(_FK, 'fetches', 'stage_runs', ['extracted_by_id'], ['id'])
    connection = op.get_bind()
    last = 0
    while True:
        rows = connection.execute(
            sa.select(
                _articles.c.id, _articles.c.fetch_id, _articles.c.url, _articles.c.canonical_url,
                _articles.c.url_identity,
                _articles.c.requested_url_identity, _articles.c.page_type, _articles.c.title,
                _articles.c.description, _articles.c.extraction_note, _articles.c.extracted_by_id,
            )
            .where(_articles.c.id > last)
            .order_by(_articles.c.id)
            .limit(_BATCH)
        ).all()
        if not rows:
            break
        moved = []
        for row in rows:
            reason = (
                page_reason(row.page_type, row.extraction_note, row.title, row.description)
                if row.page_type is not None
                else None
            )
            if row.page_type is None or reason is not None:
                moved.append(row.id)
            connection.execute(
                _fetches.update().where(_fetches.c.id == row.fetch_id).values(
                    first_url=row.url,
                    canonical_url=row.canonical_url,
                    url_identity=row.url_identity,
                    requested_url_identity=row.requested_url_identity,
                    page_type=row.page_type,
                    page_reason=reason,
                    page_note=row.extraction_note,
                    extracted_by_id=row.extracted_by_id,
                )
            )
        _remove(connection, moved)
        last = rows[-1].id
    op.create_index('ix_fetches_url_identity', 'fetches', ['url_identity'])
    op.create_index('ix_fetches_requested_url_identity', 'fetches', ['requested_url_identity'])


def _remove(connection: sa.Connection, ids: list[int]) -> None:
    """Take article rows out, and whatever pointed at them with them."""
    if not ids:
        return
    stories = sa.select(_articles.c.story_id).where(_articles.c.id.in_(ids), _articles.c.story_id.is_not(None))
    connection.execute(
        _articles.update()
        .where(_articles.c.story_id.in_(stories), _articles.c.id.not_in(ids))
        .values(clustered_by_id=None)
    )
    connection.execute(
        _articles.update()
        .where(_articles.c.duplicate_of_id.in_(ids))
        .values(duplicate_of_id=None, duplicate_kind=None, deduped_by_id=None, clustered_by_id=None)
    )
    connection.execute(
        _story_articles.update().where(_story_articles.c.related_to_id.in_(ids)).values(related_to_id=None)
    )
    connection.execute(_story_articles.delete().where(_story_articles.c.article_id.in_(ids)))
    connection.execute(
        _stories.update().where(_stories.c.origin_article_id.in_(ids)).values(origin_article_id=None)
    )
    connection.execute(_changes.delete().where(_changes.c.article_id.in_(ids)))
    connection.execute(_articles.delete().where(_articles.c.id.in_(ids)))


def downgrade() -> None:
    # Stored pages without an article row get one back: the old contract kept every page.
    connection = op.get_bind()
    has_article = sa.select(_articles.c.fetch_id).where(_articles.c.fetch_id == _fetches.c.id).exists()
    missing = connection.execute(
        sa.select(
            _fetches.c.id, _fetches.c.crawl_run_id, _fetches.c.source_id, _crawl_runs.c.partition_key,
            _fetches.c.requested_at, _fetches.c.first_url, _fetches.c.canonical_url,
            _fetches.c.url_identity, _fetches.c.requested_url_identity, _fetches.c.page_type,
            _fetches.c.page_note, _fetches.c.extracted_by_id,
        )
        .join(_crawl_runs, _crawl_runs.c.id == _fetches.c.crawl_run_id)
        .where(_fetches.c.url_identity.is_not(None), ~has_article)
        .order_by(_fetches.c.requested_at, _fetches.c.id)
    ).all()
    if missing:
        connection.execute(
            _articles.insert(),
            [
                {
                    'fetch_id': row.id, 'crawl_run_id': row.crawl_run_id, 'source_id': row.source_id,
                    'partition_key': row.partition_key, 'fetched_at': row.requested_at,
                    'url': row.first_url, 'canonical_url': row.canonical_url,
                    'url_identity': row.url_identity, 'requested_url_identity': row.requested_url_identity,
                    'page_type': row.page_type, 'extraction_note': row.page_note,
                    'extracted_by_id': row.extracted_by_id, 'truncated': False,
                }
                for row in missing
            ],
        )
    op.drop_index('ix_fetches_requested_url_identity', table_name='fetches')
    op.drop_index('ix_fetches_url_identity', table_name='fetches')
    if connection.dialect.name != 'sqlite':
        op.drop_constraint(_FK, 'fetches', type_='foreignkey')
    op.drop_column('fetches', 'extracted_by_id')
    op.drop_column('fetches', 'page_reason')
    op.drop_column('fetches', 'requested_url_identity')
    op.drop_column('fetches', 'url_identity')
    op.drop_column('fetches', 'first_url')
