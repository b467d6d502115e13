"""A card number said in parts with a pause, a filler, a correction or an aside between them (:func:`interrupted`).

The parts together (or with the last groups said again in place of those before) must pass the Luhn check, and
each piece must be said as a card's group is (:func:`_group_like`): not a count closing a sentence, an amount, a
number with a suffix or another thing's number; the last part may run on into the expiry and the code, its first
groups then end the card.
"""

from __future__ import annotations

import re

from agentassist.assist.numbers import is_number_word
from agentassist.privacy.cues import (
    CARD,
    CORRECTION,
    FILLER,
    OTHER,
    cues,
    says_apart,
    says_other,
    words_said,
)
from agentassist.privacy.expiry import (
    UNIT,
    counts,
)
from agentassist.privacy.labels import CENTS, amount, named_before, number_headed, ordinary, paid
from agentassist.privacy.restarts import ASIDE_WORDS, SLASHED
from agentassist.privacy.runs import LAST_DIGITS, card_said, unchecked_window
from agentassist.privacy.said import (
    Before,
    Item,
    last_cue,
)
from agentassist.privacy.schemes import CARD_DIGITS, digits_of

_HALF_DIGITS = 6  # a card said in two halves: 6 digits or more each (8 as two groups of four most often)
_HALVES_ASIDE_WORDS = 20  # ... with an aside of this many words at most between them (a name on the card, a pause)
# a count (3 digits at most) and one word, the noun it counts, closing a sentence: "four tickets. ", "два билета."
_COUNTED = re.compile(r" ([^\W\d_]+)[.!?](?:\s|$)")
_COUNT_MOST = 3
_GAP_WORDS = 4  # "4891 5860, сейчас, очки надену, 6255 0076": a pause in a card number takes this many words
_OR = re.compile(r"\b(?:or|или|або|чи|lub|albo)\b")  # "600 123 456 or 601 234 567": two numbers


def interrupted(
    found: list[list[Item]], runs: list[list[tuple[int, int]]], folded: str, before: Before
) -> list[list[Item]]:
    """Chains that are one card number said in parts with a few words between them: a pause or a filler
    ("4891 5860, сейчас, очки надену, 6255 0076"), or a correction that says its last groups again
    ("4352 3068 2012, ой, нет, 2102 8476"; the retracted part is card data said too). The parts together
    pass the Luhn check, begin as an issued card does and hold no card number of their own (``runs``: each
    chain's, :func:`card_runs`)."""
    out: list[list[Item]] = []
    # (a run that takes in a month and a year written with a slash is no card's: "5891 2080, 08/28, 659" passing the
    # check to the code by chance is a piece, the expiry and the code after it)
    alone = [
        not [r for r in chain_runs if not SLASHED.search(folded, chain[r[0]].start, chain[r[1] - 1].end)]
        and not amount(chain)
        and not _other_piece(folded, chain)
        and not _count_closing(folded, chain)
        and not _counting(folded, chain)
        for chain, chain_runs in zip(found, runs, strict=True)
    ]
    for a, first in enumerate(found):
        named = named_before(folded, first[0].start, before)
        named = "" if named == OTHER and number_headed(folded, first[0].start) else named
        if not alone[a] or any(first[0] is c[0] for c in out) or named == OTHER:
            continue
        # a digit misheard fails the check: a card named or asked for before, or said a little before in
        # the call, and a card's length (16, or an Amex's 15) are evidence enough
        carded = named == CARD or before.carded or CARD in before.asked
        parts = [first]
        for b in range(a + 1, len(found)):
            gap = (found[b - 1][-1].end, found[b][0].start)
            # a longer aside ("4891 5860, hold on, I have to find my glasses, 6255 0076") is a pause too, where its
            # words say nothing of the number (says_apart) and the digits joined make a card by themselves
            # (fillers are no words: "4326, um, er, hmm, 2470" is said on at once)
            far = words_said(folded[gap[0] : gap[1]]) > _GAP_WORDS
            # ... between two card-like pieces (4 digits or more each, as a card's groups are said; not a time, an
            # ordinal, an amount), with nothing before the first but what began there
            pieces = (found[b - 1], found[b])
            grouped = len(parts) == 1 and all(digits_of(p) and len(digits_of(p)) >= 4 for p in pieces)
            grouped = grouped and not any(ordinary(folded, p) or amount(p) or _suffixed(folded, p) for p in pieces)
            # two halves of a card (6 digits or more each, a card's length together: "4556 4744, then my name ...,
            # no, the number goes on, 2391 4735") are the digits' to join over a longer aside, a correction's "no"
            # in it (about what was said between); not one taking the first back ("that was the old one")
            halves = grouped and all(len(digits_of(p)) >= _HALF_DIGITS for p in pieces)
            halves = halves and CARD_DIGITS[0] <= len(digits_of(pieces[0]) + digits_of(pieces[1])) <= CARD_DIGITS[1]
            aside = words_said(folded[gap[0] : gap[1]])
            apart = far and (
                not grouped
                or aside > (_HALVES_ASIDE_WORDS if halves else ASIDE_WORDS)
                or (says_other if halves else says_apart)(folded[gap[0] : gap[1]])
            )
            if not alone[b] or apart or _OR.search(folded, *gap):
                break
            if last_cue(cues(OTHER, folded), gap[1]) > gap[0]:  # "ending in 3025, the order is 4521 ...": another's
                break
            parts.append(found[b])
            said = [i for p in parts[:-1] for i in p]
            again = (1, 2) if CORRECTION.search(folded, *gap) and not far else ()  # the last groups said again
            cut = [_group_items(parts[-2], k) for k in again]  # groups, not items: "cztery cztery pięć trzy" is one
            readings = [said + parts[-1]] + [said[:-k] + parts[-1] for k in cut if len(parts[-2]) > k]
            # a card read digit by digit in two runs joined by a few words ("five two ..., and then six four ..."),
            # failing the check (a digit heard twice): as one run of single digits would be (:func:`unchecked_window`)
            spelled = not far and all(i.spoken and len(i.digits) == 1 for p in parts for i in p)
            if any(card_said(r, folded, carded and not far, far) for r in readings) or (
                spelled and unchecked_window(said + parts[-1], folded, before)
            ):
                out += parts
                break
            # the last part may run on into the expiry and the code with only commas between ("4326, um, 2470, um,
            # 6808 7325, 01/28, 461"; "4310 6545 0981, no hang on, 1890 6731, 05/29, 678"): its first groups end
            # the card where the parts with them pass the Luhn check (the check alone: nothing else says where the
            # card ends), the rest is read as what follows a card; every part said as a card's groups are (4 digits
            # or more, not a time, an amount or a count: "на 6 людей на 19:30")
            if all(_group_like(folded, p) for p in parts) and (end := _card_prefix(said, parts[-1], cut, folded, far)):
                out += [*parts[:-1], parts[-1][:end]]
                break
    return out


