"""The CPU a call's redaction takes per utterance as the call grows: a half's cases said one after another
in one long call, through :class:`~agentassist.privacy.utterances.CallRedaction` (what the call's records
run), not the detector alone as benchmarks/redact.py measures it.

    python -m benchmarks.redact_call [--half tune] [--rounds 3]

Each case's utterances are the customer's finals, 2 s apart, each given word by word as partials before
it, and each final's turn revised once after the case's last final (the same words, as the transcriber's
revision of a turn that it heard the same). The call goes on from case to case (``--rounds`` times over
the half): a cost that grows with what the call has said shows as the last quarter's CPU per final above
the first's. The machine's load shows in the figures: compare two commits in one run.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from pathlib import Path

from agentassist.events import Channel, Utterance, Word
from agentassist.privacy.utterances import CallRedaction

CASES = Path(__file__).parent / "redact_cases"
_GAP_S = 2.0  # from one utterance's start to the next's
_SAID_S = 1.5


def said(half: str, rounds: int) -> list[str]:
    """The texts of the half's cases (every language), in order, ``rounds`` times over."""
    texts = []
    for path in sorted((CASES / half).glob("[a-z][a-z].jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                texts.append(json.loads(line)["utterances"])
    return [t for _ in range(rounds) for case in texts for t in case]


def _utterance(n: int, text: str, end: int, final: bool, revised: bool = False) -> Utterance:
    start_s = _GAP_S * n
    words = [m.group() for m in re.finditer(r"\S+", text[:end])]
    step = _SAID_S / max(len(words), 1)
    timed = tuple(Word(start_s + k * step, start_s + (k + 1) * step, f" {w}", 0.9) for k, w in enumerate(words))
    end_s = start_s + _SAID_S
    words_sent = timed if final else ()  # a partial's words are not timed yet
    return Utterance(f"c{n}", "bench", Channel.CUSTOMER, start_s, end_s, text[:end], final, words_sent, revised)


def run(texts: list[str], cases_of: int = 4) -> dict[str, list[int]]:
    """CPU ns of each final, partial and revision through one CallRedaction; a case's finals are revised
    after every ``cases_of`` utterances (a turn)."""
    call = CallRedaction()
    cost: dict[str, list[int]] = {"final": [], "partial": [], "revision": []}
    turn: list[tuple[int, str]] = []
    for n, text in enumerate(texts):
        for m in re.finditer(r"\S+", text):
            began = time.process_time_ns()
            call.apply(_utterance(n, text, m.end(), final=False))
            cost["partial"].append(time.process_time_ns() - began)
        began = time.process_time_ns()
        call.apply(_utterance(n, text, len(text), final=True))
        cost["final"].append(time.process_time_ns() - began)
        turn.append((n, text))
        if len(turn) == cases_of:
            for k, said_then in turn:
                began = time.process_time_ns()
                call.apply(_utterance(k, said_then, len(said_then), final=True, revised=True))
                cost["revision"].append(time.process_time_ns() - began)
            turn = []
    return cost


def _ms(values: list[int]) -> float:
    return sum(values) / max(len(values), 1) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--half", default="tune")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    texts = said(args.half, args.rounds)
    run(texts[:200])  # warm up: the readers' first calls, the interpreter's caches
    cost = run(texts)
    finals = cost["final"]
    quarter = max(len(finals) // 4, 1)
    print(
        f"{args.half} x{args.rounds}: {len(finals)} finals, {len(cost['partial'])} partials, "
        f"{len(cost['revision'])} revisions in one call"
    )
    print(
        f"CPU per utterance: a final {_ms(finals):.3f} ms (first quarter {_ms(finals[:quarter]):.3f}, "
        f"last {_ms(finals[-quarter:]):.3f}), a partial {_ms(cost['partial']):.3f} ms, "
        f"a revision {_ms(cost['revision']):.3f} ms"
    )


if __name__ == "__main__":
    main()
