"""stage_checkpoints: the dedup and cluster stages' state per partition, so scheduled runs add only new articles

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 13:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'stage_checkpoints',
        sa.Column('stage', sa.String(length=40), nullable=False),
        sa.Column('partition_key', sa.String(length=40), nullable=False),
        sa.Column('version', sa.String(length=120), nullable=False),
        sa.Column('article_count', sa.Integer(), nullable=False),
        sa.Column('state', sa.LargeBinary(), nullable=False),
        sa.Column('stage_run_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('written_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['stage_run_id'], ['stage_runs.id']),
        sa.PrimaryKeyConstraint('stage', 'partition_key'),
    )


def downgrade() -> None:
    op.drop_table('stage_checkpoints')
