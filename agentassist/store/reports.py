"""Per-agent and per-team reports over the calls a user may see (scope.py decides which).

A report covers the calls started in ``[from, to)`` (optionally of one campaign) that the user's
scope holds. Active calls are left out; ended calls make the numbers; failed calls (never answered)
are counted apart and, when outbound, in the dispositions.

Per call (ended): handle time is ``ended_at - started_at``; talk is the agent's speech and listen the
customer's (the sum of their final utterances' spans); silence is the handle time that no utterance
of either side, no card-data pause and no hold covers. A group (an agent, a team) adds these up;
``talk_listen_ratio`` is talk / listen, ``silence_ratio`` silence / handle time; ``adherence_mean`` the
mean adherence score (0..1) of its calls that have one; ``quality_mean`` the mean total (0..100) of
the evaluations of its calls, calibration evaluations and all-"na" ones (no total) left out;
``dispositions`` counts the outbound calls' dispositions (``"none"`` when a call has none).

A team's row covers its present members' calls (an agent in two teams counts in both). A client's
reports add up every call of their campaigns (scope.py's ``reported_calls``).
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from agentassist.store.database import Database
from agentassist.store.dates import seconds_between
from agentassist.store.models import (
    CallRow,
    CallSpanRow,
    EvaluationRow,
    TeamMemberRow,
    TeamRow,
    UserRow,
    UtteranceRow,
)
from agentassist.store.scope import CLIENT, UserRecord, reported_calls, sees_all, started_between

NO_DISPOSITION = "none"
METRICS = (
    "calls",
    "failed_calls",
    "handle_time_s_total",
    "handle_time_s_mean",
    "talk_s",
    "listen_s",
    "talk_listen_ratio",
    "silence_s",
    "silence_ratio",
    "adherence_mean",
    "adherence_calls",
    "quality_mean",
    "evaluations",
    "outbound_calls",
    "dispositions",
)


@dataclass(frozen=True, slots=True)
class CallFacts:
    """What a report needs of one call."""

    agent: str
    status: str
    direction: str
    handle_s: float
    disposition: str | None = None
    adherence: float | None = None
    talk_s: float = 0.0
    listen_s: float = 0.0
    silence_s: float = 0.0
    quality: tuple[float, ...] = ()


def covered_s(spans: Iterable[tuple[float, float]], length_s: float) -> float:
    """Seconds of ``[0, length_s]`` that the union of ``spans`` covers."""
    total, reach = 0.0, 0.0
    for start, end in sorted((max(0.0, s), min(length_s, e)) for s, e in spans):
        if end <= reach:
            continue
        total += end - max(start, reach)
        reach = end
    return total


@dataclass
class Totals:
    """The sums of one group (an agent, a team) over its calls; :meth:`row` gives the report's numbers."""

    agents: set[str] = field(default_factory=set)
    calls: int = 0
    failed_calls: int = 0
    handle_s: float = 0.0
    talk_s: float = 0.0
    listen_s: float = 0.0
    silence_s: float = 0.0
    adherence: list[float] = field(default_factory=list)
    quality: list[float] = field(default_factory=list)
    outbound_calls: int = 0
    dispositions: dict[str, int] = field(default_factory=dict)

    def add(self, c: CallFacts) -> None:
        self.agents.add(c.agent)
        if c.direction == "outbound":
            self.outbound_calls += 1
            key = c.disposition or NO_DISPOSITION
            self.dispositions[key] = self.dispositions.get(key, 0) + 1
        if c.status == "failed":
            self.failed_calls += 1
            return
        self.calls += 1
        self.handle_s += c.handle_s
        self.talk_s += c.talk_s
        self.listen_s += c.listen_s
        self.silence_s += c.silence_s
        if c.adherence is not None:
            self.adherence.append(c.adherence)
        self.quality.extend(c.quality)

    def row(self) -> dict[str, Any]:
        return {
            "calls": self.calls,
            "failed_calls": self.failed_calls,
            "handle_time_s_total": round(self.handle_s, 3),
            "handle_time_s_mean": round(self.handle_s / self.calls, 3) if self.calls else None,
            "talk_s": round(self.talk_s, 3),
            "listen_s": round(self.listen_s, 3),
            "talk_listen_ratio": round(self.talk_s / self.listen_s, 4) if self.listen_s > 0 else None,
            "silence_s": round(self.silence_s, 3),
            "silence_ratio": round(self.silence_s / self.handle_s, 4) if self.handle_s > 0 else None,
            "adherence_mean": round(sum(self.adherence) / len(self.adherence), 4) if self.adherence else None,
            "adherence_calls": len(self.adherence),
            "quality_mean": round(sum(self.quality) / len(self.quality), 2) if self.quality else None,
            "evaluations": len(self.quality),
            "outbound_calls": self.outbound_calls,
            "dispositions": dict(sorted(self.dispositions.items())),
        }


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> Any:
    """A CSV cell a spreadsheet shows as text, never runs: text that begins like a formula (``=``,
    ``+``, ``-``, ``@``, tab, carriage return) gets a leading ``'``, as OWASP's CSV injection advice
    says (dispositions and names are typed by users: ``=HYPERLINK(...)``). Numbers the report
    computes stay numbers, negative ones too; only text is touched."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def as_csv(rows: Sequence[dict[str, Any]], key: str) -> str:
    """The rows as CSV, ``key`` first then :data:`METRICS`; dispositions as ``name=count;...``; None empty;
    every text cell through :func:`cell`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([key, *(["agents"] if key == "team" else []), *METRICS])
    for row in rows:
        cells = [row[key], *([row["agents"]] if key == "team" else [])]
        for name in METRICS:
            value = row[name]
            if name == "dispositions":
                value = ";".join(f"{k}={n}" for k, n in value.items())
            cells.append("" if value is None else value)
        writer.writerow([cell(c) for c in cells])
    return out.getvalue()


