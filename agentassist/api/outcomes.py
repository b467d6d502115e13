"""Outcomes of a campaign by script version, by day and by step (docs/outcomes.md): JSON, or one
table as CSV. Leaders read the calls in their scope, a client their campaigns' (scope.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Response, status
from pydantic import BaseModel, Field
from sqlalchemy import select

from agentassist.api.deps import StoreDep, check_range, require
from agentassist.store.db import Store, UserRecord
from agentassist.store.models import CallRow
from agentassist.store.outcomes import TABLES, as_csv, outcomes
from agentassist.store.scope import CLIENT, reported_calls

router = APIRouter(prefix="/api/outcomes", tags=["outcomes"])

OUTCOME_ROLES = ("team_leader", "supervisor", "admin", CLIENT)
Reader = Annotated[UserRecord, require(*OUTCOME_ROLES)]


class Share(BaseModel):
    count: int
    calls: int
    rate: float | None = Field(description="count / calls; null with no calls")
    low: float | None = Field(description="Wilson score interval, 95 %")
    high: float | None


class Mean(BaseModel):
    mean: float | None
    low: float | None = Field(description="Student's t interval, 95 %; null below two values")
    high: float | None


class AdherenceMean(Mean):
    calls: int = Field(description="calls with an adherence score")


class VersionRow(BaseModel):
    script_id: str | None
    version: int | None = Field(description="the version the call's checklist ended on; null: no checklist")
    calls: int
    handle_time_s: Mean
    adherence: AdherenceMean
    outcome: Share = Field(description="the chosen outcome disposition's share")
    dispositions: dict[str, Share] = Field(description="every disposition's share; 'none' for no disposition")


class DayRow(Share):
    day: str = Field(description="YYYY-MM-DD, UTC")
    script_id: str | None
    version: int | None


class Difference(BaseModel):
    value: float | None = Field(description="said rate - not-said rate")
    low: float | None = Field(description="Newcombe's hybrid score interval, 95 %")
    high: float | None


class StepRow(BaseModel):
    script_id: str | None
    version: int | None
    step_id: str
    said: Share = Field(description="the outcome among calls where the step was said")
    not_said: Share = Field(description="... and among those where it was not")
    difference: Difference


class OutcomesOut(BaseModel):
    campaign: str
    from_: datetime | None = Field(alias="from", serialization_alias="from")
    to: datetime | None
    outcome: str
    confidence: float
    calls: int = Field(description="ended calls counted")
    dispositions: list[str]
    versions: list[VersionRow]
    days: list[DayRow]
    steps: list[StepRow]


@router.get(
    "",
    response_model=OutcomesOut,
    response_model_by_alias=True,
    responses={200: {"content": {"text/csv": {}}}},
)
def get_outcomes(
    store: StoreDep,
    user: Reader,
    campaign: Annotated[str, Query(min_length=1, max_length=200, description="the campaign (no such: no calls)")],
    from_: Annotated[datetime | None, Query(alias="from", description="calls started at or after (ISO 8601)")] = None,
    to: Annotated[datetime | None, Query(description="calls started before (ISO 8601)")] = None,
    outcome: Annotated[str, Query(min_length=1, max_length=100, description="the disposition that counts")] = "sale",
    format: Annotated[Literal["json", "csv"], Query(description="csv: the one table named by `table`")] = "json",
    table: Annotated[Literal["versions", "days", "steps"], Query(description="which table the CSV holds")] = "versions",
) -> Any:
    check_range(from_, to)
    check_client_campaign(user, campaign)
    answer = outcomes(store, user, campaign=campaign, outcome=outcome, from_=from_, to=to)
    if format == "csv":
        assert table in TABLES
        return Response(
            as_csv(answer[table]),
            media_type="text/csv; charset=utf-8",
            headers={"content-disposition": f'attachment; filename="outcomes-{table}.csv"'},
        )
    return answer


@router.get("/campaigns", response_model=list[str])
def outcome_campaigns(store: StoreDep, user: Reader) -> list[str]:
    """The campaigns of the calls this user's reports add up (a client's own), for a picker."""
    if user.role == CLIENT:
        return list(user.campaigns)
    return campaigns(store, user)


def campaigns(store: Store, user: UserRecord) -> list[str]:
    stmt = select(CallRow.campaign).distinct().where(reported_calls(user), CallRow.campaign.is_not(None))
    with store.session() as s:
        return sorted(c for c in s.scalars(stmt) if c)


def check_client_campaign(user: UserRecord, campaign: str | None) -> None:
    """A client names only their own campaigns: 403 for any other, known or not, alike (reports too)."""
    if user.role == CLIENT and campaign is not None and campaign not in user.campaigns:
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"campaign {campaign!r} is not one of this client's")
