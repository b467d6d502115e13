"""The finals a call's redactor holds (:class:`Said`) and the small readings all its steps share.

Each final held is read again with every new one, so a final is one object carrying what it was found to hold
(its spans, the card's first piece it ended with, the digits it read back). The helpers here are the steps'
common ground: the finals recent enough to carry a number on (:func:`recent_finals`), spans added without
overlap (:func:`add_spans`), the words of a gap (:func:`words_in`), a number named as another thing
(:func:`other_number`), the digits kept of a number still being said (:func:`trimmed`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise

from agentassist.privacy.cues import (
    CARD,
    OTHER,
)
from agentassist.privacy.kinds import IBAN
from agentassist.privacy.labels import named_before, ordinary
from agentassist.privacy.said import Before, Item, Span, items
from agentassist.privacy.schemes import CARD_DIGITS

LEAD_WORDS = 3  # "and then 8317 1080": a number going on may follow this many words
OPEN_LEAD_WORDS = 6  # after a card's first groups named so ("my card is 4539"): "sorry, I lost my place. 1488";
# after any groups where the pieces pass the Luhn check together
READ_BACK_DIGITS = 4  # a card number's piece said again ("5163 1557, yes"): as long as a group at least


@dataclass(eq=False)  # one final is one object: hashed by identity
class Said:
    key: str
    channel: str
    text: str
    start_s: float
    end_s: float
    spans: list[Span] = field(default_factory=list)  # masked so far: a span once masked stays masked
    open: list[Span] = field(default_factory=list)  # a card number's first piece it ended with, masked at once
    echo: int = 0  # the digits of a number being said that it read back ("4539 1488" then "4539 1488, yes")
    paused: bool = False  # it went on with a number and ended on an acknowledgement ("2614 6915... так")
    # what collection mode masks beyond the spans (agentassist.privacy.collection): read anew with each final, and
    # read by no step before it, so that a later final may still show the readers what the number was
    collected: list[Span] = field(default_factory=list)


def shown(said: Said) -> list[Span]:
    """The spans ``said`` shows: its own, and those collection mode adds that none of them contradicts (one holding
    spans of its own kind whole, or overlapping none)."""
    out = list(said.spans)
    for c in said.collected:
        inside = [x for x in out if overlaps(c, [x])]
        if all(x.kind == c.kind and c.start <= x.start and x.end <= c.end for x in inside):
            out = [*(x for x in out if x not in inside), c]
    return sorted(out, key=lambda x: x.start)


def by_speaker(finals: list[Said]) -> list[list[Said]]:
    """The finals of each speaker, in time order."""
    by_channel: dict[str, list[Said]] = {}
    for final in finals:
        by_channel.setdefault(final.channel, []).append(final)
    return list(by_channel.values())


def card_digits_of(said: Said, span: Span) -> str:
    """The digits of the card span ``span`` of ``said``."""
    return "".join(i.digits for i in items(said.text) if span.start <= i.start < span.end)


def said_groups(number: list[Item]) -> list[list[Item]]:
    """The groups of a number as said, each beginning at an item said apart from the one before (digits said as words
    with only spaces between are one group: "four four five three")."""
    starts = [n for n, i in enumerate(number) if n == 0 or not i.joined]
    return [number[a:b] for a, b in pairwise([*starts, len(number)])]


def recent_finals(finals: list[Said], start_s: float, context_s: float) -> list[Said]:
    """The finals that began before ``start_s`` and ended ``context_s`` at most before it: what it is read after."""
    return [s for s in finals if s.start_s < start_s and start_s - s.end_s <= context_s]


def whole_span(chain: list[Item]) -> Span:
    return Span(CARD, chain[0].start, chain[-1].end)


def last_of_each(finals: list[Said], keep: int) -> list[Said]:
    """The last ``keep`` finals of each channel, in order: an agent saying "yes", "ok" after each group the
    customer reads must not push the card's first groups out of what the detector sees."""
    seen: dict[str, int] = {}
    kept: list[Said] = []
    for said in reversed(finals):
        if seen.get(said.channel, 0) < keep:
            seen[said.channel] = seen.get(said.channel, 0) + 1
            kept.append(said)
    return kept[::-1]


def merged_spans(card: list[Span], other: list[Span]) -> list[Span]:
    """Card data first (PCI DSS), then the campaign's kinds where they do not overlap it; but an IBAN
    (mod-97 checked) that holds a Luhn-valid run of its digits is the IBAN, masked whole."""
    ibans = [s for s in other if s.kind == IBAN]
    card = [c for c in card if not any(i.start <= c.start and c.end <= i.end for i in ibans)]
    return sorted([*card, *(s for s in other if not overlaps(s, card))], key=lambda s: s.start)


def add_spans(said: Said, spans: list[Span]) -> None:
    """``spans`` added to those ``said`` has: one that overlaps none, or one of the same kind that holds all
    it overlaps (a piece masked before, now one span with the rest of its number: "1 | 8" as "1 8")."""
    for s in spans:
        inside = [x for x in said.spans if overlaps(s, [x])]
        if inside and not all(x.kind == s.kind and s.start <= x.start and x.end <= s.end for x in inside):
            continue
        said.spans = sorted([*(x for x in said.spans if x not in inside), s], key=lambda x: x.start)


def put_span(said: Said, span: Span) -> None:
    """``span`` in place of every span of ``said`` it overlaps, whatever their kinds (a reading known better now)."""
    said.spans = sorted([*(x for x in said.spans if not overlaps(span, [x])), span], key=lambda x: x.start)


def holds(said: Said, span: Span) -> bool:
    """Whether a span of ``said`` of ``span``'s kind holds all of it already."""
    return any(x.kind == span.kind and x.start <= span.start and span.end <= x.end for x in said.spans)


def digit_count(found: list[Item] | list[tuple[Said, Item]]) -> int:
    return sum(len(x.digits if isinstance(x, Item) else x[1].digits) for x in found)


def other_number(folded: str, chain: list[Item], before: Before) -> bool:
    """Whether a run is plainly no card number: the words before it say so ("order 4829 3377"), or it is
    a phone or a date ("+48 600 123 456", "12.03.2024")."""
    return ordinary(folded, chain) or named_before(folded, chain[0].start, before) == OTHER


def words_in(text: str) -> list[str]:
    return [w for w in text.split() if any(c.isalpha() for c in w)]


def overlaps(span: Span, others: list[Span]) -> bool:
    return any(span.start < o.end and o.start < span.end for o in others)


def trimmed(pending: list[tuple[Said, Item]]) -> list[tuple[Said, Item]]:
    """Keep the last digits said, no more than a card number less its last group."""
    while pending and sum(len(i.digits) for _, i in pending) > CARD_DIGITS[1] - 1:
        pending = pending[1:]
    return pending
