"""Redaction of card data said aloud: recall and precision per kind, ordinary numbers masked.

    python -m benchmarks.redact [--half tune|heldout|heldout2|...|heldout11|both] [--show] [--kinds]

Reads benchmarks/redact_cases/<half>/<lang>.jsonl (see the README there); ``both`` (the default)
prints tune and heldout, the old held-out half, scored blind once and tuned on since (session 14), as
heldout2 (session 15), heldout3 (session 16), heldout4, heldout5 and heldout6 (all session 17) and
heldout7, heldout8, heldout9, heldout10 and heldout11 (session 18) were, and heldout12 to heldout40 since.
Each case's utterances go through one :class:`~agentassist.privacy.redactor.Redactor` in order, as
consecutive finals of one speaker 2 s apart (the customer; the agent's where the case's note says
"utterance N is the agent ..."), and the spans each utterance ends with (after any later
utterance reached back into it) are compared with the expected ones:

- recall: expected spans covered by a found span of the same kind (all but 2 characters of it);
- precision: found spans that overlap an expected span of the same kind;
- false masks: cases of ordinary numbers (no expected span) in which anything was masked; and the same
  for each utterance given whole as a partial (partials mask any 8 digits in a row: phone numbers);
- finals showing card data: expected spans (card numbers, expiry dates, codes) of which the final still
  shows any digit, whatever kind the mask over the rest is labelled (a card masked as a code shows
  nothing; recall counts it missed); in brackets, those that are card numbers;
- partials showing card data: each utterance given word by word as partials before its final, those
  that reach into an expected span and show any of its digits (in brackets: more than six, what PCI
  DSS allows of a card number);
- the CPU time of a final's redaction and of a partial's, per utterance (the machine's load shows in it:
  compare two commits in one run).

``--kinds``: the kinds a script chooses (iban, phone, email), all of them on, from
``<half>/kinds-<lang>.jsonl`` (written before the detector was tuned on the tune half); card data
is masked as in every call, and its ordinary cases are prices, dates and quantities.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from collections import Counter
from pathlib import Path
from typing import Any

from agentassist.privacy.detect import KINDS, mask
from agentassist.privacy.kinds import OPTIONAL_KINDS, Rules
from agentassist.privacy.redactor import Redactor
from agentassist.privacy.said import Span, items

CASES = Path(__file__).parent / "redact_cases"
LANGUAGES = ("en", "ru", "uk", "pl")
# blind sets scored blind (once; heldout10 and heldout32 twice) and tuned on since (heldout41 on are still blind)
_RETIRED = (
    "heldout",
    "heldout2",
    "heldout3",
    "heldout4",
    "heldout5",
    "heldout6",
    "heldout7",
    "heldout8",
    "heldout9",
    "heldout10",
    "heldout11",
    "heldout12",
    "heldout13",
    "heldout14",
    "heldout15",
    "heldout16",
    "heldout17",
    "heldout18",
    "heldout19",
    "heldout20",
    "heldout21",
    "heldout22",
    "heldout23",
    "heldout24",
    "heldout25",
    "heldout26",
    "heldout27",
    "heldout28",
    "heldout29",
    "heldout30",
    "heldout31",
    "heldout32",
    "heldout33",
    "heldout34",
    "heldout35",
    "heldout36",
    "heldout37",
    "heldout38",
    "heldout39",
    "heldout40",
    "heldout44",  # a representative half, its one leak fixed by the lead after it was scored (session 30)
)
_AGENT = re.compile(r"utterance (\d+) is the agent")  # a case's note: that utterance is the agent's (a read-back)
_SLACK_CHARS = 2  # a found span may miss this much of an expected one ("-" or "," at an edge)


def run_case(case: dict[str, Any], rules: Rules | None = None, tally: Counter[str] | None = None) -> list[list[Span]]:
    """The spans each utterance ends with; with ``tally``, each utterance is first given word by word as
    partials and the card data they show is counted (``partial.reached``: partials that reach into an
    expected span; ``partial.shown``: those showing any of its digits; ``partial.shown6``: more than six)."""
    redactor = Redactor(rules=rules)
    found: dict[str, list[Span]] = {}
    expected = _expected(case)
    agent = {int(n) for n in _AGENT.findall(case.get("note", ""))}
    for n, text in enumerate(case["utterances"]):
        channel = "agent" if n in agent else "customer"
        if tally is not None:
            for end in (m.end() for m in re.finditer(r"\S+", text)):
                began = time.process_time_ns()
                partial = redactor.partial(channel, text[:end], 2.0 * n)
                tally["partial.ns"] += time.process_time_ns() - began
                tally["partial.n"] += 1
                shown = _shown(text[:end], partial, expected, n)
                tally["partial.reached"] += len(shown)
                tally["partial.shown"] += sum(d > 0 for d in shown)
                tally["partial.shown6"] += sum(d > 6 for d in shown)
        began = time.process_time_ns()
        found.update(redactor.final(str(n), channel, text, 2.0 * n, 2.0 * n + 1.5))
        if tally is not None:
            tally["final.ns"] += time.process_time_ns() - began
            tally["final.n"] += 1
    return [found.get(str(n), []) for n in range(len(case["utterances"]))]


def _expected(case: dict[str, Any]) -> list[tuple[int, Span]]:
    out = []
    for e in case["spans"]:
        start = _place(case["utterances"][e["utterance"]], e["text"])
        out.append((e["utterance"], Span(e["kind"], start, start + len(e["text"]))))
    return out


def _shown(prefix: str, spans: list[Span], expected: list[tuple[int, Span]], n: int) -> list[int]:
    """For each expected span of utterance ``n`` that ``prefix`` reaches into, how many of its digits show
    (as digits or words)."""
    said = [i for i in items(prefix) if not any(s.start <= i.start < s.end for s in spans)]
    return [
        sum(len(i.digits) for i in said if e.start <= i.start < e.end)
        for u, e in expected
        if u == n and e.start < len(prefix)
    ]


def score(case: dict[str, Any], found: list[list[Span]], tally: Counter[str], rules: Rules | None = None) -> list[str]:
    """Add the case's counts to ``tally``; return what it got wrong, for --show."""
    wrong: list[str] = []
    expected = _expected(case)
    for u, e in expected:
        hit = any(f.kind == e.kind and _covered(e, f) for f in found[u])
        tally[f"{e.kind}.expected"] += 1
        tally[f"{e.kind}.recalled"] += hit
        if e.kind in KINDS:  # card data, masked in every campaign; a script's own kinds are apart
            # what the final still shows of it, whatever the mask over the rest is labelled
            (left,) = _shown(case["utterances"][u], found[u], [(u, e)], u)
            tally["left.expected"] += 1
            tally["left.shown"] += left > 0
            tally["left.shown_card"] += left > 0 and e.kind == "card"
        if not hit:
            wrong.append(f"missed {e.kind}: {case['utterances'][u][e.start : e.end]!r}")
    for u, spans in enumerate(found):
        for f in spans:
            right = any(eu == u and e.kind == f.kind and e.start < f.end and f.start < e.end for eu, e in expected)
            tally[f"{f.kind}.found"] += 1
            tally[f"{f.kind}.right"] += right
            if not right:
                wrong.append(f"wrong {f.kind}: {case['utterances'][u][f.start : f.end]!r}")
    if not case["spans"]:
        tally["ordinary"] += 1
        tally["ordinary.masked"] += any(found)
        tally["ordinary.partial_masked"] += any(
            Redactor(rules=rules).partial("customer", t, 0.0) for t in case["utterances"]
        )
    return wrong


