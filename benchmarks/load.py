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
Last line: {"calls", "final_latency_p95_s", "max_lag_s", ...}.
"""

from __future__ import annotations

import json
import random
import sys
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

from agentassist.audio.frames import FRAME_BYTES, SAMPLE_RATE_HZ
from agentassist.events import Channel, Utterance
from agentassist.transcribe.engine import StreamingTranscriber
from agentassist.transcribe.models import MODELS
from agentassist.transcribe.stream import ChannelStream
from benchmarks.common import (
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

PAUSE_S = (0.8, 2.0)


def conversation(
    prompts: list[np.ndarray], seconds: float, rng: random.Random
) -> dict[Channel, tuple[bytes, list[float]]]:
    """Two channels of ``seconds``: prompts alternate between them; returns audio and true ends."""
    n = int(seconds * SAMPLE_RATE_HZ)
    audio = {ch: np.zeros(n, np.int16) for ch in Channel}
    ends: dict[Channel, list[float]] = {ch: [] for ch in Channel}
    pos = int(0.5 * SAMPLE_RATE_HZ)
    speaker = Channel.AGENT
    while True:
        p = prompts[rng.randrange(len(prompts))]
        if pos + p.size >= n:
            break
        audio[speaker][pos : pos + p.size] = p
        ends[speaker].append((pos + speech_end_s(p) * SAMPLE_RATE_HZ) / SAMPLE_RATE_HZ)
        pos += p.size + int(rng.uniform(*PAUSE_S) * SAMPLE_RATE_HZ)
        speaker = Channel.CUSTOMER if speaker is Channel.AGENT else Channel.AGENT
    return {ch: (audio[ch].astype("<i2").tobytes(), ends[ch]) for ch in Channel}


def conversations(
    manifest: Path, lang: str | None, limit: int | None, calls: int, seconds: float
) -> list[dict[Channel, tuple[bytes, list[float]]]]:
    """The calls of a run: the same for the same arguments (benchmarks.floor streams these too)."""
    items = load_manifest(manifest, lang, limit or 60)
    prompts = [load_16k(i.file) for i in items if 1.0 <= i.duration_s <= 6.0]
    if not prompts:
        raise SystemExit(f"no prompts of 1-6 s in {manifest}")
    rng = random.Random(7)
    return [conversation(prompts, seconds, rng) for _ in range(calls)]


def model_language(model: str, lang: str | None) -> str | None:
    spec = MODELS.get(model)
    return lang or ("en" if spec is not None and not spec.multilingual else None)


def main() -> int:
    p = base_parser(__doc__ or "")
    p.add_argument("--calls", type=int, default=10)
    p.add_argument("--seconds", type=float, default=60.0)
    p.add_argument("--record", action="store_true")
    args = p.parse_args()
    lang = model_language(args.model, args.lang)
    calls = conversations(args.manifest, lang, args.limit, args.calls, args.seconds)
    streaming = StreamingTranscriber(
        make_transcriber(args.model, lang or "en", args.workers, beam_size=args.beam, threads=args.threads)
    )
    finals: list[tuple[int, Channel, Utterance, float]] = []
    partial_count = [0]
    revised_count = [0]
    lock = threading.Lock()
    t0 = time.monotonic()
    fed_ticks = [0]

    def clock() -> float:
        return fed_ticks[0] * 0.02 if args.fast else time.monotonic() - t0

    def emitter(c: int, ch: Channel) -> Any:
        def emit(u: Utterance) -> None:
            now = clock()
            with lock:
                if u.revised:  # a final again, from its turn's revision: not a new final
                    revised_count[0] += 1
                elif u.final:
                    finals.append((c, ch, u, now))
                else:
                    partial_count[0] += 1

        return emit

    options = stream_options(args)
    seg_options = segmenter_options(args)
    streams = [
        (
            c,
            ch,
            ChannelStream(
                f"call{c}",
                ch,
                streaming,
                emitter(c, ch),
                options=options,
                segmenter_options=seg_options,
                language=lang,
                clock=clock,
            ),
        )
        for c in range(args.calls)
        for ch in Channel
    ]
    ticks = int(args.seconds * 1000 / 20)
    max_feed_lag = 0.0
    max_lag = 0.0
    lag_curve: list[float] = []
    next_sample = 1.0
    for tick in range(ticks):
        if not args.fast:
            delay = t0 + tick * 0.02 - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            else:
                max_feed_lag = max(max_feed_lag, -delay)
        off = tick * FRAME_BYTES
        for c, ch, stream in streams:
            stream.push(calls[c][ch][0][off : off + FRAME_BYTES])
        fed_ticks[0] = tick + 1
        if args.fast:
            streaming.wait_idle()
        if clock() >= next_sample:
            lag = max(streaming.lag_s().values(), default=0.0)
            max_lag = max(max_lag, lag)
            lag_curve.append(round(lag, 2))
            next_sample += 1.0
    for _, _, stream in streams:
        stream.finish()
    for _, _, stream in streams:
        for f in stream.futures:
            f.result()
    streaming.wait_idle()
    metrics = streaming.metrics()
    streaming.close()
    latencies: list[float] = []
    for c, ch, u, emitted in finals:
        ends = [e for e in calls[c][ch][1] if u.start_s - 0.5 <= e <= u.end_s + 1.0]
        if ends:
            latencies.append(emitted - max(ends))
    spoken = sum(len(call[ch][1]) for call in calls for ch in Channel)
    speech_s = sum(u.end_s - u.start_s for _, _, u, _ in finals)
    minutes = -(-len(lag_curve) // 60)  # the last, shorter minute too
    summary = {
        "calls": args.calls,
        "seconds": args.seconds,
        "fast": args.fast,
        "partials": not args.no_partials,
        "final_latency_p50_s": round(percentile(latencies, 50), 3),
        "final_latency_p95_s": round(percentile(latencies, 95), 3),
        "final_latency_max_s": round(max(latencies, default=0.0), 3),
        "max_lag_s": round(max_lag, 3),
        "lag_p95_per_minute_s": [round(percentile(lag_curve[m * 60 : (m + 1) * 60], 95), 2) for m in range(minutes)],
        "finals": len(finals),
        "prompts_spoken": spoken,
        "partials_emitted": partial_count[0],
        "partials_dropped": int(metrics.get("agentassist_partials_dropped_total", 0)),
        "revisions": streaming.decoded.get("revise", 0),
        "revised_finals": revised_count[0],
        "revisions_dropped": int(metrics.get("agentassist_revisions_dropped_total", 0)),
        "busy_s_per_audio_s": round(streaming.busy_s / (args.seconds * args.calls * 2), 3),
        "busy_s_per_speech_s": round(streaming.busy_s / speech_s, 3) if speech_s else None,
        "feeder_max_late_s": round(max_feed_lag, 3),
        "model": args.model,
        "machine": machine(),
    }
    if args.record:
        record(f"load — {args.model}", "python -m benchmarks.load " + " ".join(sys.argv[1:]), summary)
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
