"""Scorecards, evaluations and calibration sessions: the Store's quality half.

The rules and arithmetic live in scoring.py (no database); sampling rules and the distribution of
calls to checkers in distribution.py. Methods raise the errors of scoring.py: ``FieldError`` naming a
body field, ``NotFoundError``, ``ForbiddenError`` (the row says this user may not), ``ConflictError`` (wrong state).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from agentassist.store.accounts import LEADER_ROLES, AccountsMixin, UserRecord, _iso, _record
from agentassist.store.models import (
    CalibrationCallRow,
    CalibrationCheckerRow,
    CalibrationRow,
    CallRow,
    EvaluationRow,
    ScorecardRow,
    ScorecardVersionRow,
    UserRow,
)
from agentassist.store.scoring import (
    Comment,
    ConflictError,
    FieldError,
    ForbiddenError,
    NotFoundError,
    Scorecard,
    calibration_numbers,
    check_answers,
    check_comments,
    score,
)

EVALUATOR_ROLES = ("quality_checker", "team_leader", "supervisor", "admin")
RESOLVER_ROLES = ("supervisor", "admin")  # besides the evaluator


class QualityMixin(AccountsMixin):
    # ---- scorecards -------------------------------------------------------------------------------

    def create_scorecard(self, card: Scorecard, by: str) -> dict[str, Any]:
        card.check()
        now = datetime.now(UTC)
        with self._session.begin() as s:
            head = ScorecardRow(created_at=now, created_by=by)
            s.add(head)
            s.flush()
            row = _version_row(head.id, 1, card, by, now)
            s.add(row)
            s.flush()
            return _scorecard_json(row, [1])

    def update_scorecard(self, scorecard_id: int, card: Scorecard, by: str) -> dict[str, Any]:
        """A new version; evaluations made on earlier ones keep pointing at them."""
        card.check()
        try:
            with self._session.begin() as s:
                latest = _version(s, scorecard_id)
                row = _version_row(scorecard_id, latest.version + 1, card, by, datetime.now(UTC))
                s.add(row)
                s.flush()
                return _scorecard_json(row, _versions(s, scorecard_id))
        except IntegrityError:  # another version was saved meanwhile
            raise ConflictError(
                f"scorecard {scorecard_id} changed meanwhile: fetch it and send the change again"
            ) from None

    def scorecard(self, scorecard_id: int, version: int | None = None) -> dict[str, Any]:
        with self._session() as s:
            return _scorecard_json(_version(s, scorecard_id, version), _versions(s, scorecard_id))

    def scorecards(self) -> list[dict[str, Any]]:
        """The newest version of every scorecard."""
        newest = (
            select(ScorecardVersionRow.scorecard_id, func.max(ScorecardVersionRow.version).label("v"))
            .group_by(ScorecardVersionRow.scorecard_id)
            .subquery()
        )
        stmt = (
            select(ScorecardVersionRow)
            .join(
                newest,
                and_(
                    newest.c.scorecard_id == ScorecardVersionRow.scorecard_id,
                    newest.c.v == ScorecardVersionRow.version,
                ),
            )
            .order_by(ScorecardVersionRow.scorecard_id)
        )
        with self._session() as s:
            return [_scorecard_json(r, list(range(1, r.version + 1))) for r in s.scalars(stmt)]

    # ---- evaluations ------------------------------------------------------------------------------

    def create_evaluation(
        self,
        user: UserRecord,
        call_id: str,
        scorecard_id: int,
        answers: Mapping[str, Any],
        comments: Sequence[Comment],
        calibration_id: int | None = None,
    ) -> dict[str, Any]:
        """Score an ended call on the newest version of a scorecard (a calibration's: its version)."""
        with self._session.begin() as s:
            call = s.get(CallRow, call_id)
            if call is None:
                raise NotFoundError(f"no call with id {call_id!r}")
            if call.status != "ended":
                raise ConflictError(f"call {call_id!r} is {call.status}: expected an ended call")
            if call.agent == user.name:
                raise ForbiddenError(f"call {call_id!r} is {user.name}'s own: someone else scores it")
            if calibration_id is None:
                version = _version(s, scorecard_id, field="scorecard_id")
            else:
                version = _calibration_version(s, calibration_id, call_id, scorecard_id, user)
            card = _card(version)
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

    def evaluation(self, evaluation_id: int) -> dict[str, Any]:
        with self._session() as s:
            return _evaluations_json(s, [_evaluation(s, evaluation_id)])[0]

    def evaluations(
        self,
        user: UserRecord,
        *,
        call_id: str | None = None,
        evaluation_id: int | None = None,
        status: str | None = None,
        agent: str | None = None,
        evaluator: str | None = None,
        calibration_id: int | None = None,
        limit: int = 500,
    ) -> list[dict[str, Any]]:
        """The evaluations ``user`` may read, oldest first (see :meth:`readable_evaluations`)."""
        stmt = select(EvaluationRow).where(self.readable_evaluations(user))
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
        with self._session() as s:
            return _evaluations_json(s, list(s.scalars(stmt.order_by(EvaluationRow.id).limit(limit))))

    def readable_evaluations(self, user: UserRecord) -> ColumnElement[bool]:
        """Evaluations of calls in ``user``'s scope; calibration evaluations are blind while their session
        is open (only their author reads them) and never the evaluated agent's."""
        in_scope = EvaluationRow.call_id.in_(select(CallRow.id).where(self.scope_clause(user)))
        regular = EvaluationRow.calibration_id.is_(None)
        if user.role == "agent":
            return and_(in_scope, regular)
        open_sessions = select(CalibrationRow.id).where(CalibrationRow.closed_at.is_(None))
        mine = EvaluationRow.evaluator_id == user.id
        return and_(in_scope, or_(regular, mine, EvaluationRow.calibration_id.not_in(open_sessions)))

    def update_evaluation(
        self,
        user: UserRecord,
        evaluation_id: int,
        answers: Mapping[str, Any],
        comments: Sequence[Comment] | None = None,
    ) -> dict[str, Any]:
        """New answers (and comments, unless None), scored again on the version the evaluation used."""
        with self._session.begin() as s:
            row = _evaluation(s, evaluation_id)
            if row.evaluator_id != user.id:
                raise ForbiddenError(f"only its evaluator may change evaluation {row.id}")
            if row.status != "submitted":
                raise ConflictError(f"evaluation {row.id} is {row.status}: expected submitted (a dispute is resolved)")
            _open_calibration(s, row)
            _rescore(s, row, answers, comments)
            return _evaluations_json(s, [row])[0]

    def acknowledge_evaluation(self, user: UserRecord, evaluation_id: int) -> dict[str, Any]:
        with self._session.begin() as s:
            row = _agents_evaluation(s, user, evaluation_id, "acknowledge")
            if row.status not in ("submitted", "resolved"):
                raise ConflictError(f"evaluation {row.id} is {row.status}: expected submitted or resolved")
            row.status, row.acknowledged_at = "acknowledged", datetime.now(UTC)
            return _evaluations_json(s, [row])[0]

    def dispute_evaluation(self, user: UserRecord, evaluation_id: int, reason: str) -> dict[str, Any]:
        with self._session.begin() as s:
            row = _agents_evaluation(s, user, evaluation_id, "dispute")
            if row.status != "submitted":
                raise ConflictError(f"evaluation {row.id} is {row.status}: expected submitted")
            row.status, row.dispute_reason, row.disputed_at = "disputed", reason, datetime.now(UTC)
            return _evaluations_json(s, [row])[0]

    def resolve_evaluation(
        self,
        user: UserRecord,
        evaluation_id: int,
        resolution: str,
        answers: Mapping[str, Any] | None = None,
        comments: Sequence[Comment] | None = None,
    ) -> dict[str, Any]:
        """Close a dispute, by the evaluator or a supervisor, with new answers when the score changes."""
        with self._session.begin() as s:
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

    # ---- calibration sessions ---------------------------------------------------------------------

    def create_calibration(
        self, creator: UserRecord, scorecard_id: int, call_ids: Sequence[str], checkers: Sequence[str], title: str = ""
    ) -> dict[str, Any]:
        """A session on the scorecard's newest version. Each checker must be able to open each call:
        quality checkers are given the session's calls; others must have them in their scope already."""
        with self._session() as s:
            version = _version(s, scorecard_id, field="scorecard_id")
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
            if not self.can_see_call(creator, call_id):
                raise ForbiddenError(f"call {call_id!r} is outside what a {creator.role} may see")
        for i, row in enumerate(users):
            if row.role == "quality_checker":
                continue
            with self._session() as s:
                record = _record(s, row)
            for call_id in call_ids:
                if not self.can_see_call(record, call_id):
                    raise FieldError(f"checker_ids.{i}", f"{row.name} ({row.role}) may not see call {call_id!r}")
        with self._session.begin() as s:
            cal = CalibrationRow(
                scorecard_version_id=version.id, title=title, created_at=datetime.now(UTC), created_by=creator.name
            )
            s.add(cal)
            s.flush()
            s.add_all(CalibrationCallRow(calibration_id=cal.id, call_id=c) for c in call_ids)
            s.add_all(CalibrationCheckerRow(calibration_id=cal.id, user_id=u.id) for u in users)
            s.flush()
            return _calibration_json(s, cal)

    def calibration(self, calibration_id: int) -> dict[str, Any]:
        with self._session() as s:
            return _calibration_json(s, _calibration(s, calibration_id))

    def calibrations(self, user: UserRecord) -> list[dict[str, Any]]:
        """The sessions ``user`` may read (see :meth:`readable_calibrations`), newest first."""
        stmt = select(CalibrationRow).where(self.readable_calibrations(user)).order_by(CalibrationRow.id.desc())
        with self._session() as s:
            return [_calibration_json(s, c) for c in s.scalars(stmt)]

    def readable_calibrations(self, user: UserRecord) -> ColumnElement[bool]:
        """Sessions ``user`` scores in, and for a team leader or supervisor also every session whose
        calls are all in their scope (a session lists its call ids: one call of another team would
        show it); everything for whoever sees every call."""
        if self.sees_all(user):
            return true()
        member = CalibrationRow.id.in_(
            select(CalibrationCheckerRow.calibration_id).where(CalibrationCheckerRow.user_id == user.id)
        )
        if user.role not in LEADER_ROLES:
            return member
        in_scope = select(CallRow.id).where(self.scope_clause(user))
        outside = select(CalibrationCallRow.calibration_id).where(CalibrationCallRow.call_id.not_in(in_scope))
        return or_(member, CalibrationRow.id.not_in(outside))

    def can_read_calibration(self, user: UserRecord, calibration_id: int) -> bool:
        stmt = select(CalibrationRow.id).where(CalibrationRow.id == calibration_id, self.readable_calibrations(user))
        with self._session() as s:
            return s.scalar(stmt) is not None

    def close_calibration(self, calibration_id: int) -> dict[str, Any]:
        with self._session.begin() as s:
            cal = _calibration(s, calibration_id)
            if cal.closed_at is not None:
                raise ConflictError(f"calibration {cal.id} is closed: expected open")
            cal.closed_at = datetime.now(UTC)
            return _calibration_json(s, cal)

    def calibration_report(self, calibration_id: int) -> dict[str, Any]:
        with self._session() as s:
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
            numbers = calibration_numbers(_card(version), [(e.call_id, name, e.answers, e.total) for e, name in rows])
            head = _calibration_json(s, cal)
            del head["progress"]
            return {**head, **numbers}

    def _checker_extra_calls(self, user: UserRecord) -> Any:
        """A quality checker also sees the calls of the calibration sessions they score in."""
        return (
            select(CalibrationCallRow.call_id)
            .join(CalibrationCheckerRow, CalibrationCheckerRow.calibration_id == CalibrationCallRow.calibration_id)
            .where(CalibrationCheckerRow.user_id == user.id)
        )


# ---- rows -------------------------------------------------------------------------------------------


def _version_row(scorecard_id: int, version: int, card: Scorecard, by: str, now: datetime) -> ScorecardVersionRow:
    return ScorecardVersionRow(
        scorecard_id=scorecard_id,
        version=version,
        name=card.name,
        description=card.description,
        sections=[section.model_dump(mode="json") for section in card.sections],
        created_at=now,
        created_by=by,
    )


def _version(s: Session, scorecard_id: int, version: int | None = None, *, field: str = "") -> ScorecardVersionRow:
    """A version of a scorecard (the newest by default). Unknown: ``FieldError`` naming ``field`` when the
    id came in a body, else ``NotFoundError``."""
    stmt = select(ScorecardVersionRow).where(ScorecardVersionRow.scorecard_id == scorecard_id)
    if version is not None:
        stmt = stmt.where(ScorecardVersionRow.version == version)
    row = s.scalar(stmt.order_by(ScorecardVersionRow.version.desc()).limit(1))
    if row is None:
        if version is not None and s.get(ScorecardRow, scorecard_id) is not None:
            raise NotFoundError(f"scorecard {scorecard_id} has no version {version}")
        if field:
            raise FieldError(field, f"no scorecard with id {scorecard_id}")
        raise NotFoundError(f"no scorecard with id {scorecard_id}")
    return row


def _versions(s: Session, scorecard_id: int) -> list[int]:
    stmt = select(ScorecardVersionRow.version).where(ScorecardVersionRow.scorecard_id == scorecard_id)
    return list(s.scalars(stmt.order_by(ScorecardVersionRow.version)))


def _card(row: ScorecardVersionRow) -> Scorecard:
    return Scorecard.model_validate({"name": row.name, "description": row.description, "sections": row.sections})


def _scorecard_json(row: ScorecardVersionRow, versions: list[int]) -> dict[str, Any]:
    return {
        "id": row.scorecard_id,
        "version": row.version,
        "versions": versions,
        "name": row.name,
        "description": row.description,
        "sections": row.sections,
        "created_at": _iso(row.created_at),
        "created_by": row.created_by,
    }


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


def _open_calibration(s: Session, row: EvaluationRow) -> None:
    if row.calibration_id is not None and s.get_one(CalibrationRow, row.calibration_id).closed_at is not None:
        raise ConflictError(f"calibration {row.calibration_id} is closed: expected open")


def _rescore(s: Session, row: EvaluationRow, answers: Mapping[str, Any], comments: Sequence[Comment] | None) -> None:
    card = _card(s.get_one(ScorecardVersionRow, row.scorecard_version_id))
    checked = check_answers(card, answers)
    if comments is not None:
        row.comments = check_comments(card, list(comments), _duration_s(s.get_one(CallRow, row.call_id)))
    result = score(card, checked)
    row.answers, row.total, row.auto_failed = checked, result.total, result.auto_failed
    row.updated_at = datetime.now(UTC)


def _calibration_version(
    s: Session, calibration_id: int, call_id: str, scorecard_id: int, user: UserRecord
) -> ScorecardVersionRow:
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


def _calibration(s: Session, calibration_id: int) -> CalibrationRow:
    row = s.get(CalibrationRow, calibration_id)
    if row is None:
        raise NotFoundError(f"no calibration with id {calibration_id}")
    return row


def _calibration_json(s: Session, cal: CalibrationRow) -> dict[str, Any]:
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
        "scorecard": {"id": version.scorecard_id, "version": version.version, "name": version.name},
        "call_ids": list(calls),
        "checker_ids": [name for _, name in checkers],
        "status": "open" if cal.closed_at is None else "closed",
        "progress": {name: done.get(uid, 0) for uid, name in checkers},
        "created_by": cal.created_by,
        "created_at": _iso(cal.created_at),
        "closed_at": _iso(cal.closed_at),
    }


