"""What segmenting costs: CPU time of the webrtcvad Segmenter per call (both channels), as a share of one core.

    python -m benchmarks.vad --seconds 300

Two channels of conversation (prompts from the manifest alternating with pauses,
as in benchmarks.load) go through one Segmenter each, frame by frame, as a live
call would feed them; the thread's CPU time is measured (no transcription).
Runs at 16 kHz and, with the same audio resampled, at 8 kHz. Last line:
{"core_share_per_call_16k", "core_share_per_call_8k", "us_per_frame_16k", ...}.
"""

from __future__ import annotations

import dataclasses
import json
import random
import sys
import time

import numpy as np

from agentassist.audio.frames import SAMPLE_RATE_HZ
from agentassist.audio.segmenter import Segmenter
from agentassist.events import Channel
from agentassist.transcribe.models import MODELS
from benchmarks.common import base_parser, load_16k, load_manifest, machine, record, segmenter_options
from benchmarks.load import conversation


def _cost(call: dict[Channel, bytes], rate_hz: int, args: object) -> tuple[float, int, int]:
    """CPU seconds to segment both channels at ``rate_hz``, frames pushed, segments cut."""
    options = dataclasses.replace(segmenter_options(args), sample_rate_hz=rate_hz)  # type: ignore[arg-type]
    frame = options.frame_bytes
    segmenters = {ch: Segmenter("vad", ch, options) for ch in Channel}
    cuts = frames = 0
    started = time.thread_time()
    n = min(len(pcm) for pcm in call.values())
    for off in range(0, n - frame + 1, frame):
        for ch, pcm in call.items():
            cuts += len(segmenters[ch].push(pcm[off : off + frame]))
            frames += 1
    for seg in segmenters.values():
        cuts += len(seg.finish())
    return time.thread_time() - started, frames, cuts


def main() -> int:
    p = base_parser(__doc__ or "")
    p.add_argument("--seconds", type=float, default=300.0)
    p.add_argument("--record", action="store_true")
    args = p.parse_args()
    spec = MODELS.get(args.model)
    lang = args.lang or ("en" if spec is not None and not spec.multilingual else None)
    items = load_manifest(args.manifest, lang, args.limit or 60)
    prompts = [load_16k(i.file) for i in items if 1.0 <= i.duration_s <= 6.0]
    if not prompts:
        print(f"no prompts of 1-6 s in {args.manifest}", file=sys.stderr)
        return 2
    audio = conversation(prompts, args.seconds, random.Random(7))
    summary: dict[str, object] = {"seconds": args.seconds}
    for rate in (16000, 8000):
        call: dict[Channel, bytes] = {}
        for ch in Channel:
            samples = np.frombuffer(audio[ch][0], "<i2")
            if rate != SAMPLE_RATE_HZ:
                samples = samples[:: SAMPLE_RATE_HZ // rate]  # decimation is enough for a VAD cost figure
            call[ch] = samples.astype("<i2").tobytes()
        cpu_s, frames, cuts = _cost(call, rate, args)
        key = f"{rate // 1000}k"
        summary[f"core_share_per_call_{key}"] = round(cpu_s / args.seconds, 5)
        summary[f"us_per_frame_{key}"] = round(cpu_s / frames * 1e6, 1)
        summary[f"segments_{key}"] = cuts
    summary["machine"] = machine()
    if args.record:
        record("vad — segmenting cost", "python -m benchmarks.vad " + " ".join(sys.argv[1:]), summary)
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
