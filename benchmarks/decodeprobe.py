"""Where a decode worker's time goes, and what becomes of each speculative decode: a probe for a benchmark's
process (benchmarks.floor's center, benchmarks.load), installed before the model loads.

    DECODE_PROBE=DIR python -m benchmarks.floor ...   (with benchmarks/probe_site on PYTHONPATH: every process
                                                         the benchmark starts installs it; see below)

Each process writes ``DIR/<pid>.json`` every 2 s and at exit: its command line, then

- ``jobs``: per kind the decode ran as, the count and the means (ms) of ``queued`` (submitted to taken by a
  worker), ``pre`` (taken to CTranslate2's first call: features, tokenizer, and the interpreter's lock
  taken back), ``ct2`` (inside CTranslate2's calls: encode, generate, align; the lock released), ``gaps``
  (between CTranslate2's calls: Python between them), ``post`` (CTranslate2's last return to the result
  built), ``deliver`` (the job's callback and the scheduler's bookkeeping: the utterance stored and published
  in a center), ``cpu`` (the worker thread's own CPU over all of it: Python, since it sleeps in CTranslate2)
  and ``runq`` (the worker's time runnable but waiting for a core, from /proc's schedstat). What is outside
  CTranslate2 and neither CPU nor run queue is time blocked: the interpreter's lock (GIL), or a lock of the
  stream or the store.
- ``workers``: the decode workers' wall time while they held a job, split as above, and ``handoff``: from a
  job's end to the next job's start when that job was already queued (the worker's way back to the queue).
- ``spec``: speculative decodes submitted, and at the cut what each was: ``ready`` (its result there: the
  final with no decode), ``promoted_queued`` (still queued: it becomes the final, decoded after the cut),
  ``promoted_running`` (running: the final when it returns), ``voiced_again`` (speech went on after it),
  ``cut_other`` (a cut it does not match).
- ``gil_probe``: a thread that sleeps 5 ms a loop: how much later than asked it runs again (ms, p50 / p95 /
  p99 / mean): a core and the interpreter's lock both have to come free for it.
- ``media``: in a center, the items (frames) a call's media turn found queued, as a histogram.
- ``delivery``: in a center, the delivery thread (agentassist.transcribe.delivery), per kind of utterance
  (``partial``, ``final``, ``revised``): the count and the means (ms) of ``wait`` (put by the stream to
  taken by the thread) and ``run`` (the consumer: redaction, the store, the tracker, the bus), and the
  thread's own CPU (s) and run-queue wait (s). The workers' ``deliver`` is then only the drafts' step and
  the put.

``DECODE_PROBE_SWITCH_S``: ``sys.setswitchinterval`` of the process (the A/B of the interpreter's lock's
hand-over interval). ``DECODE_PROBE_TICK_S``: the media thread's tick. Measurement only: nothing here is
imported by agentassist.
"""

from __future__ import annotations

import atexit
import collections
import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

_FIELDS = ("queued", "pre", "ct2", "gaps", "post", "deliver", "cpu", "runq")


def _schedstat() -> tuple[float, float]:
    """This thread's CPU and run-queue wait, seconds (/proc/thread-self/schedstat)."""
    try:
        cpu, runq, _ = open("/proc/thread-self/schedstat").read().split()  # noqa: SIM115 - read at once
    except OSError:
        return 0.0, 0.0
    return int(cpu) / 1e9, int(runq) / 1e9


