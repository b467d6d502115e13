"""Legal holds on calls and campaigns, the receipts of erasures of a person's data, and the calls whose
recording retention has deleted.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "legal_holds",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("call_id", sa.String(64), nullable=True),
        sa.Column("campaign", sa.String(200), nullable=True),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("released_by", sa.String(200), nullable=True),
        sa.Column("released_at", TZ, nullable=True),
    )
    op.create_index("ix_legal_holds_call_id", "legal_holds", ["call_id"])
    op.create_index("ix_legal_holds_campaign", "legal_holds", ["campaign"])
    op.create_table(
        "erasures",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", TZ, nullable=False),
        sa.Column("by", sa.String(200), nullable=False),
        sa.Column("subject", sa.String(64), nullable=False),
        sa.Column("receipt", sa.JSON, nullable=False),
    )
    op.create_index("ix_erasures_at", "erasures", ["at"])
    op.create_index("ix_erasures_subject", "erasures", ["subject"])
    op.create_table(
        "deleted_recordings",
        sa.Column("call_id", sa.String(64), sa.ForeignKey("calls.id"), primary_key=True),
        sa.Column("at", TZ, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("deleted_recordings")
    op.drop_index("ix_erasures_subject", "erasures")
    op.drop_index("ix_erasures_at", "erasures")
    op.drop_table("erasures")
    op.drop_index("ix_legal_holds_campaign", "legal_holds")
    op.drop_index("ix_legal_holds_call_id", "legal_holds")
    op.drop_table("legal_holds")
