"""N concurrent calls in real time: final latency across all calls, and how far transcription lags.

    python -m benchmarks.load --calls 10 --seconds 60 --model tiny.en

Each call has both channels speaking in turns: prompts from the manifest with
pauses between them, the agent and the customer alternating like a conversation.
One feeder thread pushes a 20 ms frame per channel per tick through each
channel's ChannelStream (the production path: segmenter, partials, speculative
finals) into one shared StreamingTranscriber. Latency: true end of each spoken
prompt to its final utterance. Lag: the scheduler's own per-call lag (how long
the oldest unfinished final has waited), sampled every second. ``--fast``:
after each tick every job is finished, times are audio time (compute only).

Quality beside latency (benchmarks/quality.py): ``wer_live_finals`` (the finals as first
emitted, what the tracker acts on) and ``wer_stored`` (with their turns' revisions applied, what
the store keeps) against the manifest's references, ``wer_offline`` (the same files through
faster-whisper offline at beam 5, cached by model and file hash), ``partial_fresh_share`` (the
share of speaking time during which the newest text shown reaches to within 1 s of now) and
``isa`` (CTranslate2's instruction set here). The prompts are the manifest's held-out half
(``--half``; the split is a hash of the file name, benchmarks.common.half_of): tune on the other.
Last line: {"calls", "final_latency_p95_s", "max_lag_s", "wer_live_finals", "wer_stored",
"wer_offline", "partial_fresh_share", "isa", "first_call", ...}; ``first_call``: the same WERs of the
first call alone, which speaks the same prompts at every ``--calls`` (compare loads on it).

A live final keeps the words its partials made stable (LocalAgreement-3, agreement.py): one call
has every partial decoded, a loaded run sheds them, so its finals are their own decode, the same
text as ``--fast --no-partials`` gives (docs/transcription-under-load.md, "What a final loses").
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from agentassist import cpu, memory
from agentassist.audio.frames import FRAME_BYTES, SAMPLE_RATE_HZ
from agentassist.config import TranscribeSettings
from agentassist.events import Channel, Utterance
from agentassist.transcribe.engine import StreamingTranscriber, Transcriber
from agentassist.transcribe.models import MODELS
from agentassist.transcribe.options import WINDOWS
from agentassist.transcribe.stream import ChannelStream
from benchmarks.common import (
    HALVES,
    Item,
    base_parser,
    load_16k,
    load_manifest,
    machine,
    make_transcriber,
    percentile,
    record,
    segmenter_options,
    speech_end_s,
    stream_options,
)
from benchmarks.isa import selected as isa_selected
from benchmarks.quality import OfflineCache, Shown, Spoken, channel_wer, default_cache, fresh_share
from benchmarks.stages import means
from benchmarks.threadcpu import snapshot, split

PAUSE_S = (0.8, 2.0)


Conversation = dict[Channel, tuple[bytes, list[float]]]  # per channel: audio and the true ends of its prompts


def plan(prompts: list[np.ndarray], seconds: float, rng: random.Random) -> dict[Channel, list[Spoken]]:
    """Where each prompt is spoken: they alternate between the channels with pauses, in ``seconds``."""
    n = int(seconds * SAMPLE_RATE_HZ)
    placed: dict[Channel, list[Spoken]] = {ch: [] for ch in Channel}
    pos = int(0.5 * SAMPLE_RATE_HZ)
    speaker = Channel.AGENT
    while True:
        i = rng.randrange(len(prompts))
        p = prompts[i]
        if pos + p.size >= n:
            break
        end_s = (pos + speech_end_s(p) * SAMPLE_RATE_HZ) / SAMPLE_RATE_HZ
        placed[speaker].append(Spoken(pos / SAMPLE_RATE_HZ, end_s, i))
        pos += p.size + int(rng.uniform(*PAUSE_S) * SAMPLE_RATE_HZ)
        speaker = Channel.CUSTOMER if speaker is Channel.AGENT else Channel.AGENT
    return placed


def render(prompts: list[np.ndarray], placed: dict[Channel, list[Spoken]], seconds: float) -> Conversation:
    """The two channels' audio of a plan, and the true end of each prompt."""
    n = int(seconds * SAMPLE_RATE_HZ)
    out: Conversation = {}
    for ch in Channel:
        audio = np.zeros(n, np.int16)
        for sp in placed[ch]:
            pos = round(sp.start_s * SAMPLE_RATE_HZ)
            audio[pos : pos + prompts[sp.prompt].size] = prompts[sp.prompt]
        out[ch] = (audio.astype("<i2").tobytes(), [sp.end_s for sp in placed[ch]])
    return out


