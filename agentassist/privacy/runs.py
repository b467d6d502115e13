"""Runs of digits: which runs of one chain of numbers said are a card number (:func:`card_runs`).

A run of 13 to 19 digits passing the Luhn check is a card (:func:`card_windows`, the likeliest length first where
a code follows); one failing it is a card's only where it is said as a card is (:func:`said_as_card`,
:func:`unchecked_window`: a scheme's first digit, a few groups or digit by digit, named as a card or as nothing
else) or where a group of five holds a digit heard twice (:func:`heard_twice`). What the words around the run
say is :mod:`agentassist.privacy.labels`'; an expiry written after it tells a card's end.
"""

from __future__ import annotations

import re

from agentassist.privacy.cues import (
    CARD,
    CVV,
    DOCUMENT,
    EXPIRY,
    NOT_CARD,
    OTHER,
    cues,
)
from agentassist.privacy.expiry import (
    month_and_year,
)
from agentassist.privacy.labels import document_after, document_named, named_before, number_headed, ordinary
from agentassist.privacy.said import (
    CONTEXT_WORDS,
    NOTHING,
    Before,
    Item,
    homophone_before,
    luhn,
    words_between,
)
from agentassist.privacy.schemes import (
    CARD_DIGITS,
    NO_CARD,
    UNCHECKED_DIGITS,
    digits_of,
    issued,
    issued_length,
    likeliest_length,
)

# ... where a group of five is said in a card read in fours (a digit heard twice: "4716 2385 90331 7759"): 17
# before a whole card of a rarer length and a code after it
_HEARD_TWICE_DIGITS = (16, 15, 17, 14, 13, 19, 18)
_HEARD_TWICE_GROUP = 5
_UNCHECKED_GROUPS = 8  # said with no cue, a card is read in at most this many groups (16 digits in pairs),
# or digit by digit
_CARD_FIRST = "23456"  # Mir, Amex/Diners/JCB, Visa, Mastercard/Maestro, Discover/UnionPay (not 0, 1, 8, 9: phones)
# a payment card's number named as such, or a scheme's name: more than a card as a thing ("the card they left")
_CARD_NUMBER = re.compile(
    r"\b(?:card (?:number|no|details)|(?:credit|debit|payment|bank) card|visa|mastercard|master card|amex|maestro"
    r"|american express|номер\w* карт\w*|карт\w* номер|номер\w* картк\w*|картк\w* номер|(?:кредитн|дебетов|банковск"
    r"|банківськ)\w* карт\w*|виза|віза|мастеркард\w*|numer\w* kart\w*|kart\w* (?:kredytow|debetow|platnicz)\w*)\b"
)
# "4693 ... 6475, 04/29", "..., до 04/29": an expiry written right after a number, "until" before it or not
_SLASHED_AFTER = re.compile(
    r"[\s,;]+(?:(?:до|do|until|till|thru|through)\s+)?(?:0?[1-9]|1[0-2])/(?:\d{2}|20\d{2})(?!\d)"
)
LAST_DIGITS = 4  # "the last four are 6467": a card's last group said again
_CODE_BEFORE = re.compile(r"(?:[^\W\d_]+\d|\d+[^\W\d_])\w*(?:[\s\-]+\w+)?[\s\-]*$")  # letters and digits mixed