def _place(text: str, said: str) -> int:
    """Where ``said`` stands as whole words in ``text`` ("123" in "CVV 123", not in "4123 4567")."""
    found = re.search(rf"(?<!\w){re.escape(said)}(?!\w)", text)
    return found.start() if found else text.index(said)


def _covered(expected: Span, found: Span) -> bool:
    inside = min(expected.end, found.end) - max(expected.start, found.start)
    return inside >= expected.end - expected.start - _SLACK_CHARS


def _ratio(a: int, b: int) -> str:
    return f"{a / b:.3f} ({a}/{b})" if b else "-"


def report(half: str, show: bool, with_kinds: bool = False) -> list[str]:
    kinds = OPTIONAL_KINDS if with_kinds else KINDS
    rules = Rules.of(OPTIONAL_KINDS) if with_kinds else None
    head = " | ".join(f"{k} recall | {k} precision" for k in kinds)
    title = f"{half} (old: scored blind, tuned on since)" if half in _RETIRED else half
    lines = [
        f"## {title}{' (kinds)' if with_kinds else ''}",
        "",
        f"| lang | {head} | ordinary masked | as partials | partials showing card data (> 6 digits) "
        "| finals showing card data (cards) |",
    ]
    lines.append("|---" * (5 + 2 * len(kinds)) + "|")
    total: Counter[str] = Counter()
    for lang in LANGUAGES:
        tally: Counter[str] = Counter()
        path = CASES / half / f"{'kinds-' if with_kinds else ''}{lang}.jsonl"
        if not path.is_file():
            lines.append(f"| {lang} | (no {path.name}) |")
            continue
        for line in path.read_text().splitlines():
            case = json.loads(line)
            found = run_case(case, rules, tally)
            wrong = score(case, found, tally, rules)
            if show and wrong:
                masked = " || ".join(mask(t, s) for t, s in zip(case["utterances"], found, strict=True))
                print(f"{case['id']}: {'; '.join(wrong)}\n    {masked}")
        total.update(tally)
        lines.append(_row(lang, tally, kinds))
    lines.append(_row("all", total, kinds))
    lines += ["", _cost(total)]
    return lines


