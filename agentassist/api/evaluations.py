"""Evaluations: a call scored on a scorecard version, with comments at moments of the call; answers
pre-filled from the call's adherence report; the evaluated agent acknowledges or disputes, and the
evaluator or a supervisor resolves a dispute.

Quality checkers, team leaders, supervisors and admins evaluate the calls they may see. Everyone
reads the evaluations of the calls they may see, except calibration evaluations, which stay blind
(their author alone reads them) until the session is closed and are never shown to the agent.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, status
from pydantic import BaseModel, ConfigDict, Field

from agentassist.api.deps import ID_MAX, RowId, StoreDep, UserDep, answering, require, visible_call
from agentassist.store.db import Store, UserRecord
from agentassist.store.evaluations import EvaluationJson
from agentassist.store.offers import with_marks
from agentassist.store.scope import EVALUATOR_ROLES
from agentassist.store.scoring import Comment, Scorecard, Section, prefill

router = APIRouter(prefix="/api", tags=["quality"])

Evaluator = Annotated[UserRecord, require(*EVALUATOR_ROLES)]
Answers = dict[str, Any]
ANSWERS_DOC = "question id -> 'yes' | 'no' (yes_no), a whole number min..max (scale), or 'na' where allowed"
Status = Literal["submitted", "acknowledged", "disputed", "resolved"]


class EvaluationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scorecard_id: int = Field(ge=1, le=ID_MAX)
    answers: Answers = Field(description=ANSWERS_DOC)
    comments: list[Comment] = Field(default_factory=list, max_length=500)
    calibration_id: int | None = Field(None, ge=1, le=ID_MAX, description="score this call for a calibration session")


class EvaluationUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answers: Answers = Field(description=ANSWERS_DOC)
    comments: list[Comment] | None = Field(None, max_length=500, description="null keeps the comments")


class DisputeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=5000, pattern=r"\S")


class ResolveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    resolution: str = Field(min_length=1, max_length=5000, pattern=r"\S")
    answers: Answers | None = Field(None, description="new answers when the score changes; " + ANSWERS_DOC)
    comments: list[Comment] | None = Field(None, max_length=500)


class ScorecardVersion(BaseModel):
    id: int
    version: int
    name: str
    description: str
    sections: list[Section]


class CalibrationRef(BaseModel):
    id: int
    open: bool


class SectionScore(BaseModel):
    id: str
    title: str
    score: float | None


class DisputeOut(BaseModel):
    reason: str | None
    at: str | None
    resolution: str | None
    resolved_by: str | None
    resolved_at: str | None


class EvaluationOut(BaseModel):
    id: int
    call_id: str
    agent: str
    evaluator: str
    scorecard: ScorecardVersion = Field(description="the version this evaluation was made with")
    calibration: CalibrationRef | None
    answers: dict[str, str | int]
    comments: list[Comment]
    total: float | None = Field(description="0..100; 0 after an auto-fail 'no'; null when every answer is 'na'")
    auto_failed: bool
    section_scores: list[SectionScore]
    status: Status
    dispute: DisputeOut | None
    acknowledged_at: str | None
    created_at: str | None
    updated_at: str | None


class PrefillOut(BaseModel):
    call_id: str
    scorecard: dict[str, int] = Field(description="{id, version}: the newest version")
    report: bool = Field(description="whether the call has an adherence report")
    answers: dict[str, str] = Field(description="question id -> 'yes' (step done) | 'no' (step missed)")
    sources: dict[str, dict[str, Any]] = Field(
        description="question id -> {step, status, t, marked?}; marked: your step mark (said | not_said) decided it"
    )


def readable(store: Store, evaluation_id: int, user: UserRecord) -> EvaluationJson:
    """The evaluation if ``user`` may read it: 404 unknown, 403 out of scope or blind. The answers name
    only the evaluation asked for, never its call or session, which the caller may not know."""
    with answering():
        found = store.evaluation(evaluation_id)
    if not store.can_see_call(user, found["call_id"]):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, f"evaluation {evaluation_id} is of a call outside what {user.name} may see"
        )
    mine = store.evaluations(user, evaluation_id=evaluation_id)
    if not mine:
        cal = found["calibration"]
        why = "blind until its session is closed" if cal and cal["open"] else "not shown to the agent"
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"evaluation {evaluation_id} is a calibration score: {why}")
    return mine[0]


@router.get("/calls/{call_id}/evaluations/prefill", response_model=PrefillOut)
def prefill_evaluation(
    call_id: str, store: StoreDep, user: Evaluator, scorecard_id: Annotated[int, Query(ge=1, le=ID_MAX)]
) -> dict[str, Any]:
    visible_call(store, call_id, user)
    with answering():
        card = store.scorecard(scorecard_id)
    mine = [m for m in store.offers(user, call_id=call_id) if m["checker"] == user.name]
    report = with_marks(store.adherence(call_id), mine)  # what this checker heard, where they marked a step
    answers, sources = prefill(
        Scorecard.model_validate({k: card[k] for k in ("name", "description", "sections")}), report
    )
    return {
        "call_id": call_id,
        "scorecard": {"id": card["id"], "version": card["version"]},
        "report": report is not None,
        "answers": answers,
        "sources": sources,
    }


@router.post("/calls/{call_id}/evaluations", response_model=EvaluationOut, status_code=status.HTTP_201_CREATED)
def create_evaluation(call_id: str, body: EvaluationIn, store: StoreDep, user: Evaluator) -> EvaluationJson:
    visible_call(store, call_id, user)
    with answering():
        ev = store.create_evaluation(
            user, call_id, body.scorecard_id, body.answers, body.comments, calibration_id=body.calibration_id
        )
    store.audit(user, "evaluation", call_id, f"evaluation {ev['id']} total {ev['total']}")
    return ev


@router.get("/calls/{call_id}/evaluations", response_model=list[EvaluationOut])
def list_call_evaluations(call_id: str, store: StoreDep, user: UserDep) -> list[EvaluationJson]:
    visible_call(store, call_id, user)
    return store.evaluations(user, call_id=call_id)


@router.get("/evaluations", response_model=list[EvaluationOut])
def list_evaluations(
    store: StoreDep,
    user: UserDep,
    status_: Annotated[Status | None, Query(alias="status")] = None,
    agent: str | None = None,
    evaluator: str | None = None,
    calibration_id: Annotated[int | None, Query(ge=1, le=ID_MAX)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[EvaluationJson]:
    return store.evaluations(
        user, status=status_, agent=agent, evaluator=evaluator, calibration_id=calibration_id, limit=limit
    )


@router.get("/evaluations/{evaluation_id}", response_model=EvaluationOut)
def get_evaluation(evaluation_id: RowId, store: StoreDep, user: UserDep) -> EvaluationJson:
    return readable(store, evaluation_id, user)


@router.put("/evaluations/{evaluation_id}", response_model=EvaluationOut)
def update_evaluation(evaluation_id: RowId, body: EvaluationUpdate, store: StoreDep, user: Evaluator) -> EvaluationJson:
    readable(store, evaluation_id, user)
    with answering():
        ev = store.update_evaluation(user, evaluation_id, body.answers, body.comments)
    store.audit(user, "evaluation", ev["call_id"], f"evaluation {evaluation_id} changed, total {ev['total']}")
    return ev


@router.post("/evaluations/{evaluation_id}/acknowledge", response_model=EvaluationOut)
def acknowledge_evaluation(evaluation_id: RowId, store: StoreDep, user: UserDep) -> EvaluationJson:
    readable(store, evaluation_id, user)
    with answering():
        ev = store.acknowledge_evaluation(user, evaluation_id)
    store.audit(user, "evaluation", ev["call_id"], f"evaluation {evaluation_id} acknowledged")
    return ev


@router.post("/evaluations/{evaluation_id}/dispute", response_model=EvaluationOut)
def dispute_evaluation(evaluation_id: RowId, body: DisputeIn, store: StoreDep, user: UserDep) -> EvaluationJson:
    readable(store, evaluation_id, user)
    with answering():
        ev = store.dispute_evaluation(user, evaluation_id, body.reason)
    store.audit(user, "evaluation", ev["call_id"], f"evaluation {evaluation_id} disputed")
    return ev


@router.post("/evaluations/{evaluation_id}/resolve", response_model=EvaluationOut)
def resolve_evaluation(evaluation_id: RowId, body: ResolveIn, store: StoreDep, user: Evaluator) -> EvaluationJson:
    readable(store, evaluation_id, user)
    with answering():
        ev = store.resolve_evaluation(user, evaluation_id, body.resolution, body.answers, body.comments)
    store.audit(user, "evaluation", ev["call_id"], f"evaluation {evaluation_id} resolved, total {ev['total']}")
    return ev