def card_windows(chain: list[Item], across: int | None = None, coded_after: bool = False) -> list[tuple[int, int]]:
    """Non-overlapping runs ``[i, j)`` of whole items that form a Luhn-valid card number, the likeliest
    lengths first (16 digits before a 19-digit run that took in the expiry date by chance); with
    ``across``, only runs that take an item before that index and one at it or after (a number said
    across two utterances), those from the first digit said first (a UnionPay's 19 digits, not 16 of them
    that pass the check by chance); with ``coded_after`` (a security code is named after the chain), a
    19-digit run first: its last three digits are no code, the code is the one named."""
    lo, hi = CARD_DIGITS
    found: list[tuple[int, int]] = []
    candidates = []
    broken = _broken_off(chain)
    for i in range(len(chain)):
        digits = ""
        for j in range(i, len(chain)):
            digits += "" if j in broken else chain[j].digits
            if len(digits) > hi:
                break
            # no card number begins with 0 (ISO/IEC 7812: industry 0 issues none): a run from such a group
            # passing the check is a piece of a longer number ("6262 | 0977 ... 135": 15 of 19 digits)
            # nor with 7 or 89 (industries issuing none: a loyalty scheme's, a SIM's ICCID, Luhn-valid by design)
            if (
                len(digits) >= lo
                and digits[0] != "0"
                and not NO_CARD.match(digits)
                and luhn(digits)
                and j not in broken
                and (across is None or i < across <= j)
            ):
                candidates.append((likeliest_length(digits, coded_after), i, j + 1))
    # a run that ends inside a group said as one ("... пять | семь четыре семь"): a card read aloud ends
    # where a group does, so such a run passing the check is a chance, after those that end at a group's end;
    # across finals, where the group goes on in the next, none at all
    cut = {(i, j): j < len(chain) and chain[j].joined for _, i, j in candidates}
    if across is not None:
        candidates = [c for c in candidates if not cut[c[1], c[2]]]
    # a run from the chain's first group before one that leaves it out ("4507 | 3395 ... 453": 15 of 19 digits
    # pass by chance), from the group said again where the first is ("4920, 4920 1133 ..."); across finals, that first
    first = _restarted_at(chain)
    for _, i, j in sorted(
        candidates, key=lambda c: (across is not None and c[1] > 0, cut[c[1], c[2]], c[1] != first, c)
    ):
        if all(j <= a or i >= b for a, b in found):
            found.append((i, j))
    return sorted(found)


def _broken_off(chain: list[Item]) -> set[int]:
    """The items of ``chain`` that are a group begun, broken off and said again whole right after ("5200 66, 6643
    1981 ...": "66" of "6643"): fewer digits than a group, the next item a group that begins with them. A card's
    digits are read without them (the span still covers them: they were said)."""
    return {
        k
        for k in range(len(chain) - 1)
        if 0 < len(chain[k].digits) < LAST_DIGITS <= len(chain[k + 1].digits)
        and chain[k + 1].digits.startswith(chain[k].digits)
        and not chain[k + 1].joined
    }


