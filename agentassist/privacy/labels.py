"""What the words around a number name it: a card, or another thing's number, an amount, a phone.

A Luhn-valid run is card data wherever it is said, but one failing the check (a digit misheard) is a card's only
where a card is named before it (:func:`named_before`, :func:`announced`) and nothing says it is another thing: an
amount (:func:`paid`, :func:`amount`), a phone said in groups or a sum with cents (:func:`ordinary`), a document's
or a parcel's number (:func:`document_named`), a thing's number labelled so (:func:`number_headed`). Pure: folded
text in, answers out.
"""

from __future__ import annotations

import re
from itertools import pairwise

from agentassist.privacy.cues import (
    CARD,
    CORRECTION,
    CURRENCY,
    CVV,
    DOCUMENT,
    EXPIRY,
    LAST_FOUR,
    OTHER,
    OTHER_CUE,
    PAYING,
    SENTENCE_END,
    code_cues_named,
    cues,
    named_things,
)
from agentassist.privacy.said import (
    CONTEXT_WORDS,
    NOTHING,
    PHONE_PREFIX,
    TOKEN,
    Before,
    Item,
    Span,
    cue_before,
    items,
    last_cue,
    words_between,
)
from agentassist.privacy.schemes import digits_of, issued

_CARD_CUE_WORDS = 5  # "my card number is, um, 4539 ...": a card's cue reaches further (13+ digits follow)
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
_MONEY = re.compile(
    r" ?(?:%|percent|dollars?|euros?|pounds?|bucks|usd|eur|pln|uah|rub|руб\w*|грн|гривен\w*|гривн\w*|евро|євро"
    r"|доллар\w*|долар\w*|процент\w*|відсот\w*|zl\w*|zlot\w*|euro|procent\w*)(?!\w)"
)  # an amount's unit right after it
# paying with what follows ("pay it with", "charge it to", "оплачу через", "zapłacę przez"): the means of payment
_PAID_WITH = re.compile(PAYING.pattern + r"(?:\s+[^\W\d_]+){0,2}\s+(?:with|by|using|to|on|с|со|через|з|z|przez)\s*$")
_PAID_THING_WITH = re.compile(PAYING.pattern + r"(?:\s+[^\W\d_]+){1,2}\s+(?:with|using)\s*$")  # "pay the order with"
_PHONE_DIGITS = (7, 11)  # a national phone number's digits, its trunk prefix with them
_PHONE_GROUPS = 3  # ... said in this many groups at least
# an amount with its cents as a recognizer writes it, thousands set apart ("41 284,37", "2 250.50"): no card's group
CENTS = re.compile(r"\d{1,3}(?: \d{3})+[,.]\d{2}")
_DAY_MONTH = re.compile(r"(?:1[3-9]|2\d|3[01])[./](?:0?[1-9]|1[0-2])")


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
    # account, so pay it with 4280 ...", "pay the order with 4556 ...": the cue among the words the verb pays)
    if other_at >= 0 and (_PAID_WITH.search(folded, other_at, at) or _PAID_THING_WITH.search(folded, 0, at)):
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
    if CENTS.fullmatch(folded, run[0].start, run[-1].end):  # "Баланс 12 730,08": thousands apart and cents
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
        and not issued(digits_of(run))
        and not cues(CARD, folded)
    )


def document_named(folded: str, at: int) -> bool:
    """Whether the nearest cue of another number before ``at`` names a document or a parcel, or one does a
    few words before it ("the IMEI on the phone is ...", "IMEI telefonu: ...": the thing it is on named after)."""
    other_at = last_cue(cues(OTHER, folded), at)
    document_at = last_cue(cues(DOCUMENT, folded), at)
    near = document_at >= 0 and words_between(folded, document_at, at) <= _CARD_CUE_WORDS
    return other_at >= 0 and (document_at == other_at or near)


# what a number is said to be right after it ("..., that's the tracking number", "— это номер", "to numer")
_NAMED_AS = re.compile(r"[\s,\-–—:]*(?:(?:that|this|it)(?:'s| is| was)|is|was|это|це|to(?: jest)?|jest)\s")
# the words that may come between and the document's noun ("that's the tracking number", "это номер отслеживания")
_BETWEEN_WORDS = "the a an my our your his her their its number no номер номера numer nr"
_NAMED_AS_WORDS = frozenset(_BETWEEN_WORDS.split())


def document_after(folded: str, end: int) -> bool:
    """Whether the number ending at ``end`` is named right after it as a document's or a parcel's ("4461 ..., that's
    the tracking number", "5301 ... — это номер отслеживания посылки", "... to numer śledzenia paczki"), no card
    named in that clause: the document's number, as where it is named before it (:func:`document_named`)."""
    m = _NAMED_AS.match(folded, end)
    if m is None:
        return False
    ended = _CLAUSE_END.search(folded, m.end())
    stop = ended.start() if ended else len(folded)
    # only a determiner or the word "number" between: "это за заказ ..." says what is paid for, not what it is
    named = any(
        m.end() <= a < stop and all(w in _NAMED_AS_WORDS for w in TOKEN.findall(folded, m.end(), a))
        for a, _ in cues(DOCUMENT, folded)
    )
    return named and not cues(CARD, folded[m.end() : stop])


def number_headed(folded: str, at: int) -> bool:
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


def day_and_month(folded: str, span: Span) -> bool:
    """Whether ``span`` (an expiry or a code) is written as a day after the 12th and a month ("31/12", "28.11"): a
    date, as a recognizer writes one; an expiry's month comes first and is 12 at most, and a code is one number."""
    return span.kind != CARD and bool(_DAY_MONTH.fullmatch(folded, span.start, span.end))


def amount(chain: list[Item]) -> bool:
    """Whether a chain is said as an amount, not as a card's groups: round numbers said as words ("пять
    тысяч", "two hundred") or thousands written apart ("4 500", "12 000")."""
    if all(i.spoken and len(i.digits) > 2 and i.digits.endswith("00") for i in chain):
        return True
    head, *rest = chain
    return bool(rest) and len(head.digits) <= 3 and all(len(i.digits) == 3 and not i.spoken for i in rest)
