"""Expiry dates and security codes said aloud, found among the numbers of an utterance that are not a
card number (:mod:`agentassist.privacy.detect` takes those first).

- An expiry date is month and year (``MM/YY``, ``MM YY``, ``MMYY``, ``MM/YYYY``, "December 27", "July of
  '29") said after an expiry cue ("expiry", "срок действия", "термін дії", "data ważności"; a bare
  "до"/"do" only next to a card number), asked for, or said right after a card number; or a year alone
  after a cue ("до конца 27-го", "valid until 2029" where card data is about).
- A security code is 3 or 4 digits said after a code cue ("CVV", "security code", "on the back"; a bare
  "код", "kod", "code" only where card data is about), asked for (the agent asks, the customer answers),
  or said right after a card number or its expiry date ("4539 ... 6467, 12/27, 737").
- Either said again after a correction ("twelve twenty-six, no, sorry, twelve twenty-seven") is that kind
  again; a cue that another thing's name follows is not one ("срок действия договора до ...").
"""

from __future__ import annotations

import re
from itertools import accumulate, pairwise

from agentassist.assist.numbers import is_number_word
from agentassist.privacy.cues import (
    CARD,
    CORRECTION,
    CURRENCY,
    CVV,
    DATE_CUE,
    END_WORDS,
    EXPIRY,
    FILLER,
    LIKENING,
    MONTH,
    MONTH_BY_NUMBER,
    MONTH_ORDINALS,
    MONTH_WORD,
    MONTHS,
    NEAR_CARD_CUE,
    NOT_EXPIRY,
    OTHER,
    PAYING,
    VALID_FROM,
    YEAR_WORD,
    code_cues_named,
    cues,
    takes_back,
)
from agentassist.privacy.said import (
    CONTEXT_WORDS,
    JOIN_WORDS,
    PHONE_PREFIX,
    Before,
    Item,
    Span,
    chains,
    cue_before,
    fold,
    items,
    last_cue,
    words_between,
)

