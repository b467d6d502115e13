"""Call control facts: pause/hold/mute spans, DTMF digits, media (Call-ID, codec, RTP loss, MOS).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "call_spans",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("call_id", sa.String(64), sa.ForeignKey("calls.id"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("start_s", sa.Float, nullable=False),
        sa.Column("end_s", sa.Float, nullable=True),
        sa.Column("by", sa.String(200), nullable=False),
    )
    op.create_index("ix_call_spans_call_id", "call_spans", ["call_id"])
    op.create_table(
        "call_digits",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("call_id", sa.String(64), sa.ForeignKey("calls.id"), nullable=False),
        sa.Column("t_s", sa.Float, nullable=False),
        sa.Column("digit", sa.String(4), nullable=False),
        sa.Column("method", sa.String(16), nullable=False),
    )
    op.create_index("ix_call_digits_call_id", "call_digits", ["call_id"])
    op.create_table(
        "call_media",
        sa.Column("call_id", sa.String(64), sa.ForeignKey("calls.id"), primary_key=True),
        sa.Column("data", sa.JSON, nullable=False),
    )


def downgrade() -> None:
    for table in ("call_media", "call_digits", "call_spans"):
        op.drop_table(table)
