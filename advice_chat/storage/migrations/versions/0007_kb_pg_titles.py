"""knowledge base on PostgreSQL: a head tsvector (title, tags and their concepts) with its own
GIN index

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24 13:30:00

Terms so common that ranking every article holding them would be slow count only in titles
and tags. Until now PostgreSQL found those with `term:AB` on the whole-article `search`
vector, which the GIN index cannot narrow by weight: every article holding the term anywhere
was read and rechecked. `search_head` holds the head alone, small enough to stay in the row,
as SQLite's `kb_fts_head` does. Nothing changes on SQLite.
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "ALTER TABLE kb_articles ADD COLUMN search_head tsvector GENERATED ALWAYS AS ("
        "setweight(to_tsvector('english', title), 'A') || "
        "setweight(to_tsvector('english', tags), 'B') || "
        "setweight(to_tsvector('english', concepts_head), 'B')) STORED"
    )
    op.execute("CREATE INDEX ix_kb_articles_search_head ON kb_articles USING gin (search_head)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_kb_articles_search_head")
    op.execute("ALTER TABLE kb_articles DROP COLUMN IF EXISTS search_head")
