"""Sampling rules and the distribution of ended calls to quality checkers: the Store's part.

A rule samples up to ``per_period`` ended calls of an agent, a team or a campaign per UTC day or
ISO week (Monday 00:00 UTC). Calls already assigned in that day or week count towards the quota, so
distributing the same range twice assigns nothing new. Sampled calls are spread over the quality
checkers so that their loads (assignments of calls started in the range) end as even as possible
(:func:`allocate`); a checker sharing a team with the call's agent is not eligible unless the rule
says ``allow_own_team``. A call is also assigned by hand (:func:`assign`).
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TypedDict

from sqlalchemy import func, select

from agentassist.errors import ConfigError
from agentassist.store.accounts import live_user
from agentassist.store.database import Database
from agentassist.store.dates import iso, utc
from agentassist.store.models import AssignmentRow, AssignmentRuleRow, CallRow, TeamMemberRow, TeamRow, UserRow
from agentassist.store.scope import UserRecord, started_between, visible_calls
from agentassist.store.scoring import FieldError, NotFoundError

RULE_SCOPES = ("agent", "team", "campaign")
PERIODS = ("day", "week")


class AssignmentJson(TypedDict):
    id: int
    call_id: str
    checker: str
    assigned_at: str
    assigned_by: str


class RuleJson(TypedDict):
    id: int
    scope: str  # of RULE_SCOPES
    target: str  # the agent's, team's or campaign's name
    per_period: int
    period: str  # of PERIODS
    allow_own_team: bool
    created_by: str
    created_at: str


class Skipped(TypedDict):
    call_id: str
    reason: str


class Distribution(TypedDict):
    """What :func:`distribute` did: the new assignments, the sampled calls nobody may take, and every
    checker's load (assignments of calls started in the range) after it."""

    assigned: list[AssignmentJson]
    skipped: list[Skipped]
    load: dict[str, int]


@dataclass(frozen=True, slots=True)
class _Call:
    id: str
    agent: str
    campaign: str | None
    started_at: datetime


def allocate(demands: Iterable[tuple[str, Iterable[str]]], load: Mapping[str, int]) -> tuple[dict[str, str], list[str]]:
    """Give each call (``call_id``, its eligible checkers) to a checker so that loads end as even as
    the eligibility allows. Returns (call -> checker, calls nobody may take).

    Each call first goes to its least loaded eligible checker (ties: by name), the most constrained
    calls first; then, while a chain of moves (a call of A that B may take, one of B's that C may
    take, ...) leads from a checker to one with at least two fewer, the chain is moved. With no such
    chain left no checker can be lightened without loading another as much (calls weigh one each).
    """
    current = dict(load)
    options = {c: sorted(set(e)) for c, e in demands}
    given: dict[str, str] = {}
    for call_id, eligible in sorted(options.items(), key=lambda d: (len(d[1]), d[0])):
        if eligible:
            who = min(eligible, key=lambda k: (current.get(k, 0), k))
            current[who] = current.get(who, 0) + 1
            given[call_id] = who
    while (chain := _lightening_chain(given, options, current)) is not None:
        for call_id, _src, dst in chain:
            given[call_id] = dst
        current[chain[0][1]] -= 1
        current[chain[-1][2]] = current.get(chain[-1][2], 0) + 1
    return given, sorted(c for c, e in options.items() if not e)


def _lightening_chain(
    given: Mapping[str, str], options: Mapping[str, list[str]], load: Mapping[str, int]
) -> list[tuple[str, str, str]] | None:
    """Moves (call, from, to) from the most loaded checker that has one to a checker with at least two
    fewer calls, found breadth first over the calls given in this run; None when there is none."""
    held: dict[str, list[str]] = defaultdict(list)
    for call_id, who in sorted(given.items()):
        held[who].append(call_id)
    for start in sorted(held, key=lambda k: (-load.get(k, 0), k)):
        came: dict[str, tuple[str, str, str] | None] = {start: None}
        queue = [start]
        for a in queue:
            for call_id in held[a]:
                for b in options[call_id]:
                    if b in came:
                        continue
                    came[b] = (call_id, a, b)
                    if load.get(b, 0) <= load.get(start, 0) - 2:
                        chain = []
                        step = came[b]
                        while step is not None:
                            chain.append(step)
                            step = came[step[1]]
                        return chain[::-1]
                    queue.append(b)
    return None


