"""Calls the center shares with its campaigns' clients (``shared_calls``): a client sees a call only
when it is shared and of one of their campaigns (scope.py); the rest of a campaign they see only
added up, in reports and outcomes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TypedDict

from sqlalchemy import delete, select

from agentassist.store.database import Database
from agentassist.store.dates import iso
from agentassist.store.models import CallRow, SharedCallRow
from agentassist.store.scoring import ConflictError, NotFoundError


class SharedJson(TypedDict):
    call_id: str
    campaign: str | None
    shared: bool
    shared_by: str | None
    shared_at: str | None


def share_call(db: Database, call_id: str, by: str) -> SharedJson:
    """Share ``call_id`` with its campaign's clients (again: unchanged). A call of no campaign has no
    client to share it with: ConflictError."""
    with db.session.begin() as s:
        call = s.get(CallRow, call_id)
        if call is None:
            raise NotFoundError(f"no call with id {call_id!r}")
        if not call.campaign:
            raise ConflictError(
                f"call {call_id!r} is of no campaign: no client could see it; expected a campaign's call"
            )
        if s.get(SharedCallRow, call_id) is None:
            s.add(SharedCallRow(call_id=call_id, shared_by=by, shared_at=datetime.now(UTC)))
    return sharing(db, call_id)


def unshare_call(db: Database, call_id: str) -> SharedJson:
    """Stop sharing ``call_id`` (not shared: unchanged); its clients no longer list or play it."""
    with db.session.begin() as s:
        s.execute(delete(SharedCallRow).where(SharedCallRow.call_id == call_id))
    return sharing(db, call_id)


def sharing(db: Database, call_id: str) -> SharedJson:
    with db.session() as s:
        campaign = s.scalar(select(CallRow.campaign).where(CallRow.id == call_id))
        row = s.get(SharedCallRow, call_id)
        return {
            "call_id": call_id,
            "campaign": campaign,
            "shared": row is not None,
            "shared_by": row.shared_by if row else None,
            "shared_at": iso(row.shared_at) if row else None,
        }
