"""One call's redaction state: what was just said, so that a card number said in two pieces (two
utterances of one speaker) is still found, and a code answered to the agent's question is a code.

:class:`Redactor` works on text (pure, no I/O): :meth:`Redactor.final` returns the spans of the new
final utterance and of any earlier one that a new span reaches back into (the caller stores and
publishes that one again, revised); :meth:`Redactor.partial` masks a partial more eagerly, since
its digits may yet become a card number.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from agentassist.privacy.detect import (
    CARD,
    CARD_DIGITS,
    Item,
    Span,
    asks_code,
    card_windows,
    chains,
    find_spans,
    fold,
    items,
)

CONTEXT_S = 15.0  # an utterance further back than this does not carry a number or a question on
LEAD_WORDS = 3  # "and then 8317 1080": a number going on may follow this many words
PARTIAL_RUN_DIGITS = 8  # a partial with this many digits in a row may be half a card: masked


@dataclass(eq=False)  # one final is one object: hashed by identity
class _Said:
    key: str
    text: str
    end_s: float
    spans: list[Span] = field(default_factory=list)


@dataclass
class _Channel:
    said: list[_Said] = field(default_factory=list)  # the last few finals, oldest first
    pending: list[tuple[_Said, Item]] = field(default_factory=list)  # digits said last, maybe a card's start


class Redactor:
    """Card data spans for the finals and partials of one call, per channel (speaker)."""

    def __init__(self, context_s: float = CONTEXT_S, keep: int = 6) -> None:
        self.context_s = context_s
        self._keep = keep
        self._channels: dict[str, _Channel] = {}
        self._last: _Said | None = None  # the last final of either channel (a question, a card)

    def _context(self, start_s: float) -> tuple[bool, bool]:
        last = self._last
        if last is None or start_s - last.end_s > self.context_s:
            return False, False
        return asks_code(last.text), any(s.kind == CARD for s in last.spans)

    def partial(self, channel: str, text: str, start_s: float) -> list[Span]:
        """The spans of a partial: those of a final, and any long run of digits (half a card, maybe)."""
        asked, card = self._context(start_s)
        spans = find_spans(text, asked, card)
        folded = fold(text)
        for chain in chains(folded, items(text)):
            digits = "".join(i.digits for i in chain)
            if len(digits) >= PARTIAL_RUN_DIGITS and not any(s.start <= chain[0].start < s.end for s in spans):
                spans.append(Span(CARD, chain[0].start, chain[-1].end))
        return sorted(spans, key=lambda s: s.start)

    def final(self, key: str, channel: str, text: str, start_s: float, end_s: float) -> dict[str, list[Span]]:
        """Spans of the final ``key`` and of earlier finals that changed, by key (all spans of each)."""
        state = self._channels.setdefault(channel, _Channel())
        said = _Said(key, text, end_s)
        asked, card = self._context(start_s)
        if state.said and start_s - state.said[-1].end_s > self.context_s:
            state.pending = []
        folded = fold(text)
        found = chains(folded, items(text))
        lead = found[0] if found and len(_words(folded[: found[0][0].start])) <= LEAD_WORDS else []
        changed: dict[str, _Said] = {}
        across = self._across(state.pending, said, lead)
        for part in across:
            changed[part.key] = part
        said.spans = across.get(said, [])
        found_here = find_spans(text, asked, card or bool(across))
        said.spans = [
            *said.spans,
            *(s for s in found_here if not _overlaps(s, said.spans)),
        ]
        said.spans.sort(key=lambda s: s.start)
        changed[key] = said
        # what is left said last may be the start of a card number said on in the next utterance
        tail = found[-1] if found and not _words(folded[found[-1][-1].end :]) else []
        tail = [i for i in tail if not any(s.start <= i.start < s.end for s in said.spans)]
        if across:
            state.pending = []
        if tail and lead and tail[0] is lead[0] and len(tail) == len(lead):
            state.pending = _trim(state.pending + [(said, i) for i in tail])
        else:
            state.pending = _trim([(said, i) for i in tail])
        state.said = [*state.said, said][-self._keep :]
        self._last = said
        return {k: list(s.spans) for k, s in changed.items()}

    def _across(self, pending: list[tuple[_Said, Item]], said: _Said, lead: list[Item]) -> dict[_Said, list[Span]]:
        """Card numbers that begin in earlier finals and end in this one: their spans, by final."""
        if not pending or not lead:
            return {}
        owners = [p for p, _ in pending] + [said] * len(lead)
        chain = [i for _, i in pending] + lead
        spans: dict[_Said, list[Span]] = {}
        for i, j in card_windows(chain, across=len(pending)):
            for owner in dict.fromkeys(owners[i:j]):
                mine = [chain[k] for k in range(i, j) if owners[k] is owner]
                span = Span(CARD, mine[0].start, mine[-1].end)
                spans.setdefault(owner, []).append(span)
                if owner is not said:
                    kept = [s for s in owner.spans if not _overlaps(s, [span])]
                    owner.spans = sorted([*kept, span], key=lambda s: s.start)
        return spans


def _words(text: str) -> list[str]:
    return [w for w in text.split() if any(c.isalpha() for c in w)]


def _overlaps(span: Span, others: list[Span]) -> bool:
    return any(span.start < o.end and o.start < span.end for o in others)


def _trim(pending: list[tuple[_Said, Item]]) -> list[tuple[_Said, Item]]:
    """Keep the last digits said, no more than a card number less its last group."""
    while pending and sum(len(i.digits) for _, i in pending) > CARD_DIGITS[1] - 1:
        pending = pending[1:]
    return pending
