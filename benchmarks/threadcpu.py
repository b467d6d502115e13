"""Where a process's CPU goes, thread by thread: the event loop, the calls' threads, the decode workers,
CTranslate2's own compute threads.

    python -m benchmarks.threadcpu --out FILE [--profile DIR] serve --config FILE   (benchmarks.floor's center)

Python 3.11 names no thread at the OS level, so a thread's group comes from its ``threading`` name; a
thread ``threading`` does not know (CTranslate2's workers and their OpenMP threads, started in C++)
is ``native``: that is where the model's compute shows (a decode worker's own clock sees almost none
of it: benchmarks/profile_load.py). A thread that ended between two snapshots is in ``ended`` (the
process's total less the live threads'). /proc counts in clock ticks (10 ms): read runs of seconds.

As the center: agentassist's CLI, plus a SIGUSR1 handler that appends a snapshot (one JSON line) to
``--out``; with ``--profile`` (a folder) the event loop is under cProfile between the
first and second signal, each call thread (``CallSession._run``), the media thread and each decode worker
for its whole life,
and the statistics are written there when the process ends (``loop.prof``, ``calls.prof``,
``workers.prof``; read them with pstats).
cProfile's overhead inflates the Python parts: read shares, not seconds.
"""

from __future__ import annotations

import cProfile
import json
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any

_TICKS = os.sysconf("SC_CLK_TCK")
# first match wins: (prefix of the threading name, group)
GROUPS = (
    ("MainThread", "event loop"),  # uvicorn's loop in the center; the feeder in benchmarks.load
    ("call-", "call threads"),
    ("media", "call threads"),  # every call's frames, once a tick (agentassist/pipeline/media.py)
    ("recording-fsync", "call threads"),  # the recordings' fsyncs, taken off the call threads (audio/recorder.py)
    ("transcribe-", "decode workers"),
    ("asyncio_", "executor"),  # asyncio.to_thread
    ("AnyIO", "executor"),  # Starlette's threadpool (sync routes)
    ("ThreadPoolExecutor", "executor"),
)

# {"process": s, "kernel": s, "minor_faults": n, "threads": {tid: [group, s, voluntary context switches, kernel s]}}
Snapshot = dict[str, Any]


def group_of(name: str) -> str:
    for prefix, group in GROUPS:
        if name.startswith(prefix):
            return group
    return "other"


def _fields(stat: str) -> list[str]:
    return stat.rsplit(")", 1)[1].split()  # from field 3 (state) on: the name may hold spaces


def _cpu_s(stat: str) -> float:
    fields = _fields(stat)
    return (int(fields[11]) + int(fields[12])) / _TICKS  # utime + stime


def _kernel_s(stat: str) -> float:
    return int(_fields(stat)[12]) / _TICKS  # stime


def _wakes(status: str) -> int:
    """A thread's voluntary context switches: each time it blocked (a queue, a sleep, a poll) and was woken."""
    for line in status.splitlines():
        if line.startswith("voluntary_ctxt_switches:"):
            return int(line.split()[1])
    return 0


def snapshot(pid: int | None = None) -> Snapshot:
    """Every live thread's CPU seconds with its group, and the process's (this process unless ``pid``)."""
    base = Path(f"/proc/{pid or 'self'}")
    names = {t.native_id: t.name for t in threading.enumerate()} if pid is None else {}
    threads: dict[str, list[Any]] = {}
    for task in base.joinpath("task").iterdir():
        try:
            stat = task.joinpath("stat").read_text()
            wakes = _wakes(task.joinpath("status").read_text())
        except (FileNotFoundError, ProcessLookupError):  # ended meanwhile: counted in "ended"
            continue
        name = names.get(int(task.name))
        threads[task.name] = [group_of(name) if name is not None else "native", _cpu_s(stat), wakes, _kernel_s(stat)]
    process = _fields(base.joinpath("stat").read_text())
    return {
        "process": (int(process[11]) + int(process[12])) / _TICKS,
        "kernel": int(process[12]) / _TICKS,  # stime: page faults, syscalls
        "minor_faults": int(process[7]),  # a fresh page touched: mmap'd blocks cost one each 4 KiB
        "threads": threads,
    }


