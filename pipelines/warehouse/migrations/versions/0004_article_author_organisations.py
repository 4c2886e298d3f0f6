"""articles.author_organisations: organisations a byline credits, beside the people

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 04:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable: rows cleaned before this column existed say "unknown", not "none"; the next
    # re-extraction fills them.
    op.add_column('articles', sa.Column('author_organisations', sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column('articles', 'author_organisations')