def conversation(prompts: list[np.ndarray], seconds: float, rng: random.Random) -> Conversation:
    """Two channels of ``seconds``: prompts alternate between them; returns audio and true ends."""
    return render(prompts, plan(prompts, seconds, rng), seconds)


def prompt_items(manifest: Path, lang: str | None, limit: int | None, half: str = "heldout") -> list[Item]:
    """The prompts of a run: the manifest's first ``limit`` (60) items of ``half`` that last 1-6 s."""
    items = [i for i in load_manifest(manifest, lang, limit or 60, half) if 1.0 <= i.duration_s <= 6.0]
    if not items:
        raise SystemExit(f"no prompts of 1-6 s in {manifest} ({half} half)")
    return items


def plans(
    manifest: Path, lang: str | None, limit: int | None, calls: int, seconds: float, half: str = "heldout"
) -> tuple[list[Item], list[np.ndarray], list[dict[Channel, list[Spoken]]]]:
    """The prompts and where each call speaks them: the same for the same arguments."""
    items = prompt_items(manifest, lang, limit, half)
    prompts = [load_16k(i.file) for i in items]
    rng = random.Random(7)
    return items, prompts, [plan(prompts, seconds, rng) for _ in range(calls)]


def conversations(
    manifest: Path, lang: str | None, limit: int | None, calls: int, seconds: float, half: str = "heldout"
) -> list[Conversation]:
    """The calls of a run: the same for the same arguments (benchmarks.floor streams these too)."""
    _, prompts, placed = plans(manifest, lang, limit, calls, seconds, half)
    return [render(prompts, p, seconds) for p in placed]


def model_language(model: str, lang: str | None) -> str | None:
    spec = MODELS.get(model)
    return lang or ("en" if spec is not None and not spec.multilingual else None)


def main() -> int:
    p = base_parser(__doc__ or "")
    p.add_argument("--calls", type=int, default=10)
    p.add_argument("--seconds", type=float, default=60.0)
    p.add_argument("--half", choices=HALVES, default="heldout", help="which half of the prompts (default held-out)")
    p.add_argument("--offline-cache", type=Path, default=None, help=f"offline texts (default {default_cache()})")
    p.add_argument("--no-offline", action="store_true", help="no wer_offline (null), nothing decoded offline")
    d = TranscribeSettings()  # the production defaults: a plain run measures what a new install runs
    p.add_argument("--final-batch", type=int, default=d.final_batch, help="finals in one batch, at most ([transcribe])")
    p.add_argument("--partial-batch", type=int, default=d.partial_batch, help="partials in one batch, at most")
    p.add_argument(
        "--revise-due-s", type=float, default=d.revise_due_s, help="a revision this old goes before partials"
    )
    p.add_argument("--window", choices=WINDOWS, default=d.window, help="what the encoder reads of a short segment")
    p.add_argument(
        "--scheduling",
        choices=cpu.POLICIES,
        default=d.scheduling,
        help="CPU policy, as `serve`'s [transcribe]",
    )
    p.add_argument("--record", action="store_true")
    args = p.parse_args()
    cpu.apply(args.scheduling)  # as `serve` does, before any thread starts (agentassist/cpu.py)
    memory.cap_arenas()  # and its malloc (agentassist/memory.py)
    memory.keep_freed_blocks()
    lang = model_language(args.model, args.lang)
    items, prompts, placed = plans(args.manifest, lang, args.limit, args.calls, args.seconds, args.half)
    calls = [render(prompts, pl, args.seconds) for pl in placed]
    isa, compute_type = isa_selected(args.model)  # its own process: before this one loads the model
    transcriber = make_transcriber(
        args.model,
        lang or items[0].lang,
        args.workers,
        args.beam,
        args.threads,
        final_batch=args.final_batch,
        partial_batch=args.partial_batch,
        revise_due_s=args.revise_due_s,
        window=args.window,
    )
    offline = None if args.no_offline else offline_texts(args, transcriber, items, lang or items[0].lang)
    streaming = StreamingTranscriber(transcriber)
    run = Run(args, calls, streaming)
    run.feed()
    summary = run.summary()
    summary.update(quality(run, items, placed, offline, lang or items[0].lang))
    summary.update(
        {"half": args.half, "prompts": len(items), "final_batch": args.final_batch, "batches": streaming.batches}
    )
    summary.update({"revise_due_s": args.revise_due_s, "window": args.window, "partial_batch": args.partial_batch})
    summary["partial_batches"] = streaming.partial_batches
    summary["revise_gap_s"] = stream_options(args).revise_gap_s
    summary.update({"isa": isa, "compute_type": compute_type, "model": args.model, "scheduling": args.scheduling})
    summary["load_avg"] = [round(x, 2) for x in os.getloadavg()]
    summary["machine"] = machine()
    if args.record:
        record(f"load — {args.model}", "python -m benchmarks.load " + " ".join(sys.argv[1:]), summary)
    print(json.dumps(summary))
    return 0


