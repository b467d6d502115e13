"""Card data said aloud, found in one utterance's text: card numbers, expiry dates, security codes.

Whisper writes numbers as digits ("4111 1111 1111 1111", "12/27", "4-5-3-9") and sometimes as words
("four one one one ...", "forty five thirty two", "oh nine twenty eight", "double seven", "double 7",
"сорок пять", "п'ять", "pięć"); both become :class:`Item` s with their character offsets, and items
separated by nothing but spaces, commas, dots, dashes, slashes or a said "slash" form a chain (a number
said in groups). The words around a number are :mod:`agentassist.privacy.cues`.

- A card number is a run of whole items in a chain with 13 to 19 digits that passes the Luhn check
  (no cue needed: PCI DSS data is redacted wherever it is said); or one that fails it (a digit misheard)
  where a card is named just before ("card", "карта", "картка", "karta", "Visa") or was asked for, or
  where nothing says it is another number (an order, a reference, a phone: :data:`cues.OTHER_CUE`) and it
  is said as a card is: starting with 2-6, in at most six groups or digit by digit, not a date or a list
  of years.
- An expiry date is month and year (``MM/YY``, ``MM YY``, ``MMYY``, ``MM/YYYY``, "December 27") said after
  an expiry cue ("expiry", "срок действия", "термін дії", "data ważności"; a bare "до"/"do" only next to a
  card number), asked for, or said right after a card number.
- A security code is 3 or 4 digits said after a code cue ("CVV", "security code", "код", "kod", "on the
  back"), asked for (the agent asks, the customer answers), or said right after a card number or its
  expiry date ("4539 ... 6467, 12/27, 737").

Everything here is pure: text in, spans out (:func:`find_spans`); the call's state (numbers said over
several utterances) is :mod:`agentassist.privacy.redactor`'s, which tells what was said just before as a
:class:`Before`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise

from agentassist.assist.numbers import is_number_word, number_runs
from agentassist.privacy.cues import CARD, CVV, EXPIRY, MONTH, MONTHS, NEAR_CARD_CUE, OTHER, asked_for, cues

KINDS = (CARD, EXPIRY, CVV)
CARD_DIGITS = (13, 19)  # ISO/IEC 7812 primary account numbers: 13 (old Visa) to 19 digits
# a card number failing the Luhn check: its likeliest lengths first (16: Visa, Mastercard, Mir; 15: Amex)
UNCHECKED_DIGITS = (16, 15, 14, 13, 19, 18, 17)
_UNCHECKED_GROUPS = 6  # said with no cue, a card is read in at most this many groups (or digit by digit)
_CARD_FIRST = "23456"  # Mir, Amex/Diners/JCB, Visa, Mastercard/Maestro, Discover/UnionPay (not 0, 1, 8, 9: phones)

_FOLD = str.maketrans("ąćęłńóśźżё’ʼ`", "acelnoszzе'''")
_TOKEN = re.compile(r"\d+|[^\W\d_]+(?:'[^\W\d_]+)*")
# between two groups of one number: "4111 1111", "12/27", "45, 32", "twelve slash twenty seven"
_JOIN = re.compile(r"[\s,.\-–—/]{0,4}|\s+(?:slash|дробь|слеш|слэш|lamane przez|lamane)\s+")
_ZERO = {"oh", "o"}  # "oh nine": English says zero so inside a number
_REPEAT = {"double": 2, "triple": 3}
_CUE_WORDS = 3  # a cue reaches a number this many words after it ("the CVV is 123")
_CARD_CUE_WORDS = 5  # "my card number is, um, 4539 ...": a card's cue reaches further (13+ digits follow)
_MISHEARD_WORDS = 5  # after card data, a number ending an utterance this many words in is card data still
_CONTEXT_WORDS = 2  # an answer to a cue said before ("318", "it's 318"), or going on after card data ("and 737")
_UNIT = re.compile(
    r"[\s,]*(?:%|percent|per cent|dollars?|euros?|pounds?|cents?|bucks|minutes?|hours?|days?|units?|pieces?|items?"
    r"|руб\w*|грн|гривен\w*|гривн\w*|евро|євро|доллар\w*|долар\w*|процент\w*|відсот\w*|минут\w*|хвилин\w*|час\w*"
    r"|штук\w*|zl\w*|zlot\w*|euro|procent\w*|minut\w*|godzin\w*|sztuk\w*)(?!\w)"
)  # "and 200 dollars" after a card number: an amount, not its code
_PHONE_PREFIX = re.compile(r"(?:\+|\bplus|\bплюс)\s*$")
_CODE_BEFORE = re.compile(r"(?:[^\W\d_]+\d|\d+[^\W\d_])\w*(?:[\s\-]+\w+)?[\s\-]*$")  # letters and digits mixed


@dataclass(frozen=True, slots=True)
class Item:
    """One number as said: its digits and where it is in the text (``end`` exclusive)."""

    start: int
    end: int
    digits: str


@dataclass(frozen=True, slots=True)
class Span:
    kind: str  # card | expiry | cvv
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Before:
    """What was said just before an utterance: what a final of either speaker ended asking for (``card``,
    ``expiry``, ``cvv``, or ``other``: an order or phone number) and the card data kinds the last final held."""

    asked: frozenset[str] = frozenset()
    said: frozenset[str] = frozenset()


NOTHING = Before()


def fold(text: str) -> str:
    """Lowercase, Polish diacritics and ё folded, apostrophes unified: the same length as ``text``."""
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text).translate(_FOLD)


def luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def items(text: str) -> list[Item]:
    """Every number in ``text``, digits and number words alike, in order."""
    folded = fold(text)
    tokens = [(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(folded)]
    out: list[Item] = []
    words: list[tuple[str, int, int]] = []  # a run of number words, joined only by separators

    def flush() -> None:
        for first, end, value in number_runs([w for w, _, _ in words]):
            out.append(Item(words[first][1], words[end - 1][2], str(value)))
        words.clear()

    repeat, repeat_start = 0, 0
    for n, (tok, start, end) in enumerate(tokens):
        if words and not _JOIN.fullmatch(folded[words[-1][2] : repeat_start if repeat else start]):
            flush()
        if tok.isdigit():
            flush()
            # "double 7": Whisper writes the digit, the word stays
            out.append(Item(repeat_start, end, tok * repeat) if repeat and len(tok) == 1 else Item(start, end, tok))
        elif tok in _REPEAT and n + 1 < len(tokens) and _repeatable(tokens[n + 1][0]):
            repeat, repeat_start = _REPEAT[tok], start  # "double seven": 77, masked from "double"
            continue
        elif is_number_word("zero" if tok in _ZERO and (repeat or _beside_number(tokens, n)) else tok):
            word = "zero" if tok in _ZERO else tok
            words.extend([(word, repeat_start if repeat else start, end)] * max(repeat, 1))
        else:
            flush()
        repeat = 0
    flush()
    return [i for i in out if i.digits]


def _repeatable(tok: str) -> bool:
    return is_number_word(tok) or tok in _ZERO or (tok.isdigit() and len(tok) == 1)


def _beside_number(tokens: list[tuple[str, int, int]], n: int) -> bool:
    near = [tokens[k][0] for k in (n - 1, n + 1) if 0 <= k < len(tokens)]
    if tokens[n][0] == "o":  # Polish "o 10:30" (at half past ten) is no zero: an English "o" comes before a digit
        return n + 1 < len(tokens) and _digit(tokens[n + 1][0])
    return any(t.isdigit() or (t not in _ZERO and is_number_word(t)) for t in near)


def _digit(tok: str) -> bool:
    return (tok.isdigit() and len(tok) == 1) or (is_number_word(tok) and len(str(number_runs([tok])[0][2])) == 1)


def chains(text: str, found: list[Item]) -> list[list[Item]]:
    """Items said as one number: adjacent, with only separators between them."""
    out: list[list[Item]] = []
    for item in found:
        if out and _JOIN.fullmatch(text[out[-1][-1].end : item.start]):
            out[-1].append(item)
        else:
            out.append([item])
    return out


def card_windows(chain: list[Item], across: int | None = None) -> list[tuple[int, int]]:
    """Non-overlapping runs ``[i, j)`` of whole items that form a Luhn-valid card number, the likeliest
    lengths first (16 digits before a 19-digit run that took in the expiry date by chance); with
    ``across``, only runs that take an item before that index and one at it or after (a number said
    across two utterances)."""
    lo, hi = CARD_DIGITS
    found: list[tuple[int, int]] = []
    candidates = []
    for i in range(len(chain)):
        digits = ""
        for j in range(i, len(chain)):
            digits += chain[j].digits
            if len(digits) > hi:
                break
            if len(digits) >= lo and luhn(digits) and (across is None or i < across <= j):
                candidates.append((UNCHECKED_DIGITS.index(len(digits)), i, j + 1))
    for _, i, j in sorted(candidates):
        if all(j <= a or i >= b for a, b in found):
            found.append((i, j))
    return sorted(found)


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
    j = next((ends[n] for n in UNCHECKED_DIGITS if n in ends and (across is None or across < ends[n])), 0)
    if not j or chain[0].digits[0] == "0" or not said_as_card(folded, chain[:j], before):
        return []
    return [(0, j)]


def said_as_card(folded: str, run: list[Item], before: Before = NOTHING) -> bool:
    """Whether the words around ``run`` (13-19 digits failing the Luhn check; ``folded``: the text it
    starts in) say it is a card number."""
    named = named_before(folded, run[0].start, before)
    if named:
        return named == CARD
    grouped = len(run) <= _UNCHECKED_GROUPS or all(len(i.digits) == 1 for i in run)
    coded = _CODE_BEFORE.search(folded[: run[0].start])  # "GB29 NWBK 6016 ...", "1Z 999 AA1 0123 ...": an identifier
    return grouped and run[0].digits[0] in _CARD_FIRST and not coded and not ordinary(folded, run)


def named_before(folded: str, at: int, before: Before = NOTHING) -> str:
    """What the words before ``at`` say the number there is: ``card`` (the nearest cue, within reach, or
    the question just before), ``other`` (an order, a reference, a phone: a cue or the question), or ""."""
    card_at = _last(cues(CARD, folded), at)
    other_at = _last(cues(OTHER, folded), at)
    if card_at > other_at and _words_between(folded, card_at, at) <= _CARD_CUE_WORDS:
        return CARD
    if other_at >= 0 or OTHER in before.asked:
        return OTHER
    if CARD in before.asked and _words_between(folded, 0, at) <= _CARD_CUE_WORDS:
        return CARD
    return ""


def announced(folded: str, at: int, before: Before = NOTHING) -> str:
    """The card data the words just before ``at`` announce, the nearest cue's (or the question's just
    before): ``card``, ``expiry``, ``cvv`` or "". A partial's number said only in part yet is masked as it
    ("my card number is 453", "the CVV is 7")."""
    opening = _words_between(folded, 0, at) <= _CONTEXT_WORDS
    found = {}
    for kind in (EXPIRY, CVV):
        found[kind] = _cue_before(cues(kind, folded), folded, at)
        found[kind] = max(found[kind], 0) if opening and kind in before.asked else found[kind]
    if named_before(folded, at, before) == CARD:
        found[CARD] = max(_last(cues(CARD, folded), at), 0)
    kind, where = max(found.items(), key=lambda kv: kv[1])
    return kind if where >= 0 else ""


def ordinary(folded: str, run: list[Item]) -> bool:
    """A run that is plainly no card number: a phone ("+48 ...", "00 48 ..."), a date ("12.03.2024"),
    years ("2019, 2020, 2021"), an evenly spaced list ("36, 38, 40, 42")."""
    if _PHONE_PREFIX.search(folded[: run[0].start]) or run[0].digits.startswith("00"):
        return True
    if all(len(i.digits) == 4 and i.digits[:2] in ("19", "20") for i in run):
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


def _last(found: list[tuple[int, int]], at: int) -> int:
    """Where the last cue before ``at`` ends (-1: none)."""
    return max((end for _, end in found if end <= at), default=-1)


def _words_between(folded: str, start: int, end: int) -> int:
    return len(_TOKEN.findall(folded[start:end]))


def _cue_before(found: list[tuple[int, int]], folded: str, at: int) -> int:
    """Where the nearest cue before ``at`` ends, if it is near enough (-1: none)."""
    return max((end for _, end in found if end <= at and _words_between(folded, end, at) <= _CUE_WORDS), default=-1)


def _month_year(chain: list[Item], k: int) -> bool:
    """Whether the first ``k`` items of ``chain`` say a month and a year: "12 27", "1227", "12/2027",
    "9 28" (a one-digit month, then a year of its own), "oh nine twenty eight", "December 2027"."""
    digits = "".join(i.digits for i in chain[:k])
    if len(digits) == 3 and k == 2 and len(chain[1].digits) == 2:
        month, year = digits[:1], digits[1:]
    elif len(digits) in (4, 6) and (k > 1 or len(digits) == 4):
        month, year = digits[:2], digits[2:]
    else:
        return False
    return 1 <= int(month) <= 12 and (len(year) == 2 or year.startswith("20"))


def _expiry(chain: list[Item]) -> int:
    """How many leading items of ``chain`` say a month and a year, the most that do (0: none)."""
    return max((k for k in range(1, min(len(chain), 4) + 1) if _month_year(chain, k)), default=0)


def _code(chain: list[Item]) -> int:
    """How many leading items of ``chain`` say a 3- or 4-digit security code (0: none)."""
    digits = ""
    for k, item in enumerate(chain[:4], start=1):
        digits += item.digits
        if len(digits) in (3, 4) and (k == len(chain) or len(digits + chain[k].digits) > 4):
            return k
        if len(digits) > 4:
            return 0
    return 0


def by_shape(chain: list[Item], said: frozenset[str]) -> str:
    """What card data ``chain`` looks like, after card data (``said``): an expiry date if none was said
    yet and it is a month and a year, a code if 3 or 4 digits, else a card number's piece."""
    if EXPIRY not in said and _expiry(chain) == len(chain):
        return EXPIRY
    return CVV if 3 <= sum(len(i.digits) for i in chain) <= 4 else CARD


