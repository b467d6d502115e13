"""A quality checker's work queue: the calls distribution (or a leader by hand) assigned to them that
they have not evaluated yet, oldest assignment first; and, for a page listing calls, which of them are
evaluated already, by this user and by anyone whose evaluation this user may read.

Only a regular evaluation takes a call off the queue: a calibration score is another exercise (blind,
on the session's scorecard) and leaves the assignment to be done.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypedDict

from sqlalchemy import case, func, select

from agentassist.store.database import Database
from agentassist.store.dates import iso, utc
from agentassist.store.distribution import AssignmentJson
from agentassist.store.evaluations import readable_evaluations
from agentassist.store.models import AssignmentRow, CallRow, EvaluationRow
from agentassist.store.scope import UserRecord, visible_calls

MAX_ASKED_CALLS = 500  # a calls page shows 25 rows a page; a bound keeps one IN (...) list small


class QueuedJson(AssignmentJson):
    """An assignment with what the queue shows of its call."""

    agent: str
    remote: str
    direction: str
    started_at: str | None
    duration_s: float | None


class EvaluatedJson(TypedDict):
    call_id: str
    by_me: int
    by_anyone: int


def queue(db: Database, user: UserRecord) -> list[QueuedJson]:
    """The calls assigned to ``user`` that they may see and have not evaluated (outside calibration)."""
    done = select(EvaluationRow.call_id).where(
        EvaluationRow.evaluator_id == user.id, EvaluationRow.calibration_id.is_(None)
    )
    stmt = (
        select(AssignmentRow, CallRow)
        .join(CallRow, CallRow.id == AssignmentRow.call_id)
        .where(AssignmentRow.checker_id == user.id, AssignmentRow.call_id.not_in(done), visible_calls(user))
        .order_by(AssignmentRow.assigned_at, AssignmentRow.id)
    )
    with db.session() as s:
        return [_queued_json(a, c, user.name) for a, c in s.execute(stmt)]


def evaluated(db: Database, user: UserRecord, call_ids: Sequence[str]) -> list[EvaluatedJson]:
    """For each of ``call_ids`` that has an evaluation ``user`` may read: how many are ``user``'s own
    and how many in all. Calls with none are left out."""
    mine = func.sum(case((EvaluationRow.evaluator_id == user.id, 1), else_=0))
    stmt = (
        select(EvaluationRow.call_id, mine, func.count(EvaluationRow.id))
        .where(EvaluationRow.call_id.in_(list(call_ids)), readable_evaluations(user))
        .group_by(EvaluationRow.call_id)
        .order_by(EvaluationRow.call_id)
    )
    with db.session() as s:
        return [EvaluatedJson(call_id=c, by_me=int(m or 0), by_anyone=int(n)) for c, m, n in s.execute(stmt)]


def _queued_json(a: AssignmentRow, c: CallRow, checker: str) -> QueuedJson:
    ended, started = utc(c.ended_at), utc(c.started_at)
    duration = (ended - started).total_seconds() if ended is not None and started is not None else None
    return QueuedJson(
        id=a.id,
        call_id=c.id,
        checker=checker,
        assigned_at=iso(a.assigned_at),
        assigned_by=a.assigned_by,
        agent=c.agent,
        remote=c.remote,
        direction=c.direction,
        started_at=iso(c.started_at),
        duration_s=duration,
    )
