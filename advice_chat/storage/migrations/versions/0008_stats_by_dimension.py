"""statistics: an index by dimension then day, for one dimension's day-by-day series

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24 13:40:00
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_stats_counts_dim_day", "stats_counts", ["dim", "day"])


def downgrade() -> None:
    op.drop_index("ix_stats_counts_dim_day", table_name="stats_counts")
