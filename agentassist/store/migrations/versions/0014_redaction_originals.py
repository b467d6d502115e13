"""What was masked, kept for the roles a call's script names: ``redaction_originals``, one row an
utterance's text with only its security codes masked (issue 19; read only by the transcript route's
``originals=true``, never indexed).

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "redaction_originals",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("call_id", sa.String(64), sa.ForeignKey("calls.id"), nullable=False),
        sa.Column("utterance_id", sa.String(64), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("roles", sa.String(128), nullable=False),
        sa.UniqueConstraint("call_id", "utterance_id", name="uq_redaction_originals_utterance"),
    )
    op.create_index("ix_redaction_originals_call_id", "redaction_originals", ["call_id"])


def downgrade() -> None:
    op.drop_index("ix_redaction_originals_call_id", "redaction_originals")
    op.drop_table("redaction_originals")