# "BA 2491", "SU 1734", "LO 3921": a flight's letters, two or three capitals and a space before its number; not a
# code's name ("CVV 123", "CVV2 — 774") nor a capital word of one letter ("И 641", "I 287": and)
_FLIGHT_LETTERS = re.compile(r"\b(?!(?:CVV|CVC|CVN|CID|CSC|EXP|PIN)\s)[A-ZА-ЯІЇЄҐ]{2,3}\s+$")
_GROUP_DIGITS = 4  # a card's group, said again corrected
_MISHEARD_WORDS = 5  # after card data, a number ending an utterance this many words in is card data still
UNIT = re.compile(
    r"[\s,]*(?:%|percent|per cent|dollars?|euros?|pounds?|cents?|bucks|minutes?|hours?|days?|units?|pieces?|items?"
    # a unit's own words only: "zł" folded is "zl", and "CVC 028, zlecenie naprawy" names no sum
    r"|руб\w*|грн|гривен\w*|гривн\w*|евро|євро|доллар\w*|долар\w*|процент\w*|відсот\w*|минут\w*|хвилин\w*"
    r"|час(?:а|ов|ам|ами|ах)?|штук\w*|zl|zlot\w*|euro|procent\w*|minut\w*|godzin\w*|sztuk\w*"
    # a sum by the period or by the piece ("8990 в месяц", "1 799 на місяць", "349 miesięcznie", "49 each")
    r"|(?:a|per|every|each|в|на|за|у|w|na|za)"
    r" (?:month|week|year|месяц|неделю|год|місяць|тиждень|рік|miesiac|tydzien|rok)"
    r"|monthly|weekly|yearly|annually|ежемесячно|щомісяця|miesiecznie|tygodniowo|rocznie|each|apiece)(?!\w)"
)  # "and 200 dollars" after a card number: an amount, not its code
_OF = re.compile(r"\.?\s+of\b")  # "July of", "Nov. of"
# a month said by its ordinal in English, then "of" and its year: "the 4th month of 2029", "the fourth month of"
_ORDINAL_WORDS = ["first", "second", "third", "fourth", "fifth", "sixth"]
_ORDINAL_WORDS += ["seventh", "eighth", "ninth", "tenth", "eleventh", "twelfth"]
_NTH_MONTH = re.compile(r"\b(?:(\d{1,2})(?:st|nd|rd|th)|(" + "|".join(_ORDINAL_WORDS) + r")) month of\b")
# ... and in Russian, Ukrainian and Polish by its number in digits, "of the month", then the year: "3-го месяца
# 30-го года", "3-го місяця 30-го року", "3. miesiąca 30. roku"
_NTH_MONTH_DIGITS = re.compile(r"(?<!\d)(\d{1,2})(?:-?го|\.)\s+(?:месяца|місяця|miesiaca)(?![^\W\d_])")
# between a card's name and its digits: its number named, a verb ("card's 4556", "the card number is 4556", "карта
# это 4556", "numer karty to 4556")
_CARD_NAMED = re.compile(
    r"(?:'s)?(?:\s+(?:number|no|номер\w*|numer\w*))?[\s:,\-–—]*(?:(?:is|это|це|to|jest)[\s:,\-–—]*)?"
)
_MONTH_YEAR_AFTER = re.compile(r"\s+(?:0?[1-9]|1[0-2])[/.](?:\d{2}|20\d{2})(?!\d)")  # "До 04/28, ..."
_OF_BETWEEN = re.compile(r"\s+of\s+'?")  # "oh six of twenty-seven", "10 of '30": a month and a year
# "30-го года", "30. roku" (an ordinal's full stop), "2030 год"
_YEAR_WORD = re.compile(r"\.?\s*(?:года|году|год|року|рік|roku|rok|year)\b")
_THEN_MONTH = re.compile(r"[\s,]+")  # "2030 год, март": the year, its word, then its month named
# a security code named right after its digits, where card data is about: "955 is the code", "955 это код",
# "955 це код", "955 to kod", "955, that's the CVV"; not a code's cue for the number after it ("03/30, code 512",
# "03/30 to kod 512")
CODE_AFTER = re.compile(
    r"[\s,\-–—]*(?:is|that's|that is|это|це|то|to|jest)\s+(?:the |my |its |мой |мій |moj )?"
    r"(?:code|cvv2?|cvc2?|cvn2?|cid|код|kod)\b(?![\s,:\-–—]*(?:is\s+|это\s+|це\s+|to\s+)?\d)"
)
_HEDGE = re.compile(
    r"\b(?:i think|i guess|i believe|i reckon|probably|maybe|кажется|наверное|по-моему|здається|мабуть|по-моєму"
    r"|chyba|wydaje mi sie|mysle|moze)\b"
)
# the expiry named after its digits: "and then 04/29 is the date", "04/29, that's the expiry", "04/29 это срок",
# "04/29 це термін", "04/29 to data ważności"
_EXPIRY_AFTER = re.compile(
    r"[\s,\-–—]*(?:is|that's|that is|это|це|то|to|jest)\s+(?:the |my |its |мой |мій |moj )?"
    r"(?:expiry|expiration|date|valid|срок|дата|термін|строк|дата|data|waznosc)\b(?![\s,:\-–—]*(?:is\s+|это\s+|це\s+|to\s+)?\d)"
)
# an expiry written with a slash after card data, this many words at most after it ("it's a long one, 07/30")
_SLASHED_WORDS = 6
_BACK_AFTER = re.compile(r" (?:on the back|on the reverse|at the back|на обороте|на звороті|z tylu|na odwrocie)\b")
# the same, in a sentence of its own after the code: "482. Это код.", "527. That's the code."
_CODE_NAMED = re.compile(r"[\s,.\-–—]*" + CODE_AFTER.pattern.removeprefix(r"[\s,\-–—]*"))
# "до конца 27-го": the year alone; the end said as a noun of its own too ("срок конец 29-го", "строк кінець 29-го",
# "ważna koniec 2029", "в конце 29-го")
_END_OF_SAID = "|".join(sorted(END_WORDS - {"end"})) + "|end of"
_END_OF_WORDS = re.compile(rf"\b(?:{_END_OF_SAID})\b")
_END_OF = re.compile(rf"\b(?:{_END_OF_SAID})\s*$")
# a card's expiry year, two digits, after a bare "date" (a weak cue): cards last up to 10 years, one expired a few
# years ago may be read out ("the date 05.11" on an invoice is a day and a month, no expiry date)
_YEARS = (15, 49)
# a run of digits said as one this long (a card's shortest) holds no code or date: a code and an expiry said
# together are 10 digits at most ("12/2027 7373"); a SIM card's ICCID read "on the back" is 19
LONG_DIGITS = 13
_CODE_MOST = 4  # a security code's digits at most (an Amex's four on the front)
_GROUPS_LEAST = 3  # groups of four written apart that make a number no code is in (a card's piece, a voucher's)
_DATE_DIGITS = 8  # a date said as one run of digits: DDMMYYYY
_PARTS_WORDS = 4  # "month seven and the year is twenty-eight": the year's word and the words around it
CORRECTION_WORDS = 3  # "12/26, no, sorry, 12/27": a correction takes this many words at most
_BOTH_NAMED_WORDS = 3  # "the date and the code": an expiry's cue this close before a code's names both of them
_RETAKEN_WORDS = 8  # "04/27, hmm, no, that's the old one, 04/28": a correction with its reason, a month and a year


def _month_year(chain: list[Item], k: int) -> bool:
    """Whether the first ``k`` items of ``chain`` say a month and a year: "12 27", "1227", "12/2027",
    "9 28", "3/2029" (a one-digit month, then a year of its own), "oh nine twenty eight", "December 2027"."""
    digits = "".join(i.digits for i in chain[:k])
    if k == 2 and len(chain[0].digits) == 1 and len(chain[1].digits) in (2, 4):
        month, year = digits[:1], digits[1:]
    elif len(digits) in (4, 6) and (k > 1 or len(digits) == 4):
        month, year = digits[:2], digits[2:]
    else:
        return False
    # said as numbers apart, the month ends where one does ("1 2 2 8", "12 2027"): "1 180" is 1180 in thousands apart
    if k > 1 and len(month) not in accumulate(len(i.digits) for i in chain[:k]):
        return False
    return 1 <= int(month) <= 12 and (len(year) == 2 or year.startswith("20"))


def _plausible(said: list[Item]) -> bool:
    """Whether an expiry date's year (its last two digits) is one a card in use or lately expired has."""
    return _YEARS[0] <= int(_joined(said)[-2:]) <= _YEARS[1]


