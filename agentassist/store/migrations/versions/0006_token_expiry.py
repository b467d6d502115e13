"""API tokens expire: ``users.token_expires_at`` (NULL: never).

Tokens that exist at the upgrade get now + ``[server] api_token_ttl_days`` (passed by Store.migrate;
90 days when it is not), so an old token keeps working for one rotation period, not forever.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import context, op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # plain ADD/DROP COLUMN, as 0005: a batch copy of users trips the foreign keys that point at it
    op.add_column("users", sa.Column("token_expires_at", sa.DateTime(timezone=True), nullable=True))
    ttl_days = int(context.config.attributes.get("api_token_ttl_days", 90))
    if ttl_days > 0:
        users = sa.table("users", sa.column("token_expires_at", sa.DateTime(timezone=True)))
        op.execute(users.update().values(token_expires_at=datetime.now(UTC) + timedelta(days=ttl_days)))


def downgrade() -> None:
    op.drop_column("users", "token_expires_at")