def _restarted_at(chain: list[Item]) -> int:
    """Where a chain's first group is said again right after it, the item it is said again at ("4920, 4920 1133,
    5807 2643": a restart on the first group, the card read from there, not 16 digits from the first and the last
    group taken for a code where both pass the check); else 0. A group is four digits or more."""
    for r in range(1, len(chain) // 2 + 1):
        said = digits_of(chain[:r])
        if len(said) >= LAST_DIGITS:
            return r if digits_of(chain[r : 2 * r]) == said else 0
    return 0


def homophone_opened(
    folded: str, chain: list[Item], across: int, coded_after: bool = False
) -> tuple[Item, list[tuple[int, int]]] | None:
    """A card said over finals whose first piece a homophone of a digit opens ("Yes. For four one." | "Double nine
    triple three." | ...; ``chain`` the pieces' items, ``across`` of them said before the last final): the homophone's
    item and the card windows of the chain read with it, where a card passes the check from it at a length its scheme
    issues; else None (whether "For" is a 4 only the whole card's digits tell)."""
    first = homophone_before(folded, chain[0].start)
    if first is None:
        return None
    said_first = [first, *chain]
    windows = [w for w in card_windows(said_first, across=across + 1, coded_after=coded_after) if w[0] == 0]
    return (first, windows) if windows and issued_length(digits_of(said_first[: windows[0][1]])) else None


def unchecked_window(
    chain: list[Item], folded: str, before: Before = NOTHING, across: int | None = None
) -> list[tuple[int, int]]:
    """The run ``[0, j)`` of a chain that is a card number failing the Luhn check, if what is said says
    it is one (see the module's docstring); ``across`` as in :func:`card_windows`."""
    ends: dict[int, int] = {}
    digits = 0
    for j, item in enumerate(chain, start=1):
        digits += len(item.digits)
        if digits > CARD_DIGITS[1]:
            break
        ends.setdefault(digits, j)
    lengths = _HEARD_TWICE_DIGITS if 17 in ends and heard_twice(chain[: ends[17]]) else UNCHECKED_DIGITS
    j = next((ends[n] for n in lengths if n in ends and (across is None or across < ends[n])), 0)
    if (
        not j
        or chain[0].digits[0] == "0"
        or NO_CARD.match(chain[0].digits)
        or not said_as_card(folded, chain[:j], before)
    ):
        return []
    return [(0, j)]


def heard_twice(run: list[Item]) -> bool:
    """Whether ``run`` (a card number's digits so far) has a group of five in a card read in fours: a digit heard
    twice ("0343" as "03433"); not an American Express's 4-6-5."""
    digits = "".join(i.digits for i in run)
    return digits[:2] not in ("34", "37") and any(len(i.digits) == _HEARD_TWICE_GROUP for i in run)


def said_as_card(folded: str, run: list[Item], before: Before = NOTHING) -> bool:
    """Whether the words around ``run`` (13-19 digits failing the Luhn check; ``folded``: the text it
    starts in) say it is a card number."""
    if NO_CARD.match(run[0].digits):
        return False
    named = named_before(folded, run[0].start, before)
    if named:
        return named == CARD
    grouped = _groups(run) <= _UNCHECKED_GROUPS or all(len(i.digits) == 1 for i in run)
    coded = _CODE_BEFORE.search(folded[: run[0].start])  # "GB29 NWBK 6016 ...", "1Z 999 AA1 0123 ...": an identifier
    return grouped and run[0].digits[0] in _CARD_FIRST and not coded and not ordinary(folded, run)


def _groups(run: list[Item]) -> int:
    """How many groups ``run`` is said in: numbers said as words with only spaces between are one ("thirty
    seven fifty, ..."); digits are each a group ("4111 1111" is two)."""
    return 1 + sum(not i.joined for i in run[1:])


def card_runs(chain: list[Item], folded: str, before: Before) -> list[tuple[int, int]]:
    """The card numbers of a chain: its Luhn-valid runs, but not a date or a phone; or the run said as a
    card that holds them all (a misheard card number may hold a shorter run that passes Luhn by chance:
    "five | three seven five ... three two", 15 digits of 16)."""
    coded_after = any(a >= chain[-1].end for a, _ in cues(CVV, folded))  # "..., 280. Code 134."
    # or the expiry's cue right after it: the code comes after the expiry ("6212 ... 9378 055, valid till 08/29": the
    # 19 digits are the card, not 16 of them and a code said before its expiry)
    coded_after = coded_after or any(
        a >= chain[-1].end and words_between(folded, chain[-1].end, a) <= CONTEXT_WORDS for a, _ in cues(EXPIRY, folded)
    )
    windows = [(i, j) for i, j in card_windows(chain, coded_after=coded_after) if not ordinary(folded, chain[i:j])]
    named = named_before(folded, chain[0].start, before)
    if named != CARD and document_after(folded, chain[-1].end) and not _payment_card_named(folded):
        return []  # "4461 ..., that's the tracking number": a document's, named after it
    if named == OTHER:  # "DPD tracking number 1550 6023 7781 42"
        long = sum(len(i.digits) for i in chain) > CARD_DIGITS[1]  # "my account is 6110 9010 ... 74": all of it
        # "policy number 4021 ...": a document's number, unless a card's number is named too; a card said only as
        # what the number is printed on ("the parcel number on the card they left") does not make it a card's
        document = document_named(folded, chain[0].start) or _document_asked(folded, chain, before)
        document = document and not _payment_card_named(folded)
        # ... but another thing named only in a sentence before, as what the call is about ("Билеты на Тоску. 4693 1940
        # 2418 6475, срок 11/27, код 512"), names no number said after it: a card's length passing the check, an
        # expiry or a code right after it, is a card's
        headed = number_headed(folded, chain[0].start)
        windows = [
            (i, j)
            for i, j in windows
            if issued(digits_of(chain[i:j]))
            and (
                (not long and not document)
                or (headed and len(digits_of(chain[i:j])) >= 16 and _data_after(folded, chain[j - 1].end))
            )
        ]
    elif named != CARD and not (before.said or before.asked & {CARD, EXPIRY, CVV}):
        windows = [(i, j) for i, j in windows if issued(digits_of(chain[i:j]))]  # "ТТН 2045 0871 2366 45"
    wide = unchecked_window(chain, folded, before)
    if wide and all(wide[0][0] <= i and j <= wide[0][1] for i, j in windows) and not _dated_after(chain, windows, wide):
        return wide
    return windows


def _dated_after(chain: list[Item], windows: list[tuple[int, int]], wide: list[tuple[int, int]]) -> bool:
    """Whether a run passing the check at a length its scheme issues is followed, past the end of the ``wide`` run
    read as a misheard card, by a month and a year ("Diners, 3614 820573 9167, 04-30": a card of 14 digits and its
    expiry, not 16 digits heard wrong)."""
    end = wide[0][1]
    return any(
        j < end and issued_length(digits_of(chain[i:j])) and any(month_and_year(chain[j:k]) for k in range(end, j + 4))
        for i, j in windows
    )


_CLUB = re.compile(r"club|клуб|klub")


def _document_asked(folded: str, chain: list[Item], before: Before) -> bool:
    """Whether ``chain`` answers a question for a document's number ("What's the tracking number?" | "4461 ..."),
    said as the final opens, where no card data was asked for or said: that number, though it passes the check."""
    if DOCUMENT not in before.asked or before.said or before.asked & {CARD, EXPIRY, CVV}:
        return False
    return words_between(folded, 0, chain[0].start) <= CONTEXT_WORDS


def _payment_card_named(folded: str) -> bool:
    """Whether ``folded`` names a payment card's number: not a loyalty scheme's, a member's or a gift card's, whose
    noun is a card's too ("numer karty lojalnościowej 6362 ...", "my rewards card number is ...", "номер бонусной
    карты": the scheme's own number, Luhn-valid by chance or by design, named so)."""
    # a club's card may be a payment card too (a co-branded Visa: "номер карты клуба 4541 ..."): only a scheme's,
    # a member's, a gift's and the like say it is none
    other = [m.span() for m in NOT_CARD.finditer(folded) if not _CLUB.search(m.group())]
    return any(not any(a < m.end() and m.start() < b for a, b in other) for m in _CARD_NUMBER.finditer(folded))


def _data_after(folded: str, end: int) -> bool:
    """Whether an expiry's or a security code's cue opens within a few words after ``end`` ("..., действует до",
    "..., valid thru", "..., CVV"; a bare "code" too: a card's data follows in the same breath), or an expiry written
    as a month and a year with a slash ("..., 04/29")."""
    if _SLASHED_AFTER.match(folded, end):
        return True
    return any(
        a >= end and words_between(folded, end, a) <= CONTEXT_WORDS
        for kind in (EXPIRY, CVV)
        for a, _ in cues(kind, folded)
    )


def card_said(run: list[Item], folded: str, carded: bool = False, scheme: bool = False) -> bool:
    """Whether ``run`` is a card number: Luhn-valid, or (``carded``: a card is about) a card's length; with
    ``scheme``, Luhn-valid at a length its scheme issues only (nothing but the digits says it is a card)."""
    digits = "".join(i.digits for i in run)
    lo, hi = CARD_DIGITS
    checked = luhn(digits) or (carded and (len(digits) == 16 or (len(digits) == 15 and digits[:2] in ("34", "37"))))
    checked = checked and (not scheme or issued_length(digits))
    return lo <= len(digits) <= hi and checked and issued(digits) and not ordinary(folded, run)
