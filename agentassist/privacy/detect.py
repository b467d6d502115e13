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

Everything here is pure: text in, spans out (:func:`find_spans`); the call's state (numbers said over
several utterances) is :mod:`agentassist.privacy.redactor`'s, which tells what was said just before as a
:class:`~agentassist.privacy.said.Before`.
"""

from __future__ import annotations

import re
from itertools import pairwise

from agentassist.assist.numbers import is_number_word
from agentassist.privacy.cues import (
    CARD,
    CORRECTION,
    CURRENCY,
    CVV,
    DOCUMENT,
    EXPIRY,
    FILLER,
    LAST_FOUR,
    NOT_CARD,
    OTHER,
    OTHER_CUE,
    PAYING,
    SENTENCE_END,
    asked_for,
    code_cues_named,
    cues,
    named_things,
    says_apart,
    says_other,
    words_said,
)
from agentassist.privacy.expiry import (
    CORRECTION_WORDS,
    UNIT,
    code_items,
    counts,
    expiries_and_codes,
    month_and_year,
    months_said,
)
from agentassist.privacy.memo import reads, remembered
from agentassist.privacy.said import (
    CONTEXT_WORDS,
    JOIN,
    NOTHING,
    PHONE_PREFIX,
    Before,
    Item,
    Span,
    chains,
    cue_before,
    fold,
    homophone_before,
    items,
    last_cue,
    luhn,
    words_between,
)

KINDS = (CARD, EXPIRY, CVV)
CARD_DIGITS = (13, 19)  # ISO/IEC 7812 primary account numbers: 13 (old Visa) to 19 digits
# a card number failing the Luhn check: its likeliest lengths first (16: Visa, Mastercard, Mir; 15: Amex)
UNCHECKED_DIGITS = (16, 15, 14, 13, 19, 18, 17)
# ... where a group of five is said in a card read in fours (a digit heard twice: "4716 2385 90331 7759"): 17
# before a whole card of a rarer length and a code after it
_HEARD_TWICE_DIGITS = (16, 15, 17, 14, 13, 19, 18)
_HEARD_TWICE_GROUP = 5
_UNCHECKED_GROUPS = 8  # said with no cue, a card is read in at most this many groups (16 digits in pairs),
# or digit by digit
_CARD_FIRST = "23456"  # Mir, Amex/Diners/JCB, Visa, Mastercard/Maestro, Discover/UnionPay (not 0, 1, 8, 9: phones)
_CARD_CUE_WORDS = 5  # "my card number is, um, 4539 ...": a card's cue reaches further (13+ digits follow)
# ... and the national schemes beginning with 8 or 9: ПРОСТІР (9804), Humo (9860), Uzcard (8600), Belkart (9112)
_ISSUED = re.compile(r"220[0-4]|222[1-9]|22[3-9]\d|2[3-6]\d\d|27[01]\d|2720|[3-6]|9804|9860|8600|9112")
# Maestro's own ranges (no other scheme issues there): 5018, 5020, 5038, 5893, 6304, 6759, 6761-6763
# industries that issue no payment card (ISO/IEC 7812): 7 petroleum and loyalty schemes, 89 telecommunications (a
# SIM's ICCID): a number beginning so is no card whatever names it ("my Clubcard number", "the SIM on the card holder")
_NO_CARD = re.compile(r"7|89")
# a payment card's number named as such, or a scheme's name: more than a card as a thing ("the card they left")
_CARD_NUMBER = re.compile(
    r"\b(?:card (?:number|no|details)|(?:credit|debit|payment|bank) card|visa|mastercard|master card|amex|maestro"
    r"|american express|номер\w* карт\w*|карт\w* номер|номер\w* картк\w*|картк\w* номер|(?:кредитн|дебетов|банковск"
    r"|банківськ)\w* карт\w*|виза|віза|мастеркард\w*|numer\w* kart\w*|kart\w* (?:kredytow|debetow|platnicz)\w*)\b"
)
_SLASHED = re.compile(r"(?:(?<=\A)|(?<=[\s,;]))[\s,;]*(?:0?[1-9]|1[0-2])/(?:\d{2}|20\d{2})(?!\d)")  # "06/28", "1/2029"
# "4693 ... 6475, 04/29", "..., до 04/29": an expiry written right after a number, "until" before it or not
_SLASHED_AFTER = re.compile(
    r"[\s,;]+(?:(?:до|do|until|till|thru|through)\s+)?(?:0?[1-9]|1[0-2])/(?:\d{2}|20\d{2})(?!\d)"
)
_DOCUMENT_REACH = 20  # characters before "number" a document's name may end in ("tracking and parcel number")
_PRINTED_ON = re.compile(
    r"\b(?:number|no|номер\w*|numer\w*)(?:\s+[^\W\d_]+)?\s+(?:on|from|of|на|з|с|na|z|ze)\s+(?:(?:the|a|that|this|their|your|my)\s+)?$"
)
_NAMED_WORDS = 6  # "the claim number for the windscreen is 4656 ...", "сертификат в спа, номер 6648 ...": a named
# thing's number follows, a few words about the thing between (no card named, no other number said among them)
_CLAUSE_END = re.compile(r"[.;!?]")
_NUMBER_NOUN = re.compile(r"(?<![^\W\d_])(?:numbers?|no|id|ref|номер\w*|numer\w*|nr)(?![^\W\d_])|№")
# a thing's noun labelled as a number: the label right after the cue ("the case number.", "полис, номер") or
# anywhere in the cue's sentence before it ("Номер полиса.", "Numer polisy.", "my booking ref.")
_LABEL = r"(?:number|no|nr|numer\w*|номер\w*|ref|reference|id)"
_LABEL_AFTER = re.compile(r"[\s,:]*(?:" + _LABEL + r"|#|№)(?!\w)")
_LABEL_WORD = re.compile(r"\b" + _LABEL + r"\b|[#№]")
_MAESTRO = re.compile(r"50(?:18|20|38)|5893|6304|6759|676[1-3]")
_CORRECTED_WORDS = 8  # "..., sorry, that last lot's wrong, it's 1638": a correction that says what it corrects
_LAST_COUNTED = re.compile(r"\b(?:last|final|последн\w*|останн\w*|ostatni\w*)\s+$")
_LAST_DIGITS = 4  # "the last four are 6467": a card's last group said again
_ASIDE_WORDS = 12  # ... and, where the digits alone make a card, an aside of this many words (a sentence at most)
_HALF_DIGITS = 6  # a card said in two halves: 6 digits or more each (8 as two groups of four most often)
_HALVES_ASIDE_WORDS = 20  # ... with an aside of this many words at most between them (a name on the card, a pause)
# a count (3 digits at most) and one word, the noun it counts, closing a sentence: "four tickets. ", "два билета."
_COUNTED = re.compile(r" ([^\W\d_]+)[.!?](?:\s|$)")
_COUNT_MOST = 3
_GAP_WORDS = 4  # "4891 5860, сейчас, очки надену, 6255 0076": a pause in a card number takes this many words
_MONEY = re.compile(
    r" ?(?:%|percent|dollars?|euros?|pounds?|bucks|usd|eur|pln|uah|rub|руб\w*|грн|гривен\w*|гривн\w*|евро|євро"
    r"|доллар\w*|долар\w*|процент\w*|відсот\w*|zl\w*|zlot\w*|euro|procent\w*)(?!\w)"
)  # an amount's unit right after it
# paying with what follows ("pay it with", "charge it to", "оплачу через", "zapłacę przez"): the means of payment
_PAID_WITH = re.compile(PAYING.pattern + r"(?:\s+[^\W\d_]+){0,2}\s+(?:with|by|using|to|on|с|со|через|з|z|przez)\s*$")
_OR = re.compile(r"\b(?:or|или|або|чи|lub|albo)\b")  # "600 123 456 or 601 234 567": two numbers
_AND = re.compile(r"[\s,]*\b(?:and|и|і|та|i|oraz)\s+")
# "then" or "next" between a card's groups said in order ("6011, then 4820, then ...", "4532, next 1877", "потом",
# "дальше", "потім", "далі", "potem", "dalej")
THEN = re.compile(
    r"[\s,]*\b(?:(?:and|и|і|та|i|oraz|а|a)\s+)?"
    r"(?:then|next|потом|затем|дальше|далее|потім|затим|далі|potem|nastepnie|dalej)[\s,]+"
)
_IN_ORDER = re.compile(f"{_AND.pattern}|{THEN.pattern}")
_PHONE_DIGITS = (7, 11)  # a national phone number's digits, its trunk prefix with them
_PHONE_GROUPS = 3  # ... said in this many groups at least
# an amount with its cents as a recognizer writes it, thousands set apart ("41 284,37", "2 250.50"): no card's group
_CENTS = re.compile(r"\d{1,3}(?: \d{3})+[,.]\d{2}")
_DAY_MONTH = re.compile(r"(?:1[3-9]|2\d|3[01])[./](?:0?[1-9]|1[0-2])")
_COUNT_DIGITS = 3  # "..., 09/30, 250 chairs": a count ending a chain of card data, what it counts after it
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
    for i in range(len(chain)):
        digits = ""
        for j in range(i, len(chain)):
            digits += chain[j].digits
            if len(digits) > hi:
                break
            # no card number begins with 0 (ISO/IEC 7812: industry 0 issues none): a run from such a group
            # passing the check is a piece of a longer number ("6262 | 0977 ... 135": 15 of 19 digits)
            # nor with 7 or 89 (industries issuing none: a loyalty scheme's, a SIM's ICCID, Luhn-valid by design)
            if (
                len(digits) >= lo
                and digits[0] != "0"
                and not _NO_CARD.match(digits)
                and luhn(digits)
                and (across is None or i < across <= j)
            ):
                candidates.append((_likeliest(digits, coded_after), i, j + 1))
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


def _restarted_at(chain: list[Item]) -> int:
    """Where a chain's first group is said again right after it, the item it is said again at ("4920, 4920 1133,
    5807 2643": a restart on the first group, the card read from there, not 16 digits from the first and the last
    group taken for a code where both pass the check); else 0. A group is four digits or more."""
    for r in range(1, len(chain) // 2 + 1):
        said = _joined(chain[:r])
        if len(said) >= _LAST_DIGITS:
            return r if _joined(chain[r : 2 * r]) == said else 0
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
    return (first, windows) if windows and issued_length(_joined(said_first[: windows[0][1]])) else None


def _likeliest(digits: str, coded_after: bool = False) -> int:
    """How likely a Luhn-valid run of ``digits`` is a whole card number (0 first): by :data:`UNCHECKED_DIGITS`'
    order of lengths, but a Maestro's own ranges (:data:`_MAESTRO`) issue 19 digits more than 16, and a 19-digit
    run passing the check there is the card, not 16 digits and a code after them ("6759 1591 8565 5549 759");
    so is one of a scheme issuing 19 digits (:func:`issued_length`) where a code is named after it ("UnionPay,
    6212 ... 280. The code is ...": one in ten 19-digit numbers holds 16 passing the check too)."""
    if len(digits) == CARD_DIGITS[1] and (_MAESTRO.match(digits) or (coded_after and issued_length(digits))):
        return -1
    return UNCHECKED_DIGITS.index(len(digits))


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
        or _NO_CARD.match(chain[0].digits)
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
    if _NO_CARD.match(run[0].digits):
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


def issued(digits: str) -> bool:
    """Whether ``digits`` begin as the cards of a scheme in use do: Mir (2200-2204), Mastercard (2221-2720,
    51-55), American Express, Diners and JCB (3), Visa (4), Maestro (5, 6), Discover and UnionPay (6)."""
    return bool(_ISSUED.match(digits))


def issued_length(digits: str) -> bool:
    """Whether a card number of ``digits``'s length begins so in a scheme: Visa 13, 16 or 19; American Express
    15 (34, 37); Mastercard 16 (51-55, 2221-2720); Diners Club 14 to 19 (30, 36, 38, 39); the others 16 to 19
    (Maestro, beginning with 5 or 6, 12 to 19)."""
    n = len(digits)
    if digits[0] == "4":
        return n in (13, 16, 19)
    if digits[:2] in ("34", "37"):
        return n == 15
    if "51" <= digits[:2] <= "55" or "2221" <= digits[:4] <= "2720":
        return n == 16
    if digits[:2] in ("30", "36", "38", "39"):
        return 14 <= n <= 19
    return 16 <= n <= 19 or digits[0] in "56"


def named_before(folded: str, at: int, before: Before = NOTHING) -> str:
    """What the words before ``at`` say the number there is: ``card`` (the nearest cue, within reach, or
    the question just before), ``other`` (an order, a reference, a phone: a cue or the question), or ""."""
    card_at = last_cue(cues(CARD, folded), at)
    # a thing named by its noun ("the permit number is", "номер начисления") names the number right after it, not
    # one said further on ("Постановление номер 1881..., штраф 500 рублей. Оплачу Амексом, 3760 ...")
    # ... and a card asked for just before is what the answer gives, whatever words it opens with ("Номер значит ...")
    # (a cue of its own that ends where the naming does, "номер полиса", is that cue's still, whatever its reach)
    named = {b for _, b in named_things(folded)} - {m.end() for m in OTHER_CUE.finditer(folded)}
    asked = CARD in before.asked
    other_at = last_cue(
        [(a, b) for a, b in cues(OTHER, folded) if b not in named or (not asked and _names(folded, b, at))], at
    )
    # what is paid with, said after another thing's cue, is the means, not that thing ("I owe $1,340 on the
    # account, so pay it with 4280 ...")
    if other_at >= 0 and _PAID_WITH.search(folded, other_at, at):
        other_at = -1
    # another thing named in a sentence that gave its number is done with ("Wpisowe na siłownię 99 zł. Mam długą
    # Visę, 4917 ..."): the next sentence's number is not its
    if other_at >= 0 and _spent_before(folded, other_at, at):
        other_at = -1
    # an amount between is what the card's cue was about ("оплатил картой 1 200 гривень, номер чека ...")
    spent = card_at >= 0 and any(card_at <= i.start and i.end <= at and paid(folded, [i]) for i in items(folded))
    if card_at > other_at and words_between(folded, card_at, at) <= _CARD_CUE_WORDS and not spent:
        if not _printed_on(folded, card_at):
            return CARD
        other_at = card_at  # "the parcel number on the card they left": the card is where the number is, not what
    if other_at >= 0 or OTHER in before.asked:
        return OTHER
    if CARD in before.asked and words_between(folded, 0, at) <= _CARD_CUE_WORDS:
        return CARD
    return ""


def _spent_before(folded: str, cue_end: int, at: int) -> bool:
    """Whether a sentence ends between a cue ending at ``cue_end`` and ``at``, and either a number was said in it
    after the cue or the cue named a thing, not its number: "For the fishing licence and the new rod. 4927 ...",
    "... and the new case. 3415 820774 ..." buy a licence and a case; "the tracking number. It's 9400 ..." names
    the number to come."""
    end = SENTENCE_END.search(folded, cue_end, at)
    if end is None:
        return False
    if items(folded[cue_end : end.start()]):
        return True
    sentence = max((m.end() for m in SENTENCE_END.finditer(folded, 0, cue_end)), default=0)
    labelled = _LABEL_AFTER.match(folded, cue_end) or _LABEL_WORD.search(folded, sentence, cue_end)
    return not labelled


def _names(folded: str, named_at: int, at: int) -> bool:
    """Whether a thing named so that its naming ends at ``named_at`` names the number at ``at``: the number follows
    it in the same clause, a verb at most between ("the permit number is 4042 ...")."""
    between = folded[named_at:at]
    return (
        words_between(folded, named_at, at) <= _NAMED_WORDS
        and not _CLAUSE_END.search(between)
        and not cues(CARD, between)
        and not items(between)
    )


def _printed_on(folded: str, card_at: int) -> bool:
    """Whether the card cue ending at ``card_at`` is only where another thing's number is printed: a document's
    number named, then "on the card" ("the parcel number on the card they left", "номер посылки на карточке")."""
    start = max((a for a, b in cues(CARD, folded) if b == card_at), default=-1)
    m = _PRINTED_ON.search(folded, 0, start) if start >= 0 else None
    # the document named just before "number" ("parcel number") or just after it ("номер посылки")
    return m is not None and any(m.start() - _DOCUMENT_REACH <= b <= start for _, b in cues(DOCUMENT, folded))


def announced(folded: str, at: int, before: Before = NOTHING) -> str:
    """The card data the words just before ``at`` announce, the nearest cue's (or the question's just
    before): ``card``, ``expiry``, ``cvv`` or "". A partial's number said only in part yet is masked as it
    ("my card number is 453", "the CVV is 7")."""
    opening = words_between(folded, 0, at) <= CONTEXT_WORDS
    other_at = last_cue(cues(OTHER, folded), at)  # "срок действия договора до ...": another thing's
    found = {}
    # a bare "code" announces a security code only where card data is about ("code for the intercom 2580")
    carded = (
        before.said or before.carded or before.asked & {CARD, EXPIRY, CVV} or cues(CARD, folded) or cues(EXPIRY, folded)
    )
    for kind in (EXPIRY, CVV):
        found[kind] = cue_before(
            cues(kind, folded) if kind == EXPIRY or carded else code_cues_named(folded), folded, at
        )
        found[kind] = max(found[kind], 0) if opening and kind in before.asked else found[kind]
        found[kind] = -1 if other_at > found[kind] or _named_already(folded, found[kind], at) else found[kind]
    if named_before(folded, at, before) == CARD and not LAST_FOUR.search(folded, 0, at):  # "my Visa ends in 57"
        card_at = last_cue(cues(CARD, folded), at)
        # "the card ending in 4821, for 59": the card named by its end, not what follows it
        if not any(card_at <= i.start < at and LAST_FOUR.search(folded, 0, i.start) for i in items(folded)):
            found[CARD] = max(card_at, 0)
    kind, where = max(found.items(), key=lambda kv: kv[1])
    return kind if where >= 0 else ""


def _named_already(folded: str, cue_end: int, at: int) -> bool:
    """Whether a whole number (3 digits or more) was said between a cue ending at ``cue_end`` and ``at``, words
    after it ("CVC 507, а збір 400"): the cue named that number, not the one at ``at``; a correction between ("the
    code is 512, no, 521") leaves it the cue of the number said again."""
    if cue_end < 0:
        return False
    named = [i for i in items(folded[cue_end:at]) if len(i.digits) >= 3]
    if not named:
        return False
    rest = folded[cue_end + named[-1].end : at]
    return any(c.isalpha() for c in rest) and not CORRECTION.search(rest)


def paid(folded: str, run: list[Item]) -> bool:
    """Whether ``run`` is said as an amount: a unit after it ("59 dollars", "599 рублей") or a currency sign
    before it ("$59", "€ 120")."""
    return bool(_MONEY.match(folded, run[-1].end) or CURRENCY.search(folded, 0, run[0].start))


def ordinary(folded: str, run: list[Item]) -> bool:
    """A run that is plainly no card number: a phone ("+48 ...", "00 48 ..."), a date ("12.03.2024"),
    years ("2019, 2020, 2021"), an amount written in thousands with its cents ("12 730,08"), an evenly spaced list
    ("36, 38, 40, 42"), amounts (a unit after: "35 200, 42 100, 12 000 рублей"; or a number said as words past a
    card's groups of four: "сорок две тысячи")."""
    if paid(folded, run) or any(i.spoken and len(i.digits) > 4 for i in run):
        return True
    if PHONE_PREFIX.search(folded[: run[0].start]) or run[0].digits.startswith("00") or _phone_grouped(folded, run):
        return True
    if all(len(i.digits) == 4 and i.digits[:2] in ("19", "20") for i in run):
        return True
    if _CENTS.fullmatch(folded, run[0].start, run[-1].end):  # "Баланс 12 730,08": thousands apart and cents
        return True
    steps = {int(b.digits) - int(a.digits) for a, b in pairwise(run)}
    if len(run) >= 4 and len({len(i.digits) for i in run}) == 1 and len(steps) == 1 and steps.pop() > 0:
        return True  # a list: "sizes 36, 38, 40, 42, 44" (a card's groups are not evenly spaced)
    for a, b, c in zip(run, run[1:], run[2:], strict=False):  # day, month, year
        if (
            len(c.digits) == 4
            and 1 <= int(a.digits) <= 31
            and 1 <= int(b.digits) <= 12
            and folded[a.end : b.start] in (".", "/")
            and folded[b.end : c.start] in (".", "/")
        ):
            return True
    return False


def _phone_grouped(folded: str, run: list[Item]) -> bool:
    """Whether ``run`` is grouped as a national phone number is said and begins as no card does, with no card
    named: a group of three, then groups of two or three, 7 to 11 digits in all, a trunk prefix before them or
    not ("8 903 455 12 09", "050 233 17 48"). A card read in groups of three ("триста семьдесят шесть, пятьсот
    ...") begins with a scheme's digit (:func:`issued`); and has 13 digits at least: only a partial's run is this
    short."""
    sizes = [len(i.digits) for i in run]
    if len(sizes) > 1 and run[0].digits in ("8", "0"):
        sizes = sizes[1:]
    return (
        _PHONE_DIGITS[0] <= sum(len(i.digits) for i in run) <= _PHONE_DIGITS[1]
        and len(sizes) >= _PHONE_GROUPS
        and sizes[0] == 3
        and all(n in (2, 3) for n in sizes[1:])
        and not issued(_joined(run))
        and not cues(CARD, folded)
    )


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
    runs = [_card_runs(chain, folded, before) for chain in found_chains]  # each read once (card_windows is dear)
    said_apart = _interrupted(found_chains, runs, folded, before)
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
    again = _said_again(folded, said, cards, rest)
    found_later = (
        _last_four_named(folded, cards, rest),
        _last_four_before(folded, said, cards, rest),
        _started_again(folded, said, cards, rest),
        _tail_joined(folded, said, cards, rest),
    )
    for spans_found in found_later:  # each finder's spans but those starting where an earlier finder's do
        starts = {a.start for a in again}
        again += [s for s in spans_found if s.start not in starts]
    cards += again
    rest = [i for i in rest if not any(s.start <= i.start < s.end for s in again)]
    rest = months_said(folded, found, rest)
    spans = sorted(cards + expiries_and_codes(text, rest, before, cards), key=lambda s: s.start)
    spans = _slashed_apart(folded, _adjacent_joined(folded, said, _whole(folded, chains(folded, said), spans)))
    return tuple(s for s in spans if not written_amount(folded, said, s))


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
    if day_and_month(folded, span) or _CENTS.fullmatch(folded, span.start, span.end):
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


def _slashed_apart(folded: str, spans: list[Span]) -> list[Span]:
    """A month and a year written with a slash ("06/28", "1/29") are an expiry, never a card's digits: a card span
    that ends with one (a card of an odd length the rules read on into it: "5531 22554 5491 1298, 06/28") is cut
    before it, and one that is only that is an expiry. A recognizer writes a card's groups apart, never so."""
    joined: list[Span] = []
    for span in spans:  # "4160130746389, 11/2031" read as a card to "11" and a code "2031": one span to cut again
        if joined and joined[-1].kind == CARD and span.start == joined[-1].end + 1 and folded[joined[-1].end] == "/":
            joined[-1] = Span(CARD, joined[-1].start, span.end)
        else:
            joined.append(span)
    out: list[Span] = []
    for span in joined:
        m = _SLASHED.search(folded, span.start, span.end) if span.kind == CARD else None
        if m is None:
            out.append(span)
            continue
        cut = m.start() + len(m.group(0)) - len(m.group(0).lstrip(" ,;"))
        head = folded[span.start : m.start()].rstrip(" ,;")
        if head:
            out.append(Span(CARD, span.start, span.start + len(head)))
        out.append(Span(EXPIRY, cut, m.end()))
        tail = [i for i in items(folded[: span.end]) if i.start >= m.end()]
        if tail:  # "..., 06/28, 389" read on into the card: a code after the expiry, else the card's still
            kind = CVV if len(tail) == 1 and len(tail[0].digits) in (3, 4) else CARD
            out.append(Span(kind, tail[0].start, tail[-1].end))
    return out


def _adjacent_joined(folded: str, said: list[Item], spans: list[Span]) -> list[Span]:
    """Spans of one kind with nothing but spaces and punctuation between them made one: one number said is
    one span ("4507 | 3395 7787 9368 453", its first group taken apart from a run passing the check); and a
    card's groups with the words that name the next between them (:func:`_next_group`), where the groups before
    are not yet a card (its last four said again after it are apart: "4539 ... 7759, the last four are 7759")."""
    out: list[Span] = []
    for s in spans:
        gap = folded[out[-1].end : s.start] if out else "x"
        bare = not any(c.isalnum() for c in gap) and JOIN.fullmatch(gap)
        if out and out[-1].kind == s.kind and (bare or (s.kind == CARD and _next_group(folded, said, out[-1], s, gap))):
            out[-1] = Span(s.kind, out[-1].start, s.end)
        else:
            out.append(s)
    return out


def _next_group(folded: str, said: list[Item], piece: Span, span: Span, gap: str) -> bool:
    """Whether ``gap``, after the card's ``piece`` (fewer digits than a card's), only names the next group as a card
    is read group by group: "next", "then" (:data:`THEN`), "the last four" ("4532, next 1877, then 0264, last four
    9132", "дальше ..., последние четыре ...", "dalej ..., ostatnie cztery ..."), the group by its place ("group
    two 3390", "вторая группа 3390", :data:`GROUP_NAMED`); or says nothing (a filler: "4175 0338, um, 9260 1479"),
    or only a word or two before the same digits said again with the rest ("4556 8201, I mean 4556 8201 9374 6337":
    :func:`_repeated_on`)."""
    digits = "".join(i.digits for i in said if piece.start <= i.start < piece.end)
    if len(digits) >= CARD_DIGITS[0]:
        return False
    if THEN.fullmatch(gap) or GROUP_NAMED.fullmatch(gap) or not words_said(gap):
        return True
    if _repeated_on(said, digits, span, gap):
        return True
    last = LAST_FOUR.search(gap)
    return last is not None and bool(_LAST_LABEL.fullmatch(gap, 0, last.start())) and not _WORDY.search(gap, last.end())


# a card's group named by its place before its digits, the word for "group" and its number or ordinal either way
# round ("group two", "the third group", "вторая группа", "група 3", "grupa druga")
GROUP_NAMED = re.compile(
    r"[\s,]*(?:(?:and|the|и|і|та|i|a|а)\s+)?(?:(?:\w+\s+)?(?:group|block|группа|група|grupa|блок|blok)(?:\s+\w+)?)"
    r"[\s,:]*"
)
_AGAIN_WORDS = 2  # "4556 8201, that's 4556 8201 ...", "то есть", "czyli": a group said again after 2 words at most


def _repeated_on(said: list[Item], digits: str, span: Span, gap: str) -> bool:
    """Whether ``span`` opens with the ``digits`` said just before it, a word or two between (the speaker saying
    them again to be sure, or to go on: "4556 8201, I mean 4556 8201, 9374 6337"): one card read from the repeat."""
    if words_said(gap) > _AGAIN_WORDS:
        return False
    again = "".join(i.digits for i in said if span.start <= i.start < span.end)
    return len(again) > len(digits) and again.startswith(digits)


_LAST_LABEL = re.compile(r"[\s,]*(?:(?:and|и|і|та|i|oraz|а|a)\s+)?(?:the\s+)?")  # "..., and the last four 7454"
_WORDY = re.compile(r"\w")


def _started_again(folded: str, said: list[Item], cards: list[Span], rest: list[Item]) -> list[Span]:
    """A card number begun and broken off, then said from its start ("4916 33, sorry, from the top, 4916 3385 ...",
    "5234 1, ой, заново, 5234 1187 ..."): a number of four digits or more, a sentence at most before a card whose
    first digits it is, is that card's data too (the digits decide, whatever words the restart is said in)."""
    out = []
    for chain in chains(folded, rest):
        digits = _joined(chain)
        if len(digits) < _LAST_DIGITS or ordinary(folded, chain):  # "I paid $4916, the card is 4916 ...": an amount
            continue
        card = next((c for c in cards if c.start >= chain[-1].end), None)
        if card is None or words_between(folded, chain[-1].end, card.start) > _ASIDE_WORDS:
            continue
        number = _joined([i for i in said if card.start <= i.start < card.end])
        if restarts(digits, number) or _first_corrected(folded, chain, card, number):
            out.append(Span(CARD, chain[0].start, chain[-1].end))
    return out


def _first_corrected(folded: str, chain: list[Item], card: Span, number: str) -> bool:
    """Whether ``chain``, said right before the card ``number`` with a correction between ("5423, sorry, 5432 1660
    ...", "4716, нет, 4761 ..."), is the card's first group said wrong: as long as a group, its digits the group's
    with two at most changed (swapped or misread)."""
    digits = _joined(chain)
    if len(digits) != _LAST_DIGITS or words_between(folded, chain[-1].end, card.start) > CORRECTION_WORDS:
        return False
    misread = sum(a != b for a, b in zip(digits, number, strict=False))
    return misread <= 2 and bool(CORRECTION.search(folded, chain[-1].end, card.start))


def restarts(digits: str, number: str) -> bool:
    """Whether ``digits``, said before the card ``number`` (in one final or at the end of the final before), are
    that card begun and broken off: its first digits, four or more; or read wrong past its first two groups ("4485
    4397 1274, no, I read that wrong, 4485 4397 7421 ..."): eight digits shared from the start are the same card's,
    whatever follows them. The digits decide, whatever words the restart is said in."""
    if len(digits) < _LAST_DIGITS or len(number) <= len(digits):
        return False
    return number.startswith(digits) or (
        len(digits) >= 2 * _LAST_DIGITS and number[: 2 * _LAST_DIGITS] == digits[: 2 * _LAST_DIGITS]
    )


def _tail_joined(folded: str, said: list[Item], cards: list[Span], rest: list[Item]) -> list[Span]:
    """A card's last digits said on after an "and" ("4172 ... 3963 and 493, and the code is 417"), where 16 digits
    passed the check by chance: the number after the "and" is the card's end where the card with it passes the
    check at a length its scheme issues and a security code is named after it (one card has one code)."""
    out = []
    code_at = [a for a, _ in cues(CVV, folded)]
    for chain in chains(folded, rest):
        digits = _joined(chain)
        card = next((c for c in reversed(cards) if c.end <= chain[0].start), None)
        if card is None or len(digits) > 3 or not _AND.fullmatch(folded, card.end, chain[0].start):
            continue
        number = _joined([i for i in said if card.start <= i.start < card.end]) + digits
        whole = len(number) <= CARD_DIGITS[1] and luhn(number) and issued_length(number)
        if whole and any(a >= chain[-1].end for a in code_at):
            out.append(Span(CARD, chain[0].start, chain[-1].end))
    return out


def _said_again(folded: str, said: list[Item], cards: list[Span], rest: list[Item]) -> list[Span]:
    """A card number's last group said again after a correction ("... 3408 7904, no, sorry, 7804 at the end"),
    where the number with it in its place passes the Luhn check: card data too (not its security code)."""
    out = []
    for card in cards:
        # ("ой, последние четыре не те, правильно 1317": how many digits were wrong is no number said again)
        after = [c for c in chains(folded, [i for i in rest if i.start >= card.end]) if not _counted(folded, c)][:1]
        between = words_between(folded, card.end, after[0][0].start) if after else _CORRECTED_WORDS + 1
        if between > _CORRECTED_WORDS:
            continue
        if not CORRECTION.search(folded, card.end, after[0][0].start) or not (k := code_items(after[0])):
            continue
        number = [i for i in said if card.start <= i.start < card.end]
        digits, group = _joined(number), _joined(after[0][:k])
        # in place of as many digits ("7904 ... 7804"), or of the last group ("579, sorry, 5797")
        readings = [digits[: -len(group)] + group, _joined(number[:-1]) + group]
        checked = any(CARD_DIGITS[0] <= len(r) <= CARD_DIGITS[1] and luhn(r) for r in readings)
        # a correction that says what was wrong ("... sorry, that last group's wrong, it's 1638", "ой, последние
        # четыре не те, правильно 1317") takes more words: where the card as said failed the check and the group
        # in its place makes it pass, the digits say it is the card's
        # (not a code or an expiry, nor another thing, named in those words: "sorry, the code's 318")
        words = folded[card.end : after[0][0].start]
        if between > CORRECTION_WORDS and (luhn(digits) or any(cues(kind, words) for kind in (CVV, EXPIRY, OTHER))):
            continue
        if len(digits) > len(group) and checked:
            out.append(Span(CARD, after[0][0].start, after[0][k - 1].end))
    return out


def _counted(folded: str, chain: list[Item]) -> bool:
    """Whether ``chain`` is a count of a card's last digits said in words ("the last four", "последние четыре",
    "останні чотири"), not digits said."""
    return len(chain) == 1 and chain[0].spoken and bool(_LAST_COUNTED.search(folded, 0, chain[0].start))


def _last_four_named(folded: str, cards: list[Span], rest: list[Item]) -> list[Span]:
    """A card's last four said again, named so, after the card in the same utterance ("4539 ... 6467, the last
    four are 6467", or a correction of them): card data, not a security code (a card's last four named with no
    card said before stay: PCI DSS lets them show)."""
    out = []
    for chain in chains(folded, rest):
        card_end = max((c.end for c in cards if c.end <= chain[0].start), default=-1)
        if card_end >= 0 and (span := last_four(folded, chain, card_end)):
            out.append(span)
    return out


def _last_four_before(folded: str, said: list[Item], cards: list[Span], rest: list[Item]) -> list[Span]:
    """A card's last four said before the whole card in the same utterance ("the card ending 2259, the whole
    number is 4836 ... 2259", "карта на 9314, полностью 4279 ... 9314"): the same four digits as the card's
    last, whatever words name them, are card data as much as they are said after it (a card's last four said
    with no card after them stay: PCI DSS lets them show)."""
    out = []
    for chain in chains(folded, rest):
        digits = _joined(chain)
        if len(digits) != _LAST_DIGITS or paid(folded, chain):
            continue
        after = [c for c in cards if c.start >= chain[-1].end]
        if any(_joined([i for i in said if c.start <= i.start < c.end]).endswith(digits) for c in after[:1]):
            out.append(Span(CARD, chain[0].start, chain[-1].end))
    return out


def last_four(folded: str, chain: list[Item], after: int = 0) -> Span | None:
    """The first four digits of ``chain`` where the words between ``after`` and it name them a card's last four
    ("the last four are 6467", "последние четыре 0142", "ostatnie cztery to 9930"), as a card span."""
    named = LAST_FOUR.search(folded, after, chain[0].start)
    if named is None:
        return None
    # what ends so is named in the sentence: another number's end ("our account number with you ends in 4018",
    # "номер счёта заканчивается на", "numer konta kończy się na") is that number's, unless a card is named too
    # ("the card on my account ends in 6787")
    sentence = max((m.end() for m in SENTENCE_END.finditer(folded, after, named.start())), default=after)
    subject = folded[sentence : named.start()]
    if OTHER_CUE.search(subject) and not cues(CARD, subject):
        return None
    digits, k = 0, 0
    while k < len(chain) and digits < _LAST_DIGITS:
        digits += len(chain[k].digits)
        k += 1
    return Span(CARD, chain[0].start, chain[k - 1].end) if digits == _LAST_DIGITS else None


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
            if run and not (item is None and _count_said_last(folded, chain, run)):
                near = max((s for s in inside if s.end <= run[0].start), key=lambda s: s.end, default=inside[0])
                out.append(Span(near.kind, run[0].start, run[-1].end))
            run = []
    return sorted(out, key=lambda s: s.start)


def _count_said_last(folded: str, chain: list[Item], run: list[Item]) -> bool:
    """Whether ``run``, the last numbers of ``chain``, are a count said apart from the numbers before it (a comma
    and a space between, not an amount's cents: "1,299.99 altogether") with what it counts right after it."""
    at = chain.index(run[0])
    apart = at > 0 and " " in folded[chain[at - 1].end : run[0].start]
    return apart and len(_joined(run)) <= _COUNT_DIGITS and counts(folded, run[-1].end)


def _card_runs(chain: list[Item], folded: str, before: Before) -> list[tuple[int, int]]:
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
    if named == OTHER:  # "DPD tracking number 1550 6023 7781 42"
        long = sum(len(i.digits) for i in chain) > CARD_DIGITS[1]  # "my account is 6110 9010 ... 74": all of it
        # "policy number 4021 ...": a document's number, unless a card's number is named too; a card said only as
        # what the number is printed on ("the parcel number on the card they left") does not make it a card's
        document = _document(folded, chain[0].start) and not _payment_card_named(folded)
        # ... but another thing named only in a sentence before, as what the call is about ("Билеты на Тоску. 4693 1940
        # 2418 6475, срок 11/27, код 512"), names no number said after it: a card's length passing the check, an
        # expiry or a code right after it, is a card's
        headed = _headed(folded, chain[0].start)
        windows = [
            (i, j)
            for i, j in windows
            if issued(_joined(chain[i:j]))
            and (
                (not long and not document)
                or (headed and len(_joined(chain[i:j])) >= 16 and _data_after(folded, chain[j - 1].end))
            )
        ]
    elif named != CARD and not (before.said or before.asked & {CARD, EXPIRY, CVV}):
        windows = [(i, j) for i, j in windows if issued(_joined(chain[i:j]))]  # "ТТН 2045 0871 2366 45"
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
        j < end and issued_length(_joined(chain[i:j])) and any(month_and_year(chain[j:k]) for k in range(end, j + 4))
        for i, j in windows
    )


