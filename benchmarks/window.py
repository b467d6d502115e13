"""What a reduced encoder window costs and gives against the padded one: WER and CPU per window.

    python -m benchmarks.window --model tiny.en --half tune --limit 80

Each prompt of the manifest's ``--half`` (tune by default: settings are chosen on it) that fits the
floor is decoded through the Transcriber's own path (guards included), one intra-op thread, CPU
time (``process_time``) per decode, by each window variant (``--variants``):

    padded    today's: the floor (10 s) through the encoder
    reduced   ``[transcribe] window = "reduced"``: the audio and 2 s of silence, rounded up to 1 s,
              through the encoder; silence's encoding for the rest of the floor (windows.py)
    reducedN  the same with N s of silence after the audio (0: only the 1 s bucket's rest; 05: 0.5 s)
    cut05     the audio and 0.5 s of silence alone (no silence's encoding after it): the decoder reads less
    cut0      the bucket alone: the audio and the bucket's rest (load27's "reduced")

each as a final (beam ``--beam``, as the transcriber's default; words aligned) and as a partial
(greedy, no words, the first ``--partial-share`` of the audio: a partial decodes speech under way).
Per variant: ``final_wer`` against the references, ``final_vs_padded`` and ``partial_vs_padded``
(WER against the padded window's text of the same decode: how much they disagree), CPU ms per
final, per partial (alone, and ``--batch`` at a time) and for the encoder alone, and why the
decoder costs what it costs: text tokens generated per window and the share of windows whose
decode ran to the length cap.
Last line: {"variants": {name: {...}}, "prompts", "half", "model", "isa", "load_avg", "machine"}.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from agentassist.events import Channel, CutReason, SpeechSegment, Utterance
from agentassist.transcribe.decoder import ShortDecoder
from agentassist.transcribe.transcriber import Transcriber, TranscriberOptions, one_blas_thread
from benchmarks.common import DEFAULT_MANIFEST, HALVES, load_16k, load_manifest, machine
from benchmarks.isa import selected_isa
from benchmarks.quality import channel_wer

VARIANTS = {  # name: (window, bucket_s, silence encoded after the audio (s), silence's encoding after that)
    "padded": ("padded", 1.0, 0.0, True),
    "reduced": ("reduced", 1.0, 2.0, True),
    "reduced0": ("reduced", 1.0, 0.0, True),
    "reduced05": ("reduced", 1.0, 0.5, True),
    "reduced1": ("reduced", 1.0, 1.0, True),
    "reduced3": ("reduced", 1.0, 3.0, True),
    "cut05": ("reduced", 1.0, 0.5, False),
    "cut0": ("reduced", 1.0, 0.0, False),
}


def _segment(i: int, pcm: bytes) -> SpeechSegment:
    return SpeechSegment(f"w{i}", Channel.AGENT, 0.0, len(pcm) / 32000, pcm, 16000, CutReason.SILENCE)


def decoder_for(t: Transcriber, name: str) -> ShortDecoder:
    window, bucket_s, after_s, tail = VARIANTS[name]
    d = ShortDecoder(t._model, floor_s=t.options.floor_s, multilingual=t.multilingual, window=window, tail=tail)
    d.windows.bucket_s, d.windows.after_s = bucket_s, after_s
    return d


def _texts(us: list[Utterance | None]) -> list[str]:
    return [u.text if u is not None else "" for u in us]


def run_variant(
    t: Transcriber,
    name: str,
    finals: list[SpeechSegment],
    partials: list[SpeechSegment],
    lang: str,
    beam: int,
    batch: int,
) -> dict[str, Any]:
    """Decode every final and partial with one variant's window: texts, CPU and the decoder's lengths."""
    d = decoder_for(t, name)
    t._decoder = d  # the benchmark swaps the window under the transcriber's own path
    t.transcribe(finals[0], beam_size=beam)  # warm up (and the first silence encodings)
    out: dict[str, Any] = {}
    for kind, segs, kw in (
        ("final", finals, {"beam_size": beam}),
        ("partial", partials, {"beam_size": 1, "words": False, "final": False}),
    ):
        got: list[Utterance | None] = []
        cpu = 0.0
        for s in segs:
            c0 = time.process_time()
            got.append(t.transcribe(s, language=lang, **kw))
            cpu += time.process_time() - c0
        out[f"{kind}_texts"] = _texts(got)
        out[f"{kind}_cpu_ms"] = round(1000 * cpu / len(segs), 1)
    if batch > 1:  # the partials again, ``batch`` at a time: what [transcribe] partial_batch changes
        c0 = time.process_time()
        for i in range(0, len(partials), batch):
            chunk = partials[i : i + batch]
            t.transcribe_batch(chunk, language=lang, prompts=[None] * len(chunk), beam_size=1, words=False, final=False)
        out[f"partial_batch{batch}_cpu_ms"] = round(1000 * (time.process_time() - c0) / len(partials), 1)
    audios = [load_audio(s) for s in finals]
    cpu = 0.0
    tokens, capped = [], 0
    tok = d.tokenizer(lang)
    for audio in audios:
        c0 = time.process_time()
        encoded, _ = d.encode(audio)
        cpu += time.process_time() - c0
        prefix, max_length = d._prefix(tok, None, audio.size / 16000)
        result = d._generate(encoded, [prefix], tok, 1, max_length)[0]
        n = len(result.sequences_ids[0])
        tokens.append(n)
        capped += n >= max_length - len(prefix)
    out["encoder_cpu_ms"] = round(1000 * cpu / len(audios), 1)
    out["tokens_per_window"] = round(float(np.mean(tokens)), 1)
    out["capped_share"] = round(capped / len(audios), 3)
    return out


def load_audio(s: SpeechSegment) -> np.ndarray[Any, Any]:
    return np.frombuffer(s.pcm, "<i2").astype(np.float32) / 32768.0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--manifest", type=Path, default=DEFAULT_MANIFEST)
    p.add_argument("--model", default="tiny.en")
    p.add_argument("--lang", default="en")
    p.add_argument("--half", choices=HALVES, default="tune", help="which half of the prompts (default tune)")
    p.add_argument("--limit", type=int, default=80, help="at most this many prompts")
    p.add_argument("--beam", type=int, default=TranscriberOptions().beam_size, help="finals' beam (partials: 1)")
    p.add_argument("--threads", type=int, default=1, help="intra-op threads (CPU time is comparable with 1)")
    p.add_argument("--partial-share", type=float, default=0.6, help="a partial decodes this share of its prompt")
    p.add_argument("--variants", default="padded,reduced,reduced05,cut0", help=f"of {', '.join(VARIANTS)}")
    p.add_argument("--batch", type=int, default=4, help="the partials also in batches of this many (1: not)")
    args = p.parse_args()
    names = args.variants.split(",")
    if unknown := [n for n in names if n not in VARIANTS]:
        raise SystemExit(f"--variants: expected names of {', '.join(VARIANTS)}, got {', '.join(unknown)}")
    options = TranscriberOptions(model=args.model, language=args.lang, workers=1, cpu_threads=args.threads)
    one_blas_thread()  # as the center does before its first model (agentassist.callmodels)
    t = Transcriber(replace(options, beam_size=args.beam))
    floor_s = t.options.floor_s
    items = [i for i in load_manifest(args.manifest, args.lang, None, args.half) if 0.3 <= i.duration_s < floor_s - 0.5]
    items = items[: args.limit]
    finals, partials = [], []
    for i, item in enumerate(items):
        pcm = load_16k(item.file).astype("<i2").tobytes()
        finals.append(_segment(i, pcm))
        cut = max(int(len(pcm) // 2 * args.partial_share), 4800) * 2  # at least 0.3 s
        partials.append(_segment(i, pcm[:cut]))
    refs = [i.text for i in items]
    results: dict[str, dict[str, Any]] = {}
    for name in names:
        r = run_variant(t, name, finals, partials, args.lang, args.beam, args.batch)
        r["final_wer"] = channel_wer(args.lang, refs, r["final_texts"])
        base = results.get("padded")
        if base is not None:
            r["final_vs_padded"] = channel_wer(args.lang, base["final_texts"], r["final_texts"])
            r["partial_vs_padded"] = channel_wer(args.lang, base["partial_texts"], r["partial_texts"])
        results[name] = r
        shown = {k: v for k, v in r.items() if not k.endswith("_texts")}
        print(f"{name}: {json.dumps(shown)}; load {os.getloadavg()[0]:.2f}", file=sys.stderr)
    summary = {
        "variants": {n: {k: v for k, v in r.items() if not k.endswith("_texts")} for n, r in results.items()},
        "prompts": len(items),
        "audio_s": round(sum(s.end_s for s in finals), 1),
        "reference_words": sum(len(r.split()) for r in refs),
        "half": args.half,
        "beam": args.beam,
        "model": args.model,
        "lang": args.lang,
        "threads": args.threads,
        "isa": selected_isa(args.model),
        "load_avg": [round(x, 2) for x in os.getloadavg()],
        "machine": machine(),
    }
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
