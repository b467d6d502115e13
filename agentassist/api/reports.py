"""Reports: per agent and per team, over the calls the user may see (docs/reports.md); JSON or CSV.

Agents get their own row; team leaders and supervisors their teams' agents; admins (and leaders
with ``all_teams``) everyone; a client every call of their campaigns. The teams report is for leaders
and clients. Quality checkers get neither: their scope is their work list, not the floor's performance.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from agentassist.api.accounts import LEADERS
from agentassist.api.deps import StoreDep, check_range, require
from agentassist.api.outcomes import check_client_campaign
from agentassist.store.db import UserRecord
from agentassist.store.reports import as_csv

router = APIRouter(prefix="/api/reports", tags=["reports"])

AgentsReader = Annotated[UserRecord, require("agent", *LEADERS, "client")]
TeamsReader = Annotated[UserRecord, require(*LEADERS, "client")]
From = Annotated[datetime | None, Query(alias="from", description="calls started at or after (ISO 8601)")]
To = Annotated[datetime | None, Query(description="calls started before (ISO 8601)")]
Campaign = Annotated[str | None, Query(max_length=200, description="only this campaign's calls")]
Format = Annotated[Literal["json", "csv"], Query(description="csv: one row per agent or team, for a spreadsheet")]


class Metrics(BaseModel):
    calls: int = Field(description="ended calls")
    failed_calls: int = Field(description="calls that were never answered")
    handle_time_s_total: float
    handle_time_s_mean: float | None
    talk_s: float = Field(description="the agent's speech (final utterances)")
    listen_s: float = Field(description="the customer's speech")
    talk_listen_ratio: float | None = Field(description="talk_s / listen_s; null when the customer never spoke")
    silence_s: float = Field(description="handle time no speech, card-data pause or hold covers")
    silence_ratio: float | None = Field(description="silence_s / handle_time_s_total")
    adherence_mean: float | None = Field(description="mean adherence score (0..1) of the calls that have one")
    adherence_calls: int
    quality_mean: float | None = Field(description="mean evaluation total (0..100), calibration ones left out")
    evaluations: int
    outbound_calls: int
    dispositions: dict[str, int] = Field(description="outbound calls per disposition; 'none' for no disposition")


class AgentRow(Metrics):
    agent: str


class TeamRow(Metrics):
    team: str
    agents: int = Field(description="members with calls in the range")


class Report(BaseModel):
    from_: datetime | None = Field(alias="from", serialization_alias="from")
    to: datetime | None
    campaign: str | None


class AgentReport(Report):
    items: list[AgentRow]


class TeamReport(Report):
    items: list[TeamRow]


def _answer(rows: list[dict[str, Any]], key: str, fmt: str, meta: dict[str, Any], name: str) -> Any:
    if fmt == "csv":
        return Response(
            as_csv(rows, key),
            media_type="text/csv; charset=utf-8",
            headers={"content-disposition": f'attachment; filename="{name}.csv"'},
        )
    return {**meta, "items": rows}


@router.get(
    "/agents",
    response_model=AgentReport,
    response_model_by_alias=True,
    responses={200: {"content": {"text/csv": {}}}},
)
def agents_report(
    store: StoreDep,
    user: AgentsReader,
    from_: From = None,
    to: To = None,
    campaign: Campaign = None,
    format: Format = "json",
) -> Any:
    check_range(from_, to)
    check_client_campaign(user, campaign)
    rows = store.agent_report(user, from_=from_, to=to, campaign=campaign)
    return _answer(rows, "agent", format, {"from": from_, "to": to, "campaign": campaign}, "agents")


@router.get(
    "/teams",
    response_model=TeamReport,
    response_model_by_alias=True,
    responses={200: {"content": {"text/csv": {}}}},
)
def teams_report(
    store: StoreDep,
    user: TeamsReader,
    from_: From = None,
    to: To = None,
    campaign: Campaign = None,
    format: Format = "json",
) -> Any:
    check_range(from_, to)
    check_client_campaign(user, campaign)
    rows = store.team_report(user, from_=from_, to=to, campaign=campaign)
    return _answer(rows, "team", format, {"from": from_, "to": to, "campaign": campaign}, "teams")