def period_start(t: datetime, period: str) -> date:
    day = utc(t).date()
    return day - timedelta(days=day.weekday()) if period == "week" else day


def add_rule(
    db: Database, scope: str, target: str, per_period: int, period: str, allow_own_team: bool, by: str
) -> RuleJson:
    with db.session.begin() as s:
        if scope == "agent" and s.scalar(select(UserRow.id).where(UserRow.name == target)) is None:
            raise FieldError("target", f"no user named {target!r}")
        if scope == "team" and s.scalar(select(TeamRow.id).where(TeamRow.name == target)) is None:
            raise FieldError("target", f"no team named {target!r}")
        row = AssignmentRuleRow(
            scope=scope,
            target=target,
            per_period=per_period,
            period=period,
            allow_own_team=allow_own_team,
            created_at=datetime.now(UTC),
            created_by=by,
        )
        s.add(row)
        s.flush()
        return _rule_json(row)


def rules(db: Database) -> list[RuleJson]:
    with db.session() as s:
        stmt = select(AssignmentRuleRow).where(AssignmentRuleRow.deleted_at.is_(None))
        return [_rule_json(r) for r in s.scalars(stmt.order_by(AssignmentRuleRow.id))]


def delete_rule(db: Database, rule_id: int) -> None:
    with db.session.begin() as s:
        row = s.get(AssignmentRuleRow, rule_id)
        if row is None or row.deleted_at is not None:
            raise NotFoundError(f"no assignment rule with id {rule_id}")
        row.deleted_at = datetime.now(UTC)


def distribute(db: Database, user: UserRecord, from_: datetime, to: datetime) -> Distribution:
    """Sample the ended calls started in [from_, to) that ``user`` may see by every rule, and assign
    them evenly (see the module docstring)."""
    from_, to = utc(from_), utc(to)
    if to <= from_:
        raise FieldError("to", f"expected a time after from ({iso(from_)}), got {iso(to)}")
    lo, hi = from_ - timedelta(days=7), to + timedelta(days=7)  # whole days and weeks around the range
    rng = random.Random()
    with db.session.begin() as s:
        rules = list(
            s.scalars(
                select(AssignmentRuleRow).where(AssignmentRuleRow.deleted_at.is_(None)).order_by(AssignmentRuleRow.id)
            )
        )
        calls = [
            _Call(r.id, r.agent, r.campaign, utc(r.started_at))
            for r in s.execute(
                select(CallRow.id, CallRow.agent, CallRow.campaign, CallRow.started_at).where(
                    CallRow.status == "ended",
                    *started_between(lo, hi),
                    visible_calls(user),
                )
            )
        ]
        assigned = set(
            s.scalars(
                select(AssignmentRow.call_id)
                .join(CallRow, CallRow.id == AssignmentRow.call_id)
                .where(*started_between(lo, hi))
            )
        )
        teams: dict[str, set[str]] = defaultdict(set)
        for name, team in s.execute(
            select(UserRow.name, TeamRow.name)
            .join(TeamMemberRow, TeamMemberRow.user_id == UserRow.id)
            .join(TeamRow, TeamRow.id == TeamMemberRow.team_id)
        ):
            teams[name].add(team)
        checkers = {
            r.name: r.id
            for r in s.scalars(select(UserRow).where(UserRow.role == "quality_checker", UserRow.deleted_at.is_(None)))
        }
        load = {name: 0 for name in checkers}
        for name, n in s.execute(
            select(UserRow.name, func.count())
            .join(AssignmentRow, AssignmentRow.checker_id == UserRow.id)
            .join(CallRow, CallRow.id == AssignmentRow.call_id)
            .where(*started_between(from_, to), UserRow.name.in_(checkers))
            .group_by(UserRow.name)
        ):
            load[name] = n

        sampled: dict[str, tuple[_Call, AssignmentRuleRow]] = {}
        for rule in rules:
            buckets: dict[date, list[_Call]] = defaultdict(list)
            for c in calls:
                if _matches(rule, c, teams):
                    buckets[period_start(c.started_at, rule.period)].append(c)
            for members in buckets.values():
                taken = sum(1 for c in members if c.id in assigned or c.id in sampled)
                free = [
                    c for c in members if from_ <= c.started_at < to and c.id not in assigned and c.id not in sampled
                ]
                for c in rng.sample(free, min(max(0, rule.per_period - taken), len(free))):
                    sampled[c.id] = (c, rule)

        demands = [
            (c.id, [k for k in checkers if rule.allow_own_team or not teams[k] & teams[c.agent]])
            for c, rule in sampled.values()
        ]
        given, nobody = allocate(demands, load)
        now = datetime.now(UTC)
        rows = [
            AssignmentRow(call_id=call_id, checker_id=checkers[who], assigned_at=now, assigned_by=user.name)
            for call_id, who in sorted(given.items())
        ]
        s.add_all(rows)
        s.flush()
        for who in given.values():
            load[who] += 1
        reason = "no quality checker outside the agent's team" if checkers else "there is no quality checker"
        return Distribution(
            assigned=[_assignment_json(r, given[r.call_id]) for r in rows],
            skipped=[Skipped(call_id=call_id, reason=reason) for call_id in nobody],
            load=load,
        )


