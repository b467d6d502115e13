"""Legal holds: a call, or every call of a campaign, that neither retention nor an erasure may delete
while the hold stands. A hold says who placed it, when and why; releasing it keeps the row (who, when)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import cast

from sqlalchemy import ColumnElement, and_, or_, select

# typing_extensions' (pydantic's own dependency): FastAPI answers with this shape on Python 3.11, where
# pydantic cannot read typing.TypedDict
from typing_extensions import TypedDict

from agentassist.store.database import Database
from agentassist.store.dates import iso
from agentassist.store.models import CallRow, LegalHoldRow
from agentassist.store.scoring import ConflictError, FieldError, NotFoundError


class HoldJson(TypedDict):
    id: int
    call_id: str | None
    campaign: str | None
    reason: str
    created_by: str
    created_at: str
    released_by: str | None
    released_at: str | None


def place_hold(
    db: Database, by: str, reason: str, *, call_id: str | None = None, campaign: str | None = None
) -> HoldJson:
    """A hold on one call or on one campaign (exactly one of them); the call must exist."""
    if (call_id is None) == (campaign is None):
        raise FieldError("call_id", "expected exactly one of call_id and campaign")
    if not reason.strip():
        raise FieldError("reason", "expected why the hold is placed (a case, a request), got nothing")
    with db.session.begin() as s:
        if call_id is not None and s.get(CallRow, call_id) is None:
            raise NotFoundError(f"no call with id {call_id!r}")
        row = LegalHoldRow(
            call_id=call_id, campaign=campaign, reason=reason.strip(), created_by=by, created_at=datetime.now(UTC)
        )
        s.add(row)
        s.flush()
        return _json(row)


def holds(db: Database, *, active: bool = True) -> list[HoldJson]:
    """The holds standing (``active``) or every hold ever placed, newest first."""
    stmt = select(LegalHoldRow).order_by(LegalHoldRow.id.desc())
    if active:
        stmt = stmt.where(LegalHoldRow.released_at.is_(None))
    with db.session() as s:
        return [_json(r) for r in s.scalars(stmt)]


def release_hold(db: Database, hold_id: int, by: str) -> HoldJson:
    with db.session.begin() as s:
        row = s.get(LegalHoldRow, hold_id)
        if row is None:
            raise NotFoundError(f"no legal hold with id {hold_id}")
        if row.released_at is not None:
            raise ConflictError(f"legal hold {hold_id} was released already, by {row.released_by}")
        row.released_by, row.released_at = by, datetime.now(UTC)
        return _json(row)


def not_held() -> ColumnElement[bool]:
    """A condition on CallRow: no standing hold names the call or its campaign."""
    standing = LegalHoldRow.released_at.is_(None)
    held_calls = select(LegalHoldRow.call_id).where(standing, LegalHoldRow.call_id.is_not(None))
    held_campaigns = select(LegalHoldRow.campaign).where(standing, LegalHoldRow.campaign.is_not(None))
    return and_(
        CallRow.id.not_in(held_calls),
        or_(CallRow.campaign.is_(None), CallRow.campaign.not_in(held_campaigns)),
    )


def _json(row: LegalHoldRow) -> HoldJson:
    out = {name: getattr(row, name) for name in HoldJson.__annotations__}
    out["created_at"], out["released_at"] = iso(row.created_at), iso(row.released_at)
    return cast(HoldJson, out)
