"""A quality checker's day: their work queue (the calls assigned to them not yet evaluated by them,
oldest assignment first; "next" on the replay page opens its head), which of a page's calls are
evaluated already (the calls list marks them), and the users who may score calls (a leader picks a
calibration session's checkers from them)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from agentassist.api.accounts import AssignmentOut
from agentassist.api.deps import StoreDep
from agentassist.api.distribution import Leader
from agentassist.api.evaluations import Evaluator
from agentassist.store.queue import MAX_ASKED_CALLS, EvaluatedJson, QueuedJson
from agentassist.store.scope import EVALUATOR_ROLES

router = APIRouter(prefix="/api/quality", tags=["quality"])


class QueuedOut(AssignmentOut):
    agent: str
    remote: str
    direction: str
    started_at: str | None
    duration_s: float | None


class EvaluatedOut(BaseModel):
    call_id: str
    by_me: int = Field(description="the asker's own evaluations of the call (calibration scores included)")
    by_anyone: int = Field(description="every evaluation of the call that the asker may read")


@router.get("/queue", response_model=list[QueuedOut])
def my_queue(store: StoreDep, user: Evaluator) -> list[QueuedJson]:
    """The calls assigned to me that I have not evaluated yet (a calibration score does not count),
    oldest assignment first. Only quality checkers get assignments: anyone else's queue is empty."""
    return store.queue(user)


@router.get("/evaluated", response_model=list[EvaluatedOut])
def evaluated_calls(
    store: StoreDep,
    user: Evaluator,
    call_id: Annotated[list[str], Query(min_length=1, max_length=MAX_ASKED_CALLS)],
) -> list[EvaluatedJson]:
    """Of the calls asked (``?call_id=a&call_id=b``), those with an evaluation I may read: how many
    are mine and how many in all. A call with none, or one I may not see, is left out."""
    return store.evaluated(user, call_id)


class CheckerOut(BaseModel):
    name: str
    role: str
    teams: list[str]


@router.get("/checkers", response_model=list[CheckerOut])
def list_checkers(store: StoreDep, user: Leader) -> list[dict[str, object]]:
    """Everyone who may score calls (quality checkers, team leaders, supervisors, admins), quality
    checkers first, by name: the choices for a calibration session's checkers."""
    found = [u for u in store.users() if u["role"] in EVALUATOR_ROLES]
    found.sort(key=lambda u: (u["role"] != "quality_checker", u["name"]))
    return [{"name": u["name"], "role": u["role"], "teams": u["teams"]} for u in found]
