"""Card data masked in a call's utterances before they are stored, indexed or published.

:class:`CallRedaction` takes each partial, final and revised utterance of a call (in the order the
records see them) and returns what may leave: the utterance with its text and words masked
(``[CARD]``, ``[EXPIRY]``, ``[CVV]``), plus any earlier final of the same speaker that a card number
said across two utterances reaches back into, masked again as a revision. The spans of each final
(kind, channel, time from its words) are what the call's record lists and what the recording is
silenced over after the call. On by default, for every call: PCI DSS leaves no choice for card data.
"""

from __future__ import annotations

import dataclasses
from typing import TypedDict

from agentassist.events import Utterance, Word
from agentassist.privacy.cues import CVV
from agentassist.privacy.detect import mask
from agentassist.privacy.kinds import Rules
from agentassist.privacy.redactor import PARTIAL_RUN_DIGITS, REVISION_RUN_DIGITS, Redactor
from agentassist.privacy.said import Span, chains, fold, items

_KEEP = 8  # finals of each speaker kept in their original text, for a card number reaching back into them
_NEAR_S = 1.0  # a revision's number this close to a span masked before is part of it (words move a little)


class Redaction(TypedDict):
    utterance_id: str
    channel: str
    kind: str  # card | expiry | cvv, and what the script chose: iban | phone | email | a pattern's name
    start: float  # seconds from the call's start
    end: float
    by: str  # "text": found in what was said


@dataclasses.dataclass(frozen=True, slots=True)
class Masked:
    """An utterance as it may leave, and the spans masked in it (finals only: a partial's are not kept)."""

    utterance: Utterance
    redactions: list[Redaction]
    original: str | None = None  # the text with only its security codes masked, where the script keeps it


class CallRedaction:
    """One call's redaction of what is said; not thread-safe (the records lock serialises it)."""

    def __init__(self, rules: Rules | None = None) -> None:
        self._keep_originals = rules is not None and bool(rules.original_roles)
        self._redactor = Redactor(rules=rules)
        self._originals: dict[str, Utterance] = {}  # recent finals, as transcribed, by id
        self._masked_ids: set[str] = set()  # finals that held card data (their revisions masked eagerly)
        self._masked_s: dict[str, list[Redaction]] = {}  # by channel: where card data was said

    def forget_texts(self) -> None:
        """Drop what the detector remembers of this call's texts (card numbers in them) as the call ends;
        each call's memory is its own (agentassist.privacy.memo): no other call's is touched."""
        self._redactor.memo.clear()

    def remembered_texts(self) -> set[str]:
        """The texts the detector remembers for this call (what :meth:`forget_texts` drops)."""
        return self._redactor.memo.texts()

    def apply(self, u: Utterance) -> list[Masked]:
        """``u`` masked (first), then any earlier final masked anew because of it."""
        channel = u.channel.value
        if not u.final:
            return [_masked(u, self._redactor.partial(channel, u.text, u.start_s))]
        if u.revised:
            # a revision merges a turn's finals: a card number said in pieces may be whole in it, or
            # still without a piece the recognizer lost; a long run of digits is masked as a partial's is
            # (a code's digits may move into the next turn's text: a number said where card data was
            # masked before is masked as it was)
            run = PARTIAL_RUN_DIGITS if u.id in self._masked_ids else REVISION_RUN_DIGITS
            spans = self._redactor.partial(channel, u.text, u.start_s, run, said=True)
            return [self._final(u, spans + _said_where(u, self._masked_s.get(channel, []), spans))]
        changed = self._redactor.final(u.id, channel, u.text, u.start_s, u.end_s)
        self._originals[u.id] = u
        mine = [key for key, kept in self._originals.items() if kept.channel == u.channel]
        if len(mine) > _KEEP:  # each speaker's last finals, as the detector reads them again
            del self._originals[mine[0]]
        out = [self._final(u, changed.pop(u.id, []))]
        for key, spans in changed.items():
            if (before := self._originals.get(key)) is not None:
                out.append(self._final(dataclasses.replace(before, revised=True), spans))
        return out

    def _final(self, u: Utterance, spans: list[Span]) -> Masked:
        masked = _masked(u, spans)
        if self._keep_originals and any(s.kind != CVV for s in spans):
            # PCI DSS 3.3.1: a security code is never kept, not even for the roles that read originals
            masked = dataclasses.replace(masked, original=mask(u.text, [s for s in spans if s.kind == CVV]))
        if spans:
            self._masked_ids.add(u.id)
            self._masked_s.setdefault(u.channel.value, []).extend(masked.redactions)
        return masked


def _said_where(u: Utterance, before: list[Redaction], found: list[Span]) -> list[Span]:
    """The numbers of ``u`` said within ``_NEAR_S`` of a span masked before, as spans of its kind."""
    out: list[Span] = []
    if not before:
        return out
    places = _word_places(u)
    for chain in chains(fold(u.text), items(u.text)):
        start, end = chain[0].start, chain[-1].end
        timed = [w for w, (a, b) in zip(u.words, places, strict=True) if a < end and start < b]
        if not timed or any(s.start < end and start < s.end for s in found):
            continue
        near = [r for r in before if r["start"] - _NEAR_S < timed[-1].end_s and timed[0].start_s < r["end"] + _NEAR_S]
        if near:
            out.append(Span(near[0]["kind"], start, end))
    return out


def _masked(u: Utterance, spans: list[Span]) -> Masked:
    if not spans:
        return Masked(u, [])
    places = _word_places(u)
    words: list[Word] = []
    redactions: list[Redaction] = []
    for span in spans:
        inside = [w for w, (a, b) in zip(u.words, places, strict=True) if a < span.end and span.start < b]
        start_s, end_s = (inside[0].start_s, inside[-1].end_s) if inside else (u.start_s, u.end_s)
        redactions.append(_redaction(u, span.kind, start_s, end_s))
    last = -1  # the span the previous word was masked for: its words become one
    for w, (a, b) in zip(u.words, places, strict=True):
        hit = next((n for n, s in enumerate(spans) if a < s.end and s.start < b), None)
        if hit is None and a < 0 and any(c.isdigit() for c in w.text):
            hit = 0  # a word not found in the text: its digits are not let through
        if hit is None:
            words.append(w)
        elif hit == last:
            words[-1] = dataclasses.replace(words[-1], end_s=w.end_s)
        else:
            lead = " " if w.text.startswith(" ") else ""
            words.append(dataclasses.replace(w, text=f"{lead}[{spans[hit].kind.upper()}]"))
        last = -1 if hit is None else hit
    return Masked(dataclasses.replace(u, text=mask(u.text, spans), words=tuple(words)), redactions)


def _word_places(u: Utterance) -> list[tuple[int, int]]:
    """Where each word's text is in the utterance's text ((-1, -1): not found, masks nothing)."""
    places, at = [], 0
    for w in u.words:
        text = w.text.strip()
        found = u.text.find(text, at) if text else -1
        if found < 0:
            places.append((-1, -1))
            continue
        places.append((found, found + len(text)))
        at = found + len(text)
    return places


def _redaction(u: Utterance, kind: str, start_s: float, end_s: float) -> Redaction:
    return {
        "utterance_id": u.id,
        "channel": u.channel.value,
        "kind": kind,
        "start": round(start_s, 3),
        "end": round(end_s, 3),
        "by": "text",
    }
