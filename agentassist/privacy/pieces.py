"""A number said across finals: whether a final's first numbers go on with the card begun in the speaker's last
finals, and where the card ends.

A card's pieces said one per final are one card where they pass the Luhn check together (:func:`across_finals`),
or, failing it, where they are said as a card is; a final's first numbers go on with the pieces
(:func:`going_on_from`) unless the final says they are something else (an expiry's or a code's cue, another
thing's number: :func:`not_going_on`, :func:`named_other`), the card was said again whole from its start
(:func:`said_again_whole`), or the speaker paused on words and what came next is plainly another number
(:func:`paused_on`, :func:`plainly_other`). A card of 19 digits whose last three were read as a code is put
right when a code is given after it (:func:`nineteen_coded`, :func:`coded_next`).
"""

from __future__ import annotations

from itertools import pairwise

from agentassist.privacy.cues import (
    CARD,
    CVV,
    EXPIRY,
    LAST_FOUR,
    OTHER,
    cues,
    says_apart,
)
from agentassist.privacy.expiry import CODE_AFTER, LONG_DIGITS, by_shape
from agentassist.privacy.held import (
    READ_BACK_DIGITS,
    Said,
    card_digits_of,
    digit_count,
    other_number,
    overlaps,
    recent_finals,
)
from agentassist.privacy.labels import amount, announced, named_before, ordinary, paid
from agentassist.privacy.restarts import restarts
from agentassist.privacy.runs import card_windows, heard_twice, homophone_opened, unchecked_window
from agentassist.privacy.said import Before, Item, Span, fold, items, luhn
from agentassist.privacy.schemes import CARD_DIGITS, UNCHECKED_DIGITS, digits_of, issued, issued_length

CODE_DIGITS = 4  # a security code's most digits (an Amex's four on the front)
_CARD_FIRST = "234569"  # a card's first digit: Mir, Amex/JCB, Visa, Mastercard, Discover, national schemes (9)


def first_piece(said: Said, folded: str, found: list[list[Item]], before: Before) -> list[Item]:
    """The number a final ends with, followed by words that say nothing of it (:func:`says_apart`), where it may be a
    card's first piece said on in the next final: 4 digits or more, fewer than a card's, beginning as an issued card
    does, not masked yet, not named as another thing nor plainly no card's (a phone, a date, an amount). The next
    final's digits join it only where together they pass the Luhn check at a length their scheme issues."""
    last = found[-1] if found else []
    digits = digits_of(last)
    if not last or not 4 <= len(digits) < CARD_DIGITS[0] or not issued(digits) or says_apart(folded[last[-1].end :]):
        return []
    if overlaps(Span(CARD, last[0].start, last[-1].end), said.spans) or other_number(folded, last, before):
        return []
    if LAST_FOUR.search(folded, 0, last[0].start):  # "the card ending in 4821": a card's end, not its first piece
        return []
    return [] if paid(folded, last) else last


def coded_next(said: Said, before: list[Said], folded: str, found: list[list[Item]], context_s: float) -> Span | None:
    """A card's last digits said on in a final that names another number its code after them ("6763 3051" |
    "4320 8529" | "526, and then 955 is the code"), where the card said in this speaker's finals before passed the
    check at 16 digits by chance: the first number, read as a code, is the card's end where the card with it
    passes the check at a length its scheme issues (one card has one code, and the code is the one named)."""
    spans = [x for x in said.spans if x.kind == CVV]
    if len(spans) < 2 or not found or spans[0].start != found[0][0].start:
        return None
    named = spans[1]
    if not (CODE_AFTER.match(folded, named.end) or any(spans[0].end <= a < named.start for a, _ in cues(CVV, folded))):
        return None
    recent = [s for s in recent_finals(before, said.start_s, context_s) if s.channel == said.channel]
    card = "".join(
        i.digits for s in recent for x in s.spans if x.kind == CARD for i in items(s.text) if x.start <= i.start < x.end
    )[-UNCHECKED_DIGITS[0] :]
    number = card + digits_of(found[0])
    if len(card) == UNCHECKED_DIGITS[0] and luhn(number) and issued_length(number) and len(number) <= CARD_DIGITS[1]:
        return Span(CARD, found[0][0].start, found[0][-1].end)
    return None


