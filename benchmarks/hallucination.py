"""Invented text: final utterances produced from audio with no speech in it.

    python -m benchmarks.hallucination --model tiny.en --fast --minutes 10

The non-speech audio is made with sox: digital silence, white and pink noise,
a hold tone, DTMF digits and comfort noise, in equal shares. Any final utterance
is invented text. Last line: {"finals", "audio_s", ...}.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

from agentassist.transcribe.engine import StreamingTranscriber
from benchmarks.common import (
    base_parser,
    load_16k,
    machine,
    make_transcriber,
    record,
    segmenter_options,
    stream_audio,
    stream_options,
)

_DTMF = [(697, 1209), (697, 1336), (770, 1477), (852, 1209), (941, 1336), (697, 1633)]


def _sox(out: Path, seconds: float, *effects: str) -> Path:
    subprocess.run(
        ["sox", "-n", "-r", "16000", "-c", "1", "-b", "16", str(out), "synth", f"{seconds}", *effects], check=True
    )
    return out


def make_clips(directory: Path, seconds_each: float) -> dict[str, Path]:
    clips = {
        "white_noise": _sox(directory / "white.wav", seconds_each, "whitenoise", "vol", "0.3"),
        "pink_noise": _sox(directory / "pink.wav", seconds_each, "pinknoise", "vol", "0.3"),
        "comfort_noise": _sox(directory / "comfort.wav", seconds_each, "brownnoise", "vol", "0.02"),
        "hold_tone": _sox(directory / "hold.wav", seconds_each, "sine", "440", "sine", "480", "remix", "1-2"),
    }
    silence = directory / "silence.wav"
    subprocess.run(
        ["sox", "-n", "-r", "16000", "-c", "1", "-b", "16", str(silence), "trim", "0", f"{seconds_each}"], check=True
    )
    clips["silence"] = silence
    # DTMF: 100 ms digits with 100 ms gaps, repeated to length
    digits = []
    for i, (lo, hi) in enumerate(_DTMF):
        d = directory / f"dtmf{i}.wav"
        _sox(d, 0.1, "sine", str(lo), "sine", str(hi), "remix", "1-2")
        digits.append(str(d))
        gap = directory / f"gap{i}.wav"
        subprocess.run(["sox", "-n", "-r", "16000", "-c", "1", "-b", "16", str(gap), "trim", "0", "0.1"], check=True)
        digits.append(str(gap))
    one = directory / "dtmf_once.wav"
    subprocess.run(["sox", *digits, str(one)], check=True)
    repeats = max(1, int(seconds_each / 1.2))
    clips["dtmf"] = directory / "dtmf.wav"
    subprocess.run(["sox", str(one), str(clips["dtmf"]), "repeat", str(repeats - 1)], check=True)
    return clips


def main() -> int:
    p = base_parser(__doc__ or "")
    p.add_argument("--minutes", type=float, default=10.0)
    p.add_argument("--record", action="store_true")
    args = p.parse_args()
    streaming = StreamingTranscriber(
        make_transcriber(args.model, args.lang or "en", args.workers, beam_size=args.beam, threads=args.threads)
    )
    per_kind: dict[str, int] = {}
    texts: list[str] = []
    audio_s = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        clips = make_clips(Path(tmp), args.minutes * 60 / 6)
        for kind, path in clips.items():
            samples = load_16k(path)
            audio_s += samples.size / 16000
            result = stream_audio(
                samples,
                streaming,
                realtime=not args.fast,
                options=segmenter_options(args),
                stream_options=stream_options(args),
            )
            per_kind[kind] = len(result.utterances)
            texts += [f"{kind}: {u.text}" for u in result.utterances]
    streaming.close()
    summary = {
        "finals": sum(per_kind.values()),
        "audio_s": round(audio_s, 1),
        "per_kind": per_kind,
        "examples": texts[:5],
        "model": args.model,
        "machine": machine(),
    }
    if args.record:
        record(f"hallucination — {args.model}", "python -m benchmarks.hallucination " + " ".join(sys.argv[1:]), summary)
    print(json.dumps(summary, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