def offline_texts(args: argparse.Namespace, transcriber: Transcriber, items: list[Item], lang: str) -> list[str]:
    """Each prompt's offline text (beam 5, long-form), from the cache where it is there."""
    cache = OfflineCache(args.offline_cache or default_cache(), args.model, lang)

    def decode(file: Path) -> str:
        samples = load_16k(file).astype("float32") / 32768.0
        pieces, _ = transcriber.transcribe_audio(samples, beam_size=5, language=lang)
        return " ".join(x.text.strip() for x in pieces)

    return cache.texts([i.file for i in items], decode)


class Run:
    """The calls fed in real time (or ``--fast``) into one StreamingTranscriber, and what came out."""

    def __init__(self, args: argparse.Namespace, calls: list[Conversation], streaming: StreamingTranscriber) -> None:
        self.args, self.calls, self.streaming = args, calls, streaming
        self.finals: list[tuple[int, Channel, Utterance, float]] = []
        self.revised: list[tuple[int, Channel, Utterance]] = []
        self.shown: dict[tuple[int, Channel], list[Shown]] = {}  # partials and finals, as the agent saw them
        self.partials = 0
        self.max_feed_lag = self.max_lag = 0.0
        self.lag_curve: list[float] = []
        self._lock = threading.Lock()
        self._fed_ticks = 0
        self._t0 = time.monotonic()

    def clock(self) -> float:
        return self._fed_ticks * 0.02 if self.args.fast else time.monotonic() - self._t0

    def emitter(self, c: int, ch: Channel) -> Callable[[Utterance], None]:
        def emit(u: Utterance) -> None:
            now = self.clock()
            with self._lock:
                if u.revised:  # a final again, from its turn's revision: not a new final
                    self.revised.append((c, ch, u))
                    return
                if u.final:
                    self.finals.append((c, ch, u, now))
                else:
                    self.partials += 1
                self.shown.setdefault((c, ch), []).append(Shown(now, u.end_s))

        return emit

    def feed(self) -> None:
        args, streaming = self.args, self.streaming
        options, seg_options = stream_options(args), segmenter_options(args)
        lang = streaming.transcriber.language
        streams = [
            (c, ch, ChannelStream(f"call{c}", ch, streaming, self.emitter(c, ch), options=options,
                                  segmenter_options=seg_options, language=lang, clock=self.clock))
            for c in range(len(self.calls))
            for ch in Channel
        ]  # fmt: skip
        self._t0 = time.monotonic()
        next_sample = 1.0
        before = snapshot()  # the CPU by thread while the frames are fed (benchmarks.floor reads its center's so)
        for tick in range(int(args.seconds * 1000 / 20)):
            if not args.fast:
                delay = self._t0 + tick * 0.02 - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                else:
                    self.max_feed_lag = max(self.max_feed_lag, -delay)
            off = tick * FRAME_BYTES
            for c, ch, stream in streams:
                stream.push(self.calls[c][ch][0][off : off + FRAME_BYTES])
            self._fed_ticks = tick + 1
            if args.fast:
                streaming.wait_idle()
            if self.clock() >= next_sample:
                lag = max(streaming.lag_s().values(), default=0.0)
                self.max_lag = max(self.max_lag, lag)
                self.lag_curve.append(round(lag, 2))
                next_sample += 1.0
        self.threads_cpu = split(before, snapshot())
        for _, _, stream in streams:
            stream.finish()
        for _, _, stream in streams:
            for f in stream.futures:
                f.result()
        streaming.wait_idle()
        self.metrics = streaming.metrics()
        streaming.close()

    def summary(self) -> dict[str, Any]:
        args, streaming = self.args, self.streaming
        latencies: list[float] = []
        for c, ch, u, emitted in self.finals:
            ends = [e for e in self.calls[c][ch][1] if u.start_s - 0.5 <= e <= u.end_s + 1.0]
            if ends:
                latencies.append(emitted - max(ends))
        speech_s = sum(u.end_s - u.start_s for _, _, u, _ in self.finals)
        minutes = -(-len(self.lag_curve) // 60)  # the last, shorter minute too
        n = len(self.calls)
        return {
            "calls": n,
            "seconds": args.seconds,
            "fast": args.fast,
            "partials": not args.no_partials,
            "final_latency_p50_s": round(percentile(latencies, 50), 3),
            "final_latency_p95_s": round(percentile(latencies, 95), 3),
            "final_latency_max_s": round(max(latencies, default=0.0), 3),
            "max_lag_s": round(self.max_lag, 3),
            "lag_p95_per_minute_s": [
                round(percentile(self.lag_curve[m * 60 : (m + 1) * 60], 95), 2) for m in range(minutes)
            ],
            "finals": len(self.finals),
            "prompts_spoken": sum(len(call[ch][1]) for call in self.calls for ch in Channel),
            "partials_emitted": self.partials,
            "partials_dropped": int(self.metrics.get("agentassist_partials_dropped_total", 0)),
            "revisions": streaming.decoded.get("revise", 0),
            "revised_finals": len(self.revised),
            "revisions_dropped": int(self.metrics.get("agentassist_revisions_dropped_total", 0)),
            "busy_s_per_audio_s": round(streaming.busy_s / (args.seconds * n * 2), 3),
            "busy_s_per_speech_s": round(streaming.busy_s / speech_s, 3) if speech_s else None,
            "feeder_max_late_s": round(self.max_feed_lag, 3),
            "threads_cpu_s": self.threads_cpu,
            "stage": means(self.metrics),
            "cpu_per_call_s": round(self.threads_cpu["process"] / (args.seconds * n), 5),
        }


def quality(
    run: Run, items: list[Item], placed: list[dict[Channel, list[Spoken]]], offline: list[str] | None, lang: str
) -> dict[str, Any]:
    """WER of the live finals, the stored transcript and offline, per channel document; partial freshness."""
    refs, live, stored, off = [], [], [], []
    fresh = total = 0.0
    for c, call in enumerate(placed):
        for ch in Channel:
            spoken = call[ch]
            refs.append(" ".join(items[sp.prompt].text for sp in spoken))
            firsts = sorted((u for cc, chh, u, _ in run.finals if (cc, chh) == (c, ch)), key=lambda u: u.start_s)
            live.append(" ".join(u.text for u in firsts))
            latest = {u.id: u for u in firsts}
            latest.update((u.id, u) for cc, chh, u in run.revised if (cc, chh) == (c, ch))
            stored.append(" ".join(u.text for u in sorted(latest.values(), key=lambda u: u.start_s) if u.text))
            if offline is not None:
                off.append(" ".join(offline[sp.prompt] for sp in spoken))
            f, t = fresh_share(spoken, run.shown.get((c, ch), []))
            fresh, total = fresh + f, total + t
    # The first call speaks the same prompts at every --calls (plans draws the calls in order from one seed):
    # its figures compare loads on the same speech. The whole run's do not: 1 call x 120 s is 28 prompts
    # (196 words) and more calls draw others, so their offline WER moves too (0.036 at 1 call, 0.045 at 64)
    first = slice(0, len(Channel))  # its two channels' documents
    first_off = channel_wer(lang, refs[first], off[first]) if offline is not None else None
    return {
        "wer_live_finals": channel_wer(lang, refs, live),
        "wer_stored": channel_wer(lang, refs, stored),
        "wer_offline": channel_wer(lang, refs, off) if offline is not None else None,
        "partial_fresh_share": round(fresh / total, 4) if total else None,
        "reference_words": sum(len(r.split()) for r in refs),
        "first_call": {
            "wer_live_finals": channel_wer(lang, refs[first], live[first]),
            "wer_stored": channel_wer(lang, refs[first], stored[first]),
            "wer_offline": first_off,
            "reference_words": sum(len(r.split()) for r in refs[first]),
        },
    }


if __name__ == "__main__":
    sys.exit(main())
