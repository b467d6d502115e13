"""The team leader's wall beyond the live calls: every agent of the viewer's scope with their state
(``GET /api/wall/agents``) and the day's numbers (``GET /api/wall/kpis``); docs/wall.md.

An agent's state, from what this server knows now, the first that holds:

1. ``in_call``: a call of theirs is active and not on hold (the wall's tiles: ``call.held`` /
   ``call.unheld`` keep the flag; a call the wall has not seeded yet counts from its row);
2. ``on_hold``: every active call of theirs is on hold;
3. ``ringing``: an inbound call rings on their desk, or an outbound call they dialled is not answered yet;
4. ``offline``: no desk of theirs is connected (no phone on the wire, and not this server's softphone);
5. ``wrap_up``: their last answered call ended less than ``wrap_up_s`` ago and has no disposition;
6. ``idle``: their desk is connected, and none of the above.

The database is read twice per request (the roster, the calls that decide a state: active, ringing,
or ended within the wrap-up window); the live tiles are read on the loop, the desks and the
database in a worker thread (a softphone answers what rings on its own thread).
"""

from __future__ import annotations

import asyncio
import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from agentassist.api.deps import StoreDep, require
from agentassist.api.live import LIVE_WALL_ROLES
from agentassist.api.wall import WallHub
from agentassist.desk import Desks
from agentassist.errors import AgentassistError
from agentassist.store import floor
from agentassist.store.dates import iso, utc
from agentassist.store.db import Store, UserRecord

router = APIRouter(prefix="/api/wall", tags=["live"])

WallViewer = Annotated[UserRecord, require(*LIVE_WALL_ROLES)]


@dataclass(frozen=True, slots=True)
class LiveCall:
    """An active call on the wall (its tile): whose, since when, held, how many alerts so far."""

    call_id: str
    agent: str
    started_at: datetime
    on_hold: bool
    alerts: int


@dataclass(frozen=True, slots=True)
class DeskView:
    connected: bool
    ringing: tuple[tuple[str, datetime], ...] = ()  # (call id, since), oldest first


class AgentState(enum.StrEnum):
    IN_CALL = "in_call"
    ON_HOLD = "on_hold"
    RINGING = "ringing"
    OFFLINE = "offline"
    WRAP_UP = "wrap_up"
    IDLE = "idle"


def agent_state(
    name: str,
    teams: Iterable[str],
    live: list[LiveCall],
    desk: DeskView,
    recent: list[floor.RecentCall],
    now: datetime,
    wrap_up_s: float,
) -> dict[str, Any]:
    """One agent's entry (see the module docstring); ``recent``: their calls from the store, oldest first."""
    live_ids = {c.call_id for c in live}
    calls = list(live) + [  # active in the store, not on the wall yet
        LiveCall(c.id, name, c.started_at, False, 0) for c in recent if c.status == "active" and c.id not in live_ids
    ]
    dialling = [(c.id, c.started_at) for c in recent if c.status == "ringing"]
    ringing = sorted([*desk.ringing, *dialling], key=lambda r: r[1])
    state: AgentState
    call_id: str | None = None
    since: datetime | None = None
    if calls:
        talking = [c for c in calls if not c.on_hold]
        state = AgentState.IN_CALL if talking else AgentState.ON_HOLD
        current = min(talking or calls, key=lambda c: c.started_at)
        call_id, since = current.call_id, current.started_at
    elif ringing:
        state = AgentState.RINGING
        call_id, since = ringing[0]
    elif not desk.connected:
        state = AgentState.OFFLINE
    else:
        answered = [c for c in recent if c.status == "ended" and c.ended_at is not None]
        last = max(answered, key=lambda c: c.ended_at or now, default=None)
        if last is not None and last.disposition is None and last.ended_at is not None:
            if (now - last.ended_at).total_seconds() < wrap_up_s:
                state, call_id, since = AgentState.WRAP_UP, last.id, last.ended_at
            else:
                state = AgentState.IDLE
        else:
            state = AgentState.IDLE
            since = last.ended_at if last is not None else None
    return {
        "name": name,
        "teams": list(teams),
        "state": state.value,
        "since": iso(since),
        "call_id": call_id,
        "calls": [c.call_id for c in sorted(calls, key=lambda c: c.started_at)],
        "ringing": len(ringing),
        "alerts": sum(c.alerts for c in calls),
        "desk": desk.connected,
    }


