"""text_analyses: each distinct text's enrichment, so NER runs once per text across shards and days

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 17:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'text_analyses',
        sa.Column('analysis_key', sa.String(length=64), nullable=False),
        sa.Column('enricher_version', sa.String(length=80), nullable=False),
        sa.Column('result', sa.JSON(), nullable=False),
        sa.Column('analysed_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('analysis_key', 'enricher_version'),
    )


def downgrade() -> None:
    op.drop_table('text_analyses')
