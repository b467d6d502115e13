"""Coaching: clips of calls (``coaching_clips``) and sessions built from them (``coaching_sessions``,
their clips in order ``coaching_items``, the audience's acknowledgements ``coaching_acks``).

Every foreign key cascades on delete: a call erased or expired takes its clips with it, and a clip
its places in sessions and their acknowledgements.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)
INDEXES = (
    ("coaching_clips", "call_id"),
    ("coaching_sessions", "agent"),
    ("coaching_sessions", "team"),
    ("coaching_sessions", "created_by"),
    ("coaching_items", "clip_id"),
)


def _fk(target: str) -> sa.ForeignKey:
    return sa.ForeignKey(target, ondelete="CASCADE")


def upgrade() -> None:
    op.create_table(
        "coaching_clips",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("call_id", sa.String(64), _fk("calls.id"), nullable=False),
        sa.Column("start_s", sa.Float, nullable=False),
        sa.Column("end_s", sa.Float, nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("tag", sa.String(100), nullable=False),
        sa.Column("comment", sa.Text, nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_table(
        "coaching_sessions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("agent", sa.String(200), nullable=True),
        sa.Column("team", sa.String(200), nullable=True),
        sa.Column("notes", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.Column("shared_at", TZ, nullable=True),
    )
    op.create_table(
        "coaching_items",
        sa.Column("session_id", sa.Integer, _fk("coaching_sessions.id"), primary_key=True),
        sa.Column("clip_id", sa.Integer, _fk("coaching_clips.id"), primary_key=True),
        sa.Column("position", sa.Integer, nullable=False),
    )
    op.create_table(
        "coaching_acks",
        sa.Column("session_id", sa.Integer, _fk("coaching_sessions.id"), primary_key=True),
        sa.Column("clip_id", sa.Integer, _fk("coaching_clips.id"), primary_key=True),
        sa.Column("user_id", sa.Integer, _fk("users.id"), primary_key=True),
        sa.Column("at", TZ, nullable=False),
    )
    for table, column in INDEXES:
        op.create_index(f"ix_{table}_{column}", table, [column])


def downgrade() -> None:
    for table, column in INDEXES:
        op.drop_index(f"ix_{table}_{column}", table)
    for table in ("coaching_acks", "coaching_items", "coaching_sessions", "coaching_clips"):
        op.drop_table(table)
