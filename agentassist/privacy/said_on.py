"""Groups said on bare across finals, pieces completed, and card data named before the card.

A card's groups said on bare over several finals with no cue (:func:`groups_said_on`) are a card where their
digits make one (19 at most, a group misheard), the group said last left to the codes where it is short; a card
begun whose last pieces a later final completes is masked whole (:func:`pieces_completed`); and a code or an
expiry named by its cue in a final before the card is read again as said where card data is about
(:func:`named_before_card`).
"""

from __future__ import annotations

from itertools import pairwise

from agentassist.privacy.cues import (
    CARD,
    CVV,
    EXPIRY,
    OTHER,
    cues,
    fillers_only,
    words_said,
)
from agentassist.privacy.detect import KINDS, asks, find_spans
from agentassist.privacy.held import (
    READ_BACK_DIGITS,
    Said,
    add_spans,
    by_speaker,
    card_digits_of,
    overlaps,
    recent_finals,
    words_in,
)
from agentassist.privacy.said import Before, Item, Span, chains, fold, items, luhn
from agentassist.privacy.schemes import CARD_DIGITS, digits_of, issued_length

_ON_MOST_DIGITS = 24  # a card's groups said on bare (:func:`groups_said_on`): 19 digits and a group misheard at most
_ON_SHORT_DIGITS = 13  # ... where this many are said, a group of three digits or fewer said last is left to the codes
_NAMED_ALONE_WORDS = 5  # a code's or an expiry's final said before the card: its cue and its number, a few words
_CARD_YEARS = (15, 49)  # the years (two digits) a card's expiry may have


def named_before_card(finals: list[Said], context_s: float) -> None:
    """A code or an expiry named by its cue in a final before any card data, the card said in the speaker's next
    final ("The code's 318." | "And it runs out in March 2028. The card is 4532 ..."; "Код 318." | "Карта ..."): read
    again as said where card data is about, its cued code or expiry masked. Read alone, a bare "code" or "date" is a
    door's or a delivery's as often (a code's cue is weak with no card about)."""
    for mine in by_speaker(finals):
        for said, then in pairwise(mine):
            folded = fold(said.text)
            if any(x.kind in KINDS for x in said.spans) or then.start_s - said.end_s > context_s:
                continue
            if not any(x.kind == CARD for x in then.spans) or not (cues(CVV, folded) or cues(EXPIRY, folded)):
                continue
            # only the cue and its number ("The code's 318.", "Код 318."): a longer final with a code in it is a
            # locker's, a gate's or a voucher's as often ("код воріт 4471, цілодобово", "the locker pickup code is 604
            # 221, locker 17"), whatever is said after it
            if (
                words_said(folded) > _NAMED_ALONE_WORDS
                or len(chains(folded, items(said.text))) != 1
                or cues(OTHER, folded)
            ):
                continue
            about = find_spans(said.text, Before(frozenset(), frozenset({CARD}), True))
            add_spans(said, [x for x in about if x.kind in (CVV, EXPIRY)])


