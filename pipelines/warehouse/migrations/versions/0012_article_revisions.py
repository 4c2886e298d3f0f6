"""article_revisions: every version of an article; fetches.revisit_of_id; crawl_runs.clock_at

Existing articles get their revision 1 (their first and so far only version) from their
row and its fetch.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 16:50:00.000000
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_FK = "fk_fetches_revisit_of"


def upgrade() -> None:
    op.add_column("crawl_runs", sa.Column("clock_at", sa.DateTime(timezone=True), nullable=True))
    if op.get_bind().dialect.name == "sqlite":
        # SQLite alters no constraint, but takes a reference inline (and the table stays).
        op.execute(
            f"ALTER TABLE fetches ADD COLUMN revisit_of_id INTEGER CONSTRAINT {_FK} REFERENCES articles (id)"
        )
    else:
        op.add_column("fetches", sa.Column("revisit_of_id", sa.BigInteger(), nullable=True))
        op.create_foreign_key(_FK, "fetches", "articles", ["revisit_of_id"], ["id"])
    op.create_index("ix_fetches_revisit_of_id", "fetches", ["revisit_of_id"])
    op.create_table(
        "article_revisions",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("article_id", _ID, sa.ForeignKey("articles.id"), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("fetch_id", sa.String(36), sa.ForeignKey("fetches.id"), nullable=False),
        sa.Column("warc_path", sa.Text(), nullable=True),
        sa.Column("warc_offset", sa.BigInteger(), nullable=True),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("text_sha256", sa.String(64), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("modified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("changed_fields", sa.JSON(), nullable=False),
        sa.Column("words_added", sa.Integer(), nullable=True),
        sa.Column("words_removed", sa.Integer(), nullable=True),
        sa.Column("paragraphs_changed", sa.Integer(), nullable=True),
        sa.Column("diff_summary", sa.Text(), nullable=True),
        sa.Column("correction_notice", sa.Text(), nullable=True),
        sa.Column("stage_run_id", _ID, sa.ForeignKey("stage_runs.id"), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("article_id", "revision", name="uq_article_revisions_article_revision"),
        sa.UniqueConstraint("article_id", "fetch_id", name="uq_article_revisions_article_fetch"),
    )
    op.create_index("ix_article_revisions_article_id", "article_revisions", ["article_id"])
    # Every existing article: its one version so far, from its row and its fetch.
    op.execute(
        sa.text(
            "INSERT INTO article_revisions (article_id, revision, fetch_id, warc_path, warc_offset,"
            " fetched_at, title, text_sha256, published_at, modified_at, changed_fields,"
            " stage_run_id, recorded_at)"
            " SELECT a.id, 1, a.fetch_id, f.warc_path, f.warc_offset, a.fetched_at, a.title,"
            " a.text_sha256, a.published_at, a.modified_at, '[]', a.extracted_by_id, :now"
            " FROM articles a JOIN fetches f ON f.id = a.fetch_id"
        ).bindparams(now=datetime.now(UTC))
    )


def downgrade() -> None:
    op.drop_index("ix_article_revisions_article_id", table_name="article_revisions")
    op.drop_table("article_revisions")
    op.drop_index("ix_fetches_revisit_of_id", table_name="fetches")
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(_FK, "fetches", type_="foreignkey")
    # SQLite drops the column with its inline reference in place (a batch copy of the
    # table would turn the other inline references into table constraints, which 0007's
    # downgrade cannot drop in place).
    op.drop_column("fetches", "revisit_of_id")
    op.drop_column("crawl_runs", "clock_at")