class _Probe:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.lock = threading.Lock()
        self.sums: dict[str, dict[str, float]] = collections.defaultdict(lambda: dict.fromkeys(("n", *_FIELDS), 0.0))
        self.handoff: dict[str, list[float]] = collections.defaultdict(lambda: [0, 0.0])  # by kind: count, s
        self.spec: collections.Counter[str] = collections.Counter()
        self.media: collections.Counter[int] = collections.Counter()
        self.over: list[float] = []
        self.delivery: dict[str, list[float]] = collections.defaultdict(lambda: [0, 0.0, 0.0])  # n, wait, run
        self.delivery_threads: dict[int, tuple[float, float]] = {}  # native id: (cpu, runq) at its last item
        self.local = threading.local()
        self.started = time.monotonic()

    # ---- the decode workers ---------------------------------------------------------------------------

    def ct2_enter(self) -> float:
        t = time.monotonic()
        s = getattr(self.local, "job", None)
        if s is not None:
            if s["first"] is None:
                s["first"] = t
            elif s["last"] is not None:
                s["gaps"] += t - s["last"]
        return t

    def ct2_exit(self, entered: float) -> None:
        t = time.monotonic()
        s = getattr(self.local, "job", None)
        if s is not None:
            s["ct2"] += t - entered
            s["last"] = t

    def job_start(self, jobs: list[Any]) -> None:
        cpu, runq = _schedstat()
        started = jobs[0].started or time.monotonic()
        end = getattr(self.local, "end", None)
        if end is not None and all(j.submitted <= end for j in jobs):
            with self.lock:
                row = self.handoff[jobs[0].kind.name.lower()]
                row[0] += 1
                row[1] += max(0.0, started - end)
        self.local.job = {"first": None, "last": None, "ct2": 0.0, "gaps": 0.0, "cpu": cpu, "runq": runq}

    def job_built(self) -> None:
        s = getattr(self.local, "job", None)
        if s is not None and "built" not in s:
            s["built"] = time.monotonic()

    def job_end(self, jobs: list[Any]) -> None:
        s = getattr(self.local, "job", None)
        self.local.job = None
        end = time.monotonic()
        self.local.end = end
        if s is None:
            return
        cpu, runq = _schedstat()
        started = jobs[0].started or end
        built = s.get("built", end)
        first = s["first"] if s["first"] is not None else built
        last = s["last"] if s["last"] is not None else first
        n = len(jobs)
        with self.lock:
            for job in jobs:
                row = self.sums[job.kind.name.lower()]
                row["n"] += 1
                row["queued"] += (job.started or started) - job.submitted
                row["pre"] += (first - started) / n
                row["ct2"] += s["ct2"] / n
                row["gaps"] += s["gaps"] / n
                row["post"] += (built - last) / n
                row["deliver"] += (end - built) / n
                row["cpu"] += (cpu - s["cpu"]) / n
                row["runq"] += (runq - s["runq"]) / n

    # ---- the rest -------------------------------------------------------------------------------------

    def gil_loop(self) -> None:
        while True:
            t = time.perf_counter()
            time.sleep(0.005)
            over = time.perf_counter() - t - 0.005
            with self.lock:
                self.over.append(over)

    def dump(self) -> None:
        with self.lock:
            over = sorted(self.over)
            jobs = {
                kind: {"n": int(r["n"]), **{f: round(r[f] / r["n"] * 1000, 2) for f in _FIELDS}}
                for kind, r in self.sums.items()
                if r["n"]
            }
            total = {f: round(sum(r[f] for r in self.sums.values()), 2) for f in _FIELDS if f != "queued"}
            out = {
                "argv": sys.argv,
                "elapsed_s": round(time.monotonic() - self.started, 1),
                "switch_interval_s": sys.getswitchinterval(),
                "jobs": jobs,
                "workers": total,
                "handoff": {
                    k: {"n": int(n), "s": round(t, 2), "mean_ms": round(t / n * 1000, 2)}
                    for k, (n, t) in self.handoff.items()
                    if n
                },
                "spec": dict(self.spec),
                "media": dict(sorted(self.media.items())),
                "delivery": {
                    k: {"n": int(n), "wait": round(w / n * 1000, 2), "run": round(r / n * 1000, 2)}
                    for k, (n, w, r) in self.delivery.items()
                    if n
                },
                "delivery_thread_cpu_s": round(sum(c for c, _ in self.delivery_threads.values()), 2),
                "delivery_thread_runq_s": round(sum(q for _, q in self.delivery_threads.values()), 2),
                "gil_probe": {
                    "n": len(over),
                    **{f"p{p}": round(over[int(len(over) * p / 100)] * 1000, 3) for p in (50, 95, 99) if over},
                    "mean": round(sum(over) / len(over) * 1000, 3) if over else None,
                },
            }
        tmp = self.folder / f".{os.getpid()}.json"
        tmp.write_text(json.dumps(out))
        tmp.replace(self.folder / f"{os.getpid()}.json")

    def dump_loop(self) -> None:
        while True:
            time.sleep(2.0)
            self.dump()


