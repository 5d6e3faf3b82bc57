"""knowledge base: articles, their versions, and full-text search structures

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 12:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kb_articles",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("tags", sa.Text(), nullable=False),
        sa.Column("audience", sa.String(length=16), nullable=False),
        sa.Column("reviewed", sa.String(length=10), nullable=False),
        sa.Column("review_by", sa.String(length=10), nullable=True),
        sa.Column("sources", sa.Text(), nullable=False),
        sa.Column("body_md", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("concepts_head", sa.Text(), nullable=False),
        sa.Column("concepts_body", sa.Text(), nullable=False),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.Column("file_hash", sa.String(length=64), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("slug"),
    )
    op.create_index("ix_kb_articles_audience", "kb_articles", ["audience"])
    op.create_table(
        "kb_article_versions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.Column("edited_by", sa.Integer(), nullable=True),
        sa.Column("edited_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("tags", sa.Text(), nullable=False),
        sa.Column("audience", sa.String(length=16), nullable=False),
        sa.Column("reviewed", sa.String(length=10), nullable=False),
        sa.Column("sources", sa.Text(), nullable=False),
        sa.Column("body_md", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["kb_articles.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["edited_by"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("article_id", "version", name="uq_kb_versions_article"),
    )
    op.create_table(
        "kb_meta",
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    if op.get_bind().dialect.name == "postgresql":
        # Weighted: title A; tags and the concepts of the head B; summary C; body D.
        op.execute(
            "ALTER TABLE kb_articles ADD COLUMN search tsvector GENERATED ALWAYS AS ("
            "setweight(to_tsvector('english', title), 'A') || "
            "setweight(to_tsvector('english', tags), 'B') || "
            "setweight(to_tsvector('english', concepts_head), 'B') || "
            "setweight(to_tsvector('english', summary), 'C') || "
            "setweight(to_tsvector('english', body_text), 'D') || "
            "setweight(to_tsvector('english', concepts_body), 'D')) STORED"
        )
        op.execute("CREATE INDEX ix_kb_articles_search ON kb_articles USING gin (search)")
    else:
        # rowid is the article id; the text columns are kept here too (a contentful table), so
        # snippet() and bm25() read them without a join. chead and cbody hold the synonym
        # concepts found in the title/tags/summary and in the body (see services/kb.py).
        op.execute(
            "CREATE VIRTUAL TABLE kb_fts USING fts5("
            "audience UNINDEXED, title, tags, summary, body, chead, cbody, "
            "tokenize = 'porter unicode61 remove_diacritics 2')"
        )
        # The head alone (title, tags and their concepts): words so common that ranking
        # every article holding them would be slow are looked up here instead.
        op.execute(
            "CREATE VIRTUAL TABLE kb_fts_head USING fts5("
            "audience UNINDEXED, title, tags, chead, "
            "tokenize = 'porter unicode61 remove_diacritics 2')"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        op.execute("DROP TABLE IF EXISTS kb_fts")
        op.execute("DROP TABLE IF EXISTS kb_fts_head")
    op.drop_table("kb_meta")
    op.drop_table("kb_article_versions")
    op.drop_index("ix_kb_articles_audience", table_name="kb_articles")
    op.drop_table("kb_articles")