def _cost(t: Counter[str]) -> str:
    """The CPU time of one utterance's redaction, a final's (each re-reads the call's last finals) and a
    partial's (each word of a final, given as a partial before it), averaged over the half."""
    final = t["final.ns"] / t["final.n"] / 1e6 if t["final.n"] else 0.0
    partial = t["partial.ns"] / t["partial.n"] / 1e6 if t["partial.n"] else 0.0
    return (
        f"CPU per utterance: a final {final:.3f} ms ({t['final.n']} finals), "
        f"a partial {partial:.3f} ms ({t['partial.n']} partials)"
    )


def _row(name: str, t: Counter[str], kinds: tuple[str, ...] = KINDS) -> str:
    cells = []
    for k in kinds:
        cells += [_ratio(t[f"{k}.recalled"], t[f"{k}.expected"]), _ratio(t[f"{k}.right"], t[f"{k}.found"])]
    return (
        f"| {name} | "
        + " | ".join(cells)
        + f" | {_ratio(t['ordinary.masked'], t['ordinary'])} | {_ratio(t['ordinary.partial_masked'], t['ordinary'])}"
        + f" | {_ratio(t['partial.shown'], t['partial.reached'])} ({t['partial.shown6']})"
        + f" | {_ratio(t['left.shown'], t['left.expected'])} ({t['left.shown_card']}) |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--half", default="both", help="a folder of redact_cases (tune, heldout3, ...) or both")
    parser.add_argument("--show", action="store_true", help="print each case with a miss or a wrong mask")
    parser.add_argument("--kinds", action="store_true", help="the kinds a script chooses: iban, phone, email")
    args = parser.parse_args()
    halves = ("tune", "heldout") if args.half == "both" else (args.half,)
    for half in halves:
        if not (CASES / half).is_dir():
            parser.error(f"--half: expected both or a folder of {CASES}, got {half!r}")
    for half in halves:
        print("\n".join(report(half, args.show, args.kinds)) + "\n")


if __name__ == "__main__":
    main()
