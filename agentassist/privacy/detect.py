"""Card data said aloud, found in one utterance's text: card numbers, expiry dates, security codes.

Whisper writes numbers as digits ("4111 1111 1111 1111", "12/27") and sometimes as words ("four one
one one ...", "forty five thirty two", "oh nine twenty eight", "double seven", "сорок пять",
"п'ять", "pięć"); both become :class:`Item` s with their character offsets, and items separated by
nothing but spaces, commas, dots, dashes or slashes form a chain (a number said in groups).

- A card number is a run of whole items in a chain with 13 to 19 digits that passes the Luhn check
  (no cue needed: PCI DSS data is redacted wherever it is said).
- An expiry date is month and year (``MM/YY``, ``MM YY``, ``MMYY``, ``MM/YYYY``) said after an
  expiry cue ("expiry", "срок действия", "термін дії", "data ważności"; a bare "до"/"do" only
  next to a card number).
- A security code is 3 or 4 digits said after a code cue ("CVV", "security code", "код",
  "kod", "on the back"), in the same utterance or just after one that ended with the cue (the
  agent asks, the customer answers).

Everything here is pure: text in, spans out (:func:`find_spans`); the call's state (numbers said over
several utterances) is :mod:`agentassist.privacy.redactor`'s.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from agentassist.assist.numbers import is_number_word, number_runs

CARD = "card"
EXPIRY = "expiry"
CVV = "cvv"
KINDS = (CARD, EXPIRY, CVV)
CARD_DIGITS = (13, 19)  # ISO/IEC 7812 primary account numbers: 13 (old Visa) to 19 digits

_FOLD = str.maketrans("ąćęłńóśźżё’ʼ`", "acelnoszzе'''")
_TOKEN = re.compile(r"\d+|[^\W\d_]+(?:'[^\W\d_]+)*")
_JOIN = re.compile(r"[\s,.\-–—/]{0,4}")  # between two groups of one number: "4111 1111", "12/27", "45, 32"
_ZERO = {"oh", "o"}  # "oh nine": English says zero so inside a number
_REPEAT = {"double": 2, "triple": 3}
_CUE_WORDS = 3  # a cue reaches a number this many words after it ("the CVV is 123")
_CONTEXT_WORDS = 2  # an answer to a cue said before ("318", "it's 318")

_CVV_CUE = re.compile(
    r"\b(?:cvv2?|cvc2?|cv2|cid|security code|verification code|card code|code|digits on the back|on the back"
    r"|код\w*|на обороте|обратной стороне|на звороті|звороті|три цифр\w*|kod\w*|z tylu|trzy cyfry)\b"
)
_NOT_CVV = re.compile(
    r"\b(?:zip|area|postal|post|promo|discount|country|dialling|dialing) code|код\w* (?:города|міста|страны|країни)"
    r"|(?:почтов\w*|поштов\w*) код\w*|kod\w* (?:pocztow\w*|kraju|rabatow\w*)"
)
_EXPIRY_CUE = re.compile(
    r"\b(?:expiry|expiration|expires?|expiring|exp|valid (?:until|thru|through|till|to)|good (?:until|thru|through)"
    r"|срок\w* действия|действует до|действительна до|годна до|термін\w* дії|дійсна до|діє до"
    r"|data waznosci|waznosc|wazna do)\b"
)
_NEAR_CARD_CUE = re.compile(r"\b(?:до|do|until)\b")  # "card ..., до 11/25": an expiry only beside a card


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
            out.append(Item(start, end, tok))
        elif tok in _REPEAT and n + 1 < len(tokens) and (is_number_word(tokens[n + 1][0]) or tokens[n + 1][0] in _ZERO):
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


def _beside_number(tokens: list[tuple[str, int, int]], n: int) -> bool:
    near = [tokens[k][0] for k in (n - 1, n + 1) if 0 <= k < len(tokens)]
    return any(t.isdigit() or (t not in _ZERO and is_number_word(t)) for t in near)


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
    """Non-overlapping runs ``[i, j)`` of whole items that form a Luhn-valid card number, longest first;
    with ``across``, only runs that take an item before that index and one at it or after (a number
    said across two utterances)."""
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
                candidates.append((j + 1 - i, len(digits), i, j + 1))
    for _, _, i, j in sorted(candidates, reverse=True):
        if all(j <= a or i >= b for a, b in found):
            found.append((i, j))
    return sorted(found)


def _words_between(folded: str, start: int, end: int) -> int:
    return len(_TOKEN.findall(folded[start:end]))


def _cue_before(cues: list[tuple[int, int]], folded: str, at: int) -> int:
    """Where the nearest cue before ``at`` ends, if it is near enough (-1: none)."""
    return max((end for _, end in cues if end <= at and _words_between(folded, end, at) <= _CUE_WORDS), default=-1)


def _cues(pattern: re.Pattern[str], folded: str) -> list[tuple[int, int]]:
    excluded = [m.span() for m in _NOT_CVV.finditer(folded)] if pattern is _CVV_CUE else []
    return [m.span() for m in pattern.finditer(folded) if not any(a <= m.start() < b for a, b in excluded)]


def _expiry(chain: list[Item]) -> int:
    """How many leading items of ``chain`` say a month and a year (0: none)."""
    digits = ""
    for k, item in enumerate(chain[:3], start=1):
        digits += item.digits
        if k == 1 and len(digits) < 4:
            continue
        month, year = (digits[:1], digits[1:]) if len(digits) == 3 else (digits[:2], digits[2:])
        if 1 <= int(month) <= 12 and (len(year) == 2 or (len(year) == 4 and year.startswith("20"))):
            return k
        if len(digits) >= 4:
            return 0
    return 0


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


def find_spans(text: str, asked_code: bool = False, card_before: bool = False) -> list[Span]:
    """The card data in ``text``. ``asked_code``: the utterance just before ended asking for the
    security code; ``card_before``: a card number was said just before (a bare "до 11/25" is its
    expiry)."""
    folded = fold(text)
    spans: list[Span] = []
    rest: list[list[Item]] = []
    for chain in chains(folded, items(text)):
        last = 0
        for i, j in card_windows(chain):
            spans.append(Span(CARD, chain[i].start, chain[j - 1].end))
            rest.append(chain[last:i])
            last = j
        rest.append(chain[last:])
    card_here = card_before or any(s.kind == CARD for s in spans)
    expiry_cues = _cues(_EXPIRY_CUE, folded) + (_cues(_NEAR_CARD_CUE, folded) if card_here else [])
    code_cues = _cues(_CVV_CUE, folded)
    for chain in filter(None, rest):
        at = chain[0].start
        opening = asked_code and _words_between(folded, 0, at) <= _CONTEXT_WORDS
        expiry_at, code_at = _cue_before(expiry_cues, folded, at), _cue_before(code_cues, folded, at)
        code_at = max(code_at, 0) if opening else code_at
        # the nearer cue says which ("expires 07/30, code 551": 551 is the code)
        if expiry_at > code_at and (k := _expiry(chain)):
            spans.append(Span(EXPIRY, at, chain[k - 1].end))
        elif code_at >= 0 and (k := _code(chain)):
            spans.append(Span(CVV, at, chain[k - 1].end))
    return sorted(spans, key=lambda s: s.start)


def asks_code(text: str) -> bool:
    """Whether ``text`` ends asking for (or naming) the security code: the next answer may be it."""
    folded = fold(text)
    cues = _cues(_CVV_CUE, folded)
    return bool(cues) and _words_between(folded, cues[-1][1], len(folded)) <= _CUE_WORDS


def mask(text: str, spans: list[Span]) -> str:
    """``text`` with each span read as its kind in brackets: ``[CARD]``, ``[EXPIRY]``, ``[CVV]``."""
    out, last = [], 0
    for s in sorted(spans, key=lambda s: s.start):
        if s.start < last:
            continue
        out += [text[last : s.start], f"[{s.kind.upper()}]"]
        last = s.end
    return "".join(out) + text[last:]