def not_going_on(folded: str, lead: list[Item], before: Before) -> bool:
    """Whether the number a final begins with is announced as an expiry or a code ("expires 12/27", "the code
    is 412") or written as a month and a year ("12/27"): not a card's next piece, however few digits it had."""
    if announced(folded, lead[0].start, before) in (EXPIRY, CVV):
        return True
    return len(lead) == 2 and by_shape(lead, frozenset()) == EXPIRY and folded[lead[0].end : lead[1].start] == "/"


def misheard_16(number: list[Item]) -> bool:
    """Whether ``number`` is 16 digits that fail the Luhn check: a misheard card's, or the first 16 of a
    19-digit one's still being said ("... nine two five five," "and then zero three six")."""
    return digit_count(number) == UNCHECKED_DIGITS[0] and not luhn(digits_of(number))


def echoes(lead: list[Item], pending: list[tuple[Said, Item]]) -> bool:
    """Whether ``lead`` says again the last digits said before (4 or more): a read-back, not the number going on."""
    digits, before = digits_of(lead), "".join(i.digits for _, i in pending)
    return len(digits) >= READ_BACK_DIGITS and before.endswith(digits)


def announced_as(folded: str, chain: list[Item], before: Before) -> str:
    """What the cue before ``chain`` announces it is (:func:`announced`), but no card's first group where it
    is a round amount ("лимит 50 000") or begins as no card does ("привязанный к карте: 8 916 ...")."""
    kind = announced(folded, chain[0].start, before)
    round_sum = amount(chain) and chain[-1].digits.endswith("00")  # not "Карта 4 044 ..." (a card written so)
    if kind == CARD and (round_sum or chain[0].digits[0] not in _CARD_FIRST or paid(folded, chain)):  # "for $59"
        return ""
    if kind != CARD and digit_count(chain) >= LONG_DIGITS:  # "the SIM card number on the back is 8944 ...": no code
        return ""
    if kind != CARD and ordinary(folded, chain):  # "скидка действует до 31.12.2026": a day's date, an amount
        return ""
    if (
        kind == CVV and digit_count(chain) > CODE_DIGITS
    ):  # "dostawa na kod 02-495": a postcode; a code cut short has fewer
        return ""
    return kind


def nineteen_coded(said: Said) -> None:
    """A 19-digit card whose first 16 digits pass the check too, read as 16 and a code ("Картка UnionPay, 6217 5143
    0553 5664 490."), where a next final gives the code ("Дійсна до 08/30, код 551."): one card has one code, so the
    19 digits said as one number are the card."""
    for card, code in pairwise(list(said.spans)):
        if card.kind != CARD or code.kind != CVV or said.text[card.end : code.start].strip():
            continue
        whole = Span(CARD, card.start, code.end)
        digits = card_digits_of(said, whole)
        if len(digits) == CARD_DIGITS[1] and luhn(digits) and issued_length(digits):
            said.spans = sorted([*(x for x in said.spans if x not in (card, code)), whole], key=lambda x: x.start)


def across_finals(
    pending: list[tuple[Said, Item]],
    said: Said,
    lead: list[Item],
    before: Before,
    checked: bool = False,
    opened: bool = False,
    coded_after: bool = False,
) -> dict[Said, list[Span]]:
    """Card numbers that begin in earlier finals and end in this one: their spans, by final (one failing
    the Luhn check where the words before its first piece, or ``before`` them, say it is a card; not with
    ``checked``: Luhn-valid ones only). With ``opened`` (the pieces before were masked as a card's as they
    came, or went on past an acknowledgement), none of a length its scheme issues no card of: the number goes
    on in the next final. With ``coded_after`` (a security code is given after), a 19-digit card first."""
    if not pending or not lead:
        return {}
    owners = [p for p, _ in pending] + [said] * len(lead)
    chain = [i for _, i in pending] + lead
    spans: dict[Said, list[Span]] = {}
    windows = card_windows(chain, across=len(pending), coded_after=coded_after)
    # "Yes. For four one." | "Double nine triple three." | ...: a homophone opening the first piece, where the card
    # passes the check from it and not from the digits after it
    if not (windows and windows[0][0] == 0) and (
        opened_by := homophone_opened(fold(owners[0].text), chain, len(pending), coded_after)
    ):
        first, windows = opened_by
        owners, chain = [owners[0], *owners], [first, *chain]
    unchecked = not windows and not checked
    if unchecked:
        windows = unchecked_window(chain, fold(owners[0].text), before, across=len(pending))
    if opened:  # "Card 4738" | "2829" | "0654" | "30": 14 digits of a Visa passing by chance, the rest to come
        windows = [(i, j) for i, j in windows if issued_length(digits_of(chain[:j]))]
    if opened and unchecked:  # "Card 4539" | "1488" | "00343" (a digit heard twice) | "6467": the rest to come
        windows = [
            (i, j) for i, j in windows if digit_count(chain[:j]) >= UNCHECKED_DIGITS[0] or not heard_twice(chain[:j])
        ]
    if windows:  # the digits said before the first (a digit heard twice, a misheard start) are the number's too
        windows = [(0, windows[0][1]), *windows[1:]]
    for i, j in windows:
        for owner in dict.fromkeys(owners[i:j]):
            mine = [chain[k] for k in range(i, j) if owners[k] is owner]
            spans.setdefault(owner, []).append(Span(CARD, mine[0].start, mine[-1].end))
    return spans