_CLUB = re.compile(r"club|клуб|klub")


def _payment_card_named(folded: str) -> bool:
    """Whether ``folded`` names a payment card's number: not a loyalty scheme's, a member's or a gift card's, whose
    noun is a card's too ("numer karty lojalnościowej 6362 ...", "my rewards card number is ...", "номер бонусной
    карты": the scheme's own number, Luhn-valid by chance or by design, named so)."""
    # a club's card may be a payment card too (a co-branded Visa: "номер карты клуба 4541 ..."): only a scheme's,
    # a member's, a gift's and the like say it is none
    other = [m.span() for m in NOT_CARD.finditer(folded) if not _CLUB.search(m.group())]
    return any(not any(a < m.end() and m.start() < b for a, b in other) for m in _CARD_NUMBER.finditer(folded))


def _joined(run: list[Item]) -> str:
    return "".join(i.digits for i in run)


def _document(folded: str, at: int) -> bool:
    """Whether the nearest cue of another number before ``at`` names a document or a parcel, or one does a
    few words before it ("the IMEI on the phone is ...", "IMEI telefonu: ...": the thing it is on named after)."""
    other_at = last_cue(cues(OTHER, folded), at)
    document_at = last_cue(cues(DOCUMENT, folded), at)
    near = document_at >= 0 and words_between(folded, document_at, at) <= _CARD_CUE_WORDS
    return other_at >= 0 and (document_at == other_at or near)


