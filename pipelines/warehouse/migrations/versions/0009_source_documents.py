"""source_documents: every homepage, feed, hub and sitemap, where it was found and when it is next due

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 14:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'source_documents',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
        sa.Column('source_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('kind', sa.String(length=12), nullable=False),
        sa.Column('url', sa.Text(), nullable=False),
        sa.Column('origin', sa.String(length=12), nullable=False),
        sa.Column('found_by', sa.String(length=20), nullable=True),
        sa.Column('found_on', sa.Text(), nullable=True),
        sa.Column('found_fetch_id', sa.String(length=36), nullable=True),
        sa.Column('first_found_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_found_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('interval_seconds', sa.Float(), nullable=True),
        sa.Column('next_due_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_polled_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_success_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_result', sa.String(length=20), nullable=True),
        sa.Column('last_error', sa.String(length=40), nullable=True),
        sa.Column('last_items', sa.Integer(), nullable=True),
        sa.Column('last_new_items', sa.Integer(), nullable=True),
        sa.Column('consecutive_failures', sa.Integer(), nullable=False),
        sa.Column('publisher_min_seconds', sa.Float(), nullable=True),
        sa.Column('publisher_hint', sa.Text(), nullable=True),
        sa.Column('last_fetch_id', sa.String(length=36), nullable=True),
        sa.ForeignKeyConstraint(['source_id'], ['sources.id']),
        sa.ForeignKeyConstraint(['found_fetch_id'], ['fetches.id']),
        sa.ForeignKeyConstraint(['last_fetch_id'], ['fetches.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('source_id', 'url', name='uq_source_documents_source_url'),
    )
    op.create_index('ix_source_documents_next_due_at', 'source_documents', ['next_due_at'])


def downgrade() -> None:
    op.drop_index('ix_source_documents_next_due_at', table_name='source_documents')
    op.drop_table('source_documents')
