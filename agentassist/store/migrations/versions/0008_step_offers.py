"""Checkers' marks on a call's checklist, offered to the script's editors: ``step_offers``.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "step_offers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("call_id", sa.String(64), sa.ForeignKey("calls.id"), nullable=False),
        sa.Column("script_id", sa.String(200), nullable=False),
        sa.Column("script_version", sa.Integer, nullable=False),
        sa.Column("step_id", sa.String(200), nullable=False),
        sa.Column("said", sa.Boolean, nullable=False),
        sa.Column("utterance_ids", sa.JSON, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("evidence", sa.JSON, nullable=False),
        sa.Column("checker_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("decided_by", sa.String(200), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("accepted_version", sa.Integer, nullable=True),
        sa.UniqueConstraint("call_id", "step_id", "checker_id", name="uq_step_offers_call_step_checker"),
    )
    for column in ("call_id", "script_id", "checker_id", "status"):
        op.create_index(f"ix_step_offers_{column}", "step_offers", [column])


def downgrade() -> None:
    for column in ("call_id", "script_id", "checker_id", "status"):
        op.drop_index(f"ix_step_offers_{column}", "step_offers")
    op.drop_table("step_offers")
