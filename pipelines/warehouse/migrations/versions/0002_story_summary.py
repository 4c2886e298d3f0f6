"""stories.summary: what the clusterer's archive keeps of each story

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 02:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A nullable column: a plain ALTER TABLE on SQLite and PostgreSQL alike.
    op.add_column('stories', sa.Column('summary', sa.JSON(), nullable=True))


def downgrade() -> None:
    # ALTER TABLE ... DROP COLUMN (SQLite 3.35+): no table copy, so the foreign keys
    # of articles and story_articles to stories stay as they are.
    op.drop_column('stories', 'summary')