def groups_said_on(finals: list[Said], context_s: float) -> None:
    """A card named (or asked for) and begun, then said on in bare groups, each in a final of its own with nothing
    but its digits ("My card number is..." | "Four, five, 5, 6, 5, 6, 6, 5, 6" | "0 8 1 2" | "3 4 5 8." | "9 0 1 8"):
    every such group is the card's until the card is whole (a length its scheme issues, passing the check) or a
    final of either speaker names something else (an expiry, a code, another number). A recognizer under load hears
    a group's length wrong (a first group of nine digits): the groups' length is not what tells them from a code,
    their being said on, bare, after the card's first digits is. A group of three digits or fewer said last, once
    most of a card was said, is left to the rules that read codes: one card has one code, and a code kept as a card's
    digits would show its original to a role allowed to see cards'."""
    for mine in by_speaker(finals):
        card: str | None = None  # the card's digits said so far, while its groups may go on
        last: Said | None = None
        for n, said in enumerate(mine):
            found = items(said.text)
            digits = digits_of(found)
            kinds = {x.kind for x in said.spans if x.kind in KINDS}
            # a final other rules read as the card's end and its code ("6, 4, 6, 7, 6, 4, 6, 7, 6," as [CARD], [CVV])
            # keeps their reading: the card's groups were not said one a final there
            ended = CARD in kinds and len(kinds) > 1
            if card is not None and last is not None and not ended and _said_on(finals, last, said, context_s):
                joined = card + digits
                whole, completes = _card_whole(card), _card_whole(joined)
                nxt = mine[n + 1] if n + 1 < len(mine) else None
                last_said = nxt is None or not _said_on(finals, said, nxt, context_s)
                short = len(digits) < READ_BACK_DIGITS and len(card) >= _ON_SHORT_DIGITS and last_said and not completes
                # a card's length said, then a month and a year a card has ("1 2 2 8", "0429 715"): its expiry, its cue
                # unsaid
                dated = len(card) >= CARD_DIGITS[0] + 3 and _dated(found)
                if not (whole or short or dated) and len(joined) <= _ON_MOST_DIGITS:
                    span = Span(CARD, found[0].start, found[-1].end)
                    said.spans = sorted(
                        [*(x for x in said.spans if not overlaps(span, [x])), span], key=lambda x: x.start
                    )
                    card, last = joined, said
                    continue
            if card is not None and last is not None and not ended:
                _card_ends_then_more(finals, last, said, card, context_s)
            card, last = _card_begun(finals, said, context_s), said


def _card_ends_then_more(
    finals: list[Said], last: Said, said: Said, card: str, context_s: float, named: bool = True
) -> None:
    """The group that ends a card said on in bare groups, opening a final that goes on with its expiry or code
    ("Double eight one seven, and 05/28, 264." after "For five double five six." | "Double seven one two." | ...):
    read alone, the final took that group for the code and left the code after the expiry unmasked. The group is
    the card's where the card's digits with it pass the check at a length its scheme issues, or where it is a whole
    group of four more of a card not yet whole; the rest of the final is read again as what follows a card."""
    folded = fold(said.text)
    head = _head(folded, chains(folded, items(said.text)))
    if not head or said.start_s - last.end_s > context_s:
        return
    digits = digits_of(head)
    joined = card + digits
    # or a whole group more of a card not yet whole (a digit misheard or doubled on the way: "For five double five
    # six" is five digits), as the groups said bare go on; where the card was not named, only its check says
    goes_on = named and len(digits) == READ_BACK_DIGITS and not _card_whole(card) and len(joined) <= CARD_DIGITS[1]
    if len(digits) > READ_BACK_DIGITS or not fillers_only(folded[: head[0].start]):
        return
    if not (_card_whole(joined) or goes_on) or _named_between(finals, last, said):
        return
    if any(x.kind == CARD for x in said.spans if overlaps(Span(CARD, head[0].start, head[-1].end), [x])):
        return  # read so already
    end = head[-1].end
    rest = find_spans(" " * end + said.text[end:], Before(frozenset(), frozenset({CARD}), True))
    said.spans = [Span(CARD, head[0].start, end), *(x for x in rest if x.start >= end)]


def _head(folded: str, found: list[list[Item]]) -> list[Item]:
    """The number a final opens with where more numbers follow it: its first chain where another follows ("Double eight
    one seven, and 05/28, 264."), or the first chain's items before a comma where it goes on after one ("Пять шесть
    шесть, десять двадцать восемь, сто двадцать один": a group, then the expiry and the code); else []."""
    if len(found) > 1:
        return found[0]
    chain = found[0] if found else []
    cut = next((n for n, (a, b) in enumerate(pairwise(chain), 1) if "," in folded[a.end : b.start]), 0)
    return chain[:cut]


