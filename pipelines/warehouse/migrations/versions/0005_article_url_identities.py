"""articles.url_identity and articles.requested_url_identity: indexed URL identities for the crawl

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 09:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from pipelines.urls import identity_of, url_identity

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

_BATCH = 1000


def upgrade() -> None:
    op.add_column('articles', sa.Column('url_identity', sa.Text(), nullable=True))
    op.add_column('articles', sa.Column('requested_url_identity', sa.Text(), nullable=True))
    # Fill the stored rows in batches, by id, so a large warehouse is never held in memory.
    articles = sa.table(
        'articles', sa.column('id', sa.Integer), sa.column('url', sa.Text), sa.column('canonical_url', sa.Text),
        sa.column('url_identity', sa.Text), sa.column('requested_url_identity', sa.Text),
    )
    connection = op.get_bind()
    last = 0
    while True:
        rows = connection.execute(
            sa.select(articles.c.id, articles.c.url, articles.c.canonical_url)
            .where(articles.c.id > last)
            .order_by(articles.c.id)
            .limit(_BATCH)
        ).all()
        if not rows:
            break
        connection.execute(
            articles.update().where(articles.c.id == sa.bindparam('row_id')),
            [
                {
                    'row_id': row.id,
                    'url_identity': url_identity(row.canonical_url),
                    'requested_url_identity': identity_of(row.url),
                }
                for row in rows
            ],
        )
        last = rows[-1].id
    op.create_index('ix_articles_url_identity', 'articles', ['url_identity'])
    op.create_index('ix_articles_requested_url_identity', 'articles', ['requested_url_identity'])


def downgrade() -> None:
    op.drop_index('ix_articles_requested_url_identity', table_name='articles')
    op.drop_index('ix_articles_url_identity', table_name='articles')
    op.drop_column('articles', 'requested_url_identity')
    op.drop_column('articles', 'url_identity')
