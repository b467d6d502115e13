"""CTranslate2 Whisper's throughput per batch size, on the feature windows the transcriber decodes.

    python -m benchmarks.batch --model tiny.en --sizes 1,2,4,8,16 --windows 16

The same ``--windows`` real prompts (1-6 s) are encoded and decoded greedily in batches of
each size, three ways: padded to the transcriber's 10 s floor (what ShortDecoder does, 1000
mel frames), padded to Whisper's 30 s (faster-whisper's own path, 3000 frames) and reduced
(each batch padded only to its longest prompt: whisper.cpp's reduced ``audio_ctx``; the
transcriber does not decode this way because below about 8 s Whisper loops, decoder.py).
Encoder and decoder are timed apart; each figure is milliseconds per window, the best of
``--repeat`` passes. On a shared machine wall time measures the neighbours: with ``--threads 1``
(the default) the process's CPU time is the work itself, and that is what ``*_cpu_ms`` report
(``total_ms`` is wall time, for an idle machine).
Last line: {"encoder_cpu_ms", "decoder_cpu_ms", "total_cpu_ms", "total_ms" (per window, by window
kind and batch size), "speedup_16" (CPU per window, batch 1 over the largest), "isa", "load_avg"}.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.common import DEFAULT_MANIFEST, load_16k, load_manifest, machine
from benchmarks.isa import selected_isa

HOP = 160
SAMPLE_RATE_HZ = 16000
KINDS = {"floor10": 10.0, "pad30": 30.0, "reduced": 0.0}


def _window(features: Any, audio: np.ndarray, seconds: float) -> np.ndarray:
    """Log-mel features of ``audio`` padded with silence to ``seconds`` (0: to its own length)."""
    target = max(int(seconds * SAMPLE_RATE_HZ), audio.size)
    padded = np.zeros(target, np.float32)
    padded[: audio.size] = audio
    feats = features(padded)
    frames = min(feats.shape[1], target // HOP)
    return np.ascontiguousarray(feats[:, : frames - frames % 2])


def _batch(windows: list[np.ndarray]) -> np.ndarray:
    """Windows of a batch padded to the longest (silence features: the lowest value each has)."""
    frames = max(w.shape[1] for w in windows)
    out = np.empty((len(windows), windows[0].shape[0], frames), np.float32)
    for i, w in enumerate(windows):
        out[i, :, : w.shape[1]] = w
        out[i, :, w.shape[1] :] = w.min()
    return out


def measure(
    model: Any, prefix: list[int], windows: list[np.ndarray], size: int, max_length: int
) -> tuple[float, float, float]:
    """CPU seconds spent encoding and decoding all ``windows`` in batches of ``size``, and wall seconds."""
    import ctranslate2

    enc_s = dec_s = 0.0
    wall = time.perf_counter()
    for i in range(0, len(windows), size):
        batch = _batch(windows[i : i + size])
        t0 = time.process_time()
        encoded = model.encode(ctranslate2.StorageView.from_array(batch))
        t1 = time.process_time()
        model.generate(encoded, [prefix] * batch.shape[0], beam_size=1, max_length=max_length, suppress_blank=True)
        dec_s += time.process_time() - t1
        enc_s += t1 - t0
    return enc_s, dec_s, time.perf_counter() - wall


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--manifest", default=str(DEFAULT_MANIFEST))
    p.add_argument("--model", default="tiny.en")
    p.add_argument("--lang", default="en")
    p.add_argument("--sizes", default="1,2,4,8,16")
    p.add_argument("--windows", type=int, default=16)
    p.add_argument("--repeat", type=int, default=2)
    p.add_argument("--threads", type=int, default=1, help="intra-op threads (0: one per core)")
    p.add_argument("--kinds", default=",".join(KINDS))
    p.add_argument("--transcriber", action="store_true", help="the finals' own path: one at a time vs a batch")
    args = p.parse_args()
    if args.transcriber:
        return transcriber_path(args)
    from faster_whisper import WhisperModel
    from faster_whisper.feature_extractor import FeatureExtractor
    from faster_whisper.tokenizer import Tokenizer

    from agentassist.transcribe.models import resolve

    whisper = WhisperModel(
        str(resolve(args.model)), device="cpu", compute_type="int8", cpu_threads=args.threads or os.cpu_count() or 1
    )
    model = whisper.model
    features = FeatureExtractor(feature_size=int(getattr(model, "n_mels", 80) or 80))
    tok = Tokenizer(whisper.hf_tokenizer, model.is_multilingual, task="transcribe", language=args.lang)
    prefix = list(tok.sot_sequence)
    items = [i for i in load_manifest(Path(args.manifest), args.lang) if 1.0 <= i.duration_s <= 6]
    audios = [load_16k(i.file).astype(np.float32) / 32768.0 for i in items[: args.windows]]
    max_length = len(prefix) + 6 * 8 + 16  # as decoder.py caps a 6 s segment
    sizes = [int(s) for s in args.sizes.split(",")]
    out: dict[str, dict[str, dict[int, float]]] = {
        k: {} for k in ("encoder_cpu_ms", "decoder_cpu_ms", "total_cpu_ms", "total_ms")
    }
    for kind in args.kinds.split(","):
        windows = [_window(features, a, KINDS[kind]) for a in audios]
        measure(model, prefix, windows[:2], 2, max_length)  # warm up
        for size in sizes:
            runs = [measure(model, prefix, windows, size, max_length) for _ in range(args.repeat)]
            best = min(runs, key=lambda r: r[0] + r[1])
            per = [1000 * s / len(windows) for s in best]
            for key, value in zip(out, (per[0], per[1], per[0] + per[1], per[2]), strict=True):
                out[key].setdefault(kind, {})[size] = round(value, 1)
            print(f"{kind} batch {size}: CPU encoder {per[0]:.1f} ms, decoder {per[1]:.1f} ms, wall {per[2]:.1f} ms"
                  f" per window; load {os.getloadavg()[0]:.2f}", file=sys.stderr)  # fmt: skip
    speedup = {
        kind: round(t[sizes[0]] / t[sizes[-1]], 2) for kind, t in out["total_cpu_ms"].items() if t.get(sizes[-1])
    }
    summary = {
        **out,
        "speedup_16": speedup,
        "windows": len(audios),
        "audio_s": round(sum(a.size for a in audios) / SAMPLE_RATE_HZ, 1),
        "model": args.model,
        "threads": args.threads or os.cpu_count(),
        "isa": selected_isa(args.model),
        "load_avg": [round(x, 2) for x in os.getloadavg()],
        "machine": machine(),
    }
    print(json.dumps(summary))
    return 0


def transcriber_path(args: argparse.Namespace) -> int:
    """CPU per final through Transcriber.transcribe one at a time and transcribe_batch (words, guards and
    all), on the same prompts as SpeechSegments: what ``[transcribe] final_batch`` changes."""
    from agentassist.events import Channel, CutReason, SpeechSegment
    from agentassist.transcribe.transcriber import Transcriber, TranscriberOptions, one_blas_thread

    one_blas_thread()  # as the center does before its first model (agentassist.callmodels)
    t = Transcriber(TranscriberOptions(model=args.model, language=args.lang, workers=1, cpu_threads=args.threads))
    items = [i for i in load_manifest(Path(args.manifest), args.lang) if 1.0 <= i.duration_s <= 6]
    segments = []
    for i, item in enumerate(items[: args.windows]):
        pcm = load_16k(item.file).astype("<i2").tobytes()
        segments.append(SpeechSegment(f"c{i}", Channel.AGENT, 0.0, len(pcm) / 32000, pcm, 16000, CutReason.SILENCE))
    t.transcribe(segments[0])  # warm up
    out: dict[int, float] = {}
    for size in [int(s) for s in args.sizes.split(",")]:
        best = float("inf")
        for _ in range(args.repeat):
            t0 = time.process_time()
            for i in range(0, len(segments), size):
                batch = segments[i : i + size]
                if size == 1:
                    t.transcribe(batch[0])
                else:
                    t.transcribe_batch(batch, language=args.lang, prompts=[None] * len(batch), beam_size=1)
            best = min(best, time.process_time() - t0)
        out[size] = round(1000 * best / len(segments), 1)
        print(f"transcriber batch {size}: CPU {out[size]} ms per final; load {os.getloadavg()[0]:.2f}", file=sys.stderr)
    summary = {"final_cpu_ms": out, "finals": len(segments), "model": args.model, "threads": args.threads}
    summary |= {"isa": selected_isa(args.model), "load_avg": [round(x, 2) for x in os.getloadavg()]}
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