def _desk_view(desks: Desks | None, agent: str) -> DeskView:
    if desks is None or agent not in desks.agents():
        return DeskView(False)
    try:
        ringing = desks.for_agent(agent).ringing()
    except AgentassistError:  # detached meanwhile, or its softphone stopping
        return DeskView(False)
    return DeskView(True, tuple((c.call_id, utc(c.started_at)) for c in ringing))


def _agents(
    store: Store, user: UserRecord, live: list[LiveCall], desks: Desks | None, wrap_up_s: float
) -> list[dict[str, Any]]:
    now = datetime.now(UTC)
    roster = floor.roster(store, user)
    recent = floor.recent_calls(store, [a.name for a in roster], now - timedelta(seconds=wrap_up_s))
    out = []
    for agent in roster:
        mine = [c for c in recent if c.agent == agent.name]
        on_wall = [c for c in live if c.agent == agent.name]
        out.append(agent_state(agent.name, agent.teams, on_wall, _desk_view(desks, agent.name), mine, now, wrap_up_s))
    return out


class AgentOut(BaseModel):
    name: str
    teams: list[str]
    state: AgentState
    since: str | None = Field(description="when the state began, where known (ISO 8601, UTC)")
    call_id: str | None = Field(description="the call the state is about: the one talked on, held, ringing, wrapped up")
    calls: list[str] = Field(description="the agent's active calls, oldest first")
    ringing: int = Field(description="calls ringing on the agent's desk or dialled by them, not answered yet")
    alerts: int = Field(description="alerts raised so far in the agent's active calls")
    desk: bool = Field(description="a desk (a phone on the wire, or this server's softphone) is connected")


class AgentsOut(BaseModel):
    agents: list[AgentOut]
    wrap_up_s: float
    at: str


class KpisOut(BaseModel):
    from_: str = Field(alias="from", serialization_alias="from")
    team: str | None
    calls: int = Field(description="answered calls (active or ended) started since `from`")
    active: int
    handled: int = Field(description="ended calls")
    failed: int = Field(description="calls never answered")
    aht_s: float | None = Field(description="average handle time (start to end) of the handled calls")
    adherence_mean: float | None = Field(description="mean adherence score (0..1) of the handled calls with one")
    alerts: int = Field(description="alerts raised in these calls")


@router.get("/agents", response_model=AgentsOut)
async def wall_agents(request: Request, store: StoreDep, user: WallViewer) -> dict[str, Any]:
    """Every agent user in the viewer's scope with their state now, by name."""
    hub: WallHub = request.app.state.wall
    live = [  # read on the loop, which is the only writer of the tiles
        LiveCall(t.call_id, t.details.agent, t.details.started_at, t.on_hold, t.alerts_total)
        for t in hub.state.tiles.values()
        if t.details is not None
    ]
    desks = getattr(request.app.state.runtime, "desks", None)  # NullRuntime: no desks at all
    wrap_up_s = hub.options.wrap_up_s
    agents = await asyncio.to_thread(_agents, store, user, live, desks if isinstance(desks, Desks) else None, wrap_up_s)
    return {"agents": agents, "wrap_up_s": wrap_up_s, "at": iso(datetime.now(UTC))}


From = Annotated[
    datetime | None,
    Query(alias="from", description="calls started at or after (ISO 8601; a page sends its local midnight)"),
]
Team = Annotated[str | None, Query(max_length=200, description="only this team's members' calls")]


@router.get("/kpis", response_model=KpisOut, response_model_by_alias=True)
async def wall_kpis(
    request: Request, store: StoreDep, user: WallViewer, from_: From = None, team: Team = None
) -> dict[str, Any]:
    """The day's numbers of the calls in the viewer's scope: since ``from`` (default: today's UTC midnight).
    Alerts: the stored ones of the calls that ended, and the wall's count of each active call's."""
    since = utc(from_) if from_ is not None else datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    numbers = await asyncio.to_thread(floor.day_numbers, store, user, since, team or None)
    hub: WallHub = request.app.state.wall
    tiles = hub.state.tiles
    numbers["alerts"] += sum(tiles[c].alerts_total for c in numbers.pop("active_ids") if c in tiles)
    return numbers
