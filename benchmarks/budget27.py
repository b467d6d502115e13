"""The transcriber's CPU budget (issue 27): what the load targets demand, in CPU-seconds, against the cores.

    python -m benchmarks.budget27 --calls 4 --seconds 120 --sample 24

Two parts, both measured on this CPU in CPU time (``process_time``, user and kernel; one intra-op
thread), so a machine shared with others still gives the work itself:

1. **Demand.** The first ``--calls`` calls of benchmarks.load's plan (the held-out half, the
   same speech as ``benchmarks.load --calls N`` starts with) go through the production path
   (Segmenter, ChannelStream, the StreamingTranscriber's scheduler) as fast as they are consumed,
   with every job done before the next frame (nothing is shed), into a :class:`Recorder`: a
   peer with the Transcriber's interface that decodes nothing and records each job. So the jobs
   counted are exactly those a run with enough CPU would decode: finals (and the speculative
   decodes at short pauses, which become finals or partials: ``speculative``), partials at
   each ``--hops`` (``partial_every_s``; fresh text at least every 1 s of speech needs a hop
   plus the decode's latency under 1 s), and every turn's revision. Also: the CPU of the
   pipeline itself per call-second (segmenter, drafts, scheduling: the Recorder costs nothing).
2. **Cost.** ``--sample`` of those very jobs of each kind decoded with the real model (tiny.en
   at ``int8``, the engine's settings): CPU per job one at a time and in batches of
   ``--sizes`` (CTranslate2 batches; ``transcribe_batch``, as ``final_batch`` and
   ``partial_batch`` run it), the encoder's share (the window's encoding alone), for each
   ``--windows`` (``[transcribe] window``); revisions (faster-whisper's long form, beam 5,
   30 s windows) one at a time.

The budget: jobs per call-second × CPU per job, summed, × ``--targets`` calls, against the cores
(``os.cpu_count()``): ``cores_needed`` at batch 1 and at each kind's cheapest batch size, with partials
(the 32-call target: fresh partials) and without (the 64-call one: finals and revisions). Queueing
needs headroom on top: a final waits behind whatever a worker is doing. ``--gaps``: revisions counted
and costed again with turns closed by longer pauses (``revise_gap_s``). ``--threads 2``: production's
intra-op threads (more CPU per job). ``--lang ru --model base``: the Russian run. docs/transcription-under-load.md
has the figures of the 2-core AMD EPYC.
Last line: {"demand": {hop: {kind: jobs per call-second, ...}}, "revise_gaps", "cost_cpu_ms": {window:
{kind: {size: ms}}}, "encoder_cpu_ms", "budget": {window: {hop: {"cpu_s_per_call_s", "with_partials",
"without_partials"}}}, "kernel_share", "minor_faults", "isa", "load_avg", "machine"}.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, cast

import numpy as np

from agentassist.audio.frames import FRAME_BYTES
from agentassist.events import Channel, SpeechSegment, Utterance
from agentassist.transcribe.engine import StreamingTranscriber, Transcriber
from agentassist.transcribe.options import StreamOptions, TranscriberOptions
from agentassist.transcribe.stream import ChannelStream
from agentassist.transcribe.transcriber import _audio, _utterance, one_blas_thread
from benchmarks.common import DEFAULT_MANIFEST, HALVES, machine, segmenter_options, stream_options
from benchmarks.isa import selected_isa
from benchmarks.load import plans, render
from benchmarks.window import decoder_for

KINDS = ("final", "speculative", "partial", "revision")


@dataclass(frozen=True, slots=True)
class Recorded:
    kind: str
    segment: SpeechSegment


class Recorder:
    """The Transcriber's interface, decoding nothing: each job is recorded and answered at once (a partial
    and a final with two words, a revision with nothing heard: the live text stays)."""

    multilingual = True  # the stream then keeps the language it is given
    workers = 1

    def __init__(self, language: str) -> None:
        self.options = TranscriberOptions()
        self.language = language
        self.jobs: list[Recorded] = []

    def transcribe(self, segment: SpeechSegment, *, words: bool = True, final: bool = True, **_: Any) -> Utterance:
        kind = "final" if final else ("speculative" if words else "partial")
        self.jobs.append(Recorded(kind, segment))
        return _utterance(segment, (), "so far", final, self.language, 0.9, 0.0)

    def transcribe_long(self, segment: SpeechSegment, **_: Any) -> None:
        self.jobs.append(Recorded("revision", segment))

    def batchable(self, segment: SpeechSegment) -> bool:
        return False


def demand(args: argparse.Namespace, hop_s: float, gap_s: float) -> tuple[dict[str, Any], list[Recorded]]:
    """The jobs of ``args.calls`` calls with partials every ``hop_s`` and turns closed by pauses of ``gap_s``
    (``revise_gap_s``): per call-second by kind, and the jobs."""
    _, prompts, placed = plans(args.manifest, args.lang, None, args.calls, args.seconds, args.half)
    calls = [render(prompts, p, args.seconds) for p in placed]
    recorder = Recorder(args.lang)
    streaming = StreamingTranscriber(cast(Transcriber, recorder), 1, revise_max_wait_s=None)
    args.partial_every_s, args.no_partials, args.no_revise = hop_s, False, False
    options, seg_options = replace(stream_options(args), revise_gap_s=gap_s), segmenter_options(args)
    fed = [0]

    def clock() -> float:
        return fed[0] * 0.02

    streams = [
        (c, ch, ChannelStream(f"call{c}", ch, streaming, lambda u: None, options=options,
                              segmenter_options=seg_options, language=args.lang, clock=clock))
        for c in range(len(calls))
        for ch in Channel
    ]  # fmt: skip
    cpu0 = time.process_time()
    for tick in range(int(args.seconds * 50)):
        off = tick * FRAME_BYTES
        for c, ch, stream in streams:
            stream.push(calls[c][ch][0][off : off + FRAME_BYTES])
        fed[0] = tick + 1
        streaming.wait_idle()
    for _, _, stream in streams:
        stream.finish()
    streaming.wait_idle()
    pipeline_cpu = time.process_time() - cpu0
    streaming.close()
    call_s = args.calls * args.seconds
    speech_s = sum(sp.end_s - sp.start_s for p in placed for ch in Channel for sp in p[ch])
    out: dict[str, Any] = {k: round(sum(j.kind == k for j in recorder.jobs) / call_s, 4) for k in KINDS}
    lengths = {k: [_seconds(j.segment) for j in recorder.jobs if j.kind == k] for k in KINDS}
    out["mean_s"] = {k: round(float(np.mean(v)), 2) for k, v in lengths.items() if v}
    out["over_floor_share"] = round(float(np.mean([s > 9.95 for s in lengths["final"] + lengths["speculative"]])), 4)
    out["speech_share"] = round(speech_s / (call_s * len(Channel)), 3)  # of each channel's time
    out["pipeline_cpu_ms_per_call_s"] = round(1000 * pipeline_cpu / call_s, 2)  # with the no-op recorder
    out["same_audio_as_earlier_job"] = _same_audio(recorder.jobs)
    out["partials_after_two_hypotheses"] = _agreeable(recorder.jobs)
    return out, recorder.jobs


def _seconds(s: SpeechSegment) -> float:
    return len(s.pcm) / 2 / s.sample_rate_hz


def _same_audio(jobs: Sequence[Recorded]) -> dict[str, float]:
    """Of the finals and speculative decodes, the share whose audio an earlier job of the same utterance
    decoded exactly (an encoder pass they could share) or within 0.1 s of it."""
    seen: dict[str, list[Recorded]] = {}
    same = near = n = 0
    for j in jobs:
        before = seen.setdefault(j.segment.utterance_id, [])
        if j.kind in ("final", "speculative") and j.segment.utterance_id:
            n += 1
            same += any(b.segment.pcm == j.segment.pcm and b.segment.pause_tail == j.segment.pause_tail for b in before)
            near += any(abs(_seconds(b.segment) - _seconds(j.segment)) <= 0.1 for b in before)
        before.append(j)
    return {"exact": round(same / n, 4) if n else 0.0, "within_0.1s": round(near / n, 4) if n else 0.0}


def _agreeable(jobs: Sequence[Recorded]) -> float:
    """The share of partials with two hypotheses of their utterance before them: only those can have stable
    words (LocalAgreement-3, agreement.py) to force as the decoder's prefix."""
    before: dict[str, int] = {}
    n = agreeable = 0
    for j in jobs:
        k = before.get(j.segment.utterance_id, 0)
        if j.kind == "partial":
            n += 1
            agreeable += k >= 2
        if j.kind in ("partial", "speculative"):
            before[j.segment.utterance_id] = k + 1
    return round(agreeable / n, 4) if n else 0.0