def _evaluations_json(s: Session, rows: list[EvaluationRow]) -> list[dict[str, Any]]:
    """Rows as JSON, with their call's agent, evaluator, the scorecard version they used and its
    per-section scores (one query per table for the whole list)."""
    if not rows:
        return []
    version_ids = {r.scorecard_version_id for r in rows}
    versions = {v.id: v for v in s.scalars(select(ScorecardVersionRow).where(ScorecardVersionRow.id.in_(version_ids)))}
    cards = {vid: _card(v) for vid, v in versions.items()}
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
    out = []
    for r in rows:
        v = versions[r.scorecard_version_id]
        dispute = None
        if r.disputed_at is not None:
            dispute = {
                "reason": r.dispute_reason,
                "at": _iso(r.disputed_at),
                "resolution": r.resolution,
                "resolved_by": r.resolved_by,
                "resolved_at": _iso(r.resolved_at),
            }
        calibration = None
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
                "acknowledged_at": _iso(r.acknowledged_at),
                "created_at": _iso(r.created_at),
                "updated_at": _iso(r.updated_at),
            }
        )
    return out


def _distinct(values: Sequence[str], field: str) -> list[str]:
    seen: dict[str, int] = {}
    for i, v in enumerate(values):
        if v in seen:
            raise FieldError(f"{field}.{i}", f"{v!r} is listed twice (also at {field}.{seen[v]})")
        seen[v] = i
    return list(values)


def _duration_s(call: CallRow) -> float | None:
    if call.started_at is None or call.ended_at is None:
        return None
    started, ended = (d.replace(tzinfo=UTC) if d.tzinfo is None else d for d in (call.started_at, call.ended_at))
    return round((ended - started).total_seconds(), 3)
