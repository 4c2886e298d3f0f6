"""Enrichment tables: entities, article_entities, article_keywords, story_entities, story_keywords

Also articles.enricher_version and articles.enrichment_applied.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 14:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    with op.batch_alter_table('articles') as batch:
        batch.add_column(sa.Column('enricher_version', sa.String(80), nullable=True))
        batch.add_column(sa.Column('enrichment_applied', sa.JSON(), nullable=True))
    op.create_table(
        'entities',
        sa.Column('id', _ID, primary_key=True, autoincrement=True),
        sa.Column('entity_key', sa.String(400), nullable=False),
        sa.Column('name', sa.Text(), nullable=False),
        sa.Column('type', sa.String(20), nullable=False),
        sa.Column('country_code', sa.String(2), nullable=True),
        sa.Column('geonameid', sa.BigInteger(), nullable=True),
        sa.Column('disputed', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint('entity_key', name='uq_entities_entity_key'),
    )
    op.create_index('ix_entities_type', 'entities', ['type'])
    op.create_index('ix_entities_country_code', 'entities', ['country_code'])
    op.create_table(
        'article_entities',
        sa.Column('article_id', _ID, sa.ForeignKey('articles.id'), primary_key=True),
        sa.Column('entity_id', _ID, sa.ForeignKey('entities.id'), primary_key=True),
        sa.Column('mentions', sa.Integer(), nullable=False),
        sa.Column('first_offset', sa.Integer(), nullable=False),
        sa.Column('surface_forms', sa.JSON(), nullable=False),
        sa.Column('enricher_version', sa.String(80), nullable=False),
    )
    op.create_index('ix_article_entities_entity_id', 'article_entities', ['entity_id'])
    op.create_table(
        'article_keywords',
        sa.Column('article_id', _ID, sa.ForeignKey('articles.id'), primary_key=True),
        sa.Column('phrase', sa.String(200), primary_key=True),
        sa.Column('score', sa.Float(), nullable=False),
        sa.Column('rank', sa.Integer(), nullable=False),
        sa.Column('enricher_version', sa.String(80), nullable=False),
    )
    op.create_table(
        'story_entities',
        sa.Column('story_id', _ID, sa.ForeignKey('stories.id', ondelete='CASCADE'), primary_key=True),
        sa.Column('entity_id', _ID, sa.ForeignKey('entities.id'), primary_key=True),
        sa.Column('article_count', sa.Integer(), nullable=False),
        sa.Column('mentions', sa.Integer(), nullable=False),
        sa.Column('enricher_version', sa.String(80), nullable=False),
    )
    op.create_index('ix_story_entities_entity_id', 'story_entities', ['entity_id'])
    op.create_table(
        'story_keywords',
        sa.Column('story_id', _ID, sa.ForeignKey('stories.id', ondelete='CASCADE'), primary_key=True),
        sa.Column('phrase', sa.String(200), primary_key=True),
        sa.Column('article_count', sa.Integer(), nullable=False),
        sa.Column('score', sa.Float(), nullable=False),
        sa.Column('rank', sa.Integer(), nullable=False),
        sa.Column('enricher_version', sa.String(80), nullable=False),
    )


def downgrade() -> None:
    for table in ('story_keywords', 'story_entities', 'article_keywords', 'article_entities', 'entities'):
        op.drop_table(table)
    if op.get_bind().dialect.name == 'sqlite':
        # SQLite (3.35+) drops a plain column in place; the table copy of a batch operation
        # would drop `articles` under the foreign keys that point at it.
        for column in ('enrichment_applied', 'enricher_version'):
            op.execute(f'ALTER TABLE articles DROP COLUMN {column}')
    else:
        op.drop_column('articles', 'enrichment_applied')
        op.drop_column('articles', 'enricher_version')