def going_on_from(pending: list[tuple[Said, Item]], lead: list[Item]) -> list[Item]:
    """The first numbers of an utterance that go on with a card number begun in the finals before and not
    yet whole (its pieces masked as they came: "my card number is 4539" then "1488"), up to 16 digits; 17 where
    a group of five is said (a group of four with a digit heard twice: "0343" | "64677")."""
    if not pending or not all(any(s.start <= i.start < s.end for s in owner.open) for owner, i in pending):
        return []
    digits = digit_count(pending)
    out: list[Item] = []
    for item in lead:
        digits += len(item.digits)
        if digits > UNCHECKED_DIGITS[0] + heard_twice([i for _, i in pending] + [*out, item]):
            break
        out.append(item)
    return out


def said_again_whole(pending: list[tuple[Said, Item]], chain: list[Item]) -> bool:
    """Whether ``chain`` is a whole card (a length its scheme issues, passing the check) that the digits said before
    it in the speaker's last finals begin (:func:`agentassist.privacy.restarts.restarts`): the card begun, broken off
    and said again from its start, not its rest (joined to them, its last group was taken for a code)."""
    digits = digits_of(chain)
    return issued_length(digits) and luhn(digits) and restarts("".join(i.digits for _, i in pending), digits)


def paused_on(
    pending: list[tuple[Said, Item]], said: Said, folded: str, found: list[list[Item]], before: Before
) -> bool:
    """Whether a final that goes on with a number begun before ends on words that say nothing of it (:func:`says_apart`:
    "так", "okay", "um, let me see", "hold on, my glasses"), all its digits one run after the pieces said ("Э-э,
    4649, э-э" | "2614 6915... так" | "И 2794."): the speaker pauses inside the number, which may go on in the
    next final (joined only where the pieces pass the Luhn check at a length their scheme issues: the words do not
    tell it from an order's number said in pieces). Not a number named as another thing or plainly no card's (a
    phone, a date), nor one already longer than a card."""
    if not pending or len(found) != 1 or says_apart(folded[found[0][-1].end :]):
        return False
    if digit_count(pending) + digit_count(found[0]) >= CARD_DIGITS[1]:
        return False
    first, chain = pending[0][0], [i for owner, i in pending if owner is pending[0][0]]
    return not other_number(fold(first.text), chain, before) and not plainly_other(folded, found[0])


def plainly_other(folded: str, piece: list[Item]) -> bool:
    """Whether ``piece``, said on after a pause inside a number, is plainly no card's (:func:`ordinary`: a phone, a
    date, an amount, years); but not one group of four alone that reads as a year ("2720 3136, um" | "2082."): a
    card's group begins so as often, and only the digits together passing the Luhn check join it."""
    year_alone = len(piece) == 1 and len(piece[0].digits) == READ_BACK_DIGITS and piece[0].digits[:2] in ("19", "20")
    return ordinary(folded, piece) and not (year_alone and not paid(folded, piece))


def named_other(folded: str, chain: list[Item], before: Before) -> bool:
    """Whether ``chain`` is named as another thing's number (a phone to call back, a request) in a final that
    names no card and answers no question for one: it does not go on with a card begun before."""
    named = named_before(folded, chain[0].start, before) == OTHER  # not a year-like group alone ("Then 1944.")
    return named and not cues(CARD, folded) and CARD not in before.asked
