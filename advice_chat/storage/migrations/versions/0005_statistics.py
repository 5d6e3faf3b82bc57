"""statistics: daily aggregates, wrap-up coding, survey invites and comments

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stats_counts",
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("dim", sa.String(length=24), nullable=False),
        sa.Column("key", sa.String(length=48), nullable=False),
        sa.Column("metric", sa.String(length=24), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("day", "dim", "key", "metric"),
    )
    op.create_table(
        "chat_wrapups",
        sa.Column("chat_id", sa.String(length=40), nullable=False),
        sa.Column("topic", sa.String(length=40), nullable=False),
        sa.Column("advice", sa.Text(), nullable=False),
        sa.Column("referrals", sa.Text(), nullable=False),
        sa.Column("safeguarding_concern", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["chat_id"], ["chats.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("chat_id"),
    )
    op.create_table(
        "survey_invites",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    op.create_index("ix_survey_invites_expires_at", "survey_invites", ["expires_at"])
    op.create_table(
        "survey_comments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_survey_comments_day", "survey_comments", ["day"])
    op.create_table(
        "stats_samples",
        sa.Column("minute", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("minute"),
    )


def downgrade() -> None:
    op.drop_table("stats_samples")
    op.drop_index("ix_survey_comments_day", table_name="survey_comments")
    op.drop_table("survey_comments")
    op.drop_index("ix_survey_invites_expires_at", table_name="survey_invites")
    op.drop_table("survey_invites")
    op.drop_table("chat_wrapups")
    op.drop_table("stats_counts")
