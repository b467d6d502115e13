"""The language a user reads the pages in: ``users.language`` (en, ru, uk, pl; NULL: the browser's).

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # a plain ADD COLUMN, as 0005: SQLite's batch would copy the table that other tables point at
    op.add_column("users", sa.Column("language", sa.String(10), nullable=True))


def downgrade() -> None:
    op.drop_column("users", "language")
