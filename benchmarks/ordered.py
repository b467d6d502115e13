"""What the shared ordered worker (agentassist/ordered.py) costs the hot paths it carries, against the
classes it replaced, taken from an earlier commit (``--against``) and run in the same process:

- ``delivery``: a decode worker's hand-over of every partial, final and revision (``Delivery.put``) and
  the delivery thread running it: ``--jobs`` puts of a do-nothing consumer, then a flush. CPU time: the
  putting thread's (``put_us``, what a decode worker pays) and the whole process's (``total_us``, the
  delivery thread's included), per job.
- ``media``: the media thread's ticks for ``--calls`` calls with nothing queued (what the thread costs
  when it only wakes), ``--media-s`` seconds: the process's CPU per tick (its loop now runs as the one
  job of an ordered worker).

Old and new alternate within each round (old first in odd rounds, new first in even ones), ``--rounds``
rounds; each figure is the median of the rounds (and their minimum, the least disturbed). They are CPU
time, not wall time, so that other processes on the machine count less (they still share the caches and
the cores: compare ratios within one run).

    python -m benchmarks.ordered [--against a4ab4b5] [--jobs 100000] [--rounds 3] [--media-s 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
import types
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from agentassist.events import Channel, Utterance
from agentassist.pipeline import media as new_media
from agentassist.transcribe import delivery as new_delivery
from benchmarks.common import machine

REPO = Path(__file__).resolve().parent.parent


def _old_module(commit: str, path: str, name: str) -> types.ModuleType:
    """The module at ``path`` as it was at ``commit``, loaded under ``name`` (the repository's git)."""
    source = subprocess.run(
        ["git", "-C", str(REPO), "show", f"{commit}:{path}"], check=True, capture_output=True, text=True
    ).stdout
    module = types.ModuleType(name)
    module.__file__ = f"{commit}:{path}"
    sys.modules[name] = module  # dataclasses and typing look the module up by name
    exec(compile(source, module.__file__, "exec"), module.__dict__)
    return module


def _delivery_round(cls: Any, jobs: int) -> dict[str, float]:
    """``jobs`` puts on a fresh ``cls`` and the flush: CPU µs per job, the putter's and the process's."""
    utterance = Utterance("u1", "c1", Channel.CUSTOMER, 0.0, 1.0, "a line", final=False)
    ran = [0]

    def emit(u: Utterance) -> None:
        ran[0] += 1

    delivery = cls("deliver-bench")
    process0, thread0 = time.process_time(), time.thread_time()
    for _ in range(jobs):
        delivery.put(emit, utterance)
    put_s = time.thread_time() - thread0
    assert delivery.flush(600)
    total_s = time.process_time() - process0
    assert ran[0] == jobs
    return {"put_us": put_s / jobs * 1e6, "total_us": total_s / jobs * 1e6}


class _Idle:
    """A call with nothing queued: its turn returns at once."""

    def __init__(self, n: int) -> None:
        self.call_id = f"c{n}"
        self.leave = False

    def media_turn(self, now: float) -> bool:
        return not self.leave

    def media_lost(self, exc: Exception) -> None:
        pass


def _media_round(cls: Any, calls: int, seconds: float) -> dict[str, float]:
    """A fresh ``cls`` ticking for ``calls`` idle calls for ``seconds``: the process's CPU µs per tick."""
    thread = cls("media-bench")
    members = [_Idle(n) for n in range(calls)]
    for m in members:
        thread.add(m)
    time.sleep(0.1)  # started and ticking
    ticks0, process0 = thread.ticks, time.process_time()
    time.sleep(seconds)
    ticks, cpu_s = thread.ticks - ticks0, time.process_time() - process0
    for m in members:
        m.leave = True
    while len(thread):
        time.sleep(0.01)
    return {"tick_us": cpu_s / max(ticks, 1) * 1e6, "ticks_per_s": ticks / seconds}


def _rounds(label: str, old: Any, new: Any, rounds: int, run: Callable[[Any], dict[str, float]]) -> dict[str, Any]:
    runs: dict[str, list[dict[str, float]]] = {"old": [], "new": []}
    run(new)  # warm up: the first thread, the allocator
    for r in range(rounds):
        order = [("old", old), ("new", new)] if r % 2 == 0 else [("new", new), ("old", old)]
        for name, cls in order:
            runs[name].append(run(cls))
    out: dict[str, Any] = {"rounds": runs}
    for key in runs["old"][0]:
        o = statistics.median(x[key] for x in runs["old"])
        n = statistics.median(x[key] for x in runs["new"])
        o_min, n_min = min(x[key] for x in runs["old"]), min(x[key] for x in runs["new"])
        out[key] = {
            "old": round(o, 3),
            "new": round(n, 3),
            "new_over_old": round(n / o, 3),
            "old_min": round(o_min, 3),
            "new_min": round(n_min, 3),
            "new_over_old_min": round(n_min / o_min, 3),
        }
    print(f"{label}: " + ", ".join(f"{k} {v}" for k, v in out.items() if k != "rounds"), file=sys.stderr)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--against", default="a4ab4b5", help="the commit whose Delivery and MediaThread to compare")
    ap.add_argument("--jobs", type=int, default=100_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--calls", type=int, default=48, help="idle calls on the media thread")
    ap.add_argument("--media-s", type=float, default=3.0, help="seconds of ticks a round (0: no media rounds)")
    args = ap.parse_args(argv)
    old_delivery = _old_module(args.against, "agentassist/transcribe/delivery.py", "_old_delivery")
    old_media = _old_module(args.against, "agentassist/pipeline/media.py", "_old_media")
    result: dict[str, Any] = {
        "benchmark": "ordered",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "against": args.against,
        "jobs": args.jobs,
        "machine": machine(),
    }
    result["delivery"] = _rounds(
        "delivery",
        old_delivery.Delivery,
        new_delivery.Delivery,
        args.rounds,
        lambda cls: _delivery_round(cls, args.jobs),
    )
    if args.media_s > 0:
        result["media"] = _rounds(
            "media",
            old_media.MediaThread,
            new_media.MediaThread,
            args.rounds,
            lambda cls: _media_round(cls, args.calls, args.media_s),
        )
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
