"""What the team leader's wall reads from the store: the agents of a viewer's scope, the calls that
decide their state now, and the day's numbers (KPIs), each in one query.

Scope as everywhere else (scope.py): an admin or a leader given ``all_teams`` sees every agent; a team
leader or supervisor the agents of their teams; anyone else none.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, case, func, select

from agentassist.store.calls import _duration_s
from agentassist.store.database import Database
from agentassist.store.dates import iso, utc
from agentassist.store.models import CallAlertRow, CallRow, TeamMemberRow, TeamRow, UserRow
from agentassist.store.scope import LEADER_ROLES, UserRecord, sees_all, team_agents, team_members, visible_calls

# a call that ended lately is looked for among the calls started this long before: calls last minutes,
# and one of a day would leave its agent idle rather than in wrap-up
LONGEST_CALL_S = 86_400.0


@dataclass(frozen=True, slots=True)
class RosterAgent:
    name: str
    teams: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RecentCall:
    """An agent's call that may decide their state: ringing, active, or ended lately."""

    id: str
    agent: str
    status: str
    direction: str
    started_at: datetime
    ended_at: datetime | None
    disposition: str | None


def roster(db: Database, user: UserRecord) -> list[RosterAgent]:
    """The agent users (role ``agent``, not deleted) whose calls ``user`` sees, by name, with their teams."""
    if not sees_all(user) and user.role not in LEADER_ROLES:
        return []
    stmt = (
        select(UserRow.name, TeamRow.name)
        .outerjoin(TeamMemberRow, TeamMemberRow.user_id == UserRow.id)
        .outerjoin(TeamRow, TeamRow.id == TeamMemberRow.team_id)
        .where(UserRow.role == "agent", UserRow.deleted_at.is_(None))
        .order_by(UserRow.name, TeamRow.name)
    )
    if not sees_all(user):
        stmt = stmt.where(UserRow.name.in_(team_agents(user)))
    teams: dict[str, list[str]] = {}
    with db.session() as s:
        for name, team in s.execute(stmt):
            teams.setdefault(name, [])
            if team is not None:
                teams[name].append(team)
    return [RosterAgent(name, tuple(t)) for name, t in teams.items()]


def recent_calls(db: Database, agents: list[str], ended_since: datetime) -> list[RecentCall]:
    """The calls of ``agents`` that are ringing or active, or that were answered and ended at or after
    ``ended_since``, oldest first.

    Two queries, each on an index whatever the agents: the calls ringing or active (by status: a few
    hundred at most), and those that ended lately, found among the calls started within
    ``LONGEST_CALL_S`` before (by start; the end has no index). The agents are picked out here: with
    ``agent IN (...)`` SQLite walks every past call of each agent instead, a cost that grows with the call
    history rather than with the calls of the moment."""
    if not agents:
        return []
    wanted = set(agents)
    columns = (CallRow.id, CallRow.agent, CallRow.status, CallRow.direction, CallRow.started_at, CallRow.ended_at)
    live = select(*columns, CallRow.disposition).where(CallRow.status.in_(("ringing", "active")))
    ended = select(*columns, CallRow.disposition).where(
        CallRow.started_at >= ended_since - timedelta(seconds=LONGEST_CALL_S),
        CallRow.ended_at >= ended_since,
    )  # not ``status = 'ended'``: SQLite would take the status index, which holds almost every call
    with db.session() as s:
        rows = [*s.execute(live), *(r for r in s.execute(ended) if r.status == "ended")]
    calls = [
        RecentCall(r.id, r.agent, r.status, r.direction, utc(r.started_at), utc(r.ended_at), r.disposition)
        for r in rows
        if r.agent in wanted
    ]
    return sorted(calls, key=lambda c: c.started_at)


def _day(db: Database, user: UserRecord, since: datetime, team: str | None) -> list[ColumnElement[bool]]:
    """The calls ``user`` sees that started at or after ``since``, of ``team``'s members when given."""
    where: list[ColumnElement[bool]] = [CallRow.started_at >= since, visible_calls(user)]
    if team:
        where.append(CallRow.agent.in_(team_members(team)))
    return where


def day_numbers(db: Database, user: UserRecord, since: datetime, team: str | None = None) -> dict[str, Any]:
    """The KPIs of the calls ``user`` sees that started at or after ``since`` (of ``team``'s members
    only, when given): ``calls`` answered (active or ended), ``active``, ``handled`` (ended),
    ``failed`` (never answered), ``aht_s`` the mean handle time (end minus start) of the handled calls,
    ``adherence_mean`` the mean adherence score (0..1) of the handled calls that have one, ``alerts``
    the alerts stored for the calls that are not active (a live call's alerts are the wall's to add:
    the store has them only as of the call's last final utterance), and ``active_ids``. Three
    queries, whatever the number of calls."""
    where = _day(db, user, since, team)
    ended = CallRow.status == "ended"
    answered = CallRow.status.in_(("active", "ended"))
    numbers = select(
        func.coalesce(func.sum(case((answered, 1), else_=0)), 0),
        func.coalesce(func.sum(case((ended, 1), else_=0)), 0),
        func.coalesce(func.sum(case((CallRow.status == "failed", 1), else_=0)), 0),
        func.avg(case((ended, _duration_s(db.dialect)))),
        func.avg(case((ended, CallRow.adherence_score))),
    ).where(*where)
    alerts = (
        select(func.coalesce(func.sum(CallAlertRow.count), 0)).join(CallRow).where(*where, CallRow.status != "active")
    )
    with db.session() as s:
        calls, handled, failed, aht, adherence = s.execute(numbers).one()
        alert_count = s.scalar(alerts) or 0
        active = list(s.scalars(select(CallRow.id).where(*where, CallRow.status == "active")))
    return {
        "from": iso(since),
        "team": team,
        "calls": int(calls),
        "active": len(active),
        "handled": int(handled),
        "failed": int(failed),
        "aht_s": round(float(aht), 1) if aht is not None else None,
        "adherence_mean": round(float(adherence), 4) if adherence is not None else None,
        "alerts": int(alert_count),
        "active_ids": active,
    }
