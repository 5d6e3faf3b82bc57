"""sealed messages, redacted transcripts, audit and purge records

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 12:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("chats", sa.Column("redacted_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("chats", sa.Column("purged_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_chats_redacted_at", "chats", ["redacted_at"])
    op.add_column(
        "messages",
        sa.Column("sealed", sa.Boolean(), nullable=False, server_default=sa.text("false")),
    )
    op.create_table(
        "chat_keys",
        sa.Column("chat_id", sa.String(length=40), nullable=False),
        sa.Column("wrapped_key", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("chat_id"),
    )
    op.create_table(
        "transcript_lines",
        sa.Column("chat_id", sa.String(length=40), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("sender", sa.String(length=16), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["chat_id"], ["chats.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("chat_id", "seq"),
    )
    op.create_table(
        "audit_events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_audit_events_at", "audit_events", ["at"])
    op.create_table(
        "purge_runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("ran_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rule", sa.String(length=80), nullable=False),
        sa.Column("transcripts", sa.Integer(), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("purge_runs")
    op.drop_index("ix_audit_events_at", table_name="audit_events")
    op.drop_table("audit_events")
    op.drop_table("transcript_lines")
    op.drop_table("chat_keys")
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("sealed")
    op.drop_index("ix_chats_redacted_at", table_name="chats")
    with op.batch_alter_table("chats") as batch:
        batch.drop_column("purged_at")
        batch.drop_column("redacted_at")
