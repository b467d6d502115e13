"""Calibration sessions: several checkers score the same calls on one scorecard version, blind to
each other until the session is closed; the report then shows where they disagree.

Team leaders, supervisors and admins open sessions on calls they may see, and read the sessions
whose calls are all in their scope (every session for an admin or a leader with ``all_teams``);
the checkers named in a session read it, score its calls (POST /api/calls/{id}/evaluations with
``calibration_id``) and read its report. The session's creator, a supervisor or an admin closes it.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, status
from pydantic import BaseModel, ConfigDict, Field

from agentassist.api.accounts import LEADERS
from agentassist.api.deps import ID_MAX, RowId, StoreDep, answering, require
from agentassist.store.calibrations import CalibrationJson, ScorecardRef
from agentassist.store.db import Store, UserRecord
from agentassist.store.scope import EVALUATOR_ROLES

router = APIRouter(prefix="/api/calibrations", tags=["quality"])

Leader = Annotated[UserRecord, require(*LEADERS)]
Evaluator = Annotated[UserRecord, require(*EVALUATOR_ROLES)]
CLOSERS = ("supervisor", "admin")  # besides the session's creator


class CalibrationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scorecard_id: int = Field(ge=1, le=ID_MAX, description="scored on its newest version, pinned for the session")
    call_ids: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(min_length=1, max_length=100)
    checker_ids: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        min_length=2, max_length=50, description="user names of the checkers (quality checkers or leaders)"
    )
    title: str = Field("", max_length=200)


# The store's shape under the name the OpenAPI document has always given it (clients generate code from
# it): one definition of each field, in agentassist/store/calibrations.py. No docstring: it would be the schema's.
class CalibrationOut(CalibrationJson):
    pass


class CallSpread(BaseModel):
    call_id: str
    answers: dict[str, str | int] = Field(description="checker -> answer")
    min: float | None
    max: float | None
    stdev: float | None


class QuestionSpread(BaseModel):
    question_id: str
    text: str
    calls: list[CallSpread]
    mean_stdev: float | None


class TotalSpread(BaseModel):
    call_id: str
    totals: dict[str, float | None]
    min: float | None
    max: float | None
    stdev: float | None


class CheckerDeviation(BaseModel):
    checker: str
    evaluations: int
    mad: float | None = Field(description="mean |answer - mean of the others| on 0..100 points per question")
    total_mad: float | None = Field(description="mean |total - mean of the others' totals|")
    reference_mad: float | None = Field(None, description="with ?reference=: mean |answer - the reference's answer|")
    reference_total_mad: float | None = Field(None, description="with ?reference=: mean |total - the reference's|")


class CalibrationReport(BaseModel):
    id: int
    title: str
    scorecard: ScorecardRef
    call_ids: list[str]
    checker_ids: list[str]
    status: str
    created_by: str
    created_at: str | None
    closed_at: str | None
    questions: list[QuestionSpread]
    totals: list[TotalSpread]
    checkers: list[CheckerDeviation]
    reference: str | None = Field(None, description="the checker whose answers are the reference (?reference=)")


def _session(store: Store, calibration_id: int, user: UserRecord) -> CalibrationJson:
    """The session if ``user`` may read it: 404 unknown, 403 neither a checker of it nor a leader
    whose scope holds its calls."""
    with answering():
        cal = store.calibration(calibration_id)
    if not store.can_read_calibration(user, calibration_id):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            f"calibration {calibration_id} is outside what {user.name} may see: its checkers and leaders of"
            " its calls' teams may",
        )
    return cal


@router.post("", response_model=CalibrationOut, status_code=status.HTTP_201_CREATED)
def create_calibration(body: CalibrationIn, store: StoreDep, user: Leader) -> CalibrationJson:
    with answering():
        cal = store.create_calibration(user, body.scorecard_id, body.call_ids, body.checker_ids, body.title)
    store.audit(user, "calibration", detail=f"calibration {cal['id']} opened")
    return cal


@router.get("", response_model=list[CalibrationOut])
def list_calibrations(store: StoreDep, user: Evaluator) -> list[CalibrationJson]:
    return store.calibrations(user)


@router.get("/{calibration_id}", response_model=CalibrationOut)
def get_calibration(calibration_id: RowId, store: StoreDep, user: Evaluator) -> CalibrationJson:
    return _session(store, calibration_id, user)


@router.post("/{calibration_id}/close", response_model=CalibrationOut)
def close_calibration(calibration_id: RowId, store: StoreDep, user: Leader) -> CalibrationJson:
    cal = _session(store, calibration_id, user)
    if user.name != cal["created_by"] and user.role not in CLOSERS:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            f"only the creator of calibration {calibration_id}, a supervisor or an admin may close it",
        )
    with answering():
        cal = store.close_calibration(calibration_id)
    store.audit(user, "calibration", detail=f"calibration {calibration_id} closed")
    return cal


@router.get("/{calibration_id}/report", response_model=CalibrationReport)
def calibration_report(
    calibration_id: RowId,
    store: StoreDep,
    user: Evaluator,
    reference: Annotated[
        str | None, Query(max_length=200, description="a checker of the session whose answers are the reference")
    ] = None,
) -> dict[str, Any]:
    _session(store, calibration_id, user)
    with answering():
        return store.calibration_report(calibration_id, reference)
