"""Whether a final agent utterance says a step: the lexical matcher first, then meaning.

A step ticks on the lexical path when a say-line's words are heard in order
(``match_threshold``, as before), or on the meaning path when the line's
sentence embedding is close to a window of what was heard
(``similarity_threshold``) and enough of the line's content words are heard in
it (``content_threshold``), with no negation at them. Either way every
``must_hear`` word of the step must be heard. The decision carries its
evidence: which utterances, which window, the score, and the heard words that
carried it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from agentassist.assist.matcher import Match, fill, score_line, tokens
from agentassist.assist.script import Step
from agentassist.assist.semantic import E5Embedder, cosine, coverage, must_hear_missing, windows
from agentassist.events import Utterance

# this close in meaning, one content word of the line heard is enough ("дякуємо за дзвінок до {company}"
# for "дякуємо, що зателефонували до {company}": 0.963); below it, ``content_threshold`` of them
_SURE_SIMILARITY = 0.95


@dataclass(frozen=True, slots=True)
class Decision:
    method: str  # "lexical" | "meaning"
    score: float  # the lexical share heard in order, or the embedding cosine
    window: str  # the text the line was found in
    first: int  # index of the first matched token in ``window``'s tokens, -1 if unknown
    words: tuple[str, ...]  # heard words that carried the decision
    utterances: tuple[Utterance, ...]  # the utterance(s) the window comes from, in time order
    extra: dict[str, Any] = field(default_factory=dict)

    def evidence(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "method": self.method,
            "words": list(self.words),
            "window": self.window,
            **self.extra,
        }
        if len(self.utterances) > 1:
            out["utterances"] = [
                {"id": u.id, "text": u.text, "start": round(u.start_s, 3), "end": round(u.end_s, 3)}
                for u in self.utterances
            ]
        return out


class Heard:
    """One final agent utterance (and the agent's previous one) as the windows a line may be in; the
    windows' embeddings are computed once, on first need, for all steps."""

    def __init__(self, u: Utterance, previous: Utterance | None, embedder: E5Embedder | None) -> None:
        self.u = u
        self.previous = previous
        self.texts = windows(u.text, previous.text if previous else None)
        self.tokens = [tokens(t) for t in self.texts]
        self._embedder = embedder
        self._vectors: list[list[float]] | None = None

    def source(self, index: int) -> tuple[Utterance, ...]:
        joined = self.previous is not None and index == len(self.texts) - 1
        return (self.previous, self.u) if joined and self.previous is not None else (self.u,)

    def vectors(self) -> list[list[float]]:
        if self._vectors is None:
            self._vectors = self._embedder.embed(self.texts) if self._embedder else []
        return self._vectors


def decide(
    step: Step,
    heard: Heard,
    variables: dict[str, str],
    match_threshold: float,
    similarity_threshold: float,
    content_threshold: float,
    embedder: E5Embedder | None,
) -> Decision | None:
    lines = [fill(line, variables) for line in step.say]
    names = frozenset(t for value in variables.values() for t in tokens(value))
    lexical = _lexical(lines, heard, match_threshold)
    if lexical is not None:
        return lexical if _must_hear_ok(step, lexical, heard) else None
    if embedder is None:
        return None
    best: Decision | None = None
    for line in lines:
        want = tokens(line)
        for i, got in enumerate(heard.tokens):
            cov = coverage(want, got, names)
            if cov.negated or not cov.words or must_hear_missing(step.must_hear, got):
                continue
            similarity = cosine(embedder.line(line), heard.vectors()[i])
            enough = cov.content >= content_threshold or similarity >= _SURE_SIMILARITY
            if similarity < similarity_threshold or not enough or (best is not None and similarity <= best.score):
                continue
            best = Decision(
                "meaning",
                similarity,
                heard.texts[i],
                cov.first,
                cov.words,
                heard.source(i),
                {"similarity": round(similarity, 3), "content": round(cov.content, 3), "line": line},
            )
    return best


def _lexical(lines: list[str], heard: Heard, threshold: float) -> Decision | None:
    """The best in-order match over the windows (the utterance first: on a tie it wins)."""
    best: tuple[Match, int, str] | None = None
    for i, text in enumerate(heard.texts):
        for line in lines:
            m = score_line(line, text)
            if m.score >= threshold and (best is None or m.score > best[0].score):
                best = (m, i, line)
    if best is None:
        return None
    m, i, line = best
    want = tokens(line)
    cov = coverage(want, heard.tokens[i][m.first : m.last + 1])
    return Decision(
        "lexical",
        m.score,
        heard.texts[i],
        m.first,
        cov.words or tuple(m.matched.split()),
        heard.source(i),
        {"matched": m.matched, "line": line},
    )


def _must_hear_ok(step: Step, d: Decision, heard: Heard) -> bool:
    return not must_hear_missing(step.must_hear, tokens(d.window)) if step.must_hear else True