def call_facts(
    db: Database, user: UserRecord, *, from_: datetime | None, to: datetime | None, campaign: str | None
) -> list[CallFacts]:
    """The facts of every ended or failed call in range that ``user``'s reports add up (scope.py)."""
    stmt = select(CallRow).where(reported_calls(user), CallRow.status.in_(("ended", "failed")))
    stmt = stmt.where(*started_between(from_, to))
    if campaign:
        stmt = stmt.where(CallRow.campaign == campaign)
    with db.session() as s:
        calls = list(s.scalars(stmt))
        ids = stmt.with_only_columns(CallRow.id)
        speech: dict[str, list[tuple[str, float, float]]] = defaultdict(list)
        for call_id, channel, start, end in s.execute(
            select(UtteranceRow.call_id, UtteranceRow.channel, UtteranceRow.start_s, UtteranceRow.end_s).where(
                UtteranceRow.call_id.in_(ids)
            )
        ):
            speech[call_id].append((channel, start, end))
        spans: dict[str, list[tuple[float, float | None]]] = defaultdict(list)
        for span in s.execute(
            select(CallSpanRow.call_id, CallSpanRow.start_s, CallSpanRow.end_s).where(
                CallSpanRow.call_id.in_(ids), CallSpanRow.kind.in_(("pause", "hold"))
            )
        ):
            spans[span.call_id].append((span.start_s, span.end_s))
        quality: dict[str, list[float]] = defaultdict(list)
        for ev in s.execute(
            select(EvaluationRow.call_id, EvaluationRow.total).where(
                EvaluationRow.call_id.in_(ids),
                EvaluationRow.calibration_id.is_(None),
                EvaluationRow.total.is_not(None),
            )
        ):
            if ev.total is not None:
                quality[ev.call_id].append(float(ev.total))
    return [_facts(c, speech[c.id], spans[c.id], quality[c.id]) for c in calls]


def agent_report(
    db: Database, user: UserRecord, *, from_: datetime | None, to: datetime | None, campaign: str | None
) -> list[dict[str, Any]]:
    groups: dict[str, Totals] = defaultdict(Totals)
    for c in call_facts(db, user, from_=from_, to=to, campaign=campaign):
        groups[c.agent].add(c)
    return [{"agent": agent, **groups[agent].row()} for agent in sorted(groups)]


def team_report(
    db: Database, user: UserRecord, *, from_: datetime | None, to: datetime | None, campaign: str | None
) -> list[dict[str, Any]]:
    """One row per team ``user`` leads (every team for an admin or a leader with ``all_teams``; for a
    client, the teams whose members took their campaigns' calls, and no other team's name)."""
    stmt = (
        select(TeamRow.name, UserRow.name)
        .join(TeamMemberRow, TeamMemberRow.team_id == TeamRow.id)
        .join(UserRow, UserRow.id == TeamMemberRow.user_id)
        .where(UserRow.deleted_at.is_(None))
    )
    if not sees_all(user) and user.role != CLIENT:  # a client's rows: the teams that took their calls (below)
        stmt = stmt.where(TeamRow.name.in_(user.teams))
    teams_of: dict[str, list[str]] = defaultdict(list)
    with db.session() as s:
        for team, member in s.execute(stmt):
            teams_of[member].append(team)
    groups: dict[str, Totals] = {}
    if user.role != CLIENT:
        groups = {team: Totals() for teams in teams_of.values() for team in teams}
    for c in call_facts(db, user, from_=from_, to=to, campaign=campaign):
        for team in teams_of.get(c.agent, ()):
            groups.setdefault(team, Totals()).add(c)
    return [{"team": t, "agents": len(groups[t].agents), **groups[t].row()} for t in sorted(groups)]


def _facts(
    call: CallRow,
    speech: list[tuple[str, float, float]],
    spans: list[tuple[float, float | None]],
    quality: list[float],
) -> CallFacts:
    handle_s = 0.0
    if call.status == "ended" and call.ended_at is not None:
        handle_s = max(0.0, seconds_between(call.started_at, call.ended_at))
    talk = sum(max(0.0, e - s) for ch, s, e in speech if ch == "agent")
    listen = sum(max(0.0, e - s) for ch, s, e in speech if ch == "customer")
    busy = [(s, e) for _, s, e in speech] + [(s, handle_s if e is None else e) for s, e in spans]
    return CallFacts(
        agent=call.agent,
        status=call.status,
        direction=call.direction,
        handle_s=handle_s,
        disposition=call.disposition,
        adherence=call.adherence_score,
        talk_s=talk,
        listen_s=listen,
        silence_s=max(0.0, handle_s - covered_s(busy, handle_s)),
        quality=tuple(quality),
    )
