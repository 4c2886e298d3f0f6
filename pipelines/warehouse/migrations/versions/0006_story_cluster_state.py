"""stories.summary becomes stories.cluster_state: clustering state, not a summary of the story

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 10:00:00.000000
"""

from __future__ import annotations

from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # ALTER TABLE ... RENAME COLUMN on both SQLite (3.25+) and PostgreSQL: no table copy, the
    # values stay as they are.
    op.alter_column('stories', 'summary', new_column_name='cluster_state')


def downgrade() -> None:
    op.alter_column('stories', 'cluster_state', new_column_name='summary')