def _joined(said: list[Item]) -> str:
    return "".join(i.digits for i in said)


def _expiry(chain: list[Item]) -> int:
    """How many leading items of ``chain`` say a month and a year, the most that do (0: none)."""
    return max((k for k in range(1, min(len(chain), 4) + 1) if _month_year(chain, k)), default=0)


def month_and_year(chain: list[Item]) -> bool:
    """Whether all of ``chain`` says a month and a year a card in use has ("04-30", "11/2029")."""
    return bool(chain) and _expiry(chain) == len(chain) and _plausible(chain)


def code_items(chain: list[Item]) -> int:
    """How many leading items of ``chain`` say a 3- or 4-digit security code (0: none)."""
    digits = ""
    for k, item in enumerate(chain[:4], start=1):
        digits += item.digits
        if len(digits) in (3, 4) and (k == len(chain) or len(digits + chain[k].digits) > 4):
            return k
        if len(digits) > 4:
            return 0
    return 0


# the words a security code said bare after card data may have right after it, no comma between ("653 on the back",
# "737 please", "512 это код", "409 z tyłu", "218 and the name's ..."): function words, thanks, assent; any other
# word there is what the number counts ("And that's 500 flyers", "Итого 500 листовок", "Razem 500 ulotek")
_AFTER_CODE = re.compile(
    r"and|the|for|from|then|that|that's|thats|this|these|with|was|were|are|also|too|again|only|exactly|please"
    r"|thanks|thank|yes|yeah|yep|right|okay|sorry|correct|there|here|now|done|but|you|i'm|it's|its|all|not"
    r"|это|все|вот|так|там|ага|угу|тоже|еще|верно|правильно|если|или|был|была|было|кажется|наверное|значит"
    r"|написано|сзади|спасибо|пожалуйста|да|для|нет|усе|ось|теж|вірно|якщо|але|або|здається|мабуть|значить|ззаду"
    r"|дякую|будь|ні|jest|wszystko|juz|tam|tez|jeszcze|dobrze|chyba|jesli|ale|lub|albo|napisane|dziekuje|prosze"
    r"|tak|dla|nie"
    # or name a year; or join a number's parts ("05 łamane przez 27", "07 ukośnik 28": said.JOIN_WORDS)
    r"|year|года|году|року|roku"
)
_COUNTED = re.compile(r" ([^\W\d_]{3,})(?![^\W\d_])")


def counts(folded: str, end: int) -> bool:
    """Whether the number ending at ``end`` is followed right away, no comma between, by a word it counts: a
    content word that is no number, no filler and no card data's cue ("500 flyers", "500 листовок", "500 ulotek"),
    so the number is a quantity and no code said bare after card data."""
    word = _COUNTED.match(folded, end)
    if word is None or word.group(1) in JOIN_WORDS:
        return False
    if any(p(word.group(1)) for p in (_AFTER_CODE.fullmatch, is_number_word, FILLER.fullmatch)):
        return False
    return not any(a == word.start(1) for kind in (CARD, EXPIRY, CVV) for a, _ in cues(kind, folded))


def _hedged(folded: str, at: int) -> int:
    """How many words before ``at`` only hedge what is said next ("I think it's 4 0 7", "Кажется, 407", "Chyba 407"):
    no words of their own between card data and the number that goes on with it."""
    return sum(words_between(folded, *m.span()) for m in _HEDGE.finditer(folded, 0, at))


def _since_card(said: set[str], cards: list[Span], spans: list[Span], at: int) -> set[str]:
    """The card data said before ``at``: ``said`` (this final's and the last one's), but only what this final said
    since its last card number before ``at`` where it said one ("Let me read that back: 4603 ..., 11/29?" after the
    customer's card and expiry: the card said again, the expiry after it is its expiry again, not a code)."""
    last = max((c.end for c in cards if c.kind == CARD and c.end <= at), default=-1)
    return said if last < 0 else {CARD} | {s.kind for s in spans if last <= s.start < at}


def slashed(folded: str, said: list[Item]) -> bool:
    """Whether ``said`` is a month and a year written with a slash between ("11/29", "02/2031"): how a recognizer
    writes an expiry date, never a security code."""
    return len(said) == 2 and folded[said[0].end : said[1].start] == "/" and _month_year(said, 2)


def _dated(piece: list[Item]) -> bool:
    """Whether ``piece`` is a day, a month and a year before any card's expiry (DDMMYYYY, 1900-2014): a birth date,
    never a security code (3 or 4 digits) nor a code and an expiry together (an expiry's year is 2015 or later, and
    a month of 19 or 20 is none)."""
    digits = _joined(piece)
    if len(digits) != _DATE_DIGITS:
        return False
    day, month, year = int(digits[:2]), int(digits[2:4]), int(digits[4:])
    return 1 <= day <= 31 and 1 <= month <= 12 and 1900 <= year < 2000 + _YEARS[0]


def _in_fours(piece: list[Item]) -> bool:
    """Whether ``piece`` is written as three groups of four digits or more ("5521 7730 0914"): how a recognizer writes
    a card's piece or a voucher's number, never a code (3 or 4 digits, one number) nor a code and an expiry together
    (two groups at most: "12/27 7373")."""
    return len(piece) >= _GROUPS_LEAST and all(len(i.digits) == _CODE_MOST and not i.spoken for i in piece)