def pieces_completed(finals: list[Said], context_s: float) -> None:
    """A card said in pieces over a speaker's finals with no card named ("Четыре четыре один." | "Две девятки три
    тройки." | "Три ноля две семёрки." | "Пять шесть шесть, десять двадцать восемь, сто двадцать один."): the pieces
    masked as a card's, each ending its final, and a final that opens with the card's last group and goes on with the
    expiry and the code (:func:`_card_ends_then_more`, where the group makes the card whole, its check passing)."""
    for mine in by_speaker(finals):
        card, last = "", None
        for said in mine:
            cards = [x for x in said.spans if x.kind == CARD]
            ends = bool(cards) and said.spans[-1] is cards[-1] and fillers_only(fold(said.text)[cards[-1].end :])
            if ends and last is not None and len(said.spans) == 1 and not words_in(said.text[: cards[0].start]):
                card, last = card + card_digits_of(said, cards[0]), said  # a piece said on, a final of its own
                continue
            if last is not None and card and not _card_whole(card):
                _card_ends_then_more(finals, last, said, card, context_s, named=False)
            card, last = (card_digits_of(said, cards[-1]), said) if ends else ("", None)


def _dated(found: list[Item]) -> bool:
    """Whether a final's digits open with a month and a year a card has, said as a group of four ("0429") or digit
    by digit ("1 2 2 8")."""
    head = found[0].digits if len(found[0].digits) == READ_BACK_DIGITS else ""
    if not head and all(len(i.digits) == 1 for i in found[:READ_BACK_DIGITS]):
        head = digits_of(found[:READ_BACK_DIGITS])
    return (
        len(head) == READ_BACK_DIGITS and 1 <= int(head[:2]) <= 12 and _CARD_YEARS[0] <= int(head[2:]) <= _CARD_YEARS[1]
    )


def _card_begun(finals: list[Said], said: Said, context_s: float) -> str | None:
    """The digits of the card ``said`` ends on, where a card is named or asked for in it or a little before it and
    only fillers follow the card's span; else None."""
    cards = [x for x in said.spans if x.kind == CARD]
    folded = fold(said.text)
    if not cards or not fillers_only(folded[cards[-1].end :]) or said.spans[-1] is not cards[-1]:
        return None
    named = any(a < cards[0].start for a, _ in cues(CARD, folded))
    recent = recent_finals(finals, said.start_s, context_s)
    named = named or any(cues(CARD, fold(s.text)) or CARD in asks(s.text) for s in recent[-3:])
    if not named:
        return None
    return digits_of([i for i in items(said.text) if any(x.start <= i.start < x.end for x in cards)])


def _said_on(finals: list[Said], last: Said, said: Said, context_s: float) -> bool:
    """Whether ``said`` is a bare group said on after ``last`` by its speaker: only digits and fillers in it, a little
    after ``last``, and no final of either speaker between them names or asks for another thing."""
    found = items(said.text)
    folded = fold(said.text)
    if not found or said.start_s - last.end_s > context_s:
        return False
    # a group or a card's groups: one number, digits said one by one ("0 8 1 2", "3, 4, 5, 8."), numbers of three
    # digits or more ("0343 6468"); not a month and a year and the code ("12 27, 737.")
    if len(found) > 1 and not all(len(i.digits) == 1 for i in found) and any(len(i.digits) < 3 for i in found):
        return False
    rest = "".join(folded[a.end : b.start] for a, b in pairwise(found)) + folded[: found[0].start]
    if not fillers_only(rest + " " + folded[found[-1].end :]):
        return False
    return not _named_between(finals, last, said, asked=True)


def _card_whole(digits: str) -> bool:
    """Whether ``digits`` are a whole card: 15 digits or more (a 13-digit Visa is rare, and a 12-digit Maestro's
    length is a card's first groups' as often), a length its scheme issues, passing the check."""
    return len(digits) >= CARD_DIGITS[0] + 2 and issued_length(digits) and luhn(digits)


def _named_between(finals: list[Said], last: Said, said: Said, asked: bool = False) -> bool:
    """Whether a final of either speaker between ``last`` and ``said`` names an expiry, a code or another number by
    its cue (or, ``asked``, asks for one)."""
    kinds = (EXPIRY, CVV, OTHER)
    return any(
        any(cues(k, fold(s.text)) for k in kinds) or (asked and bool(asks(s.text) & set(kinds)))
        for s in finals
        if last.start_s < s.start_s < said.start_s
    )
