"""How long GET /api/outcomes's work takes on N ended calls of one campaign (SQLite).

    python -m benchmarks.outcomes [--calls 200 5000]

Writes N calls over two script versions, each with an 8-step checklist, in one transaction (the
figures do not depend on how they were written), warms up once, then prints the best of 3 runs of
:func:`agentassist.store.outcomes.outcomes` as an admin, with the machine.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from agentassist.store.db import Store
from agentassist.store.models import AdherenceRow, CallRow
from agentassist.store.scope import UserRecord
from benchmarks.common import machine

T0 = datetime(2026, 11, 2, 9, tzinfo=UTC)
STEPS = 8


def _steps(i: int) -> list[dict[str, Any]]:
    return [
        {"id": f"s{j}", "status": "done" if (i >> j) & 1 else "missed", "t": None, "evidence": {}} for j in range(STEPS)
    ]


def _write(store: Store, n: int) -> None:
    with store.session.begin() as s:
        for i in range(n):
            start = T0 + timedelta(minutes=i)
            s.add(
                CallRow(
                    id=f"c{i}", status="ended", direction="outbound", remote="", agent="a", campaign="acme",
                    script_id="sales", started_at=start, ended_at=start + timedelta(seconds=60 + i % 300),
                    recording_path="", adherence_score=(i % 10) / 10,
                    disposition=("sale", "callback", "refused")[i % 3],
                )
            )  # fmt: skip
        s.flush()  # the calls before their reports (foreign key)
        for i in range(n):
            report = {"script_id": "sales", "version": 1 + i % 2, "score": 0.5, "steps": _steps(i), "alerts": []}
            s.add(AdherenceRow(call_id=f"c{i}", report=report, updated_at=T0))


def measure(n: int) -> tuple[float, dict[str, Any]]:
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(f"sqlite:///{tmp}/db.sqlite")
        store.migrate()
        _write(store, n)
        admin = UserRecord(1, "ada", "admin")
        store.outcomes(admin, campaign="acme", outcome="sale")  # warm-up
        runs = []
        for _ in range(3):
            start = time.perf_counter()
            answer = store.outcomes(admin, campaign="acme", outcome="sale")
            runs.append(time.perf_counter() - start)
        store.engine.dispose()
        return min(runs), answer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, nargs="+", default=[200, 5000])
    args = parser.parse_args()
    print(machine())
    for n in args.calls:
        best_s, a = measure(n)
        print(
            f"{n} calls: best of 3 {best_s * 1000:.0f} ms ({len(a['versions'])} versions, {len(a['steps'])} step rows)"
        )


if __name__ == "__main__":
    main()
