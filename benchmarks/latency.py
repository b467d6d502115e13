"""Final latency: from the true end of a spoken utterance to its final utterance, one call, real time.

    python -m benchmarks.latency --manifest ../shared/speech/asterisk/manifest.jsonl --model tiny.en --limit 30

Each prompt is played as a live call channel (0.5 s of silence, the prompt, 2 s of
silence) through the production Segmenter and StreamingTranscriber; the true end
is where the prompt's energy ends. The final latency is to the first final; a turn's
revision, when it changes the text, comes later (``revision_latency_p50_s``: true end
to the last revision). Last line: {"final_latency_p50_s", "final_latency_p95_s",
"first_partial_p50_s", "revision_latency_p50_s", "n"}.
"""

from __future__ import annotations

import json
import sys

import numpy as np

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
    segmenter_options,
    speech_end_s,
    speech_start_s,
    stream_audio,
    stream_options,
)

LEAD_S = 0.5
TAIL_S = 2.0


def main() -> int:
    p = base_parser(__doc__ or "")
    p.add_argument("--record", action="store_true", help="append the result to benchmarks/RESULTS.md")
    p.add_argument("--verbose", action="store_true", help="per prompt on stderr: its partials and the longest gap")
    args = p.parse_args()
    spec = MODELS.get(args.model)
    lang = args.lang or ("en" if spec is not None and not spec.multilingual else None)
    items = load_manifest(args.manifest, lang, args.limit)
    streaming = StreamingTranscriber(
        make_transcriber(args.model, lang or items[0].lang, args.workers, beam_size=args.beam, threads=args.threads)
    )
    latencies: list[float] = []
    revision_latencies: list[float] = []
    first_partials: list[float] = []
    gaps: list[float] = []
    missing = retracted = long_items = 0
    for item in items:
        speech = load_16k(item.file)
        audio = np.concatenate(
            [np.zeros(int(LEAD_S * 16000), np.int16), speech, np.zeros(int(TAIL_S * 16000), np.int16)]
        )
        true_start = LEAD_S + speech_start_s(speech)
        true_end = LEAD_S + speech_end_s(speech)
        result = stream_audio(
            audio,
            streaming,
            realtime=not args.fast,
            options=segmenter_options(args),
            stream_options=stream_options(args),
        )
        retracted += result.retracted
        if not result.utterances:
            missing += 1
            continue
        latencies.append(max(result.emitted_at_s) - true_end)
        if result.revisions:
            revision_latencies.append(max(t for t, _ in result.revisions) - true_end)
        if true_end - true_start > 1.5:  # the partial targets are for utterances over 1.5 s
            long_items += 1
            times = [t for t, _ in result.partials if t <= true_end]
            if times:
                first_partials.append(times[0] - true_start)
                # the longest wait for news while speech goes on, from the first partial to the end of speech:
                # news is a partial, or the final of an utterance the speech held (a prompt of two sentences)
                news = sorted([*times, *(t for t in result.emitted_at_s if times[0] < t <= true_end), true_end])
                gaps.append(max(np.diff(news).max(initial=0.0), 0.0))
                if args.verbose:
                    rel = " ".join(f"{t - true_start:.2f}" for t in news)
                    print(f"{item.file.name}: gap {gaps[-1]:.3f} s; news at {rel} s from speech start", file=sys.stderr)
            else:
                first_partials.append(true_end - true_start)  # no partial at all: counted as the whole wait
    streaming.close()
    summary = {
        "final_latency_p50_s": round(percentile(latencies, 50), 3),
        "final_latency_p95_s": round(percentile(latencies, 95), 3),
        "first_partial_p50_s": round(percentile(first_partials, 50), 3),
        "first_partial_p95_s": round(percentile(first_partials, 95), 3),
        "partial_gap_p95_s": round(percentile(gaps, 95), 3),
        "revision_latency_p50_s": round(percentile(revision_latencies, 50), 3) if revision_latencies else None,
        "n_revised": len(revision_latencies),
        "stable_words_retracted": retracted,
        "n": len(latencies),
        "n_over_1_5_s": long_items,
        "no_utterance": missing,
        "dropped_partials": streaming.dropped_partials,
        "model": args.model,
        "mode": "fast" if args.fast else "realtime",
        "machine": machine(),
    }
    if args.record:
        record(f"latency — {args.model}", "python -m benchmarks.latency " + " ".join(sys.argv[1:]), summary)
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
