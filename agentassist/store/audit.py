"""The audit log: who did what to which call (GET /api/audit), newest first, paged by id.

Append-only: nothing in agentassist updates or deletes a line (no route does; retention and erasures keep
it: a line holds a user, an action, a call id and a detail without personal data). Reads of recordings
are written once per play (:func:`audit_read`), not once per Range request.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import TypedDict

from sqlalchemy import Select, select

from agentassist.store.database import Database
from agentassist.store.dates import iso, utc
from agentassist.store.models import AuditRow
from agentassist.store.scope import UserRecord


class AuditEntry(TypedDict):
    id: int
    at: str
    user: str
    action: str
    call_id: str | None
    detail: str


# A player's requests from byte 0 within this long are one play (Chromium asks twice as it starts, and
# again to read a WAV's header); a request from further on is a seek of a play already written, unless
# this user has no line for the call within SEEK_WINDOW (a link opened mid-file still leaves a line).
START_WINDOW = timedelta(seconds=60)
SEEK_WINDOW = timedelta(hours=1)


class AuditLine(TypedDict):
    """A row of the log as written in bulk (retention's lines, in the transaction of their deletion)."""

    at: datetime
    user_id: int | None
    user_name: str
    action: str
    call_id: str | None
    detail: str


def audit(db: Database, user: UserRecord, action: str, call_id: str | None = None, detail: str = "") -> None:
    audit_as(db, user.name, action, call_id, detail, user_id=user.id)


def audit_as(
    db: Database,
    name: str,
    action: str,
    call_id: str | None = None,
    detail: str = "",
    *,
    user_id: int | None = None,
    at: datetime | None = None,
) -> None:
    """A line by ``name``: a user, or agentassist itself ("retention")."""
    with db.session.begin() as s:
        s.add(
            AuditRow(
                at=at or datetime.now(UTC),
                user_id=user_id,
                user_name=name,
                action=action,
                call_id=call_id,
                detail=detail,
            )
        )


def audit_read(db: Database, user: UserRecord, action: str, call_id: str, detail: str, *, from_start: bool) -> bool:
    """Write a read of a recording once per play: ``from_start`` (no Range, or one from byte 0) unless the
    same user's last such line for the call is younger than START_WINDOW; a request from further on only
    when there is none within SEEK_WINDOW. Returns whether a line was written."""
    now = datetime.now(UTC)
    window = START_WINDOW if from_start else SEEK_WINDOW
    with db.session() as s:
        last = s.scalar(
            select(AuditRow.at)
            .where(AuditRow.user_id == user.id, AuditRow.call_id == call_id, AuditRow.action == action)
            .order_by(AuditRow.id.desc())
            .limit(1)
        )
    if last is not None and now - utc(last) < window:
        return False
    audit(db, user, action, call_id, detail)
    return True


def _filtered(
    user: str | None,
    call_id: str | None,
    action: str | None = None,
    from_: datetime | None = None,
    to: datetime | None = None,
) -> Select[AuditRow]:
    stmt = select(AuditRow)
    if user:
        stmt = stmt.where(AuditRow.user_name == user)
    if call_id:
        stmt = stmt.where(AuditRow.call_id == call_id)
    if action:  # "recording", or a family: "privacy." is every privacy.* action
        stmt = stmt.where(AuditRow.action.startswith(action) if action.endswith(".") else AuditRow.action == action)
    if from_:
        stmt = stmt.where(AuditRow.at >= from_)
    if to:
        stmt = stmt.where(AuditRow.at < to)
    return stmt


def _entry(r: AuditRow) -> AuditEntry:
    return AuditEntry(id=r.id, at=iso(r.at), user=r.user_name, action=r.action, call_id=r.call_id, detail=r.detail)


def audit_log(
    db: Database,
    *,
    user: str | None = None,
    call_id: str | None = None,
    action: str | None = None,
    from_: datetime | None = None,
    to: datetime | None = None,
    before: int | None = None,
    limit: int = 100,
) -> tuple[list[AuditEntry], int | None]:
    """One page of entries and the ``before`` of the next page (None: this is the last)."""
    stmt = _filtered(user, call_id, action, from_, to)
    if before is not None:
        stmt = stmt.where(AuditRow.id < before)
    with db.session() as s:
        rows = list(s.scalars(stmt.order_by(AuditRow.id.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return [_entry(r) for r in rows], (rows[-1].id if more and rows else None)


def audit_lines(
    db: Database,
    *,
    user: str | None = None,
    call_id: str | None = None,
    call_ids: list[str] | None = None,
    action: str | None = None,
    from_: datetime | None = None,
    to: datetime | None = None,
    batch: int = 1000,
) -> Iterator[AuditEntry]:
    """Every matching entry, oldest first, read ``batch`` at a time (a CSV export of any length)."""
    stmt = _filtered(user, call_id, action, from_, to)
    if call_ids is not None:
        stmt = stmt.where(AuditRow.call_id.in_(call_ids))
    after = 0
    while True:
        with db.session() as s:
            rows = list(s.scalars(stmt.where(AuditRow.id > after).order_by(AuditRow.id).limit(batch)))
        yield from (_entry(r) for r in rows)
        if len(rows) < batch:
            return
        after = rows[-1].id
