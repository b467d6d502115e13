"""The schema of 0.1.0 (what ``create_all`` made before migrations existed).

Revision ID: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("role", sa.String(40), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("deleted_at", TZ, nullable=True),
    )
    op.create_table(
        "calls",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("direction", sa.String(16), nullable=False),
        sa.Column("remote", sa.String(400), nullable=False),
        sa.Column("agent", sa.String(200), nullable=False),
        sa.Column("campaign", sa.String(200), nullable=True),
        sa.Column("script_id", sa.String(200), nullable=True),
        sa.Column("started_at", TZ, nullable=False),
        sa.Column("ended_at", TZ, nullable=True),
        sa.Column("end_reason", sa.String(200), nullable=True),
        sa.Column("recording_path", sa.Text, nullable=False),
        sa.Column("adherence_score", sa.Float, nullable=True),
    )
    op.create_index("ix_calls_status", "calls", ["status"])
    op.create_index("ix_calls_agent", "calls", ["agent"])
    op.create_index("ix_calls_started_at", "calls", ["started_at"])
    op.create_table(
        "utterances",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("call_id", sa.String(64), sa.ForeignKey("calls.id"), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("start_s", sa.Float, nullable=False),
        sa.Column("end_s", sa.Float, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("words", sa.JSON, nullable=False),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("confidence", sa.Float, nullable=False),
    )
    op.create_index("ix_utterances_call_id", "utterances", ["call_id"])
    op.create_index("ix_utterances_call_start", "utterances", ["call_id", "start_s"])
    op.create_table(
        "adherence",
        sa.Column("call_id", sa.String(64), sa.ForeignKey("calls.id"), primary_key=True),
        sa.Column("report", sa.JSON, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
    )


def downgrade() -> None:
    for table in ("adherence", "utterances", "calls", "users"):
        op.drop_table(table)