def _clocked(folded: str, said: list[Item]) -> bool:
    """Whether ``said`` is two numbers written with a dot or a colon between ("15.03", "16:30"): a day and a month or
    a time, which a recognizer writes so; a code it writes as one number ("1503"), so one with no cue is none."""
    return any(folded[a.end : b.start] in (".", ":") for a, b in pairwise(said))


def _thousands(folded: str, piece: list[Item]) -> bool:
    """Whether ``piece`` is one number written in thousands apart ("4 250", "450 000", "12 500 000"): a recognizer
    writes a count or a sum so, and a code it writes as one number ("4250") or digit by digit ("4 2 5 0")."""
    if len(piece) < 2 or piece[0].spoken or len(piece[0].digits) > 3:
        return False
    return all(len(i.digits) == 3 and not i.spoken and folded[a.end : i.start] == " " for a, i in pairwise(piece))


def _decimal(folded: str, piece: list[Item], k: int) -> bool:
    """Whether ``piece``'s first ``k`` items end on a decimal point or comma with two digits after it and no space
    ("249.50", "249,50"): an amount with its cents, written so by a recognizer (a code is never written so)."""
    end = piece[k - 1].end
    if (
        k < len(piece)
        and piece[k].start == end + 1
        and folded[end : end + 1] in (".", ",")
        and len(piece[k].digits) == 2
    ):
        return True
    if k < 2 or piece[k - 1].start != piece[k - 2].end + 1:
        return False
    return folded[piece[k - 2].end] in ".," and len(piece[k - 1].digits) == 2


def _amount(folded: str, piece: list[Item], k: int) -> bool:
    """Whether ``piece``'s first ``k`` items are an amount with its unit after it: one number ("1249 zł"), with
    its cents ("1249,99 zł", "12.50 dollars"), or thousands written apart ("3 490 гривень"); not a code said in
    parts ("512, 3 days left": the code is 5123)."""
    said = piece[:k]
    thousands = all(len(i.digits) == 3 and not i.spoken and folded[i.start - 1] == " " for i in said[1:])
    if len(said) > 1 and not (len(said[0].digits) <= 3 and thousands):
        return False
    cents = k < len(piece) and len(piece[k].digits) == 2 and folded[piece[k - 1].end : piece[k].start] in (",", ".")
    return bool(UNIT.match(folded, piece[k].end if cents else piece[k - 1].end))


def by_shape(chain: list[Item], said: frozenset[str]) -> str:
    """What card data ``chain`` looks like, after card data (``said``): an expiry date if none was said
    yet and it is a month and a year, a code if 3 or 4 digits, else a card number's piece."""
    if EXPIRY not in said and _expiry(chain) == len(chain):
        return EXPIRY
    return CVV if 3 <= sum(len(i.digits) for i in chain) <= 4 else CARD


def months(folded: str, found: list[Item]) -> list[Item]:
    """Month names as items of two digits ("December": 12), where no number is; "July of '29" is one number."""
    out = []
    for m in MONTH.finditer(folded):
        if not any(i.start < m.end() and m.start() < i.end for i in found):
            of = _OF.match(folded, m.end())  # "July of '29", "December of twenty twenty-seven"
            of = of if of and any(0 <= i.start - of.end() <= 2 for i in found) else None
            out.append(Item(m.start(), of.end() if of else m.end(), f"{MONTHS[m.group()]:02d}"))
    for m in MONTH_BY_NUMBER.finditer(folded):  # "до восьмого месяца двадцать седьмого года"
        if not any(i.start < m.end() and m.start() < i.end for i in found):
            out.append(Item(m.start(), m.end(), f"{MONTH_ORDINALS[m.group(1)]:02d}"))
    for m in _NTH_MONTH.finditer(folded):  # "the 4th month of 2029", "the fourth month of twenty twenty-nine"
        month = int(m.group(1)) if m.group(1) else _ORDINAL_WORDS.index(m.group(2)) + 1
        if 1 <= month <= 12 and any(0 <= i.start - m.end() <= 2 for i in found):
            out.append(Item(m.start(), m.end(), f"{month:02d}"))
    for m in _NTH_MONTH_DIGITS.finditer(folded):  # "3-го месяца 30-го года", "3. miesiąca 30. roku"
        if 1 <= int(m.group(1)) <= 12 and any(0 <= i.start - m.end() <= 2 for i in found):
            out.append(Item(m.start(), m.end(), f"{int(m.group(1)):02d}"))
    return out


def months_said(folded: str, found: list[Item], rest: list[Item]) -> list[Item]:
    """``rest`` (of the numbers ``found`` in ``folded``) with the months :func:`months` reads in their place: a month
    said by its ordinal in English ("the 4th month of 2029") is one item, not the number 4 it holds."""
    said = months(folded, found)
    kept = [i for i in rest if not any(m.start <= i.start < m.end for m in said)]
    return sorted(kept + said, key=lambda i: i.start)


def _year(piece: list[Item], folded: str, card: bool) -> int:
    """1 where ``piece`` begins with a year alone said as an expiry is (after an expiry's cue): the end of
    that year ("до конца 27-го", "do końca 2027 roku", "the end of 2027"), or, where card data is about
    (``card``), a year said as one ("до 2029 года", "until 2029"); else 0."""
    digits = piece[0].digits
    year = len(digits) == 2 or (len(digits) == 4 and digits.startswith("20"))
    # no card in use or lately expired has a year before 2015 ("я ходжу до вас з 2011 року": since when)
    year = year and _plausible(piece[:1])
    said_so = len(digits) == 4 or bool(_YEAR_WORD.match(folded, piece[0].end))
    return int(year and (bool(_END_OF.search(folded, 0, piece[0].start)) or (card and said_so)))


