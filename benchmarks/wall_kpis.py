"""What the team wall's two polled reads cost on a large SQLite database: the day's numbers
(``store.floor.day_numbers``, every 30 s per open wall) and the roster with the calls that decide each
agent's state (``roster`` + ``recent_calls``, every 5 s per open wall).

    python -m benchmarks.wall_kpis [--calls 100000] [--agents 200]

The calls spread over ten days of eight-hour shifts, a third of them with an alert; a team leader of
two teams of ten (a fifth of the agents) and an admin ask. Prints the mean CPU time of 20 asks after one warm-up."""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert

from agentassist.store import floor
from agentassist.store.db import Store
from agentassist.store.models import CallAlertRow, CallRow
from agentassist.store.scope import UserRecord


def seed(store: Store, calls: int, agents: list[str]) -> None:
    now = datetime.now(UTC)
    rows: list[dict[str, Any]] = []
    alerts: list[dict[str, Any]] = []
    for i in range(calls):
        start = now - timedelta(days=i % 10, seconds=(i * 7919) % 28800)
        call_id = str(uuid.uuid4())
        end = start + timedelta(seconds=60 + i % 300)
        rows.append(
            {"id": call_id, "status": "ended", "direction": "inbound", "remote": "x", "agent": agents[i % len(agents)],
             "started_at": start, "ended_at": end, "recording_path": "", "adherence_score": (i % 100) / 100}
        )  # fmt: skip
        if i % 3 == 0:
            alerts.append({"call_id": call_id, "type": "long_silence", "count": 1})
    with store.session.begin() as s:
        s.execute(insert(CallRow), rows)
        s.execute(insert(CallAlertRow), alerts)


def mean_ms(fn: Any, n: int = 20) -> float:
    """CPU milliseconds of this process per ask (SQLite runs in it): on a shared machine the wall clock
    measures the neighbours too."""
    fn()
    start = time.process_time()
    for _ in range(n):
        fn()
    return (time.process_time() - start) / n * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--agents", type=int, default=200)
    args = parser.parse_args()
    store = Store(f"sqlite:///{tempfile.mkdtemp()}/wall.sqlite")
    store.migrate()
    agents = [f"a{i:04d}" for i in range(args.agents)]
    for i, name in enumerate(agents):
        store.add_user(name, "agent", teams=[f"t{i % 10}"])
    seed(store, args.calls, agents)
    now = datetime.now(UTC)
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    for user in (UserRecord(1, "lea", "team_leader", ("t0", "t1")), UserRecord(2, "ada", "admin")):
        numbers = floor.day_numbers(store, user, midnight)
        roster = floor.roster(store, user)

        def states(user: UserRecord = user) -> None:
            names = [a.name for a in floor.roster(store, user)]
            floor.recent_calls(store, names, now - timedelta(seconds=300))

        print(
            f"{user.role}: kpis {mean_ms(lambda u=user: floor.day_numbers(store, u, midnight)):.1f} ms "
            f"({numbers['calls']} calls today of {args.calls}), roster and recent calls {mean_ms(states):.1f} ms "
            f"({len(roster)} agents)"
        )


if __name__ == "__main__":
    main()
