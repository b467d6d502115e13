"""Quality checking: versioned scorecards, evaluations, calibration sessions, sampling rules.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "scorecards",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
    )
    op.create_table(
        "scorecard_versions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("scorecard_id", sa.Integer, sa.ForeignKey("scorecards.id"), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("sections", sa.JSON, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.UniqueConstraint("scorecard_id", "version", name="uq_scorecard_versions_version"),
    )
    op.create_index("ix_scorecard_versions_scorecard_id", "scorecard_versions", ["scorecard_id"])
    op.create_table(
        "calibrations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("scorecard_version_id", sa.Integer, sa.ForeignKey("scorecard_versions.id"), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("closed_at", TZ, nullable=True),
    )
    op.create_table(
        "calibration_calls",
        sa.Column("calibration_id", sa.Integer, sa.ForeignKey("calibrations.id"), primary_key=True),
        sa.Column("call_id", sa.String(64), sa.ForeignKey("calls.id"), primary_key=True),
    )
    op.create_table(
        "calibration_checkers",
        sa.Column("calibration_id", sa.Integer, sa.ForeignKey("calibrations.id"), primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), primary_key=True),
    )
    op.create_index("ix_calibration_checkers_user_id", "calibration_checkers", ["user_id"])
    op.create_table(
        "evaluations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("call_id", sa.String(64), sa.ForeignKey("calls.id"), nullable=False),
        sa.Column("scorecard_version_id", sa.Integer, sa.ForeignKey("scorecard_versions.id"), nullable=False),
        sa.Column("evaluator_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("calibration_id", sa.Integer, sa.ForeignKey("calibrations.id"), nullable=True),
        sa.Column("answers", sa.JSON, nullable=False),
        sa.Column("comments", sa.JSON, nullable=False),
        sa.Column("total", sa.Float, nullable=True),
        sa.Column("auto_failed", sa.Boolean, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("dispute_reason", sa.Text, nullable=True),
        sa.Column("resolution", sa.Text, nullable=True),
        sa.Column("resolved_by", sa.String(200), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.Column("acknowledged_at", TZ, nullable=True),
        sa.Column("disputed_at", TZ, nullable=True),
        sa.Column("resolved_at", TZ, nullable=True),
    )
    for column in ("call_id", "scorecard_version_id", "evaluator_id", "calibration_id", "status"):
        op.create_index(f"ix_evaluations_{column}", "evaluations", [column])
    op.create_table(
        "assignment_rules",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("scope", sa.String(16), nullable=False),
        sa.Column("target", sa.String(200), nullable=False),
        sa.Column("per_period", sa.Integer, nullable=False),
        sa.Column("period", sa.String(8), nullable=False),
        sa.Column("allow_own_team", sa.Boolean, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("deleted_at", TZ, nullable=True),
    )


def downgrade() -> None:
    for table in (
        "assignment_rules",
        "evaluations",
        "calibration_checkers",
        "calibration_calls",
        "calibrations",
        "scorecard_versions",
        "scorecards",
    ):
        op.drop_table(table)
