"""Card data masked in what was said: ``redactions``, one row a masked span (kind, channel, time).

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "redactions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("call_id", sa.String(64), sa.ForeignKey("calls.id"), nullable=False),
        sa.Column("utterance_id", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("start_s", sa.Float, nullable=False),
        sa.Column("end_s", sa.Float, nullable=False),
        sa.Column("by", sa.String(16), nullable=False),
    )
    op.create_index("ix_redactions_call_id", "redactions", ["call_id"])


def downgrade() -> None:
    op.drop_index("ix_redactions_call_id", "redactions")
    op.drop_table("redactions")
