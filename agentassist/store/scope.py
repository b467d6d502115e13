"""Who a user is to the store, and which calls they see: the one place that decides it.

Every listing, report, sample and check of the store narrows calls with :func:`visible_calls`;
evaluations and calibration sessions are visible through their calls (evaluations.py,
calibrations.py). By role:

- admin, or a team leader or supervisor given ``all_teams``: every call (:func:`sees_all`);
- team leader, supervisor: their own calls and their teams' members' calls;
- agent: their own calls;
- quality checker: the calls assigned to them and the calls of the calibration sessions they score in;
- client: the calls the center shared (:class:`SharedCallRow`) of their campaigns;
- anyone else: none.

Reports and outcomes add up the calls of :func:`reported_calls`: the same, but a client's are every
call of their campaigns (the aggregate, never a call itself). A time range (a listing's, a report's, a
distribution's) narrows them further by their start, with :func:`started_between`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, false, or_, select, true

from agentassist.store.database import Database
from agentassist.store.models import (
    AssignmentRow,
    CalibrationCallRow,
    CalibrationCheckerRow,
    CallRow,
    SharedCallRow,
    TeamMemberRow,
    TeamRow,
    UserRow,
)

LEADER_ROLES = ("team_leader", "supervisor")  # see their teams' calls; every team's with ``all_teams``
CLIENT = "client"  # a campaign's client: its reports and outcomes, and the calls shared with them
EVALUATOR_ROLES = ("quality_checker", "team_leader", "supervisor", "admin")  # score calls, read scorecards


@dataclass(frozen=True, slots=True)
class UserRecord:
    id: int
    name: str
    role: str
    teams: tuple[str, ...] = ()
    all_teams: bool = False
    language: str | None = None  # the pages' language the user chose; None: the browser's
    campaigns: tuple[str, ...] = ()  # a client's (client_campaigns); empty for every other role


def sees_all(user: UserRecord) -> bool:
    """Whether ``user`` may see every call, including ones the database does not hold yet: an admin,
    or a leader given ``all_teams``. Never the result of having no team: a leader of no team sees
    their own calls only, so that taking a team away narrows a view and never widens it."""
    return user.role == "admin" or (user.role in LEADER_ROLES and user.all_teams)


def visible_calls(user: UserRecord) -> ColumnElement[bool]:
    """Which calls ``user`` may see, as a condition on CallRow (see the module docstring)."""
    if sees_all(user):
        return true()
    if user.role == "agent":
        return CallRow.agent == user.name
    if user.role in LEADER_ROLES:
        return or_(CallRow.agent == user.name, CallRow.agent.in_(team_agents(user)))
    if user.role == "quality_checker":
        assigned = select(AssignmentRow.call_id).where(AssignmentRow.checker_id == user.id)
        calibrating = (
            select(CalibrationCallRow.call_id)
            .join(CalibrationCheckerRow, CalibrationCheckerRow.calibration_id == CalibrationCallRow.calibration_id)
            .where(CalibrationCheckerRow.user_id == user.id)
        )
        return or_(CallRow.id.in_(assigned), CallRow.id.in_(calibrating))
    if user.role == CLIENT:
        return CallRow.campaign.in_(user.campaigns) & CallRow.id.in_(select(SharedCallRow.call_id))
    return false()


def reported_calls(user: UserRecord) -> ColumnElement[bool]:
    """Which calls ``user``'s reports and outcomes add up: a client's campaigns' calls, else
    :func:`visible_calls`."""
    if user.role == CLIENT:
        return CallRow.campaign.in_(user.campaigns)
    return visible_calls(user)


def started_between(from_: datetime | None, to: datetime | None) -> list[ColumnElement[bool]]:
    """The conditions on CallRow of a time range: started at or after ``from_`` and before ``to`` (None:
    no bound on that side), for ``stmt.where(*started_between(from_, to))``."""
    where: list[ColumnElement[bool]] = []
    if from_ is not None:
        where.append(CallRow.started_at >= from_)
    if to is not None:
        where.append(CallRow.started_at < to)
    return where


def _members() -> Select[str]:
    """The names of the users of every team membership, for a filter on the team (``TeamRow``)."""
    return (
        select(UserRow.name)
        .join(TeamMemberRow, TeamMemberRow.user_id == UserRow.id)
        .join(TeamRow, TeamRow.id == TeamMemberRow.team_id)
    )


def team_agents(user: UserRecord) -> Select[str]:
    """The names of the members of ``user``'s teams."""
    return _members().where(TeamRow.name.in_(user.teams))


def team_members(team: str) -> Select[str]:
    """The names of the members of the team named ``team`` (a filter by team: within a scope, not one)."""
    return _members().where(TeamRow.name == team)


def sees_agent(db: Database, user: UserRecord, agent: str) -> bool:
    """Whether the calls of the agent named ``agent`` are in ``user``'s scope: the agent themself, a
    leader of one of their teams, a leader with ``all_teams``, an admin. (The softphone's calls
    are its agent's, so this also says who may use it.)"""
    if sees_all(user) or user.name == agent:
        return True
    if user.role not in LEADER_ROLES:
        return False
    with db.session() as s:
        return s.scalar(team_agents(user).where(UserRow.name == agent).limit(1)) is not None


def can_see_call(db: Database, user: UserRecord, call_id: str) -> bool:
    with db.session() as s:
        return s.scalar(select(CallRow.id).where(CallRow.id == call_id, visible_calls(user))) is not None
