"""Why the checklist left said steps open: every step a judge says was said that the tracker left
``missed`` or ``unsure``, classified by the mechanism that kept it open, counted per cause and language.

    python -m benchmarks.assist_misses --cases benchmarks/assist_cases_v9 benchmarks/assist_cases_v10 ...

For each such step, every meaning window of every agent final (a sentence, or the previous final's
last sentence joined to this one's first) is compared with each of the step's lines, and the window
nearest in meaning (highest cosine) is judged against decide.py's rules in their order. The causes:

- ``held``: the online rule found the line, but it is a compliance line and deadline.weak/cut_short
  doubted it (a reworded part, a line cut short): left unsure on purpose;
- ``must_hear``: a word the step must hear is not in the window;
- ``veto: negation/figure``: a negation at the line's words, or another figure (specifics.changed);
- ``veto: name/negation, no content``: no content word shared and a name or a negation in the window;
- ``rival``: a rival line sharing words with the window is nearer;
- ``bare: cosine``/``bare: margin``: no content word shared, under ``BARE`` or its margin;
- ``near threshold``: content words shared, cosine within 0.03 of what the combined rule asks;
- ``low cosine``: content words shared, cosine under 0.86;
- ``nearest blocked``: the ``NEAREST`` rule's cosine and margin are met, blocked by compliance, the
  opening-words rule or the share of the line's content words;
- ``other``: content words shared, cosine 0.86 or more, and no rule met for another reason.

A window is flagged ``split`` too when the line's content words are better covered by two consecutive
agent finals together than by any one meaning window (the line said over two utterances). The
counts are diagnostics, not scores: they say which mechanism to fix first.
"""

from __future__ import annotations

import argparse
import collections
import itertools
import json
import sys
from pathlib import Path

from agentassist.assist.decide import (
    BARE,
    COMBINED,
    COMBINED_STEP,
    CONTENT_WEIGHT,
    NEAREST,
    NEAREST_MARGIN,
    SURE,
    Heard,
    decide,
    negated_anywhere,
)
from agentassist.assist.matcher import fill, tokens
from agentassist.assist.semantic import cosine, coverage, must_hear_missing
from agentassist.assist.specifics import changed
from agentassist.assist.tracker import ScriptTracker
from benchmarks.assist import case_dirs, halves, run_case

_NEAR = 0.03
_LOW = 0.86


def _cause(tracker: ScriptTracker, step_id: str) -> dict[str, object]:
    state = next(s for s in tracker._steps if s.step.id == step_id)
    step = state.step
    names = tracker._names()
    rivals = tracker._rivals(step)
    embedder = tracker._embedder
    heards = list(tracker._said)
    o = tracker.options
    for h in heards:
        got = decide(step, h, tracker.variables, o.match_threshold, o.similarity_threshold,
                     o.content_threshold, embedder, rivals)  # fmt: skip
        if got is not None:
            return {"cause": "held", "similarity": got.score, "window": got.window.text}
    best: tuple[float, str, object, object, str] | None = None
    for line in (fill(x, tracker.variables) for x in step.say):
        want = tokens(line)
        for h in heards:
            h.embed_all()
            for i, window in enumerate(h.meaning):
                sim = cosine(embedder.line(line), h.vector(i))
                if best is None or sim > best[0]:
                    best = (sim, line, window, h, "")
    if best is None:
        return {"cause": "no speech"}
    sim, line, window, _, _ = best
    want = tokens(line)
    cov = coverage(want, window.tokens, names, window.clauses)
    vector = next(v for w, v in best[3].embedded() if w is window)
    near = [(cosine(embedder.line(r), vector), r) for r in rivals]
    margin = sim - max((c for c, _ in near), default=0.0)
    split = _split(want, heards, names, cov.content)
    info = {"similarity": round(sim, 3), "content": round(cov.content, 2), "margin": round(margin, 3),
            "window": window.text, "line": line, "split": split}  # fmt: skip
    if must_hear_missing(step.must_hear, window.tokens):
        return {"cause": "must_hear", **info}
    if cov.negated or changed(want, window.tokens):
        return {"cause": "veto: negation/figure", **info}
    named = any(t in names for t in window.tokens)
    if not cov.words:
        if named or negated_anywhere(want, window):
            return {"cause": "veto: name/negation, no content", **info}
        return {"cause": "bare: cosine" if sim < BARE else "bare: margin", **info}
    if any(c > sim and coverage(tokens(r), window.tokens, names).words for c, r in near):
        return {"cause": "rival", **info}
    if sim >= NEAREST and margin >= NEAREST_MARGIN:
        return {"cause": "nearest blocked", **info}
    # the combined rule's threshold as decide.py applies it: a compliance line's, or any other step's
    combined = COMBINED if step.compliance else COMBINED_STEP
    need = max(o.similarity_threshold, combined - CONTENT_WEIGHT * cov.content)
    if sim < _LOW:
        return {"cause": "low cosine", **info}
    if sim >= min(need, SURE) - _NEAR:
        return {"cause": "near threshold", **info}
    return {"cause": "other", **info}


def _split(want: list[str], heards: list[Heard], names: frozenset[str], single: float) -> bool:
    """The line's content words better covered by two consecutive finals than by the best window."""
    best_one = single
    for h in heards:
        for w in h.meaning:
            best_one = max(best_one, coverage(want, w.tokens, names).content)
    for a, b in itertools.pairwise(heards):
        both = coverage(want, a.lexical[0].tokens + b.lexical[0].tokens, names).content
        alone = max(coverage(want, x.lexical[0].tokens, names).content for x in (a, b))
        if both >= 0.5 and both > best_one + 0.2 and both > alone + 0.2:
            return True
    return False


def diagnose(directory: Path) -> list[dict[str, object]]:
    trackers: list[ScriptTracker] = []
    result = run_case(directory, trackers=trackers)
    tracker, expected, got = trackers[0], result.expected, result.steps
    script = tracker.script
    out = []
    for step_id, judged in expected.get("steps", {}).items():
        if judged == "done" and got.get(step_id) != "done":
            cause = _cause(tracker, step_id)
            out.append({"case": directory.name, "lang": script.language, "step": step_id,
                        "status": got.get(step_id), **cause})  # fmt: skip
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", nargs="+", type=Path, required=True)
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    rows: list[dict[str, object]] = []
    for root in args.cases:
        for _, half in sorted(halves(root).items()):
            for d in case_dirs(half):
                for row in diagnose(d):
                    row["set"] = root.name
                    rows.append(row)
                    if args.verbose:
                        print(json.dumps(row, ensure_ascii=False))
    table: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for row in rows:
        table[str(row["cause"])][str(row["lang"])] += 1
        if row.get("split"):
            table["(split over two finals)"][str(row["lang"])] += 1
    langs = ("en", "pl", "ru", "uk")
    print(f"{'cause':36} " + " ".join(f"{x:>4}" for x in langs) + "  all")
    for cause, counts in sorted(table.items(), key=lambda kv: -sum(kv[1].values())):
        print(f"{cause:36} " + " ".join(f"{counts[x]:>4}" for x in langs) + f" {sum(counts.values()):>4}")
    print(json.dumps({"misses": len(rows)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
