"""Sampling rules and the distribution of ended calls to quality checkers (team leaders, supervisors
and admins). The work lists are GET /api/assignments (accounts.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Response, status
from pydantic import BaseModel, ConfigDict, Field

from agentassist.api.accounts import LEADERS, AssignmentOut
from agentassist.api.deps import RowId, StoreDep, answering, require
from agentassist.store.db import UserRecord
from agentassist.store.distribution import Distribution, RuleJson

router = APIRouter(prefix="/api", tags=["quality"])

Leader = Annotated[UserRecord, require(*LEADERS)]


class RuleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scope: Literal["agent", "team", "campaign"]
    target: str = Field(min_length=1, max_length=200, description="the agent's name, the team's or the campaign")
    per_period: int = Field(ge=1, le=10000, description="calls sampled per period")
    period: Literal["day", "week"] = Field(description="a UTC day, or an ISO week from Monday 00:00 UTC")
    allow_own_team: bool = Field(False, description="a checker may get calls of agents of their own team")


class RuleOut(BaseModel):
    id: int
    scope: str
    target: str
    per_period: int
    period: str
    allow_own_team: bool
    created_by: str
    created_at: str | None


class DistributeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    from_: datetime = Field(alias="from", description="calls started at or after (UTC when no offset is given)")
    to: datetime = Field(description="calls started before")


class Skipped(BaseModel):
    call_id: str
    reason: str


class DistributeOut(BaseModel):
    assigned: list[AssignmentOut]
    skipped: list[Skipped] = Field(description="sampled calls no checker may take")
    load: dict[str, int] = Field(description="checker -> assignments of calls started in the range")


@router.post("/assignment-rules", response_model=RuleOut, status_code=status.HTTP_201_CREATED)
def create_rule(body: RuleIn, store: StoreDep, user: Leader) -> RuleJson:
    with answering():
        rule = store.add_rule(body.scope, body.target, body.per_period, body.period, body.allow_own_team, user.name)
    store.audit(
        user,
        "assignment_rule",
        detail=f"rule {rule['id']}: {body.per_period} per {body.period} of {body.scope} {body.target}",
    )
    return rule


@router.get("/assignment-rules", response_model=list[RuleOut])
def list_rules(store: StoreDep, user: Leader) -> list[RuleJson]:
    return store.rules()


@router.delete("/assignment-rules/{rule_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_rule(rule_id: RowId, store: StoreDep, user: Leader) -> Response:
    with answering():
        store.delete_rule(rule_id)
    store.audit(user, "assignment_rule", detail=f"rule {rule_id} deleted")
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/assignments/distribute", response_model=DistributeOut)
def distribute(body: DistributeIn, store: StoreDep, user: Leader) -> Distribution:
    with answering():
        out = store.distribute(user, body.from_, body.to)
    store.audit(user, "distribute", detail=f"{len(out['assigned'])} calls from {body.from_} to {body.to}")
    return out