def _sample(jobs: Sequence[Recorded], kinds: tuple[str, ...], n: int) -> list[SpeechSegment]:
    """``n`` jobs of ``kinds`` spread evenly over the run."""
    of = [j.segment for j in jobs if j.kind in kinds]
    if len(of) <= n:
        return of
    return [of[round(i * (len(of) - 1) / (n - 1))] for i in range(n)] if n > 1 else of[:1]


def _cpu(fn: Any, *a: Any, **kw: Any) -> float:
    c0 = time.process_time()
    fn(*a, **kw)
    return time.process_time() - c0


def _decodes(t: Transcriber, segs: list[SpeechSegment], size: int, kw: dict[str, Any]) -> float:
    """CPU seconds to decode ``segs`` in batches of ``size`` (1: ``transcribe``, the path one job takes)."""
    cpu = 0.0
    for i in range(0, len(segs), size):
        chunk = segs[i : i + size]
        if size == 1:
            cpu += _cpu(t.transcribe, chunk[0], beam_size=1, **kw)
        else:
            prompts: list[str | None] = [None] * len(chunk)
            cpu += _cpu(t.transcribe_batch, chunk, prompts=prompts, beam_size=1, **kw)
    return cpu


def cost(
    t: Transcriber, window: str, segments: dict[str, list[SpeechSegment]], sizes: list[int], repeat: int
) -> dict[str, Any]:
    """CPU ms per job by kind and batch size with ``window`` (the best of ``repeat`` passes), and the
    encoder's alone on the partials' windows."""
    t._decoder = decoder_for(t, window)  # as benchmarks.window: the window swapped under the transcriber's path
    for s in segments["final"][:4]:
        t.transcribe(s)  # warm up (shapes, and the reduced window's silence encodings)
    jobs: dict[str, dict[int, float]] = {}
    encoder: dict[int, float] = {}
    lang = t.language or "en"
    for kind, kw in (
        ("final", {"words": True, "final": True, "language": lang}),
        ("partial", {"words": False, "final": False, "language": lang}),
    ):
        segs = [s for s in segments[kind] if t.batchable(s)]
        for size in sizes:
            cpu = min(_decodes(t, segs, size, kw) for _ in range(repeat))
            jobs.setdefault(kind, {})[size] = round(1000 * cpu / len(segs), 1)
            if kind == "partial":  # the encoder alone, on the same windows
                audios = [_audio(s) for s in segs]
                chunks = [audios[i : i + size] for i in range(0, len(audios), size)]
                cpu = min(sum(_cpu(t._decoder.windows.encode, c) for c in chunks) for _ in range(repeat))
                encoder[size] = round(1000 * cpu / len(audios), 1)
            print(f"{window} {kind} batch {size}: {jobs[kind][size]} ms CPU a job; load {os.getloadavg()[0]:.2f}",
                  file=sys.stderr)  # fmt: skip
    return {"jobs": jobs, "encoder": encoder}