def _months(folded: str, found: list[Item]) -> list[Item]:
    """Month names as items of two digits ("December": 12), where no number is."""
    return [
        Item(m.start(), m.end(), f"{MONTHS[m.group()]:02d}")
        for m in MONTH.finditer(folded)
        if not any(i.start < m.end() and m.start() < i.end for i in found)
    ]


def find_spans(text: str, before: Before = NOTHING, taken: tuple[Span, ...] = ()) -> list[Span]:
    """The card data in ``text``, said after what ``before`` tells (the utterances just before);
    ``taken``: pieces of a card number already known (one said on from the utterance before), the
    numbers after them read as what follows a card."""
    folded = fold(text)
    said = items(text)
    found = [i for i in said if not any(t.start <= i.start < t.end for t in taken)]
    cards: list[Span] = list(taken)
    rest: list[Item] = []
    for chain in chains(folded, found):
        last = 0
        for i, j in _card_runs(chain, folded, before):
            cards.append(Span(CARD, chain[i].start, chain[j - 1].end))
            rest += chain[last:i]
            last = j
        rest += chain[last:]
    rest = sorted(rest + _months(folded, found), key=lambda i: i.start)
    spans = sorted(cards + _expiries_and_codes(folded, rest, before, cards), key=lambda s: s.start)
    return _whole(chains(folded, said), spans)


