"""Outcomes of a campaign's calls by script version, by day and by step (docs/outcomes.md).

The calls are the ended calls of one campaign started in ``[from, to)`` that the user's reports add
up (scope.py's :func:`~agentassist.store.scope.reported_calls`: a leader's teams, an admin's every
call, a client's campaigns). A call's script version is the one its checklist ended on (the adherence
report's ``version``: a version saved during a call applies to it from then on); a call with no
checklist counts under its script with version null. Failed calls (never answered) ran no script and
are left out.

Per version: calls, the mean handle time, the mean adherence score, and the share of each disposition
(``"none"`` for a call with none) with its Wilson interval; per day (UTC) and version: the share of
the chosen outcome disposition; per version and step: the outcome's share among calls where the step
was said (``done`` in the checklist) and where it was not, and their difference (Newcombe). Every
interval is at 95 % (intervals.py says why these).
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Row, select

from agentassist.store.database import Database
from agentassist.store.dates import seconds_between, utc
from agentassist.store.intervals import CONFIDENCE, Interval, difference, mean, wilson
from agentassist.store.models import AdherenceRow, CallRow
from agentassist.store.reports import NO_DISPOSITION, cell
from agentassist.store.scope import UserRecord, reported_calls, started_between

VersionKey = tuple[str | None, int | None]  # (script id, version)


@dataclass(frozen=True, slots=True)
class OutcomeCall:
    """What the outcomes need of one ended call."""

    script_id: str | None
    version: int | None
    day: date  # of its start, UTC
    handle_s: float
    disposition: str  # NO_DISPOSITION when none was set
    adherence: float | None = None
    steps: tuple[str, ...] = ()  # its checklist's step ids
    said: frozenset[str] = frozenset()  # those said ("done")

    @property
    def key(self) -> VersionKey:
        return (self.script_id, self.version)


def outcome_calls(
    db: Database, user: UserRecord, *, campaign: str, from_: datetime | None, to: datetime | None
) -> list[OutcomeCall]:
    # columns, not CallRow entities: building 5000 ORM objects took 0.55 s of 1.8 s (cProfile)
    stmt = (
        select(
            CallRow.script_id,
            CallRow.started_at,
            CallRow.ended_at,
            CallRow.disposition,
            CallRow.adherence_score,
            AdherenceRow.report,
        )
        .outerjoin(AdherenceRow, AdherenceRow.call_id == CallRow.id)
        .where(reported_calls(user), CallRow.status == "ended", CallRow.campaign == campaign)
    )
    stmt = stmt.where(*started_between(from_, to))
    with db.session() as s:
        return [_outcome_call(row) for row in s.execute(stmt)]


def _outcome_call(row: Row[Any]) -> OutcomeCall:
    report: dict[str, Any] = row.report or {}
    handle_s = max(0.0, seconds_between(row.started_at, row.ended_at)) if row.ended_at is not None else 0.0
    steps = [s for s in report.get("steps", []) if isinstance(s, dict) and "id" in s]
    version = report.get("version")
    return OutcomeCall(
        script_id=row.script_id or report.get("script_id"),
        version=int(version) if isinstance(version, int | float) else None,
        day=utc(row.started_at).date(),
        handle_s=handle_s,
        disposition=row.disposition or NO_DISPOSITION,
        adherence=row.adherence_score,
        steps=tuple(str(s["id"]) for s in steps),
        said=frozenset(str(s["id"]) for s in steps if s.get("status") == "done"),
    )


def _r(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


def share(k: int, n: int) -> dict[str, Any]:
    """``k`` of ``n`` calls, their rate and its Wilson interval (rounded to 4 places)."""
    w = wilson(k, n)
    return {"count": k, "calls": n, "rate": _r(w.value), "low": _r(w.low), "high": _r(w.high)}


def _mean(i: Interval, digits: int) -> dict[str, Any]:
    return {"mean": _r(i.value, digits), "low": _r(i.low, digits), "high": _r(i.high, digits)}


def _by_version(calls: Iterable[OutcomeCall]) -> dict[VersionKey, list[OutcomeCall]]:
    groups: dict[VersionKey, list[OutcomeCall]] = defaultdict(list)
    for c in calls:
        groups[c.key].append(c)
    return dict(sorted(groups.items(), key=lambda kv: (kv[0][0] or "", kv[0][1] if kv[0][1] is not None else -1)))


def versions_table(calls: Sequence[OutcomeCall], outcome: str) -> list[dict[str, Any]]:
    dispositions = sorted({c.disposition for c in calls} | {outcome})
    rows = []
    for (script_id, version), group in _by_version(calls).items():
        n = len(group)
        adherence = [c.adherence for c in group if c.adherence is not None]
        counts = {d: sum(1 for c in group if c.disposition == d) for d in dispositions}
        rows.append(
            {
                "script_id": script_id,
                "version": version,
                "calls": n,
                "handle_time_s": _mean(mean([c.handle_s for c in group]), 3),
                "adherence": {**_mean(mean(adherence), 4), "calls": len(adherence)},
                "outcome": share(counts[outcome], n),
                "dispositions": {d: share(counts[d], n) for d in dispositions},
            }
        )
    return rows


def days_table(calls: Sequence[OutcomeCall], outcome: str) -> list[dict[str, Any]]:
    rows = []
    for (script_id, version), group in _by_version(calls).items():
        days: dict[date, list[OutcomeCall]] = defaultdict(list)
        for c in group:
            days[c.day].append(c)
        for day in sorted(days):
            k = sum(1 for c in days[day] if c.disposition == outcome)
            rows.append(
                {"day": day.isoformat(), "script_id": script_id, "version": version, **share(k, len(days[day]))}
            )
    return rows


def steps_table(calls: Sequence[OutcomeCall], outcome: str) -> list[dict[str, Any]]:
    rows = []
    for (script_id, version), group in _by_version(calls).items():
        step_ids = list(dict.fromkeys(step for c in group for step in c.steps))  # in checklist order
        for step in step_ids:
            having = [c for c in group if step in c.steps]
            said = [c for c in having if step in c.said]
            unsaid = [c for c in having if step not in c.said]
            ks = sum(1 for c in said if c.disposition == outcome)
            ku = sum(1 for c in unsaid if c.disposition == outcome)
            d = difference(ks, len(said), ku, len(unsaid))
            rows.append(
                {
                    "script_id": script_id,
                    "version": version,
                    "step_id": step,
                    "said": share(ks, len(said)),
                    "not_said": share(ku, len(unsaid)),
                    "difference": {"value": _r(d.value), "low": _r(d.low), "high": _r(d.high)},
                }
            )
    return rows


def outcomes(
    db: Database,
    user: UserRecord,
    *,
    campaign: str,
    outcome: str,
    from_: datetime | None = None,
    to: datetime | None = None,
) -> dict[str, Any]:
    """Every table of the campaign's outcomes (the module docstring says which calls and how)."""
    calls = outcome_calls(db, user, campaign=campaign, from_=from_, to=to)
    return {
        "campaign": campaign,
        "from": from_,
        "to": to,
        "outcome": outcome,
        "confidence": CONFIDENCE,
        "calls": len(calls),
        "dispositions": sorted({c.disposition for c in calls}),
        "versions": versions_table(calls, outcome),
        "days": days_table(calls, outcome),
        "steps": steps_table(calls, outcome),
    }


# ---- CSV: one table a file, nested figures flattened to name_part columns ------------------------

TABLES = ("versions", "days", "steps")


def flat(row: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"said": {"rate": 0.3}}`` as ``{"said_rate": 0.3}``."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flat(value, f"{name}_"))
        else:
            out[name] = value
    return out


def as_csv(rows: Sequence[dict[str, Any]]) -> str:
    """The rows flattened (:func:`flat`), columns in the first appearance order; None empty; every text
    cell, the header's disposition names too, through reports' :func:`~agentassist.store.reports.cell`."""
    flats = [flat(r) for r in rows]
    columns = list(dict.fromkeys(name for f in flats for name in f))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([cell(c) for c in columns])
    for f in flats:
        writer.writerow([cell("" if f.get(c) is None else f[c]) for c in columns])
    return out.getvalue()
