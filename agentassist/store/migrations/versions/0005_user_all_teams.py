"""Seeing every team is a flag of its own: ``users.all_teams``.

Before 0005 a supervisor who belonged to no team saw every call, so taking away a supervisor's last
team widened their view. Now only an admin, or a supervisor or team leader with ``all_teams``, sees
everything; a leader of no team sees their own calls. Supervisors who have no team when this runs
get ``all_teams`` so that nobody's view shrinks on upgrade.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN, not a batch: SQLite's batch copies the table and drops the old one, which
    # its foreign keys refuse once team_members or evaluations point at users.
    op.add_column("users", sa.Column("all_teams", sa.Boolean, nullable=False, server_default=sa.false()))
    users = sa.table(
        "users", sa.column("id", sa.Integer), sa.column("role", sa.String), sa.column("all_teams", sa.Boolean)
    )
    members = sa.table("team_members", sa.column("user_id", sa.Integer))
    op.execute(
        users.update()
        .where(users.c.role == "supervisor", users.c.id.not_in(sa.select(members.c.user_id)))
        .values(all_teams=True)
    )


def downgrade() -> None:
    op.drop_column("users", "all_teams")  # SQLite drops a column itself since 3.35 (2021); no batch, as above