def split(before: Snapshot, after: Snapshot) -> dict[str, Any]:
    """CPU seconds between two snapshots, by group; ``ended``: threads that ended between them; ``wakes``:
    by group, how often its threads blocked and were woken (threads that ended meanwhile not counted);
    ``kernel_by_group``: the part of each group's seconds spent in the kernel (syscalls, page faults)."""
    out: dict[str, float] = {}
    wakes: dict[str, int] = {}
    kernel: dict[str, float] = {}
    for tid, (group, cpu, *more) in after["threads"].items():
        earlier = before["threads"].get(tid)
        out[group] = out.get(group, 0.0) + cpu - (earlier[1] if earlier is not None else 0.0)
        if more:  # a snapshot written before wakes were counted has none
            was = earlier[2] if earlier is not None and len(earlier) > 2 else 0
            wakes[group] = wakes.get(group, 0) + more[0] - was
        if len(more) > 1:  # nor the kernel's share, before it was counted
            was_s = earlier[3] if earlier is not None and len(earlier) > 3 else 0.0
            kernel[group] = kernel.get(group, 0.0) + more[1] - was_s
    out["ended"] = after["process"] - before["process"] - sum(out.values())
    out = {k: round(v, 2) for k, v in sorted(out.items(), key=lambda kv: -kv[1])}
    out["process"] = round(after["process"] - before["process"], 2)
    out["kernel"] = round(after["kernel"] - before["kernel"], 2)  # of the process's, in the kernel
    out["minor_faults"] = after["minor_faults"] - before["minor_faults"]
    return {
        **out,
        "wakes": dict(sorted(wakes.items(), key=lambda kv: -kv[1])),
        "kernel_by_group": {k: round(v, 2) for k, v in sorted(kernel.items(), key=lambda kv: -kv[1])},
    }


def read_split(path: Path) -> dict[str, Any] | None:
    """The split between the first two snapshots written to ``path`` (None when there are fewer)."""
    lines = path.read_text().splitlines() if path.exists() else []
    return split(json.loads(lines[0]), json.loads(lines[1])) if len(lines) >= 2 else None


class _Profiles:
    """cProfile of the event loop (between the first two signals) and of every call thread."""

    def __init__(self, folder: Path) -> None:
        from agentassist.ordered import OrderedWorker
        from agentassist.pipeline.session import CallSession
        from agentassist.transcribe.engine import StreamingTranscriber

        self.folder = folder
        self.loop = cProfile.Profile()
        self.threads: dict[str, list[cProfile.Profile]] = {"calls": [], "workers": []}
        self._lock = threading.Lock()
        CallSession._run = self._profiled("calls", CallSession._run)  # type: ignore[method-assign]
        # the media thread is an ordered worker named "media" (agentassist.pipeline.media): its calls' turns
        media = self._profiled("calls", OrderedWorker._run, lambda worker: worker.name.startswith("media"))
        OrderedWorker._run = media  # type: ignore[method-assign]
        StreamingTranscriber._work = self._profiled("workers", StreamingTranscriber._work)  # type: ignore[method-assign]

    def _profiled(self, kind: str, run: Any, only: Any = None) -> Any:
        """``run`` profiled into ``kind``'s profiles; ``only``: for the owners it accepts, the others unprofiled."""

        def profiled(owner: Any) -> None:
            if only is not None and not only(owner):
                run(owner)
                return
            prof = cProfile.Profile()
            with self._lock:
                self.threads[kind].append(prof)
            prof.runcall(run, owner)

        return profiled

    def write(self) -> None:
        """``loop.prof``, ``calls.prof``, ``workers.prof`` (a worker still decoding is left out)."""
        import pstats

        self.folder.mkdir(parents=True, exist_ok=True)
        self.loop.dump_stats(self.folder / "loop.prof")
        with self._lock:
            for kind, profiles in self.threads.items():
                if profiles:
                    stats = pstats.Stats(profiles[0])
                    for prof in profiles[1:]:
                        stats.add(prof)
                    stats.dump_stats(self.folder / f"{kind}.prof")


def serve(argv: list[str]) -> int:
    """agentassist's CLI with the snapshot signal (module docstring)."""
    import argparse

    from agentassist import cli

    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--out", type=Path, required=True, help="snapshots, one JSON line each SIGUSR1")
    p.add_argument("--profile", type=Path, default=None, help="cProfile statistics into this folder")
    args, rest = p.parse_known_args(argv)
    out: Path = args.out
    profiles = _Profiles(args.profile) if args.profile else None
    taken = 0

    def on_signal(signum: int, frame: Any) -> None:
        nonlocal taken
        with out.open("a") as f:
            f.write(json.dumps(snapshot()) + "\n")
        taken += 1
        if profiles is not None and taken == 1:
            profiles.loop.enable()  # the main thread: a signal handler runs there
        elif profiles is not None and taken == 2:
            profiles.loop.disable()

    signal.signal(signal.SIGUSR1, on_signal)
    if profiles is not None:  # uvicorn raises SIGTERM again once it has stopped: the profiles are written first
        signal.signal(signal.SIGTERM, lambda signum, frame: None)
    try:
        return cli.main(rest)
    finally:
        if profiles is not None:
            profiles.write()


if __name__ == "__main__":
    sys.exit(serve(sys.argv[1:]))
