"""crawl_runs.shard: which crawl shard a run crawled ("0/2"), NULL for a crawl of every source

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 13:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A nullable column: existing runs crawled every source, which NULL says.
    op.add_column('crawl_runs', sa.Column('shard', sa.String(length=20), nullable=True))


def downgrade() -> None:
    op.drop_column('crawl_runs', 'shard')
