"""The card window: a card's groups said one per final, and the pieces said around a final with card data.

Each speaker's finals are read together (:func:`card_window`): groups said one per final, dictated digit by digit
or passing the Luhn check together, are one card (:func:`_groups_over`); then, for a while after a final with card
data (:data:`WINDOW_S`, a payment's pause), a few groups of four said in the finals around it are pieces of that
card (a card begun and said again from its start included), not an order's or a flight's number
(:func:`_window`, :func:`_card_piece`).
"""

from __future__ import annotations

import re
from itertools import pairwise

from agentassist.privacy.cues import (
    CARD,
    CVV,
    EXPIRY,
    OTHER,
    fillers_only,
)
from agentassist.privacy.detect import KINDS
from agentassist.privacy.held import (
    LEAD_WORDS,
    OPEN_LEAD_WORDS,
    READ_BACK_DIGITS,
    Said,
    add_spans,
    by_speaker,
    other_number,
    overlaps,
    put_span,
    said_groups,
    whole_span,
    words_in,
)
from agentassist.privacy.labels import amount, named_before, ordinary, paid
from agentassist.privacy.restarts import restarts
from agentassist.privacy.said import NOTHING, Item, Span, chains, fold, items, luhn, words_between
from agentassist.privacy.schemes import CARD_DIGITS, digits_of, issued, issued_length

WINDOW_S = 30.0  # a card window stays open this long after the last final with card data (a payment's pause)
WINDOW_GROUPS = 3  # ... takes at most this many groups of four in a row: a piece of a card, not a whole one
_LETTERS_BEFORE = re.compile(r"\b[A-ZА-ЯІЇЄҐ]{1,3}\s*$")  # "BA 2491", "LO 3921", "PS 9012": a flight's, a plate's
WINDOW_GAP_S = 6.0  # ... and reaches back into the speaker's final just before, this close before the card data


def card_window(finals: list[Said], context_s: float) -> None:
    """A card said over a speaker's finals, read with the finals around it, each speaker apart (the other's words
    between are no break): its groups said one per final (:func:`_groups_over`), then the card window
    (:func:`_window`): its pieces said around a final with card data, a restart included."""
    for mine in by_speaker(finals):
        _groups_over(mine, context_s)
        _window(mine, context_s)


def _groups_over(mine: list[Said], context_s: float) -> None:
    """A card read out group by group over a speaker's finals in a row, whatever is said between the groups: each
    group card data where the finals hold two or more of them (a few at most between them). Two ways of saying
    groups make such a run, and each is judged by what tells it from another number:

    - said digit by digit at the start of each final ("Four seven five seven, one one six one, okay." "Seven nine
      three seven, got it": a speaker taking down or reading back a card), one group or more per final: the way of
      saying is the evidence; the run begins as an issued card does, 19 digits at most, and is not a number named
      as another thing first ("Номер заказа: четыре два три четыре, так, ...");
    - said alone as numbers, one per number said (an elderly caller's asides: "The first lot is 4531, the light
      isn't good." | "Then it's 6807. ... Then 0444." | "And the very last ones are 5781."): only the check digit
      tells a card from a flight's or a PIN's, so the groups must together pass the Luhn check at a length their
      scheme issues, beginning as an issued card does. A number named as another thing, an amount, a date or years
      break the run."""
    dictated: list[tuple[Said, list[Item]]] = []  # the finals in a row beginning with groups said digit by digit
    alone: list[tuple[Said, list[Item]]] = []  # the groups said alone, in order, over finals near each other
    for said in mine:
        folded = fold(said.text)
        found = chains(folded, items(said.text))
        groups = _dictated_groups(folded, found)
        if dictated and (not groups or said.start_s - dictated[-1][0].end_s > context_s):
            _card_dictated(dictated)
            dictated = []
        if groups:
            dictated.append((said, groups))
        if alone and said.start_s - alone[-1][0].end_s > context_s:
            _card_checked(alone)
            alone = []
        for chain in found:
            group = len(chain) == 1 and len(chain[0].digits) == READ_BACK_DIGITS
            if not group or other_number(folded, chain, NOTHING) or paid(folded, chain):
                _card_checked(alone)
                alone = []
                continue
            alone.append((said, chain))
    _card_dictated(dictated)
    _card_checked(alone)


def _dictated_groups(folded: str, found: list[list[Item]]) -> list[Item]:
    """The items of the groups of four digits said one by one (in words) that a final begins with, or []."""
    if not found or len(words_in(folded[: found[0][0].start])) > LEAD_WORDS:
        return []
    chain = found[0]
    one_by_one = all(i.spoken and len(i.digits) == 1 for i in chain)
    return chain if one_by_one and all(len(g) == READ_BACK_DIGITS for g in said_groups(chain)) else []