def _retracted(folded: str, piece: list[Item], following: list[Item]) -> str:
    """What ``piece`` is the retracted start of, where a correction and a code or an expiry date follow it
    ("seven seven, no, seven eight one"): ``cvv``, ``expiry`` or ""."""
    if not following or sum(len(i.digits) for i in piece) > 2:
        return ""
    gap = (piece[-1].end, following[0].start)
    if words_between(folded, *gap) > CORRECTION_WORDS or not CORRECTION.search(folded, *gap):
        return ""
    return EXPIRY if _expiry(following) else CVV if code_items(following) else ""


def _corrected(folded: str, spans: list[Span], at: int) -> str:
    """The kind of the span just before ``at`` where a correction follows it ("twelve twenty-six, no, sorry,
    twelve twenty-seven"): the number at ``at`` may be that kind again; else ""."""
    if not spans or words_between(folded, spans[-1].end, at) > CORRECTION_WORDS:
        return ""
    return spans[-1].kind if CORRECTION.search(folded, spans[-1].end, at) else ""


def _retaken(folded: str, spans: list[Span], piece: list[Item]) -> str:
    """``expiry`` where ``piece`` is a month and a year a card has, said a sentence at most after an expiry date and
    a correction ("expires 04/27, hmm, no, that's the old one, 04/28"): the date taken for the one said before."""
    if not spans or spans[-1].kind != EXPIRY or not (k := _expiry(piece)) or not _plausible(piece[:k]):
        return ""
    gap = (spans[-1].end, piece[0].start)
    return EXPIRY if words_between(folded, *gap) <= _RETAKEN_WORDS and CORRECTION.search(folded, *gap) else ""


def _said_again(folded: str, spans: list[Span], said: list[Item]) -> bool:
    """Whether ``said`` repeats the digits of a security code found before it in the utterance."""
    return any(s.kind == CVV and _joined(items(folded[s.start : s.end])) == _joined(said) for s in spans)


def _spent(folded: str, spans: list[Span], cue_at: int, piece: list[Item]) -> bool:
    """Whether the code's cue ending at ``cue_at`` named its code already, a code found between it and ``piece``
    ("код 803. Это же 8990 в месяц?", "CVC 507, а пошлина 2000"): a cue names the one number after it, and the next
    number is a code only where it is that code said again ("CVV 357, 357") or a correction makes it one. So is a
    cue said right after its code ("482. That's the code. Call-out 600")."""
    if cue_at < 0:
        return False
    codes = [s for s in spans if s.kind == CVV and cue_at <= s.start < piece[0].start]
    # or the code just before the cue, which names it ("482. Это код. Выезд 600": the cue said after its code, not
    # one its own number follows: "759. Code 219")
    codes += [s for s in spans if s.kind == CVV and (m := _CODE_NAMED.match(folded, s.end)) and m.end() == cue_at]
    if not codes:
        return False
    k = code_items(piece)
    return not k or _joined(piece[:k]) != _joined(items(folded[codes[-1].start : codes[-1].end]))


def started(folded: str, cue_at: int, said: set[str], spans: list[Span]) -> bool:
    """Whether the expiry cue ending at ``cue_at`` is "valid from" said after the card's expiry and not beside it
    ("срок 05/28, CVV 512. ... и он действует с 01.03"): another thing's first day, a card's first month being said
    with its last."""
    if cue_at < 0 or EXPIRY not in said or not any(m.end() == cue_at for m in VALID_FROM.finditer(folded, 0, cue_at)):
        return False
    return not any(s.kind == EXPIRY and words_between(folded, s.end, cue_at) <= CONTEXT_WORDS for s in spans)


def _cut_short(piece: list[Item]) -> bool:
    """Whether ``piece`` may be an expiry date the recognizer cut short ("1, 2, 2." of "1, 2, 2, 8"): 6 digits at
    most, beginning with a month; not a year alone ("valid till 2028": no card's expiry has no month)."""
    digits = _joined(piece)
    year = len(piece) == 1 and len(digits) == 4 and digits[:2] in ("19", "20")
    month = len(digits) < 2 or 1 <= int(digits[:2]) <= 12 or len(piece[0].digits) == 1
    return len(digits) <= 6 and not year and month


def _near(folded: str, start: int, end: int) -> bool:
    return words_between(folded, start, end) <= CONTEXT_WORDS


