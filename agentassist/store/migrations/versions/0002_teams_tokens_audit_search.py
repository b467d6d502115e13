"""Teams, passwords and login tokens, the audit log, dispositions, alert types, full-text search.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)

# SQLite: an FTS5 index over utterances.text kept in step by triggers (unicode61 folds case and
# diacritics in every script, so Cyrillic and Polish text are searchable as well as English).
SQLITE_FTS = [
    "CREATE VIRTUAL TABLE utterances_fts USING fts5(text, content='utterances', content_rowid='rowid',"
    " tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER utterances_fts_ai AFTER INSERT ON utterances BEGIN"
    " INSERT INTO utterances_fts(rowid, text) VALUES (new.rowid, new.text); END",
    "CREATE TRIGGER utterances_fts_ad AFTER DELETE ON utterances BEGIN"
    " INSERT INTO utterances_fts(utterances_fts, rowid, text) VALUES ('delete', old.rowid, old.text); END",
    "CREATE TRIGGER utterances_fts_au AFTER UPDATE ON utterances BEGIN"
    " INSERT INTO utterances_fts(utterances_fts, rowid, text) VALUES ('delete', old.rowid, old.text);"
    " INSERT INTO utterances_fts(rowid, text) VALUES (new.rowid, new.text); END",
    "INSERT INTO utterances_fts(utterances_fts) VALUES ('rebuild')",
]
# PostgreSQL: a GIN index on the 'simple' text search configuration (no language's stemming assumed).
PG_FTS = ["CREATE INDEX ix_utterances_text_tsv ON utterances USING gin (to_tsvector('simple', text))"]


def upgrade() -> None:
    with op.batch_alter_table("users") as b:
        b.add_column(sa.Column("password_hash", sa.String(200), nullable=True))
    with op.batch_alter_table("calls") as b:
        b.add_column(sa.Column("disposition", sa.String(100), nullable=True))
    op.create_table(
        "teams",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
    )
    op.create_table(
        "team_members",
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), primary_key=True),
        sa.Column("team_id", sa.Integer, sa.ForeignKey("teams.id"), primary_key=True),
    )
    op.create_table(
        "session_tokens",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("expires_at", TZ, nullable=False),
    )
    op.create_index("ix_session_tokens_user_id", "session_tokens", ["user_id"])
    op.create_table(
        "audit",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", TZ, nullable=False),
        sa.Column("user_id", sa.Integer, nullable=True),
        sa.Column("user_name", sa.String(200), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("call_id", sa.String(64), nullable=True),
        sa.Column("detail", sa.Text, nullable=False),
    )
    op.create_index("ix_audit_at", "audit", ["at"])
    op.create_index("ix_audit_user_name", "audit", ["user_name"])
    op.create_index("ix_audit_call_id", "audit", ["call_id"])
    op.create_table(
        "call_alerts",
        sa.Column("call_id", sa.String(64), sa.ForeignKey("calls.id"), primary_key=True),
        sa.Column("type", sa.String(60), primary_key=True),
        sa.Column("count", sa.Integer, nullable=False),
    )
    op.create_table(
        "assignments",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("call_id", sa.String(64), sa.ForeignKey("calls.id"), nullable=False),
        sa.Column("checker_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("assigned_at", TZ, nullable=False),
        sa.Column("assigned_by", sa.String(200), nullable=False),
        sa.UniqueConstraint("call_id", "checker_id", name="uq_assignments_call_checker"),
    )
    op.create_index("ix_assignments_call_id", "assignments", ["call_id"])
    op.create_index("ix_assignments_checker_id", "assignments", ["checker_id"])
    # alert types of reports saved before this revision
    bind = op.get_bind()
    reports = sa.table("adherence", sa.column("call_id", sa.String), sa.column("report", sa.JSON))
    alerts = sa.table("call_alerts", sa.column("call_id"), sa.column("type"), sa.column("count", sa.Integer))
    for call_id, report in bind.execute(sa.select(reports.c.call_id, reports.c.report)):
        counts: dict[str, int] = {}
        for a in (report or {}).get("alerts", []):
            counts[str(a.get("type"))] = counts.get(str(a.get("type")), 0) + 1
        for kind, n in counts.items():
            bind.execute(alerts.insert().values(call_id=call_id, type=kind, count=n))
    for sql in SQLITE_FTS if bind.dialect.name == "sqlite" else PG_FTS if bind.dialect.name == "postgresql" else []:
        op.execute(sql)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for suffix in ("ai", "ad", "au"):
            op.execute(f"DROP TRIGGER utterances_fts_{suffix}")
        op.execute("DROP TABLE utterances_fts")
    elif bind.dialect.name == "postgresql":
        op.execute("DROP INDEX ix_utterances_text_tsv")
    for table in ("assignments", "call_alerts", "audit", "session_tokens", "team_members", "teams"):
        op.drop_table(table)
    with op.batch_alter_table("calls") as b:
        b.drop_column("disposition")
    with op.batch_alter_table("users") as b:
        b.drop_column("password_hash")
