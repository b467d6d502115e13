"""Calibration sessions: checkers score the same calls blind on one scorecard version; once the
session is closed its report compares them (scoring.calibration_numbers).

Functions raise the errors of scoring.py: ``FieldError`` naming a body field, ``NotFoundError``,
``ForbiddenError`` (the row says this user may not), ``ConflictError`` (wrong state).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import Field
from sqlalchemy import ColumnElement, func, or_, select, true
from sqlalchemy.orm import Session
from typing_extensions import TypedDict  # pydantic reads it (the API's schema) on Python 3.11

from agentassist.store.accounts import user_record
from agentassist.store.database import Database
from agentassist.store.dates import iso
from agentassist.store.models import (
    CalibrationCallRow,
    CalibrationCheckerRow,
    CalibrationRow,
    CallRow,
    EvaluationRow,
    ScorecardVersionRow,
    UserRow,
)
from agentassist.store.scope import EVALUATOR_ROLES, LEADER_ROLES, UserRecord, can_see_call, sees_all, visible_calls
from agentassist.store.scorecards import card_of, scorecard_version
from agentassist.store.scoring import ConflictError, FieldError, ForbiddenError, NotFoundError, calibration_numbers


# The API's shapes (agentassist.api.calibrations): no docstrings, which would become their schemas'.
class ScorecardRef(TypedDict):
    id: int
    version: int
    name: str


class CalibrationJson(TypedDict):
    id: int
    title: str
    scorecard: ScorecardRef
    call_ids: list[str]
    checker_ids: list[str]
    status: Annotated[str, Field(description="open | closed")]
    progress: Annotated[dict[str, int], Field(description="checker -> calls scored so far (no scores while open)")]
    created_by: str
    created_at: str | None  # never None; the API's schema has said "or null" from the start, and still does
    closed_at: str | None


def create_calibration(
    db: Database,
    creator: UserRecord,
    scorecard_id: int,
    call_ids: Sequence[str],
    checkers: Sequence[str],
    title: str = "",
) -> CalibrationJson:
    """A session on the scorecard's newest version. Each checker must be able to open each call:
    quality checkers are given the session's calls; others must have them in their scope already."""
    with db.session() as s:
        version = scorecard_version(s, scorecard_id, field="scorecard_id")
        members = _distinct(checkers, "checker_ids")
        for i, call_id in enumerate(_distinct(call_ids, "call_ids")):
            call = s.get(CallRow, call_id)
            if call is None:
                raise FieldError(f"call_ids.{i}", f"no call with id {call_id!r}")
            if call.status != "ended":
                raise FieldError(f"call_ids.{i}", f"call {call_id!r} is {call.status}: expected an ended call")
        users: list[UserRow] = []
        for i, name in enumerate(members):
            row = s.scalar(select(UserRow).where(UserRow.name == name, UserRow.deleted_at.is_(None)))
            if row is None:
                raise FieldError(f"checker_ids.{i}", f"no user named {name!r}")
            if row.role not in EVALUATOR_ROLES:
                raise FieldError(
                    f"checker_ids.{i}",
                    f"user {name!r} is a {row.role}, expected one of {', '.join(EVALUATOR_ROLES)}",
                )
            users.append(row)
    for call_id in call_ids:
        if not can_see_call(db, creator, call_id):
            raise ForbiddenError(f"call {call_id!r} is outside what a {creator.role} may see")
    for i, row in enumerate(users):
        if row.role == "quality_checker":
            continue
        with db.session() as s:
            record = user_record(s, row)
        for call_id in call_ids:
            if not can_see_call(db, record, call_id):
                raise FieldError(f"checker_ids.{i}", f"{row.name} ({row.role}) may not see call {call_id!r}")
    with db.session.begin() as s:
        cal = CalibrationRow(
            scorecard_version_id=version.id, title=title, created_at=datetime.now(UTC), created_by=creator.name
        )
        s.add(cal)
        s.flush()
        s.add_all(CalibrationCallRow(calibration_id=cal.id, call_id=c) for c in call_ids)
        s.add_all(CalibrationCheckerRow(calibration_id=cal.id, user_id=u.id) for u in users)
        s.flush()
        return _calibration_json(s, cal)


def calibration(db: Database, calibration_id: int) -> CalibrationJson:
    with db.session() as s:
        return _calibration_json(s, _calibration(s, calibration_id))


def calibrations(db: Database, user: UserRecord) -> list[CalibrationJson]:
    """The sessions ``user`` may read (see :func:`readable_calibrations`), newest first."""
    stmt = select(CalibrationRow).where(readable_calibrations(user)).order_by(CalibrationRow.id.desc())
    with db.session() as s:
        return [_calibration_json(s, c) for c in s.scalars(stmt)]


def readable_calibrations(user: UserRecord) -> ColumnElement[bool]:
    """Sessions ``user`` scores in, and for a team leader or supervisor also every session whose
    calls are all in their scope (a session lists its call ids: one call of another team would
    show it); everything for whoever sees every call."""
    if sees_all(user):
        return true()
    member = CalibrationRow.id.in_(
        select(CalibrationCheckerRow.calibration_id).where(CalibrationCheckerRow.user_id == user.id)
    )
    if user.role not in LEADER_ROLES:
        return member
    in_scope = select(CallRow.id).where(visible_calls(user))
    outside = select(CalibrationCallRow.calibration_id).where(CalibrationCallRow.call_id.not_in(in_scope))
    return or_(member, CalibrationRow.id.not_in(outside))


