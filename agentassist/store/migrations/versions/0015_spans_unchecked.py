"""The calls whose stored redaction spans the start's sweep has not yet found silenced in their
recordings: ``calls.spans_unchecked``, indexed (issue 19). Set when a span is stored, cleared by the
sweep (agentassist.pipeline.unsilenced) once the call's facts say every span is silenced or cannot be,
so that a start looks at the calls since the last one, not at every call that ever had a span.

Every call with a span stored before this revision is marked: the first start after the upgrade looks
at each once, as every start did before.

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # a plain ADD COLUMN, as 0005 and 0011: SQLite's batch would copy the table that other tables point at
    op.add_column("calls", sa.Column("spans_unchecked", sa.Boolean, nullable=False, server_default=sa.false()))
    op.create_index("ix_calls_spans_unchecked", "calls", ["spans_unchecked"])
    op.execute(
        sa.text("UPDATE calls SET spans_unchecked = :yes WHERE id IN (SELECT call_id FROM redactions)").bindparams(
            yes=True
        )
    )


def downgrade() -> None:
    op.drop_index("ix_calls_spans_unchecked", "calls")
    op.drop_column("calls", "spans_unchecked")
