"""The audit log: who did what to which call (GET /api/audit), newest first, paged by id."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TypedDict

from sqlalchemy import select

from agentassist.store.database import Database
from agentassist.store.dates import iso
from agentassist.store.models import AuditRow
from agentassist.store.scope import UserRecord


class AuditEntry(TypedDict):
    id: int
    at: str
    user: str
    action: str
    call_id: str | None
    detail: str


def audit(db: Database, user: UserRecord, action: str, call_id: str | None = None, detail: str = "") -> None:
    with db.session.begin() as s:
        s.add(
            AuditRow(
                at=datetime.now(UTC),
                user_id=user.id,
                user_name=user.name,
                action=action,
                call_id=call_id,
                detail=detail,
            )
        )


def audit_log(
    db: Database, *, user: str | None = None, call_id: str | None = None, before: int | None = None, limit: int = 100
) -> tuple[list[AuditEntry], int | None]:
    """One page of entries and the ``before`` of the next page (None: this is the last)."""
    stmt = select(AuditRow)
    if user:
        stmt = stmt.where(AuditRow.user_name == user)
    if call_id:
        stmt = stmt.where(AuditRow.call_id == call_id)
    if before is not None:
        stmt = stmt.where(AuditRow.id < before)
    with db.session() as s:
        rows = list(s.scalars(stmt.order_by(AuditRow.id.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    items = [
        AuditEntry(id=r.id, at=iso(r.at), user=r.user_name, action=r.action, call_id=r.call_id, detail=r.detail)
        for r in rows
    ]
    return items, (rows[-1].id if more and rows else None)