def _whole(found: list[list[Item]], spans: list[Span]) -> list[Span]:
    """``spans`` and, for a chain partly masked, its other numbers as the span before them (or after): one
    number as said is masked whole ("6, 4, 6, 7, 6, 4, 6, 7": a group heard twice after a card number)."""
    out = list(spans)
    for chain in found:
        inside = [s for s in spans if chain[0].start <= s.start < chain[-1].end]
        run: list[Item] = []
        for item in [*chain, None] if inside else []:
            if item is not None and not any(s.start <= item.start < s.end for s in inside):
                run.append(item)
                continue
            if run:
                near = max((s for s in inside if s.end <= run[0].start), key=lambda s: s.end, default=inside[0])
                out.append(Span(near.kind, run[0].start, run[-1].end))
            run = []
    return sorted(out, key=lambda s: s.start)


def _card_runs(chain: list[Item], folded: str, before: Before) -> list[tuple[int, int]]:
    """The card numbers of a chain: its Luhn-valid runs, but not a date or a phone; or the run said as a
    card that holds them all (a misheard card number may hold a shorter run that passes Luhn by chance:
    "five | three seven five ... three two", 15 digits of 16)."""
    windows = [(i, j) for i, j in card_windows(chain) if not ordinary(folded, chain[i:j])]
    wide = unchecked_window(chain, folded, before)
    if wide and all(wide[0][0] <= i and j <= wide[0][1] for i, j in windows):
        return wide
    return windows