def _install_workers(p: _Probe) -> None:
    from agentassist.transcribe import engine, transcriber

    class Model:
        """CTranslate2's model with each call timed (the decode workers only: the probe's job state)."""

        def __init__(self, real: Any) -> None:
            self._real = real

        def __getattr__(self, name: str) -> Any:
            value = getattr(self._real, name)
            if not callable(value) or name not in ("encode", "generate", "align", "detect_language"):
                return value

            def timed(*args: Any, **kwargs: Any) -> Any:
                entered = p.ct2_enter()
                try:
                    return value(*args, **kwargs)
                finally:
                    p.ct2_exit(entered)

            return timed

    init = transcriber.Transcriber.__init__

    def patched_init(self: Any, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        self._model.model = Model(self._model.model)

    transcriber.Transcriber.__init__ = patched_init  # type: ignore[method-assign]

    run, run_batch = engine.StreamingTranscriber._run, engine.StreamingTranscriber._run_batch
    finish = engine.StreamingTranscriber._finish

    def patched_run(self: Any, job: Any, *, observed: bool = False) -> None:
        p.job_start([job])
        try:
            run(self, job, observed=observed)
        finally:
            p.job_end([job])

    def patched_batch(self: Any, jobs: list[Any]) -> None:
        p.job_start(jobs)
        try:
            run_batch(self, jobs)
        finally:
            p.job_end(jobs)

    def patched_finish(self: Any, job: Any, utterance: Any, elapsed: float) -> None:
        p.job_built()
        finish(self, job, utterance, elapsed)

    engine.StreamingTranscriber._run = patched_run  # type: ignore[method-assign]
    engine.StreamingTranscriber._run_batch = patched_batch  # type: ignore[method-assign]
    engine.StreamingTranscriber._finish = patched_finish  # type: ignore[method-assign]


def _install_drafts(p: _Probe) -> None:
    from agentassist.transcribe import drafts

    cls = drafts.Drafts
    speculate, went_on, cut = cls.speculate, cls.speech_went_on, cls.cut

    def patched_speculate(self: Any, job: Any, voiced: int, pause_tail: bool) -> None:
        with p.lock:
            p.spec["submitted"] += 1
        speculate(self, job, voiced, pause_tail)

    def patched_went_on(self: Any) -> None:
        if self.current is not None and self.current.spec is not None:
            with p.lock:
                p.spec["voiced_again"] += 1
        went_on(self)

    def patched_cut(self: Any, segment: Any, voiced: int, now: float, voiced_wall: float) -> Any:
        d = self.current
        spec = d.spec if d is not None and d.id == segment.utterance_id else None
        step = cut(self, segment, voiced, now, voiced_wall)
        if spec is not None:
            if step.promote is not None:
                what = "promoted_queued" if spec.job.started is None else "promoted_running"
            elif step.decode is None:
                what = "ready"
            else:
                what = "cut_other"
            with p.lock:
                p.spec[what] += 1
        return step

    cls.speculate = patched_speculate  # type: ignore[method-assign]
    cls.speech_went_on = patched_went_on  # type: ignore[method-assign]
    cls.cut = patched_cut  # type: ignore[method-assign]


def _install_media(p: _Probe) -> None:
    from agentassist.pipeline import media, session

    tick = os.environ.get("DECODE_PROBE_TICK_S")
    if tick:
        media.TICK_S = float(tick)
        init = media.MediaThread.__init__

        def patched_init(self: Any, name: str = "media", tick_s: float = float(tick)) -> None:
            init(self, name, float(tick))

        media.MediaThread.__init__ = patched_init  # type: ignore[method-assign]
    turn = session.CallSession.media_turn

    def patched_turn(self: Any, now: float) -> bool:
        if now >= self._wake_at:
            n = self._queue.qsize()
            if n:
                with p.lock:
                    p.media[min(n, 20)] += 1
        return turn(self, now)

    session.CallSession.media_turn = patched_turn  # type: ignore[method-assign]


def _install_delivery(p: _Probe) -> None:
    try:
        from agentassist.transcribe import delivery
    except ImportError:  # code from before the delivery thread
        return
    put = delivery.Delivery.put

    def patched_put(self: Any, emit: Any, utterance: Any) -> None:
        def timed(u: Any) -> None:
            start = time.monotonic()
            waited = start - delivery.handed_at()
            try:
                emit(u)
            finally:
                ran = time.monotonic() - start
                kind = "revised" if u.revised else "final" if u.final else "partial"
                cpu, runq = _schedstat()
                with p.lock:
                    row = p.delivery[kind]
                    row[0] += 1
                    row[1] += waited
                    row[2] += ran
                    p.delivery_threads[threading.get_native_id()] = (cpu, runq)

        put(self, timed, utterance)

    delivery.Delivery.put = patched_put  # type: ignore[method-assign]


def install() -> None:
    folder = os.environ.get("DECODE_PROBE")
    if not folder:
        return
    switch = os.environ.get("DECODE_PROBE_SWITCH_S")
    if switch:
        sys.setswitchinterval(float(switch))
    p = _Probe(Path(folder))
    p.folder.mkdir(parents=True, exist_ok=True)
    _install_workers(p)
    _install_drafts(p)
    _install_media(p)
    _install_delivery(p)
    threading.Thread(target=p.gil_loop, name="probe-gil", daemon=True).start()
    threading.Thread(target=p.dump_loop, name="probe-dump", daemon=True).start()
    atexit.register(p.dump)
