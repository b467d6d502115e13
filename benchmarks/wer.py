"""Word error rate of the streaming path against faster-whisper offline (beam 5) on the same files.

The streaming text is the stored transcript: the finals with their turns' revisions applied
(``wer_streaming``); the live finals as first emitted are scored too (``wer_live_finals``).

    python -m benchmarks.wer --manifest ../shared/speech/asterisk/manifest.jsonl --model tiny.en --fast

Normalization, the same for both systems: Whisper's English normalizer for
English; for other languages lowercase, punctuation removed, ё→е.
Last line: {"wer_streaming", "wer_live_finals", "wer_offline", "n", "revisions", ...}.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable

import jiwer

from agentassist.transcribe.engine import StreamingTranscriber
from agentassist.transcribe.models import MODELS
from agentassist.transcribe.textnorm import normalize
from benchmarks.common import (
    base_parser,
    load_16k,
    load_manifest,
    machine,
    make_transcriber,
    record,
    segmenter_options,
    stream_audio,
    stream_options,
)


def normalizer(lang: str) -> Callable[[str], str]:
    if lang == "en":
        from whisper_normalizer.english import EnglishTextNormalizer

        english = EnglishTextNormalizer()
        return lambda t: " ".join(english(t).split())
    return normalize


def corpus_wer(refs: list[str], hyps: list[str]) -> float:
    pairs = [(r, h) for r, h in zip(refs, hyps, strict=True) if r.strip()]
    if not pairs:
        return 0.0
    return float(jiwer.wer([r for r, _ in pairs], [h if h.strip() else "<empty>" for _, h in pairs]))


def main() -> int:
    p = base_parser(__doc__ or "")
    p.add_argument("--hyp-out", help="write one {file, text, live} line per manifest entry (streaming)")
    p.add_argument("--offline-out", help="write one {file, text} line per manifest entry (offline beam 5)")
    p.add_argument("--no-offline", action="store_true", help="skip the offline beam-5 reference run")
    p.add_argument("--record", action="store_true", help="append the result to benchmarks/RESULTS.md")
    args = p.parse_args()
    spec = MODELS.get(args.model)
    lang = args.lang or ("en" if spec is not None and not spec.multilingual else None)
    items = load_manifest(args.manifest, lang, args.limit)
    if not items:
        print(f"no items in {args.manifest} for language {lang!r}", file=sys.stderr)
        return 2
    language = lang or items[0].lang
    transcriber = make_transcriber(args.model, language, args.workers, beam_size=args.beam, threads=args.threads)
    streaming = StreamingTranscriber(transcriber)
    norm = normalizer(language)
    refs, hyps, live, offline = [], [], [], []
    revisions = 0
    audio_s = stream_s = offline_s = 0.0
    out = open(args.hyp_out, "w", encoding="utf-8", buffering=1) if args.hyp_out else None  # noqa: SIM115
    offline_out = open(args.offline_out, "w", encoding="utf-8", buffering=1) if args.offline_out else None  # noqa: SIM115
    for item in items:
        samples = load_16k(item.file)
        audio_s += samples.size / 16000
        started = time.monotonic()
        result = stream_audio(
            samples,
            streaming,
            realtime=not args.fast,
            options=segmenter_options(args),
            stream_options=stream_options(args),
        )
        stream_s += time.monotonic() - started
        text = " ".join(u.text for u in result.transcript())
        live_text = " ".join(u.text for u in sorted(result.utterances, key=lambda u: u.start_s))
        revisions += len(result.revisions)
        refs.append(norm(item.text))
        hyps.append(norm(text))
        live.append(norm(live_text))
        if out is not None:
            line = {"file": str(item.file), "text": text, "live": live_text}
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
        if not args.no_offline:
            started = time.monotonic()
            pieces, _ = transcriber.transcribe_audio(samples.astype("float32") / 32768.0, beam_size=5)
            offline_s += time.monotonic() - started
            offline_text = " ".join(x.text.strip() for x in pieces)
            offline.append(norm(offline_text))
            if offline_out is not None:
                offline_out.write(json.dumps({"file": str(item.file), "text": offline_text}, ensure_ascii=False) + "\n")
    for f in (out, offline_out):
        if f is not None:
            f.close()
    streaming.close()
    summary = {
        "wer_streaming": round(corpus_wer(refs, hyps), 4),
        "wer_live_finals": round(corpus_wer(refs, live), 4),
        "wer_offline": round(corpus_wer(refs, offline), 4) if offline else None,
        "n": len(items),
        "revisions": revisions,
        "revisions_dropped": streaming.dropped_revisions,
        "language": language,
        "model": args.model,
        "audio_s": round(audio_s, 1),
        "streaming_compute_s": round(stream_s, 1) if args.fast else None,
        "offline_compute_s": round(offline_s, 1) if offline else None,
        "machine": machine(),
    }
    if args.record:
        record(f"wer — {args.model}", "python -m benchmarks.wer " + " ".join(sys.argv[1:]), summary)
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
