"""N concurrent calls in real time: final latency across all calls, and how far transcription lags.

    python -m benchmarks.load --calls 10 --seconds 60 --model tiny.en

Each call has both channels speaking in turns: prompts from the manifest with
pauses between them, the agent and the customer alternating like a conversation.
One feeder thread pushes a 20 ms frame per channel per tick through each
channel's Segmenter into the shared StreamingTranscriber. Latency: true end of
each spoken prompt to its final utterance. Last line: {"calls",
"final_latency_p95_s", "max_lag_s", ...}.
"""

from __future__ import annotations

import json
import random
import sys
import threading
import time

import numpy as np

from agentassist.audio.frames import FRAME_BYTES, SAMPLE_RATE_HZ
from agentassist.audio.segmenter import Segmenter
from agentassist.events import Channel, SpeechSegment, Utterance
from agentassist.transcribe.engine import StreamingTranscriber
from agentassist.transcribe.models import MODELS
from benchmarks.common import (
    base_parser,
    load_16k,
    load_manifest,
    machine,
    make_transcriber,
    percentile,
    record,
    speech_end_s,
)

PAUSE_S = (0.8, 2.0)


def conversation(prompts: list[np.ndarray], seconds: float, rng: random.Random) -> dict[Channel, tuple]:
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


def main() -> int:
    p = base_parser(__doc__ or "")
    p.add_argument("--calls", type=int, default=10)
    p.add_argument("--seconds", type=float, default=60.0)
    p.add_argument("--record", action="store_true")
    args = p.parse_args()
    spec = MODELS.get(args.model)
    lang = args.lang or ("en" if spec is not None and not spec.multilingual else None)
    items = load_manifest(args.manifest, lang, args.limit or 60)
    prompts = [load_16k(i.file) for i in items if 1.0 <= i.duration_s <= 6.0]
    rng = random.Random(7)
    calls = [conversation(prompts, args.seconds, rng) for _ in range(args.calls)]
    streaming = StreamingTranscriber(make_transcriber(args.model, lang or "en", args.workers))
    segmenters = {(c, ch): Segmenter(f"call{c}", ch) for c in range(args.calls) for ch in Channel}
    finals: list[tuple[int, Channel, Utterance, float]] = []
    lock = threading.Lock()
    t0 = time.monotonic()

    def done(segment: SpeechSegment, u: Utterance | None) -> None:
        if u is not None:
            with lock:
                finals.append((int(segment.call_id[4:]), segment.channel, u, time.monotonic() - t0))

    ticks = int(args.seconds * 1000 / 20)
    futures = []
    max_feed_lag = 0.0
    for tick in range(ticks):
        due = t0 + tick * 0.02
        delay = due - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        else:
            max_feed_lag = max(max_feed_lag, -delay)
        off = tick * FRAME_BYTES
        for c, call in enumerate(calls):
            for ch in Channel:
                for seg in segmenters[(c, ch)].push(call[ch][0][off : off + FRAME_BYTES]):
                    futures.append(streaming.submit(seg, done))
    for f in futures:
        f.result()
    streaming.close()
    latencies: list[float] = []
    for c, ch, u, emitted in finals:
        ends = [e for e in calls[c][ch][1] if u.start_s - 0.5 <= e <= u.end_s + 1.0]
        if ends:
            latencies.append(emitted - max(ends))
    spoken = sum(len(call[ch][1]) for call in calls for ch in Channel)
    summary = {
        "calls": args.calls,
        "seconds": args.seconds,
        "final_latency_p50_s": round(percentile(latencies, 50), 3),
        "final_latency_p95_s": round(percentile(latencies, 95), 3),
        "max_lag_s": round(max(latencies, default=0.0), 3),
        "finals": len(finals),
        "prompts_spoken": spoken,
        "busy_s_per_audio_s": round(streaming.busy_s / (args.seconds * args.calls * 2), 3),
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