def revision_cost(t: Transcriber, segments: list[SpeechSegment]) -> float:
    """CPU ms per revision: faster-whisper's long form at beam 5 (StreamOptions.revise_beam_size)."""
    cpu = sum(_cpu(t.transcribe_long, s, language=t.language, beam_size=5) for s in segments)
    return round(1000 * cpu / len(segments), 1)


def budget(
    dem: dict[str, Any], jobs: dict[str, dict[int, float]], revision_ms: float, targets: list[int]
) -> dict[str, Any]:
    """CPU-s per call-second by kind (batch 1 and the cheapest size) and the cores the targets need, with
    partials (32 calls: fresh partials) and without (64 calls: finals and revisions only)."""
    final_rate = dem["final"] + dem["speculative"]  # a speculative decode costs a final's (words aligned)
    per: dict[str, dict[str, float]] = {}
    for name, rate, by_size in (("finals", final_rate, jobs["final"]), ("partials", dem["partial"], jobs["partial"])):
        best = min(by_size, key=lambda s: by_size[s])
        per[name] = {"batch1": rate * by_size[1] / 1000, "best": rate * by_size[best] / 1000, "best_size": best}
    per["revisions"] = {"batch1": dem["revision"] * revision_ms / 1000}
    per["pipeline"] = {"batch1": dem["pipeline_cpu_ms_per_call_s"] / 1000}

    def total(of: tuple[str, ...], how: str) -> float:
        return sum(per[k].get(how, per[k]["batch1"]) for k in of)

    everything, no_partials = ("finals", "partials", "revisions", "pipeline"), ("finals", "revisions", "pipeline")
    cores = os.cpu_count() or 1
    out: dict[str, Any] = {"cpu_s_per_call_s": {k: {kk: round(vv, 4) for kk, vv in v.items()} for k, v in per.items()}}
    for name, of in (("with_partials", everything), ("without_partials", no_partials)):
        one, best = total(of, "batch1"), total(of, "best")
        out[name] = {
            "cpu_s_per_call_s": {"batch1": round(one, 4), "best": round(best, 4)},
            "cores_needed": {n: {"batch1": round(n * one, 2), "best": round(n * best, 2)} for n in targets},
            "calls_on_these_cores": {"batch1": round(cores / one, 1), "best": round(cores / best, 1)},
        }
    out["cores"] = cores
    return out


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--manifest", type=Path, default=DEFAULT_MANIFEST)
    p.add_argument("--half", choices=HALVES, default="heldout", help="which half of the prompts (as benchmarks.load)")
    p.add_argument("--calls", type=int, default=4, help="calls of benchmarks.load's plan whose jobs are counted")
    p.add_argument("--seconds", type=float, default=120.0)
    p.add_argument("--hops", default="1.0,0.7,0.35", help="partial_every_s values to count partials at")
    p.add_argument("--gaps", default="", help="more revise_gap_s values: revisions counted and costed at each")
    p.add_argument("--sample", type=int, default=24, help="jobs of each kind decoded for their cost")
    p.add_argument("--revisions", type=int, default=8, help="revisions decoded for their cost")
    p.add_argument("--repeat", type=int, default=2, help="passes over the sample; the cheapest counts")
    p.add_argument("--sizes", default="1,2,4,8,16")
    p.add_argument("--windows", default="padded,reduced")
    p.add_argument("--targets", default="1,16,32,64")
    p.add_argument("--model", default="tiny.en")
    p.add_argument("--lang", default="en", help="the prompts' language (ru with --model base)")
    p.add_argument("--threads", type=int, default=1, help="intra-op threads (1: the work alone; 2: production's)")
    p.add_argument("--no-cost", action="store_true", help="the demand only (no model)")
    for name in (  # the segmenter's and stream's options benchmarks.common reads: the production defaults
        "end_silence_ms",
        "min_speech_ms",
        "split_after_s",
        "split_pause_ms",
        "split_dip_db",
        "speculative_ms",
    ):
        p.set_defaults(**{name: None})
    return p


