"""The compliance decision at its deadline: the whole call's agent speech, judged once more.

A compliance step still pending when its alert is due (``compliance_pending`` near the end of the
handle time, ``compliance_missed`` at the end of the call) is judged again, before the alert fires,
on every sentence the agent said in the call. A line said in other words scores lower than the
online rule asks of one sentence ("so you're aware, we tape everything said on this line so we can
get better at what we do" for "this conversation is recorded to improve our service": cosine 0.87),
and a false "missed" alert costs a supervisor's trust in every number on the page, while a tick at
the deadline keeps no one waiting. A sentence says the step there when its cosine with one of the
step's lines is at least ``DEADLINE`` and that line is the script's closest to it
(``DEADLINE_MARGIN``: it is no other line's sentence), with no negation at the line's words, every
``must_hear`` word heard, and more of the line heard than its opening words: "this conversation will
take about five minutes" shares only the line's frame. Fitted on benchmarks/assist_cases*, v4
included (NOTES-match5.md): compliance false "missed" 33 -> 2, at 6 more false ticks (sentences in
the frame of an unsaid compliance line; 10 without the opening rule). No tick waits for this: the
decision on each utterance is unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable

from agentassist.assist.decide import Decision, Heard, negated_anywhere
from agentassist.assist.matcher import fill, tokens
from agentassist.assist.script import Step
from agentassist.assist.semantic import E5Embedder, cosine, coverage, must_hear_missing

DEADLINE = 0.86
DEADLINE_MARGIN = 0.0
KEPT = 400  # final agent utterances kept for the deadline: a 15-minute call has about 150


def settle(
    step: Step,
    said: Iterable[Heard],
    variables: dict[str, str],
    rivals: tuple[str, ...],
    embedder: E5Embedder | None,
) -> Decision | None:
    """The sentence of the call that best says ``step``'s line by the rule above, or None.

    Only sentences already embedded are judged (a pending step has every sentence embedded while it
    waits), so the deadline costs cosines, not new embeddings."""
    if embedder is None:
        return None
    lines = [fill(line, variables) for line in step.say]
    names = frozenset(t for value in variables.values() for t in tokens(value))
    best: Decision | None = None
    for heard in said:
        for window, vector in heard.embedded():
            for line in lines:
                similarity = cosine(embedder.line(line), vector)
                if similarity < DEADLINE or (best is not None and similarity <= best.score):
                    continue
                want = tokens(line)
                cov = coverage(want, window.tokens, names, window.clauses)
                if cov.negated or cov.opening or must_hear_missing(step.must_hear, window.tokens):
                    continue
                if not cov.words and negated_anywhere(want, window):
                    continue
                margin = similarity - max((cosine(embedder.line(r), vector) for r in rivals), default=0.0)
                if margin < DEADLINE_MARGIN:
                    continue
                extra = {
                    "matched": " ".join(window.tokens[cov.first : cov.last + 1]) if cov.words else window.text,
                    "similarity": round(similarity, 3),
                    "content": round(cov.content, 3),
                    "margin": round(margin, 3),
                    "line": line,
                    "deadline": True,
                }
                best = Decision("meaning", similarity, window, cov.first, cov.words, extra)
    return best
