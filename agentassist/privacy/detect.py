"""Card data said aloud, found in one utterance's text: card numbers, expiry dates, security codes.

The numbers said (digits or words, chained into groups) are :mod:`agentassist.privacy.said`'s items;
the words around them are :mod:`agentassist.privacy.cues`.

- A card number is a run of whole items in a chain with 13 to 19 digits that passes the Luhn check
  (no cue needed: PCI DSS data is redacted wherever it is said); or one that fails it (a digit misheard)
  where a card is named just before ("card", "карта", "картка", "karta", "Visa") or was asked for, or
  where nothing says it is another number (an order, a reference, a phone: :data:`cues.OTHER_CUE`) and it
  is said as a card is: starting with 2-6, in at most eight groups or digit by digit, not a date or a list
  of years. A Luhn-valid run named as another number stays if no card scheme's numbers begin so.
- A card number said in parts with a pause, a filler or a correction between them is one where the parts
  together (or with the last groups said again in place of those before) pass the Luhn check; the last part may run
  on into the expiry and the code ("4326, um, 2470, um, 6808 7325, 01/28, 461"), its first groups then end the card.
- A Luhn-valid run of 16 to 19 digits after a sentence that only names what is paid for ("Билеты на Тоску.") is a
  card where an expiry or a code follows it, though that thing's noun is another number's cue.
- Expiry dates and security codes are read among the numbers left: :mod:`agentassist.privacy.expiry`.

Each mechanism is a module of its own: which numbers a scheme issues (:mod:`agentassist.privacy.schemes`),
what the words around a number name it (:mod:`agentassist.privacy.labels`), which runs of digits are a card
(:mod:`agentassist.privacy.runs`), a card said again, corrected or read on by its groups
(:mod:`agentassist.privacy.restarts`), a card said in parts with asides between
(:mod:`agentassist.privacy.interrupted`).

Everything here is pure: text in, spans out (:func:`find_spans`); the call's state (numbers said over
several utterances) is :mod:`agentassist.privacy.redactor`'s, which tells what was said just before as a
:class:`~agentassist.privacy.said.Before`.
"""

from __future__ import annotations

import re
from itertools import pairwise

from agentassist.privacy.cues import (
    CARD,
    CVV,
    EXPIRY,
    asked_for,
    cues,
)
from agentassist.privacy.expiry import (
    counts,
    expiries_and_codes,
    months_said,
)
from agentassist.privacy.interrupted import interrupted
from agentassist.privacy.labels import CENTS, day_and_month, paid
from agentassist.privacy.memo import reads, remembered
from agentassist.privacy.restarts import (
    AND,
    THEN,
    adjacent_joined,
    first_again,
    last_four_before,
    last_four_named,
    said_again,
    slashed_apart,
    started_again,
    tail_joined,
)
from agentassist.privacy.runs import card_runs
from agentassist.privacy.said import (
    NOTHING,
    Before,
    Item,
    Span,
    chains,
    fold,
    items,
)
from agentassist.privacy.schemes import digits_of

KINDS = (CARD, EXPIRY, CVV)
_IN_ORDER = re.compile(f"{AND.pattern}|{THEN.pattern}")
_COUNT_DIGITS = 3  # "..., 09/30, 250 chairs": a count ending a chain of card data, what it counts after it
_SENTENCE_ENDED = re.compile(r"[.!?]\s+")  # a sentence ended between two numbers ("1450. 5520 ...")


@reads
def find_spans(text: str, before: Before = NOTHING, taken: tuple[Span, ...] = ()) -> list[Span]:
    """The card data in ``text``, said after what ``before`` tells (the utterances just before);
    ``taken``: pieces of a card number already known (one said on from the utterance before), the
    numbers after them read as what follows a card."""
    return list(_find_spans(text, before, taken))