def _card_dictated(run: list[tuple[Said, list[Item]]]) -> None:
    """The groups of :func:`_groups_over` said digit by digit, masked as a card's pieces where they make one."""
    digits = "".join(i.digits for _, g in run for i in g)
    named = run and named_before(fold(run[0][0].text), run[0][1][0].start) == OTHER
    if len(run) < 2 or len(digits) > CARD_DIGITS[1] or not issued(digits) or named:
        return
    for owner, group in run:
        whole = whole_span(group)
        if not any(x.kind == CARD for x in owner.spans if overlaps(whole, [x])):
            owner.open.append(whole)  # a piece of a card being said: the next piece goes on with it
            put_span(owner, whole)


def _card_checked(groups: list[tuple[Said, list[Item]]]) -> None:
    """The groups of :func:`_groups_over` said alone that make a card, masked as its data (each run of them from its
    first)."""
    n = 0
    while n < len(groups):
        digits, end = "", 0
        for m in range(n, min(len(groups), n + CARD_DIGITS[1] // READ_BACK_DIGITS)):
            digits += groups[m][1][0].digits
            owners = {id(o) for o, _ in groups[n : m + 1]}
            if len(owners) >= 2 and issued(digits) and issued_length(digits) and luhn(digits):
                end = m + 1
        if not end:
            n += 1
            continue
        for owner, chain in groups[n:end]:
            whole = whole_span(chain)
            if not overlaps(whole, owner.spans):
                add_spans(owner, [whole])
        n = end


def _window(mine: list[Said], context_s: float) -> None:
    """The card window: once a speaker said card data in a final (a card, its expiry or its code found by any rule),
    the pieces of a card that speaker says around it while the payment goes on are the card's, whatever words are
    between them (a swap put right: "1971, oh hang on, I've swapped those round, 1791 6112 ..."; a resumption:
    "where was I, 2837, then 6428 ..."). The window covers the final with card data itself, the speaker's final just
    before it where that one ended on its digits (only fillers after: "5167 2837, uh,"), and the finals after it
    until the card, the expiry and the code have all been given and a final with none of them follows, or
    :data:`WINDOW_S` pass with no card data.

    What is taken is a card's piece: two to three groups of four digits in a row, or one group of four that repeats a
    group of the card said in the window (a resumption from the group said last). One group of four alone otherwise
    is a flight's, a PIN's, a count's as often as a card's (random pairings of a card call and an ordinary sentence
    showed it): it is left to the rules that read groups over finals with their check digit. A number named as
    another thing (an order, a phone, a reference), an amount, a date or years is never taken.

    A card begun, broken off and said again from its start is taken too, by its digits, whether in one final
    (:func:`_echo_restarted`) or from the speaker's final before (:func:`_reached_back`, the one place the window
    reaches back into a final before the card data)."""
    last_data: float | None = None  # when the window was last fed: the end of the last final with card data
    given: set[str] = set()
    groups: set[str] = set()  # the groups of four of the card said in the window
    for n, said in enumerate(mine):
        _echo_restarted(said)
        kinds = {x.kind for x in said.spans if x.kind in KINDS}
        if kinds:
            opening = last_data is None or said.start_s - last_data > WINDOW_S
            if opening:
                given, groups = set(), set()
            if n:
                groups |= _reached_back(mine[n - 1], said, groups, opening, context_s)
            given |= kinds
            last_data = said.end_s
            groups |= _card_groups(said)
            groups |= _window_groups(said, groups)
        elif last_data is not None and said.start_s - last_data <= WINDOW_S:
            if {CARD, EXPIRY, CVV} <= given:
                last_data = None  # all of it given and the talk moved on: the window closes
                continue
            groups |= _window_groups(said, groups)


def _reached_back(prev: Said, said: Said, groups: set[str], opening: bool, context_s: float) -> set[str]:
    """The number ``prev``, the speaker's final just before ``said`` (a final with card data), ends on: the card's
    where the card ``said`` holds near its start begins with it (a card broken off and said again from its start:
    "4916 33, sorry," | "from the top, 4916 3385 ...": :func:`_begun`), or, where ``said`` opens the window, where it
    is a piece of a card with only fillers after it ("5167 2837, uh,"). The groups of four masked as pieces."""
    gap_s = said.start_s - prev.end_s
    card = next((x for x in said.spans if x.kind == CARD), None)
    if card is not None and gap_s <= context_s:
        near = words_between(fold(said.text), 0, card.start) <= LEAD_WORDS + OPEN_LEAD_WORDS
        folded = fold(prev.text)
        found = chains(folded, items(prev.text))
        if near and found and len(words_in(folded[found[-1][-1].end :])) <= LEAD_WORDS:
            number = digits_of([i for i in items(said.text) if card.start <= i.start < card.end])
            _begun(prev, folded, found[-1], number)
    return _window_groups(prev, groups, tail_only=True) if opening and gap_s <= WINDOW_GAP_S else set()


def _echo_restarted(said: Said) -> None:
    """A card begun and said again from its start in one final, a few words between ("What? 8628? Okay, 8628 4471",
    "he says four nine two nine, yeah, 4929 0312"), once the card said again is masked (by any rule): the number said
    just before it is that card's data too (:func:`_begun`)."""
    folded = fold(said.text)
    for first, card in pairwise(chains(folded, items(said.text))):
        carded = any(x.kind == CARD for x in said.spans if overlaps(whole_span(card), [x]))
        if carded and words_between(folded, first[-1].end, card[0].start) <= LEAD_WORDS:
            _begun(said, folded, first, digits_of(card))


def _begun(said: Said, folded: str, chain: list[Item], card: str) -> None:
    """``chain`` masked as the card ``card`` begun where it restarts it (:func:`agentassist.privacy.restarts.restarts`,
    the rule one final is read with), unless masked already or plainly no card's (an amount, a phone, a date)."""
    whole = whole_span(chain)
    if restarts(digits_of(chain), card) and not overlaps(whole, said.spans) and not ordinary(folded, chain):
        add_spans(said, [whole])


def _card_groups(said: Said) -> set[str]:
    """The groups of four digits of the card spans ``said`` holds."""
    return {
        i.digits
        for i in items(said.text)
        if len(i.digits) == READ_BACK_DIGITS and any(x.kind == CARD and x.start <= i.start < x.end for x in said.spans)
    }


def _window_groups(said: Said, groups: set[str], tail_only: bool = False) -> set[str]:
    """Mask as card data the card's pieces in ``said`` that no span holds yet (:func:`card_window`); ``tail_only``:
    only a number the final ends on, with nothing but fillers after it. The groups of four masked so."""
    folded = fold(said.text)
    found = chains(folded, items(said.text))
    if tail_only:
        if not found or not fillers_only(folded[found[-1][-1].end :]):
            return set()
        found = found[-1:]
    taken: set[str] = set()
    for chain in found:
        # a filler heard as a digit after written groups ("5598 1971, oh hang on": "oh" read as 0) is no part of them
        while len(chain) > 1 and chain[-1].spoken and not chain[-2].spoken:
            chain = chain[:-1]
        while len(chain) > 1 and chain[0].spoken and not chain[1].spoken:
            chain = chain[1:]  # a group's name said as a number before it ("third four, 0429")
        whole = whole_span(chain)
        if len(chain) == 1 and chain[0].digits in groups and not chain[0].spoken:
            # a group of the card said again, read as a month and a year ("third group, 0298"): the card's
            said.spans = [
                Span(CARD, x.start, x.end) if x == Span(EXPIRY, whole.start, whole.end) else x for x in said.spans
            ]
        if overlaps(whole, said.spans) or not _card_piece(said.text, folded, chain, groups):
            continue
        add_spans(said, [Span(CARD, whole.start, whole.end)])
        taken |= {i.digits for i in chain}
    return taken


def _card_piece(text: str, folded: str, chain: list[Item], groups: set[str]) -> bool:
    """Whether ``chain`` reads as a piece of a card: two or three groups of four digits, or one that repeats a group
    of the card (``groups``); not named as another thing, an amount, a date, years, nor after letters (a flight's
    "BA 2491", a plate's "WX 4729")."""
    if not all(len(i.digits) == READ_BACK_DIGITS and not i.spoken for i in chain) or len(chain) > WINDOW_GROUPS:
        return False  # a whole card's digits are for the card rules to judge (its scheme, its check digit)
    if len(chain) == 1 and chain[0].digits not in groups:
        return False
    whole = whole_span(chain)
    if "/" in folded[whole.start : whole.end] or _LETTERS_BEFORE.search(text, 0, chain[0].start):
        return False  # "04/28" heard as one number: a month and a year, never a card's group
    # one group alone beginning "00" is no phone (ordinary() reads a run so): "where was I, 0032, then ..."
    other = named_before(folded, chain[0].start, NOTHING) == OTHER
    other = other or (len(chain) > 1 and other_number(folded, chain, NOTHING))
    return not (other or paid(folded, chain) or amount(chain))