def assign(db: Database, call_id: str, checker: str, by: str) -> AssignmentJson:
    """Give one call to a quality checker by hand; the assignment there is if it was given already."""
    with db.session.begin() as s:
        if s.get(CallRow, call_id) is None:
            raise ConfigError(f"no call with id {call_id!r}")
        row = live_user(s, checker)
        if row.role != "quality_checker":
            raise ConfigError(f"user {checker!r} is a {row.role}, expected a quality_checker")
        existing = s.scalar(
            select(AssignmentRow).where(AssignmentRow.call_id == call_id, AssignmentRow.checker_id == row.id)
        )
        if existing is None:
            existing = AssignmentRow(call_id=call_id, checker_id=row.id, assigned_at=datetime.now(UTC), assigned_by=by)
            s.add(existing)
            s.flush()
        return _assignment_json(existing, checker)


def assignments(db: Database, checker: str | None = None) -> list[AssignmentJson]:
    stmt = select(AssignmentRow, UserRow.name).join(UserRow, UserRow.id == AssignmentRow.checker_id)
    if checker is not None:
        stmt = stmt.where(UserRow.name == checker)
    with db.session() as s:
        return [_assignment_json(a, name) for a, name in s.execute(stmt.order_by(AssignmentRow.id))]


def _matches(rule: AssignmentRuleRow, call: _Call, teams: Mapping[str, set[str]]) -> bool:
    if rule.scope == "agent":
        return call.agent == rule.target
    if rule.scope == "team":
        return rule.target in teams.get(call.agent, set())
    return call.campaign == rule.target


def _rule_json(row: AssignmentRuleRow) -> RuleJson:
    return {
        "id": row.id,
        "scope": row.scope,
        "target": row.target,
        "per_period": row.per_period,
        "period": row.period,
        "allow_own_team": row.allow_own_team,
        "created_by": row.created_by,
        "created_at": iso(row.created_at),
    }


def _assignment_json(row: AssignmentRow, checker: str) -> AssignmentJson:
    return AssignmentJson(
        id=row.id, call_id=row.call_id, checker=checker, assigned_at=iso(row.assigned_at), assigned_by=row.assigned_by
    )