def _interrupted(
    found: list[list[Item]], runs: list[list[tuple[int, int]]], folded: str, before: Before
) -> list[list[Item]]:
    """Chains that are one card number said in parts with a few words between them: a pause or a filler
    ("4891 5860, сейчас, очки надену, 6255 0076"), or a correction that says its last groups again
    ("4352 3068 2012, ой, нет, 2102 8476"; the retracted part is card data said too). The parts together
    pass the Luhn check, begin as an issued card does and hold no card number of their own (``runs``: each
    chain's, :func:`_card_runs`)."""
    out: list[list[Item]] = []
    # (a run that takes in a month and a year written with a slash is no card's: "5891 2080, 08/28, 659" passing the
    # check to the code by chance is a piece, the expiry and the code after it)
    alone = [
        not [r for r in chain_runs if not _SLASHED.search(folded, chain[r[0]].start, chain[r[1] - 1].end)]
        and not amount(chain)
        and not _other_piece(folded, chain)
        and not _count_closing(folded, chain)
        for chain, chain_runs in zip(found, runs, strict=True)
    ]
    for a, first in enumerate(found):
        named = named_before(folded, first[0].start, before)
        named = "" if named == OTHER and _headed(folded, first[0].start) else named
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
            grouped = len(parts) == 1 and all(_joined(p) and len(_joined(p)) >= 4 for p in pieces)
            grouped = grouped and not any(ordinary(folded, p) or amount(p) or _suffixed(folded, p) for p in pieces)
            # two halves of a card (6 digits or more each, a card's length together: "4556 4744, then my name ...,
            # no, the number goes on, 2391 4735") are the digits' to join over a longer aside, a correction's "no"
            # in it (about what was said between); not one taking the first back ("that was the old one")
            halves = grouped and all(len(_joined(p)) >= _HALF_DIGITS for p in pieces)
            halves = halves and CARD_DIGITS[0] <= len(_joined(pieces[0]) + _joined(pieces[1])) <= CARD_DIGITS[1]
            aside = words_said(folded[gap[0] : gap[1]])
            apart = far and (
                not grouped
                or aside > (_HALVES_ASIDE_WORDS if halves else _ASIDE_WORDS)
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
            if any(_card_said(r, folded, carded and not far, far) for r in readings) or (
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
    return len(_joined(piece)) >= _LAST_DIGITS and not (
        paid(folded, piece) or amount(piece) or _suffixed(folded, piece)
    )


def _card_prefix(said: list[Item], last: list[Item], cut: list[int], folded: str, far: bool) -> int:
    """How many of ``last``'s first items end a card number said in parts before it (``said``, or it less its last
    ``cut`` items, groups said again): the most that pass the Luhn check at a card's length, with items left after
    them (0: none)."""
    for end in range(len(last) - 1, 0, -1):
        head = last[:end]
        readings = [said + head] + [said[:-k] + head for k in cut if len(said) > k]
        if any(_card_said(r, folded, False, far) for r in readings):
            return end
    return 0


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


def _headed(folded: str, at: int) -> bool:
    """Whether the nearest cue of another number before ``at`` is in a sentence that ended with no number in it
    ("Счёт сантехника. 5200 2849, секундочку, ..."): what the call is about, said as a heading, names no number said
    after it; a card said in parts after it is the digits' to tell (they pass the check at a card's length)."""
    other_at = last_cue(cues(OTHER, folded), at)
    if other_at < 0:
        return False
    ended = _CLAUSE_END.search(folded, other_at, at)
    end = ended.start() if ended else folded.find(":", other_at, at)
    if end >= 0 and not ended:
        # "За річний абонемент: 4791 ...", "Za karnet roczny: 4126 ...": a heading ended by a colon names what is paid
        # for, where it names no number ("Numer karnetu: 4126 ..." does)
        opened = max((m.end() for m in _CLAUSE_END.finditer(folded, 0, other_at)), default=0)
        end = -1 if _NUMBER_NOUN.search(folded, opened, end) else end
    return end >= 0 and not items(folded[other_at:end])


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
        or bool(_CENTS.fullmatch(folded, *_extent(piece)))
    )


def _count_closing(folded: str, piece: list[Item]) -> bool:
    """Whether ``piece`` is a count with the noun it counts closing the sentence ("Planetarium, four tickets. Five
    one ...", "два билета.", "dwa bilety."): how many, no part of a card said after it."""
    counted = _COUNTED.match(folded, piece[-1].end)
    return (
        len(_joined(piece)) <= _COUNT_MOST
        and counted is not None
        and not is_number_word(counted.group(1))
        and not FILLER.fullmatch(counted.group(1))
    )


def _extent(piece: list[Item]) -> tuple[int, int]:
    return piece[0].start, piece[-1].end


def day_and_month(folded: str, span: Span) -> bool:
    """Whether ``span`` (an expiry or a code) is written as a day after the 12th and a month ("31/12", "28.11"): a
    date, as a recognizer writes one; an expiry's month comes first and is 12 at most, and a code is one number."""
    return span.kind != CARD and bool(_DAY_MONTH.fullmatch(folded, span.start, span.end))


def _suffixed(folded: str, piece: list[Item]) -> bool:
    """Whether a letter or a colon follows ``piece`` right after its last digit ("12th", "14:35"): no card's group."""
    return piece[-1].end < len(folded) and (folded[piece[-1].end].isalpha() or folded[piece[-1].end] == ":")


def _group_items(chain: list[Item], groups: int) -> int:
    """How many items the last ``groups`` groups of ``chain`` hold (digits said as words with only spaces
    between are one group: "four four five three")."""
    starts = [n for n, i in enumerate(chain) if n == 0 or not i.joined]
    return len(chain) - starts[-groups] if len(starts) >= groups else len(chain)


def amount(chain: list[Item]) -> bool:
    """Whether a chain is said as an amount, not as a card's groups: round numbers said as words ("пять
    тысяч", "two hundred") or thousands written apart ("4 500", "12 000")."""
    if all(i.spoken and len(i.digits) > 2 and i.digits.endswith("00") for i in chain):
        return True
    head, *rest = chain
    return bool(rest) and len(head.digits) <= 3 and all(len(i.digits) == 3 and not i.spoken for i in rest)


def _card_said(run: list[Item], folded: str, carded: bool = False, scheme: bool = False) -> bool:
    """Whether ``run`` is a card number: Luhn-valid, or (``carded``: a card is about) a card's length; with
    ``scheme``, Luhn-valid at a length its scheme issues only (nothing but the digits says it is a card)."""
    digits = "".join(i.digits for i in run)
    lo, hi = CARD_DIGITS
    checked = luhn(digits) or (carded and (len(digits) == 16 or (len(digits) == 15 and digits[:2] in ("34", "37"))))
    checked = checked and (not scheme or issued_length(digits))
    return lo <= len(digits) <= hi and checked and issued(digits) and not ordinary(folded, run)


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
