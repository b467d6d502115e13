"""How much of a word error rate is spelling and how much is the model.

    python -m benchmarks.wer_breakdown --manifest ../shared/speech/asterisk/manifest.jsonl --lang ru \\
        --hyp /tmp/ru_offline.jsonl

Reads hypotheses written by ``benchmarks.wer --hyp-out/--offline-out`` ({"file", "text"} lines) and
scores them against the manifest under normalizations that forgive more and more spelling:
``casefold`` (case only), ``standard`` (the benchmarks' normalization: punctuation removed, ё→е),
``numbers`` (numbers said as words and written as digits made the same on both sides), ``hyphens``
(hyphenated words split). The character error rate of the standard form shows how near the words
are. The most frequent word substitutions left under the most forgiving form are listed.
Last line: {"n", "wer": {form: value}, "cer_standard", "top_substitutions"}.
"""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import jiwer

from agentassist.assist.numbers import words_to_digits
from agentassist.transcribe.textnorm import normalize
from benchmarks.common import DEFAULT_MANIFEST, load_manifest


def _casefold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def _numbers(text: str) -> str:
    return " ".join(words_to_digits(normalize(text).split()))


def _hyphens(text: str) -> str:
    return _numbers(text.replace("-", " "))


FORMS: dict[str, Callable[[str], str]] = {
    "casefold": _casefold,
    "standard": normalize,
    "numbers": _numbers,
    "hyphens": _hyphens,
}


def _wer(refs: list[str], hyps: list[str]) -> float:
    pairs = [(r, h or "<empty>") for r, h in zip(refs, hyps, strict=True) if r.strip()]
    return float(jiwer.wer([r for r, _ in pairs], [h for _, h in pairs])) if pairs else 0.0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--manifest", type=Path, default=DEFAULT_MANIFEST)
    p.add_argument("--lang", required=True)
    p.add_argument("--hyp", type=Path, required=True, help="JSONL of {file, text}")
    p.add_argument("--top", type=int, default=15)
    args = p.parse_args()
    hyps = {}
    for line in args.hyp.read_text(encoding="utf-8").splitlines():
        if line.strip():
            obj = json.loads(line)
            hyps[Path(obj["file"]).resolve()] = obj["text"]
    items = [i for i in load_manifest(args.manifest, args.lang) if i.file.resolve() in hyps]
    if not items:
        print(f"no hypotheses in {args.hyp} match {args.lang!r} items of {args.manifest}", file=sys.stderr)
        return 2
    wers = {}
    for name, form in FORMS.items():
        wers[name] = round(_wer([form(i.text) for i in items], [form(hyps[i.file.resolve()]) for i in items]), 4)
    refs = [normalize(i.text) for i in items]
    outs = [normalize(hyps[i.file.resolve()]) for i in items]
    pairs = [(r, h) for r, h in zip(refs, outs, strict=True) if r]
    cer = float(jiwer.cer([r for r, _ in pairs], [h or " " for _, h in pairs]))
    subs: Counter[str] = Counter()
    last = FORMS["hyphens"]
    for item in items:
        ref, hyp = last(item.text), last(hyps[item.file.resolve()])
        if not ref or not hyp:
            continue
        result = jiwer.process_words(ref, hyp)
        for chunk in result.alignments[0]:
            if chunk.type == "substitute":
                r = result.references[0][chunk.ref_start_idx : chunk.ref_end_idx]
                h = result.hypotheses[0][chunk.hyp_start_idx : chunk.hyp_end_idx]
                subs.update(f"{a}→{b}" for a, b in zip(r, h, strict=False))
    summary = {
        "n": len(items),
        "lang": args.lang,
        "wer": wers,
        "cer_standard": round(cer, 4),
        "top_substitutions": subs.most_common(args.top),
    }
    print(json.dumps(summary, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