# a call's last 8 finals are read again with each new one, mostly in the same context (6172 readings of
# 775 finals in the benchmark halves): remembered by the call (agentassist.privacy.memo)
@remembered("spans")
def _find_spans(text: str, before: Before, taken: tuple[Span, ...]) -> tuple[Span, ...]:
    folded = fold(text)
    said = numbers_said(text, folded)
    found = [i for i in said if not any(t.start <= i.start < t.end for t in taken)]
    cards: list[Span] = list(taken)
    rest: list[Item] = []
    found_chains = chains(folded, found)
    runs = [card_runs(chain, folded, before) for chain in found_chains]  # each read once (card_windows is dear)
    said_apart = interrupted(found_chains, runs, folded, before)
    for chain in said_apart:  # parts joined by an "and" or a "then" are one span ("four fives ... and four fours")
        if cards and cards[-1] not in taken and _IN_ORDER.fullmatch(folded, cards[-1].end, chain[0].start):
            cards[-1] = Span(CARD, cards[-1].start, chain[-1].end)
        else:
            cards.append(Span(CARD, chain[0].start, chain[-1].end))
    for chain, chain_runs in zip(found_chains, runs, strict=True):
        # a chain said apart is the card's, but for what its last part ran on into (an expiry, a code:
        # :func:`_card_prefix`)
        part = max((len(c) for c in said_apart if c[0] is chain[0]), default=0)
        if part:
            rest += chain[part:]
            continue
        last = 0
        for i, j in chain_runs:
            cards.append(Span(CARD, chain[i].start, chain[j - 1].end))
            rest += chain[last:i]
            last = j
        rest += chain[last:]
    again = said_again(folded, said, cards, rest)
    found_later = (
        last_four_named(folded, cards, rest),
        last_four_before(folded, said, cards, rest),
        started_again(folded, said, cards, rest),
        first_again(folded, said, cards, rest),
        tail_joined(folded, said, cards, rest),
        _panel_four(folded, said, cards, rest),
    )
    for spans_found in found_later:  # each finder's spans but those starting where an earlier finder's do
        starts = {a.start for a in again}
        again += [s for s in spans_found if s.start not in starts]
    cards += again
    rest = [i for i in rest if not any(s.start <= i.start < s.end for s in again)]
    rest = months_said(folded, found, rest)
    spans = sorted(cards + expiries_and_codes(text, rest, before, cards), key=lambda s: s.start)
    spans = slashed_apart(folded, adjacent_joined(folded, said, _whole(folded, chains(folded, said), spans)))
    return tuple(s for s in spans if not written_amount(folded, said, s))


def _panel_four(folded: str, said: list[Item], cards: list[Span], rest: list[Item]) -> list[Span]:
    """The card's last four before its code, as the signature panel prints them ("on the back it says 8417 238", the
    card ending 8417): the group the card's, the code apart (read with the rest)."""
    lasts = {digits_of([i for i in said if c.start <= i.start < c.end])[-4:] for c in cards}
    return [
        Span(CARD, a.start, a.end)
        for a, b in pairwise(rest)
        if len(a.digits) == 4 and a.digits in lasts and len(b.digits) in (3, 4) and folded[a.end : b.start].isspace()
    ]


def numbers_said(text: str, folded: str) -> list[Item]:
    """The numbers said in ``text`` (``folded``), less the digit in a code's name ("CVV2 709": the code is 709, not
    2709 after no cue, nor a "2" left over)."""
    return [i for i in items(text) if not any(a <= i.start < b for a, b in cues(CVV, folded))]


