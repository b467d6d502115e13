"""What the start's look for spans an earlier run left unsilenced (agentassist.pipeline.unsilenced) costs
a center with many finished calls that had card data masked: its time on the late work's thread (the start
itself never waits for it), CPU and wall, over a SQLite database of ``--calls`` ended calls, two spans each,
all silenced (nothing to do: the common case), and a tenth of them from an older version (no list of silent
spans). The look reads only the calls marked ``spans_unchecked`` (those with a span stored since the last
look): ``--marked`` gives the newest calls' share marked, 1 as at the first start after migration 0015,
0.01 as at a later start after a run that took 1 % as many calls as the center keeps.

    python -m benchmarks.late_sweep [--calls 2000 20000] [--marked 1 0.01 0] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select, update

from agentassist.pipeline.late import LateWork
from agentassist.pipeline.unsilenced import sweep
from agentassist.store.db import Store
from agentassist.store.models import CallMediaRow, CallRow, RedactionRow
from agentassist.store.recordings import RecordingStore
from benchmarks.common import machine

SPANS = [(12.5, 15.25), (31.0, 32.5)]  # a card number and its code


def _center(root: Path, calls: int) -> Store:
    store = Store(f"sqlite:///{root / 'db.sqlite'}")
    store.migrate()
    at = datetime(2026, 11, 1, tzinfo=UTC)
    ids = [f"c{n:06d}" for n in range(calls)]
    with store.session.begin() as s:  # the calls first: the other rows refer to them
        for n, call_id in enumerate(ids):
            started = at + timedelta(minutes=n)
            s.add(CallRow(id=call_id, status="ended", direction="inbound", started_at=started,
                          ended_at=started + timedelta(minutes=3)))  # fmt: skip
    with store.session.begin() as s:
        for n, call_id in enumerate(ids):
            facts: dict[str, Any] = {"recording_format": "opus", "recording_s": 180.0, "recording_silenced_s": 6.85}
            if n % 10:  # this version's facts; the others an older version's, no error: silenced at the close
                facts["recording_silenced_spans"] = [list(span) for span in SPANS]
            s.add(CallMediaRow(call_id=call_id, data=facts))
            for u, (a, b) in enumerate(SPANS):
                s.add(RedactionRow(call_id=call_id, utterance_id=f"u{u}", channel="customer", kind="card",
                                   start_s=a, end_s=b, by="text"))  # fmt: skip
    return store


def _mark(store: Store, share: float) -> None:
    """The newest ``share`` of the calls marked as having spans since the last look; the others not."""
    with store.session.begin() as s:
        ids = list(s.scalars(select(CallRow.id).order_by(CallRow.ended_at)))
        marked = ids[len(ids) - int(len(ids) * share) :] if share else []
        s.execute(update(CallRow).values(spans_unchecked=False))
        for n in range(0, len(marked), 500):
            s.execute(update(CallRow).where(CallRow.id.in_(marked[n : n + 500])).values(spans_unchecked=True))


def _look_s(store: Store, recordings: RecordingStore) -> tuple[float, float]:
    """The look's CPU time (every thread of the process: the look runs on the late work's) and wall time."""
    work = LateWork()
    c0, t0 = time.process_time(), time.perf_counter()
    sweep(store, recordings, work, None, datetime.now(UTC))
    assert work.wait(600)
    took = time.process_time() - c0, time.perf_counter() - t0
    assert work.done_total == 1, "nothing was left to do: the look alone"
    return took


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--calls", type=int, nargs="+", default=[2000, 20000])
    p.add_argument("--marked", type=float, nargs="+", default=[1.0, 0.01, 0.0])
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args()
    rows = []
    for calls in args.calls:
        with tempfile.TemporaryDirectory() as folder:
            root = Path(folder)
            store = _center(root, calls)
            recordings = RecordingStore(root / "recordings")
            for share in args.marked:
                times = []
                for _ in range(args.repeat):
                    _mark(store, share)  # the look unmarks what it read
                    times.append(_look_s(store, recordings))
                cpu = [round(c, 4) for c, _ in times]
                wall = [round(w, 4) for _, w in times]
                rows.append({"calls": calls, "marked": share, "look_cpu_s_median": round(statistics.median(cpu), 4),
                             "look_cpu_s": cpu, "look_wall_s": wall})  # fmt: skip
    print(json.dumps({"machine": machine(), "results": rows}, indent=2))


if __name__ == "__main__":
    main()
