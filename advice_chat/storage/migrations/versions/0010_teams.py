"""teams: Respect and Drive (and any a manager adds), advisers' memberships, a chat's team

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-24 15:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    teams = op.create_table(
        "teams",
        sa.Column("slug", sa.String(length=24), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("contact", sa.String(length=300), nullable=False, server_default=""),
        sa.Column("redirect_when_closed", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("overflow_allowed", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("overflow_after_seconds", sa.Integer(), nullable=False, server_default="300"),
        # The team's own weekly hours as JSON (opening.Schedule.wire()); null: the service's.
        sa.Column("schedule", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("slug"),
    )
    op.bulk_insert(
        teams,
        [
            {"slug": "respect", "name": "Respect Phoneline", "position": 0, "contact": ""},
            {"slug": "drive", "name": "Drive", "position": 1, "contact": ""},
        ],
    )
    op.create_table(
        "adviser_teams",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("team", sa.String(length=24), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["team"], ["teams.slug"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "team"),
    )
    with op.batch_alter_table("chats") as batch:
        # The team the chat is routed to (moves and closed-team redirects change it).
        batch.add_column(
            sa.Column("team", sa.String(length=24), nullable=False, server_default="respect")
        )
        # The team whose adviser answered it: its own, or another by overflow.
        batch.add_column(sa.Column("answered_team", sa.String(length=24), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("chats") as batch:
        batch.drop_column("answered_team")
        batch.drop_column("team")
    op.drop_table("adviser_teams")
    op.drop_table("teams")