def _named_parts(folded: str, pieces: list[list[Item]]) -> list[Span]:
    """An expiry date said as its parts named, the month's number and the year's ("месяц ноль три, год двадцать
    девять", "miesiąc 04, rok 30", "rok 2029, miesiąc 5"): two spans; a month number (1-12) and a card's year,
    each right after its word, one within a few words of the other (no cue needed: so said, they are a card's
    date, unless another thing is named). Each span holds its word too ("valid thru [EXPIRY], [EXPIRY]" for
    "valid thru month nine, year twenty-seven"): the part said whole, as the recording is silenced over it."""
    out: list[Span] = []
    if cues(OTHER, folded):  # "year 2019, month 3 of the contract": another thing's
        return out
    for first, second in pairwise(pieces):
        if words_between(folded, first[-1].end, second[0].start) > _PARTS_WORDS:
            continue
        gap = (first[-1].end, second[0].start)
        if (a := MONTH_WORD.search(folded, 0, first[0].start)) and (b := YEAR_WORD.search(folded, *gap)):
            month, year = first, second
        elif (a := YEAR_WORD.search(folded, 0, first[0].start)) and (b := MONTH_WORD.search(folded, *gap)):
            month, year = second, first
        else:
            continue
        m, y = _joined(month), _joined(year)
        if 1 <= int(m) <= 12 and len(m) <= 2 and (len(y) == 2 or (len(y) == 4 and y[:2] == "20")) and _plausible(year):
            out += [Span(EXPIRY, _from_word(folded, a, first), first[-1].end)]
            out += [Span(EXPIRY, _from_word(folded, b, second), second[-1].end)]
    return out


def _from_word(folded: str, word: re.Match[str], piece: list[Item]) -> int:
    """Where a part named by its word begins: at the word where the number follows it with nothing but
    punctuation between ("month nine", "rok: 30"), at the number where a verb is between ("the month is seven")."""
    named = re.match(r"[^\W\d_]+", folded[word.start() :])
    end = word.start() + (named.end() if named else 0)
    return word.start() if not any(c.isalnum() for c in folded[end : piece[0].start]) else piece[0].start


def _of_joined(folded: str, pieces: list[list[Item]]) -> list[list[Item]]:
    """``pieces`` with a month's number and a year said with "of" between them made one ("oh six of
    twenty-seven", as "July of '29" is for a month's name): a month (1-12, one or two digits) and a card's
    two-digit year (or 20YY)."""
    out: list[list[Item]] = []
    for piece in pieces:
        if out and _OF_BETWEEN.fullmatch(folded, out[-1][-1].end, piece[0].start) and _of_date(out[-1], piece):
            out[-1] = out[-1] + piece
        else:
            out.append(piece)
    return out


def _of_date(month: list[Item], year: list[Item]) -> bool:
    m, y = _joined(month), _joined(year)
    card_year = (len(y) == 2 or (len(y) == 4 and y.startswith("20"))) and _plausible(year)
    return len(m) <= 2 and 1 <= int(m) <= 12 and card_year


# a number likened to another thing's ("the same as my house number, 117", "как номер квартиры, 117", "як номер
# мого будинку", "taki sam jak numer domu"): a few words naming the thing, no digit or sentence's end among them
_LIKENED = re.compile(rf"(?:{LIKENING.pattern})\s+(?:[^\W\d_]+[\s,:'’\-–—]*){{1,5}}\Z")
# ... or said to be the speaker's own other number, right after the cue ("the code's my house number, 117", "код —
# это номер моей квартиры", "код — це номер моєї квартири", "kod to numer mojego mieszkania")
_OWN = re.compile(
    r"(?:(?<![^\W\d_])(?:is|это|це|to)|'s|—)\s+(?:(?:[^\W\d_]+\s+){0,2}(?:my|мо[йяеи][^\W\d_]*|мій|моє[^\W\d_]*"
    r"|мого|moj[^\W\d_]*)(?![^\W\d_]))(?:[\s,:'’\-–—]+[^\W\d_]+){1,4}[\s,:'’\-–—]*\Z"
)


def _likened(folded: str, at: int, named: list[tuple[int, int]]) -> int:
    """Where a likening opens whose thing's number is the one at ``at`` (its words name what the number is like, not
    whose it is: a code "the same as my house number" is the code), or where the speaker's own other number is named
    right after a cue of ``named`` ("the code's my house number, 117"), else ``at``."""
    if m := _LIKENED.search(folded, max(0, at - 60), at):
        return m.start()
    own = _OWN.search(folded, max(0, at - 60), at)
    if own and any(b <= own.start() and words_between(folded, b, own.start()) <= 1 for _, b in named):
        return own.start()
    return at