def _expiries_and_codes(folded: str, rest: list[Item], before: Before, cards: list[Span]) -> list[Span]:
    """Expiry dates and security codes among the numbers left once the card numbers are taken: after a
    cue (the nearer of an expiry's and a code's says which: "expires 07/30, code 551"), an answer to a
    question, or right after card data (an expiry date first, if none was said yet, then a code)."""
    said = set(before.said) | ({CARD} if cards else set())
    expiry_cues = cues(EXPIRY, folded) + ([m.span() for m in NEAR_CARD_CUE.finditer(folded)] if CARD in said else [])
    code_cues = cues(CVV, folded)
    other_cues = cues(OTHER, folded)
    spans: list[Span] = []
    for piece in chains(folded, rest):
        while piece:
            at = piece[0].start
            opening = _words_between(folded, 0, at) <= _CONTEXT_WORDS
            after = max((s.end for s in cards + spans if s.end <= at), default=-1)
            # right after card data, here or in the last final; or ending an utterance a few words into it
            # after card data (its cue misheard: "Которая на Оке 9-8-2" for "Код на обороте 982")
            ending = _words_between(folded, 0, at) <= _MISHEARD_WORDS and not _words_between(
                folded, piece[-1].end, len(folded)
            )
            following = (after >= 0 and _words_between(folded, after, at) <= _CONTEXT_WORDS) or (
                (opening or ending) and bool(before.said)
            )
            following = following and _last(other_cues, at) <= after  # "card ..., phone 600 123 456"
            expiry_at, code_at = _cue_before(expiry_cues, folded, at), _cue_before(code_cues, folded, at)
            expiry_at = max(expiry_at, 0) if opening and EXPIRY in before.asked else expiry_at
            code_at = max(code_at, 0) if opening and CVV in before.asked else code_at
            kind, k = "", 0
            if expiry_at >= 0 and expiry_at >= code_at and (k := _expiry(piece)):
                kind = EXPIRY
            elif expiry_at >= 0 and expiry_at >= code_at and ending and sum(len(i.digits) for i in piece) <= 6:
                kind, k = EXPIRY, len(piece)  # cut short by the recognizer ("1, 2, 2." of "1, 2, 2, 8")
            elif code_at >= 0 and (k := _code(piece)):
                kind = CVV
            elif following and EXPIRY not in said and (k := _expiry(piece)):
                kind = EXPIRY
            elif following and CVV not in said and (k := _code(piece)) and not _UNIT.match(folded, piece[k - 1].end):
                kind = CVV
            if not kind:
                break
            spans.append(Span(kind, at, piece[k - 1].end))
            said.add(kind)
            piece = piece[k:]
    return spans


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
