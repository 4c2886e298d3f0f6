"""stories: the origin-article foreign key on PostgreSQL, and an index on last_updated_at

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 03:40:00.000000

0001 declared stories.origin_article_id -> articles.id with use_alter (the two tables point
at each other), which SQLite writes inside CREATE TABLE but PostgreSQL leaves for an ALTER
that 0001 never ran. The index serves the cluster stage's archive query, which reads the
stories updated in the last two years on every partition run.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

_FK = 'fk_stories_origin_article'
_INDEX = 'ix_stories_last_updated_at'


def _has_origin_fk() -> bool:
    inspector = sa.inspect(op.get_bind())
    return any(fk['name'] == _FK or fk['constrained_columns'] == ['origin_article_id']
               for fk in inspector.get_foreign_keys('stories'))


def upgrade() -> None:
    op.create_index(_INDEX, 'stories', ['last_updated_at'])
    if op.get_bind().dialect.name == 'sqlite' or _has_origin_fk():
        return
    dangling = op.get_bind().execute(sa.text(
        'select count(*) from stories s where s.origin_article_id is not null and not exists '
        '(select 1 from articles a where a.id = s.origin_article_id)')).scalar_one()
    if dangling:
        raise RuntimeError(
            f'{dangling} stories name an origin article that does not exist; fix or clear '
            'stories.origin_article_id for them before upgrading (nothing was changed)')
    op.create_foreign_key(_FK, 'stories', 'articles', ['origin_article_id'], ['id'])


def downgrade() -> None:
    # The foreign key stays: it is what 0001 meant to create.
    op.drop_index(_INDEX, table_name='stories')