def expiries_and_codes(text: str, rest: list[Item], before: Before, cards: list[Span]) -> list[Span]:
    """Expiry dates and security codes among the numbers left once the card numbers are taken: after a
    cue (the nearer of an expiry's and a code's says which: "expires 07/30, code 551"), an answer to a
    question, or right after card data (an expiry date first, if none was said yet, then a code)."""
    folded = fold(text)
    said = set(before.said) | ({CARD} if cards else set())
    # a bare "code" or "date" is a security code's or an expiry's only where card data is about ("door code 4417")
    card = bool(said or before.asked & {CARD, EXPIRY, CVV} or cues(CARD, folded))
    named = cues(CARD, folded)  # "Карта до апреля 2030-го": a card named just before "до" and a month
    near = [m for m in NEAR_CARD_CUE.finditer(folded) if CARD not in said]
    # "Карта до апреля 2030-го", "Картка до 07/29": a card named right before "до"
    named_near = [m for m in near if (at := last_cue(named, m.start())) >= 0 and _near(folded, at, m.start())]
    # "до" after card data is an expiry's cue, but not inside another thing's validity or where it ends one
    # ("Лицензия 4400 1234 9876, действует до 11/27", "Гарантия до марта 2027, а подписка действует до 2028" after a
    # card: the licence's, the warranty's)
    validity = [m.span() for m in NOT_EXPIRY.finditer(folded)]
    # ... after the card, or before it with a month named ("До июня 2030, номер ...", "До 04/28, ..."): otherwise said
    # before it in the utterance, "till" is a time's or another thing's ("9 till 1, 75 ... 5203 1884 ...": hours)
    expiry_cues = cues(EXPIRY, folded) + [
        m.span()
        for m in NEAR_CARD_CUE.finditer(folded)
        if (
            CARD in before.said
            or any(c.end <= m.start() for c in cards)
            or (cards and (MONTH.match(folded, m.end() + 1) or _MONTH_YEAR_AFTER.match(folded, m.end())))
        )
        and not any(a <= m.start() and words_between(folded, b, m.start()) <= 1 for a, b in validity)
    ]
    expiry_cues += [m.span() for m in named_near if MONTH.match(folded, m.end() + 1)]
    # "it expires at the end of February 2029", "действует до конца февраля": the cue reaches on past "end of"
    expiry_cues += [m.span() for m in _END_OF_WORDS.finditer(folded) if cue_before(expiry_cues, folded, m.start()) >= 0]
    # not one inside another thing's cue ("the warranty is valid till 2027": a cue taken back from an expiry's)
    others = cues(OTHER, folded)
    dates = [m.span() for m in DATE_CUE.finditer(folded) if not any(a <= m.start() < b for a, b in others)]
    dates = dates if card else []
    # a card named before "до" and digits after ("оплачу картой до 10.06": a day and a month) is a weak cue, as a
    # bare "date" is: the year must be one a card has
    dates += [m.span() for m in named_near if not MONTH.match(folded, m.end() + 1)]
    expiry_cues += dates
    code_cues = cues(CVV, folded) if card or cues(EXPIRY, folded) else code_cues_named(folded)
    other_cues = sorted(cues(OTHER, folded) + [m.span() for m in PAYING.finditer(folded)])
    card_cues = cues(CARD, folded)
    card_ends = {c.end for c in cards}
    spans: list[Span] = []
    pieces = _of_joined(folded, chains(folded, rest))
    named_parts = _named_parts(folded, pieces)
    spans += named_parts
    for n, piece in enumerate(pieces):
        if any(s.start <= piece[0].start < s.end for s in named_parts):
            continue
        retracted = _retracted(folded, piece, pieces[n + 1] if n + 1 < len(pieces) else [])
        if sum(len(i.digits) for i in piece) >= LONG_DIGITS:
            continue  # one number as long as a card's that no card rule took: a SIM card's, an account's
        if _in_fours(piece):
            continue  # "the code 5521 7730 0914 is on my voucher": a voucher's number or a card's piece, no code
        if _dated(piece):
            continue  # a day, a month and a year said as one run ("one four oh three one nine five two"): a birth date
        if CURRENCY.search(folded, 0, piece[0].start):
            continue  # an amount ("for the $249.99 order"), wherever a code's cue or card data is before it
        if (prefix := PHONE_PREFIX.search(folded, 0, piece[0].start)) and (
            "+" in prefix.group() or sum(len(i.digits) for i in piece) > _CODE_MOST
        ):
            continue  # a phone's country code and the rest of it ("Мій номер +380 67 415 29 83"), not "plus 419"
        while piece:
            at = piece[0].start
            # "same as my house number, 117": read where the likening opens
            likened = _likened(folded, at, code_cues + expiry_cues)
            opening = words_between(folded, 0, likened) - _hedged(folded, likened) <= CONTEXT_WORDS
            after = max((s.end for s in cards + spans if s.end <= at), default=-1)
            # right after card data, here or in the last final; or ending an utterance a few words into it
            # after card data (its cue misheard: "Которая на Оке 9-8-2" for "Код на обороте 982")
            ending = words_between(folded, 0, at) <= _MISHEARD_WORDS and not words_between(
                folded, piece[-1].end, len(folded)
            )
            following = (after >= 0 and words_between(folded, after, at) <= CONTEXT_WORDS) or (
                (opening or ending) and bool(before.said)
            )
            following = following and last_cue(other_cues, at) <= after  # "card ..., phone 600 123 456"
            # a card, a word taking something back, a group that is no expiry date ("4024 ... 5608, нет, поправлю,
            # 8832"): the card's group corrected, not a code said bare after it
            regrouped = after in card_ends and takes_back(folded, after, at) and len(piece[0].digits) == _GROUP_DIGITS
            regrouped = regrouped and not ((m := _expiry(piece)) and _plausible(piece[:m]))
            following = following and not regrouped
            # the card named again after card data said here, right before it: its number's first group, not the
            # code ("Expiry's 10/30. Card's 4556"; not "card verification 812")
            card_at = last_cue(card_cues, at)
            following = following and not (0 <= after < card_at and _CARD_NAMED.fullmatch(folded, card_at, at))
            expiry_at, code_at = cue_before(expiry_cues, folded, likened), cue_before(code_cues, folded, likened)
            other_at = last_cue(other_cues, likened)  # "срок действия договора до ...": another thing's
            expiry_at, code_at = (-1 if other_at > expiry_at else expiry_at), (-1 if other_at > code_at else code_at)
            code_at = -1 if _spent(folded, spans, code_at, piece) else code_at
            expiry_at = -1 if started(folded, expiry_at, said, spans) else expiry_at
            expiry_at = max(expiry_at, 0) if opening and EXPIRY in before.asked else expiry_at
            code_at = max(code_at, 0) if opening and CVV in before.asked else code_at
            kind, k = "", 0
            again = _corrected(folded, spans, at) or _retaken(folded, spans, piece)
            if (
                expiry_at >= 0
                and code_at > expiry_at
                and words_between(folded, expiry_at, code_at) <= _BOTH_NAMED_WORDS
                and (k := _expiry(piece))
                and k < len(piece)
                and code_items(piece[k:]) == len(piece) - k
            ):
                # both named, then both said ("the date and the code, 09 27 714", "дата с кодом"): the month and
                # the year first, the code after them (the code is read on the next turn of this loop)
                kind = EXPIRY
            elif (
                expiry_at >= 0
                and expiry_at >= code_at
                and (k := _expiry(piece) or _year(piece, folded, card) or (retracted == EXPIRY and len(piece)))
            ):
                kind = EXPIRY if _plausible(piece[:k]) or expiry_at not in (b for _, b in dates) else ""
            elif expiry_at >= 0 and expiry_at >= code_at and ending and _cut_short(piece):
                kind, k = EXPIRY, len(piece)  # cut short by the recognizer ("1, 2, 2." of "1, 2, 2, 8")
            elif (
                code_at >= 0
                and (k := code_items(piece) or (retracted == CVV and len(piece)))
                and not _amount(folded, piece, k)  # "code ..., and the payment 1249,99 zł": an amount
            ):
                kind = CVV  # a short start said again whole ("CVV is seven seven, no, seven eight one") is it too
            elif (
                card
                and (k := code_items(piece))
                and (CODE_AFTER.match(folded, piece[k - 1].end) or _BACK_AFTER.match(folded, piece[k - 1].end))
            ):
                # the code named after its digits: "and then 955, that's the code", "955 это код", or by where it is
                # printed: "and 751 on the back", "сзади 751" is a cue before it
                kind = CVV
            elif (
                card
                and (k := _expiry(piece))
                and _plausible(piece[:k])
                and _EXPIRY_AFTER.match(folded, piece[k - 1].end)
            ):
                kind = EXPIRY  # the expiry named after its digits: "and then 04/29 is the date", "04/29 это срок"
            elif (k := code_items(piece)) and _said_again(folded, spans, piece[:k]):
                kind = CVV  # the code said again, whatever words between ("код 614, и ещё раз, 614")
            elif (
                ((following and EXPIRY not in _since_card(said, cards, spans, at)) or again == EXPIRY)
                and (k := _expiry(piece))
                # said bare and written with a point, a year no card has is an amount ("It costs 12.99 altogether")
                and (again == EXPIRY or _plausible(piece[:k]) or not _clocked(folded, piece[:k]))
            ):
                kind = EXPIRY
            elif (
                (
                    following
                    or (
                        after >= 0
                        and words_between(folded, after, at) <= _SLASHED_WORDS
                        and EXPIRY not in _since_card(said, cards, spans, at)
                    )
                )
                and last_cue(other_cues, at) <= after
                and (k := _expiry(piece))
                and slashed(folded, piece[:k])
                and _plausible(piece[:k])
            ):
                # "11/29?" read back after the expiry was said: a code is never written with a slash; an aside
                # between the card and it ("4749 ... 544, it's a long one, 07/30, 286") is no other thing's date
                kind = EXPIRY
            elif (
                ((following and CVV not in _since_card(said, cards, spans, at)) or again == CVV)
                and (k := code_items(piece))
                and not (following and (_clocked(folded, piece[:k]) or _thousands(folded, piece)))
                and not UNIT.match(folded, piece[k - 1].end)
                and not UNIT.match(folded, piece[-1].end)  # "249,99 zł": an amount's whole and its cents
                and not (again != CVV and counts(folded, piece[k - 1].end))  # "And that's 500 flyers"
                and not _YEAR_WORD.match(folded, piece[k - 1].end)  # "Машина 2019 року": a year
                # a flight's or a plate's letters before it ("Flight BA 2491", "Рейс SU 1734")
                and not (again != CVV and _FLIGHT_LETTERS.search(text, 0, at))
            ):
                kind = CVV
            elif regrouped:
                kind, k = CARD, 1  # masked as the card's at once, in a partial too
            if kind == EXPIRY and k == 1 and len(piece) > 1 and MONTH.fullmatch(folded, piece[1].start, piece[1].end):
                k = 2  # the year first, its month's name right after it ("конец 2029-го, декабрь", "2029, December")
            if kind == CVV and _decimal(folded, piece, k):
                kind = ""  # "take 249.50 off it": an amount with its cents is never a code
            if not kind:
                break
            end = piece[k - 1].end
            if kind == EXPIRY and (word := _YEAR_WORD.match(folded, end)):
                end = word.end()  # "до ноября 2028 года": the year's word is said with it, silenced with it
                # ... and the month named after them where the year came alone ("срок 2030 год, март")
                gap = _THEN_MONTH.match(folded, end)
                end = month.end() if k == 1 and gap and (month := MONTH.match(folded, gap.end())) else end
            spans.append(Span(kind, at, end))
            said.add(kind)
            piece = piece[k:]
    return spans