def can_read_calibration(db: Database, user: UserRecord, calibration_id: int) -> bool:
    stmt = select(CalibrationRow.id).where(CalibrationRow.id == calibration_id, readable_calibrations(user))
    with db.session() as s:
        return s.scalar(stmt) is not None


def close_calibration(db: Database, calibration_id: int) -> CalibrationJson:
    with db.session.begin() as s:
        cal = _calibration(s, calibration_id)
        if cal.closed_at is not None:
            raise ConflictError(f"calibration {cal.id} is closed: expected open")
        cal.closed_at = datetime.now(UTC)
        return _calibration_json(s, cal)


def calibration_report(db: Database, calibration_id: int, reference: str | None = None) -> dict[str, Any]:
    """The closed session (without its progress) and how its checkers agreed (scoring.calibration_numbers),
    also with each one's distance from ``reference``, one of its checkers, when given."""
    with db.session() as s:
        cal = _calibration(s, calibration_id)
        if cal.closed_at is None:
            raise ConflictError(
                f"calibration {cal.id} is open: expected closed (scores stay blind until"
                f" POST /api/calibrations/{cal.id}/close)"
            )
        version = s.get_one(ScorecardVersionRow, cal.scorecard_version_id)
        rows = s.execute(
            select(EvaluationRow, UserRow.name)
            .join(UserRow, UserRow.id == EvaluationRow.evaluator_id)
            .where(EvaluationRow.calibration_id == cal.id)
        ).all()
        session = _calibration_json(s, cal)
        head = {k: v for k, v in session.items() if k != "progress"}
        if reference is not None and reference not in session["checker_ids"]:
            raise FieldError("reference", f"{reference!r} is no checker of calibration {cal.id}: expected one of them")
        scores = [(e.call_id, name, e.answers, e.total) for e, name in rows]
        numbers = calibration_numbers(card_of(version), scores, reference)
        return {**head, **numbers}


def calibration_version(
    s: Session, calibration_id: int, call_id: str, scorecard_id: int, user: UserRecord
) -> ScorecardVersionRow:
    """The scorecard version of calibration session ``calibration_id``, when ``user`` may score ``call_id``
    in it now (a checker of the open session, the call one of its calls)."""
    cal = s.get(CalibrationRow, calibration_id)
    if cal is None:
        raise FieldError("calibration_id", f"no calibration with id {calibration_id}")
    version = s.get_one(ScorecardVersionRow, cal.scorecard_version_id)
    if version.scorecard_id != scorecard_id:
        raise FieldError(
            "scorecard_id", f"calibration {cal.id} uses scorecard {version.scorecard_id}, got {scorecard_id}"
        )
    if s.get(CalibrationCheckerRow, (cal.id, user.id)) is None:
        raise ForbiddenError(f"{user.name} is not a checker of calibration {cal.id}")
    if s.get(CalibrationCallRow, (cal.id, call_id)) is None:
        raise FieldError("calibration_id", f"call {call_id!r} is not in calibration {cal.id}")
    if cal.closed_at is not None:
        raise ConflictError(f"calibration {cal.id} is closed: expected open")
    return version


def check_open(s: Session, row: EvaluationRow) -> None:
    """Refuse a change to an evaluation of a closed calibration session (its report is out)."""
    if row.calibration_id is not None and s.get_one(CalibrationRow, row.calibration_id).closed_at is not None:
        raise ConflictError(f"calibration {row.calibration_id} is closed: expected open")


def _calibration(s: Session, calibration_id: int) -> CalibrationRow:
    row = s.get(CalibrationRow, calibration_id)
    if row is None:
        raise NotFoundError(f"no calibration with id {calibration_id}")
    return row


def _calibration_json(s: Session, cal: CalibrationRow) -> CalibrationJson:
    version = s.get_one(ScorecardVersionRow, cal.scorecard_version_id)
    calls = s.scalars(
        select(CalibrationCallRow.call_id)
        .where(CalibrationCallRow.calibration_id == cal.id)
        .order_by(CalibrationCallRow.call_id)
    )
    checkers = s.execute(
        select(UserRow.id, UserRow.name)
        .join(CalibrationCheckerRow, CalibrationCheckerRow.user_id == UserRow.id)
        .where(CalibrationCheckerRow.calibration_id == cal.id)
        .order_by(UserRow.name)
    ).all()
    done = dict(
        s.execute(
            select(EvaluationRow.evaluator_id, func.count())
            .where(EvaluationRow.calibration_id == cal.id)
            .group_by(EvaluationRow.evaluator_id)
        ).all()
    )
    return {
        "id": cal.id,
        "title": cal.title,
        "scorecard": ScorecardRef(id=version.scorecard_id, version=version.version, name=version.name),
        "call_ids": list(calls),
        "checker_ids": [name for _, name in checkers],
        "status": "open" if cal.closed_at is None else "closed",
        "progress": {name: done.get(uid, 0) for uid, name in checkers},
        "created_by": cal.created_by,
        "created_at": iso(cal.created_at),
        "closed_at": iso(cal.closed_at),
    }


def _distinct(values: Sequence[str], field: str) -> list[str]:
    seen: dict[str, int] = {}
    for i, v in enumerate(values):
        if v in seen:
            raise FieldError(f"{field}.{i}", f"{v!r} is listed twice (also at {field}.{seen[v]})")
        seen[v] = i
    return list(values)