def written_amount(folded: str, said: list[Item], span: Span) -> bool:
    """Whether ``span`` is one amount as a recognizer writes it, and nothing else: cents after a point or a comma
    ("9.90", "74,99", "1,299.99"), thousands set off by a comma for a code ("4,250") or a currency or a unit named
    with it ("£50", "300 zł"). No card's number, code or expiry is written so: a span that is only an amount is no
    card data, whatever was said before it (a card's last four "7499", then "12 rat po 74,99 zł"). An expiry may be
    written with a point ("12.25"): it is no amount unless a currency or a unit says so. A day after the 12th and
    a month, written so ("31/12", "28.11"), is a date, no card data either (:func:`day_and_month`); thousands set
    apart with cents ("12 490,50") are an amount."""
    if day_and_month(folded, span) or CENTS.fullmatch(folded, span.start, span.end):
        return True
    inside = [i for i in said if span.start <= i.start < span.end]
    if not inside or folded[span.start : span.end].strip(" ,.;") != folded[inside[0].start : inside[-1].end]:
        return False
    tight = all(b.start == a.end + 1 and folded[a.end] in ".," for a, b in pairwise(inside))
    if not tight:  # "300 zł" alone is one item; a card's groups said apart are no amount
        return len(inside) == 1 and paid(folded, inside) and not inside[0].spoken
    cents = len(inside) > 1 and len(inside[-1].digits) == 2 and folded[inside[-1].start - 1] in ".,"
    thousands = len(inside) > 1 and all(len(i.digits) == 3 and folded[i.start - 1] == "," for i in inside[1:])
    if span.kind == EXPIRY:
        return paid(folded, inside) or (cents and len(inside) > 2)
    # a card written with its digits set off by commas ("4,539,148,803,436,467") is no amount: thousands decide a code
    return paid(folded, inside) or cents or (thousands and span.kind == CVV)


def _whole(folded: str, found: list[list[Item]], spans: list[Span]) -> list[Span]:
    """``spans`` and, for a chain partly masked, its other numbers as the span before them (or after): one
    number as said is masked whole ("6, 4, 6, 7, 6, 4, 6, 7": a group heard twice after a card number); but not a
    count said last with what it counts after it ("..., 09/30, 250 chairs": no digit of card data)."""
    out = list(spans)
    for chain in found:
        # a span begun before the chain covers its first numbers too: "March 2029, 653" is an expiry whose month
        # is a word, no item of the chain "2029, 653", and its year no piece of the code after it
        inside = [s for s in spans if s.start < chain[-1].end and chain[0].start < s.end]
        run: list[Item] = []
        for item in [*chain, None] if inside else []:
            if item is not None and not any(s.start <= item.start < s.end for s in inside):
                run.append(item)
                continue
            # a number ending a sentence before the first span ("Two tickets, 1450. 5520 1818 44- sorry, ..."): the
            # card begun after it, the price before it no piece of it
            ended = (
                item is not None
                and bool(run)
                and not any(s.end <= run[0].start for s in inside)
                and _SENTENCE_ENDED.fullmatch(folded, run[-1].end, item.start) is not None
            )
            if run and not ended and not (item is None and _count_said_last(folded, chain, run)):
                near = max((s for s in inside if s.end <= run[0].start), key=lambda s: s.end, default=inside[0])
                out.append(Span(near.kind, run[0].start, run[-1].end))
            run = []
    return sorted(out, key=lambda s: s.start)


def _count_said_last(folded: str, chain: list[Item], run: list[Item]) -> bool:
    """Whether ``run``, the last numbers of ``chain``, are a count said apart from the numbers before it (a comma
    and a space between, not an amount's cents: "1,299.99 altogether") with what it counts right after it."""
    at = chain.index(run[0])
    apart = at > 0 and " " in folded[chain[at - 1].end : run[0].start]
    return apart and len(digits_of(run)) <= _COUNT_DIGITS and counts(folded, run[-1].end)


@reads
def asks(text: str) -> frozenset[str]:
    """What ``text`` ends asking for (or naming): ``card``, ``expiry``, ``cvv`` or ``other``; not what it
    answers itself ("the card is 4111 ...")."""
    folded = fold(text)
    found = items(text)
    return frozenset(k for k in asked_for(folded) if not any(i.start >= cues(k, folded)[-1][1] for i in found))


def mask(text: str, spans: list[Span]) -> str:
    """``text`` with each span read as its kind in brackets: ``[CARD]``, ``[EXPIRY]``, ``[CVV]``."""
    out, last = [], 0
    for s in sorted(spans, key=lambda s: s.start):
        if s.start < last:
            continue
        out += [text[last : s.start], f"[{s.kind.upper()}]"]
        last = s.end
    return "".join(out) + text[last:]