def main() -> int:
    args = parser().parse_args()
    hops = [float(h) for h in args.hops.split(",")]
    sizes = [int(s) for s in args.sizes.split(",")]
    targets = [int(n) for n in args.targets.split(",")]
    gap = StreamOptions().revise_gap_s
    demands: dict[str, Any] = {}
    recorded: list[Recorded] = []
    for hop in hops:
        demands[str(hop)], jobs = demand(args, hop, gap)
        recorded = recorded or jobs
        print(f"hop {hop}: {json.dumps(demands[str(hop)])}", file=sys.stderr)
    gaps: dict[str, tuple[dict[str, Any], list[Recorded]]] = {}
    for g in (float(x) for x in args.gaps.split(",") if x):
        gaps[str(g)] = demand(args, hops[0], g)
        print(f"gap {g}: {json.dumps(gaps[str(g)][0])}", file=sys.stderr)
    summary: dict[str, Any] = {"demand": demands, "calls": args.calls, "seconds": args.seconds, "half": args.half}
    summary["lang"] = args.lang
    summary["revise_gaps"] = {g: {k: d[k] for k in ("revision", "mean_s")} for g, (d, _) in gaps.items()}
    if not args.no_cost:
        options = TranscriberOptions(model=args.model, language=args.lang, workers=1, cpu_threads=args.threads)
        one_blas_thread()  # as the center does before its first model (agentassist.callmodels)
        t = Transcriber(replace(options, beam_size=1))
        segments = {
            "final": _sample(recorded, ("final", "speculative"), args.sample),
            "partial": _sample(recorded, ("partial",), args.sample),
        }
        r0 = resource.getrusage(resource.RUSAGE_SELF)
        costs = {w: cost(t, w, segments, sizes, args.repeat) for w in args.windows.split(",")}
        r1 = resource.getrusage(resource.RUSAGE_SELF)
        # CPU time is user and kernel time: the kernel's is mostly page faults of the decoder's buffers
        summary["kernel_share"] = round(
            (r1.ru_stime - r0.ru_stime) / (r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime), 3
        )
        summary["minor_faults"] = r1.ru_minflt - r0.ru_minflt
        t._decoder = decoder_for(t, "padded")
        revision_ms = revision_cost(t, _sample(recorded, ("revision",), args.revisions))
        summary["cost_cpu_ms"] = {w: c["jobs"] | {"revision": {1: revision_ms}} for w, c in costs.items()}
        summary["encoder_cpu_ms"] = {w: c["encoder"] for w, c in costs.items()}
        summary["budget"] = {
            w: {hop: budget(d, c["jobs"], revision_ms, targets) for hop, d in demands.items()} for w, c in costs.items()
        }
        for g, (d, jobs) in gaps.items():
            ms = revision_cost(t, _sample(jobs, ("revision",), args.revisions))
            summary["revise_gaps"][g] |= {
                "revision_cpu_ms": ms,
                "cpu_s_per_call_s": round(d["revision"] * ms / 1000, 4),
            }
        summary |= {"model": args.model, "compute_type": "int8", "threads": args.threads}
        summary["isa"] = selected_isa(args.model)
        summary["sample"] = {k: len(v) for k, v in segments.items()} | {"revision": args.revisions}
    summary["load_avg"] = [round(x, 2) for x in os.getloadavg()]
    summary["machine"] = machine()
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
