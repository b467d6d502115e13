"""The client role: ``client_campaigns`` (which campaigns a client sees) and ``shared_calls`` (the calls
the center shares with their campaign's clients).

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "client_campaigns",
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), primary_key=True),
        sa.Column("campaign", sa.String(200), primary_key=True),
    )
    op.create_table(
        "shared_calls",
        sa.Column("call_id", sa.String(64), sa.ForeignKey("calls.id"), primary_key=True),
        sa.Column("shared_by", sa.String(200), nullable=False),
        sa.Column("shared_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("shared_calls")
    op.drop_table("client_campaigns")
