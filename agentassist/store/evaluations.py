"""Evaluations: a call scored on a scorecard version by a checker, then acknowledged or disputed by
the evaluated agent and resolved; calibration sessions' blind evaluations too (calibrations.py).

Errors are scoring.py's: ``FieldError`` names the body field at fault, ``NotFoundError``, ``ForbiddenError``
when the row says this user may not (another's evaluation), ``ConflictError`` when its state says not now.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, TypedDict

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from agentassist.store.calibrations import calibration_version, check_open
from agentassist.store.database import Database
from agentassist.store.dates import iso, seconds_between
from agentassist.store.models import CalibrationRow, CallRow, EvaluationRow, ScorecardVersionRow, UserRow
from agentassist.store.scope import UserRecord, visible_calls
from agentassist.store.scorecards import card_of, scorecard_version
from agentassist.store.scoring import (
    Comment,
    ConflictError,
    ForbiddenError,
    NotFoundError,
    check_answers,
    check_comments,
    score,
)

RESOLVER_ROLES = ("supervisor", "admin")  # besides the evaluator


class UsedScorecard(TypedDict):
    id: int
    version: int
    name: str
    description: str
    sections: list[dict[str, Any]]


class InCalibration(TypedDict):
    id: int
    open: bool


class Dispute(TypedDict):
    reason: str | None
    at: str
    resolution: str | None
    resolved_by: str | None
    resolved_at: str | None


class EvaluationJson(TypedDict):
    id: int
    call_id: str
    agent: str
    evaluator: str
    scorecard: UsedScorecard
    calibration: InCalibration | None
    answers: dict[str, Any]
    comments: list[dict[str, Any]]
    total: float | None
    auto_failed: bool
    section_scores: list[dict[str, Any]]
    status: str
    dispute: Dispute | None
    acknowledged_at: str | None
    created_at: str
    updated_at: str


def create_evaluation(
    db: Database,
    user: UserRecord,
    call_id: str,
    scorecard_id: int,
    answers: Mapping[str, Any],
    comments: Sequence[Comment],
    calibration_id: int | None = None,
) -> EvaluationJson:
    """Score an ended call on the newest version of a scorecard (a calibration's: its version)."""
    with db.session.begin() as s:
        call = checked_call(s, call_id, user, "scores")
        if calibration_id is None:
            version = scorecard_version(s, scorecard_id, field="scorecard_id")
        else:
            version = calibration_version(s, calibration_id, call_id, scorecard_id, user)
        card = card_of(version)
        checked = check_answers(card, answers)
        notes = check_comments(card, list(comments), _duration_s(call))
        earlier = s.scalar(
            select(EvaluationRow.id)
            .join(ScorecardVersionRow, ScorecardVersionRow.id == EvaluationRow.scorecard_version_id)
            .where(
                EvaluationRow.call_id == call_id,
                EvaluationRow.evaluator_id == user.id,
                ScorecardVersionRow.scorecard_id == scorecard_id,
                EvaluationRow.calibration_id.is_(None)
                if calibration_id is None
                else EvaluationRow.calibration_id == calibration_id,
            )
        )
        if earlier is not None:
            raise ConflictError(
                f"{user.name} already scored call {call_id!r} on scorecard {scorecard_id} as evaluation"
                f" {earlier}: change it with PUT /api/evaluations/{earlier}"
            )
        result = score(card, checked)
        now = datetime.now(UTC)
        row = EvaluationRow(
            call_id=call_id,
            scorecard_version_id=version.id,
            evaluator_id=user.id,
            calibration_id=calibration_id,
            answers=checked,
            comments=notes,
            total=result.total,
            auto_failed=result.auto_failed,
            status="submitted",
            created_at=now,
            updated_at=now,
        )
        s.add(row)
        s.flush()
        return _evaluations_json(s, [row])[0]


def checked_call(s: Session, call_id: str, user: UserRecord, verb: str) -> CallRow:
    """The call ``user`` scores or checks: it ended, and it is someone else's."""
    call = s.get(CallRow, call_id)
    if call is None:
        raise NotFoundError(f"no call with id {call_id!r}")
    if call.status != "ended":
        raise ConflictError(f"call {call_id!r} is {call.status}: expected an ended call")
    if call.agent == user.name:
        raise ForbiddenError(f"call {call_id!r} is {user.name}'s own: someone else {verb} it")
    return call


def evaluation(db: Database, evaluation_id: int) -> EvaluationJson:
    with db.session() as s:
        return _evaluations_json(s, [_evaluation(s, evaluation_id)])[0]


def evaluations(
    db: Database,
    user: UserRecord,
    *,
    call_id: str | None = None,
    evaluation_id: int | None = None,
    status: str | None = None,
    agent: str | None = None,
    evaluator: str | None = None,
    calibration_id: int | None = None,
    limit: int = 500,
) -> list[EvaluationJson]:
    """The evaluations ``user`` may read, oldest first (see :func:`readable_evaluations`)."""
    stmt = select(EvaluationRow).where(readable_evaluations(user))
    if call_id is not None:
        stmt = stmt.where(EvaluationRow.call_id == call_id)
    if evaluation_id is not None:
        stmt = stmt.where(EvaluationRow.id == evaluation_id)
    if status:
        stmt = stmt.where(EvaluationRow.status == status)
    if calibration_id is not None:
        stmt = stmt.where(EvaluationRow.calibration_id == calibration_id)
    if agent:
        stmt = stmt.where(EvaluationRow.call_id.in_(select(CallRow.id).where(CallRow.agent == agent)))
    if evaluator:
        stmt = stmt.where(EvaluationRow.evaluator_id.in_(select(UserRow.id).where(UserRow.name == evaluator)))
    with db.session() as s:
        return _evaluations_json(s, list(s.scalars(stmt.order_by(EvaluationRow.id).limit(limit))))


def readable_evaluations(user: UserRecord) -> ColumnElement[bool]:
    """Evaluations of calls in ``user``'s scope; calibration evaluations are blind while their session
    is open (only their author reads them) and never the evaluated agent's."""
    in_scope = EvaluationRow.call_id.in_(select(CallRow.id).where(visible_calls(user)))
    regular = EvaluationRow.calibration_id.is_(None)
    if user.role == "agent":
        return and_(in_scope, regular)
    open_sessions = select(CalibrationRow.id).where(CalibrationRow.closed_at.is_(None))
    mine = EvaluationRow.evaluator_id == user.id
    return and_(in_scope, or_(regular, mine, EvaluationRow.calibration_id.not_in(open_sessions)))


def update_evaluation(
    db: Database,
    user: UserRecord,
    evaluation_id: int,
    answers: Mapping[str, Any],
    comments: Sequence[Comment] | None = None,
) -> EvaluationJson:
    """New answers (and comments, unless None), scored again on the version the evaluation used."""
    with db.session.begin() as s:
        row = _evaluation(s, evaluation_id)
        if row.evaluator_id != user.id:
            raise ForbiddenError(f"only its evaluator may change evaluation {row.id}")
        if row.status != "submitted":
            raise ConflictError(f"evaluation {row.id} is {row.status}: expected submitted (a dispute is resolved)")
        check_open(s, row)
        _rescore(s, row, answers, comments)
        return _evaluations_json(s, [row])[0]


def acknowledge_evaluation(db: Database, user: UserRecord, evaluation_id: int) -> EvaluationJson:
    with db.session.begin() as s:
        row = _agents_evaluation(s, user, evaluation_id, "acknowledge")
        if row.status not in ("submitted", "resolved"):
            raise ConflictError(f"evaluation {row.id} is {row.status}: expected submitted or resolved")
        row.status, row.acknowledged_at = "acknowledged", datetime.now(UTC)
        return _evaluations_json(s, [row])[0]


def dispute_evaluation(db: Database, user: UserRecord, evaluation_id: int, reason: str) -> EvaluationJson:
    with db.session.begin() as s:
        row = _agents_evaluation(s, user, evaluation_id, "dispute")
        if row.status != "submitted":
            raise ConflictError(f"evaluation {row.id} is {row.status}: expected submitted")
        row.status, row.dispute_reason, row.disputed_at = "disputed", reason, datetime.now(UTC)
        return _evaluations_json(s, [row])[0]


def resolve_evaluation(
    db: Database,
    user: UserRecord,
    evaluation_id: int,
    resolution: str,
    answers: Mapping[str, Any] | None = None,
    comments: Sequence[Comment] | None = None,
) -> EvaluationJson:
    """Close a dispute, by the evaluator or a supervisor, with new answers when the score changes."""
    with db.session.begin() as s:
        row = _evaluation(s, evaluation_id)
        if row.evaluator_id != user.id and user.role not in RESOLVER_ROLES:
            raise ForbiddenError(f"only its evaluator or a supervisor may resolve evaluation {row.id}")
        if row.status != "disputed":
            raise ConflictError(f"evaluation {row.id} is {row.status}: expected disputed")
        if answers is not None or comments is not None:
            _rescore(s, row, answers if answers is not None else row.answers, comments)
        now = datetime.now(UTC)
        row.status, row.resolution, row.resolved_by, row.resolved_at = "resolved", resolution, user.name, now
        return _evaluations_json(s, [row])[0]


def _evaluation(s: Session, evaluation_id: int) -> EvaluationRow:
    row = s.get(EvaluationRow, evaluation_id)
    if row is None:
        raise NotFoundError(f"no evaluation with id {evaluation_id}")
    return row


def _agents_evaluation(s: Session, user: UserRecord, evaluation_id: int, verb: str) -> EvaluationRow:
    row = _evaluation(s, evaluation_id)
    agent = s.get_one(CallRow, row.call_id).agent
    if user.name != agent or row.calibration_id is not None:
        raise ForbiddenError(f"only the evaluated agent may {verb} evaluation {row.id}")
    return row


def _rescore(s: Session, row: EvaluationRow, answers: Mapping[str, Any], comments: Sequence[Comment] | None) -> None:
    card = card_of(s.get_one(ScorecardVersionRow, row.scorecard_version_id))
    checked = check_answers(card, answers)
    if comments is not None:
        row.comments = check_comments(card, list(comments), _duration_s(s.get_one(CallRow, row.call_id)))
    result = score(card, checked)
    row.answers, row.total, row.auto_failed = checked, result.total, result.auto_failed
    row.updated_at = datetime.now(UTC)


def _evaluations_json(s: Session, rows: list[EvaluationRow]) -> list[EvaluationJson]:
    """Rows as JSON, with their call's agent, evaluator, the scorecard version they used and its
    per-section scores (one query per table for the whole list)."""
    if not rows:
        return []
    version_ids = {r.scorecard_version_id for r in rows}
    versions = {v.id: v for v in s.scalars(select(ScorecardVersionRow).where(ScorecardVersionRow.id.in_(version_ids)))}
    cards = {vid: card_of(v) for vid, v in versions.items()}
    names = dict(
        s.execute(select(UserRow.id, UserRow.name).where(UserRow.id.in_({r.evaluator_id for r in rows}))).all()
    )
    agents = dict(s.execute(select(CallRow.id, CallRow.agent).where(CallRow.id.in_({r.call_id for r in rows}))).all())
    cal_ids = {r.calibration_id for r in rows if r.calibration_id is not None}
    closed = dict(
        s.execute(select(CalibrationRow.id, CalibrationRow.closed_at).where(CalibrationRow.id.in_(cal_ids))).all()
        if cal_ids
        else []
    )
    out: list[EvaluationJson] = []
    for r in rows:
        v = versions[r.scorecard_version_id]
        dispute: Dispute | None = None
        if r.disputed_at is not None:
            dispute = {
                "reason": r.dispute_reason,
                "at": iso(r.disputed_at),
                "resolution": r.resolution,
                "resolved_by": r.resolved_by,
                "resolved_at": iso(r.resolved_at),
            }
        calibration: InCalibration | None = None
        if r.calibration_id is not None:
            calibration = {"id": r.calibration_id, "open": closed.get(r.calibration_id) is None}
        out.append(
            {
                "id": r.id,
                "call_id": r.call_id,
                "agent": agents.get(r.call_id, ""),
                "evaluator": names.get(r.evaluator_id, ""),
                "scorecard": {
                    "id": v.scorecard_id,
                    "version": v.version,
                    "name": v.name,
                    "description": v.description,
                    "sections": v.sections,
                },
                "calibration": calibration,
                "answers": r.answers,
                "comments": r.comments,
                "total": r.total,
                "auto_failed": r.auto_failed,
                "section_scores": score(cards[v.id], r.answers).sections,
                "status": r.status,
                "dispute": dispute,
                "acknowledged_at": iso(r.acknowledged_at),
                "created_at": iso(r.created_at),
                "updated_at": iso(r.updated_at),
            }
        )
    return out


def _duration_s(call: CallRow) -> float | None:
    if call.started_at is None or call.ended_at is None:
        return None
    return round(seconds_between(call.started_at, call.ended_at), 3)