def _group_like(folded: str, piece: list[Item]) -> bool:
    """Whether ``piece`` is said as a card's groups are: 4 digits or more, not an amount, a time or an ordinal (a
    group may begin with zeros: "0051 4326")."""
    return len(digits_of(piece)) >= LAST_DIGITS and not (
        paid(folded, piece) or amount(piece) or _suffixed(folded, piece)
    )


def _card_prefix(said: list[Item], last: list[Item], cut: list[int], folded: str, far: bool) -> int:
    """How many of ``last``'s first items end a card number said in parts before it (``said``, or it less its last
    ``cut`` items, groups said again): the most that pass the Luhn check at a card's length, with items left after
    them (0: none)."""
    for end in range(len(last) - 1, 0, -1):
        head = last[:end]
        readings = [said + head] + [said[:-k] + head for k in cut if len(said) > k]
        if any(card_said(r, folded, False, far) for r in readings):
            return end
    return 0


def _other_piece(folded: str, piece: list[Item]) -> bool:
    """Whether ``piece`` is plainly no piece of a card said in parts: an amount (a currency sign before it, a unit
    after it: "£70", "300 zł"), a count ("in 14 days", "3 hours"), or digits run on from letters ("ZY40318279",
    "AB12"): a reference's or a plate's, which a recognizer writes so and a card's group never is; or a time's
    minutes after a colon ("19:30"); or a phone's country code after a plus ("+7 903 215 48 60"), which no card has."""
    before = folded[piece[0].start - 1] if piece[0].start else " "
    counted = folded[piece[-1].end : piece[-1].end + 1] == " " and UNIT.match(folded, piece[-1].end)
    return (
        paid(folded, piece)
        or bool(counted)
        or before.isalpha()
        or before in ":+"
        or bool(CENTS.fullmatch(folded, *_extent(piece)))
    )


def _count_closing(folded: str, piece: list[Item]) -> bool:
    """Whether ``piece`` is a count with the noun it counts closing the sentence ("Planetarium, four tickets. Five
    one ...", "два билета.", "dwa bilety."): how many, no part of a card said after it."""
    counted = _COUNTED.match(folded, piece[-1].end)
    return (
        len(digits_of(piece)) <= _COUNT_MOST
        and counted is not None
        and not is_number_word(counted.group(1))
        and not FILLER.fullmatch(counted.group(1))
    )


def _counting(folded: str, piece: list[Item]) -> bool:
    """Whether ``piece`` is a small count said with the noun it counts right after it ("for 2 adults and 3 children,
    4 nights", "на 2 взрослых и 3 детей", "dla 2 dorosłych"): how many of a thing, no part of a card said in parts
    (a booking's counts, joined, pass the Luhn check one time in ten). Written in digits: a card read in words says
    its digits with words of its own after them ("three five, six twice, ...")."""
    written = not any(i.spoken for i in piece)
    return written and len(digits_of(piece)) <= _COUNT_MOST and counts(folded, piece[-1].end)


def _extent(piece: list[Item]) -> tuple[int, int]:
    return piece[0].start, piece[-1].end


def _suffixed(folded: str, piece: list[Item]) -> bool:
    """Whether a letter or a colon follows ``piece`` right after its last digit ("12th", "14:35"): no card's group."""
    return piece[-1].end < len(folded) and (folded[piece[-1].end].isalpha() or folded[piece[-1].end] == ":")


def _group_items(chain: list[Item], groups: int) -> int:
    """How many items the last ``groups`` groups of ``chain`` hold (digits said as words with only spaces
    between are one group: "four four five three")."""
    starts = [n for n, i in enumerate(chain) if n == 0 or not i.joined]
    return len(chain) - starts[-groups] if len(starts) >= groups else len(chain)
