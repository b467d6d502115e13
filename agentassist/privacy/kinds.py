"""The kinds a campaign's script chooses to redact (card data is always redacted: detect.py): bank
account numbers and IBANs, phone numbers, e-mail addresses, and the script's own patterns.

- An IBAN is a country code, two check digits and up to 30 letters and digits that pass the ISO 13616
  mod-97 check, written ("PL61 1090 1014 ...") or said ("P L six one, one zero nine zero, ...");
  a Polish account number (NRB, 26 digits) is checked as the IBAN it is with "PL" in front.
- A phone number is a chain of numbers (said in groups, as digits or words) of 8-15 digits after a
  "+"/"plus", 7-15 digits after a phone cue ("phone", "call me on", "телефон", "komórka"), or
  10-13 digits with no cue (an ordinary number, a price or a date, is rarely that long).
- An e-mail address is written ("john.smith@gmail.com") or said ("john dot smith at gmail dot com",
  "иван точка петров собака mail точка ru", "jan kropka kowalski małpa wp kropka pl"), and must end in
  a known top-level domain when said (an "at" alone is an ordinary word).
- A script's pattern is a regular expression with a kind name: ``customer_id: 'C-\\d{6}'`` reads
  ``[CUSTOMER_ID]``.

Pure: text in, :class:`~agentassist.privacy.detect.Span` s out (:meth:`Rules.find`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from agentassist.assist.script import Script
from agentassist.privacy.said import Item, Span, chains, fold, items

IBAN = "iban"
PHONE = "phone"
EMAIL = "email"
OPTIONAL_KINDS = (IBAN, PHONE, EMAIL)
ORIGINAL_ROLES = ("admin", "quality_checker", "supervisor", "team_leader")  # never an agent or a client
PATTERN_NAME = re.compile(r"[a-z][a-z0-9_]{0,15}")  # redactions.kind is 16 characters

IBAN_CHARS = (15, 34)  # Norway's 15 to Saint Lucia's 32; ISO 13616 allows 34
PHONE_DIGITS = (7, 15)  # a local number without its area code to E.164's most
PHONE_PLUS_DIGITS = 8  # "+" then a country code and a subscriber number: 8 at least (+372 5123 456)
PHONE_BARE_DIGITS = (10, 13)  # no cue: a national number with its trunk prefix or area code
_CUE_WORDS = 4  # "my phone number is probably 600 ...": a cue reaches this many words on

_LETTER = re.compile(r"(?<![^\W\d_])[a-z]{1,4}(?![^\W\d_])")  # "P L", "PL", "NWBK": letters of an IBAN
_ACCOUNT_CUE = re.compile(
    r"\b(?:iban|account|sort code|сч[её]т\w*|рахун\w*|konto|kont\w*|rachun\w*|nrb)\b"
)  # fold() leaves ё as е
_PHONE_CUE = re.compile(
    r"\b(?:phone|mobile|cell|telephone|number to call|call me|call back|reach me|text me|ring me|whatsapp|viber"
    r"|телефон\w*|мобильн\w*|мобільн\w*|номер телефон\w*|звонит\w*|перезвонит\w*|зателефонуй\w*|подзвон\w*"
    r"|telefon\w*|komork\w*|tel|zadzwon\w*|oddzwon\w*)\b"
)
_PLUS = re.compile(r"(?:\+|\bplus\s+|\bплюс\s+)$")

_DOT = r"(?:\.|\s+(?:dot|точка|крапка|kropka)\s+)"
_JOIN_LOCAL = r"(?:[._\-]|\s+(?:dot|underscore|dash|hyphen|точка|крапка|kropka|подчеркивание|нижнее подчеркивание"
_JOIN_LOCAL += r"|підкреслення|podkreslnik|podloga|дефис|дефіс|тире|myslnik)\s+)"
_AT = r"(?:\s*@\s*|\s+(?:at|собака|собачка|эт|равлик|собачка|malpa|malpka)\s+)"
_TLD = (
    r"(?:com|net|org|info|biz|io|co|ru|ua|pl|uk|de|eu|us|by|kz|cz|fr|it|es|me|app|dev|edu|gov"
    r"|ком|нет|орг|ру|юа|уа|ua)"
)
_WORD = r"[^\W_][\w+\-]*"
_EMAIL = re.compile(rf"(?<![\w.@]){_WORD}(?:{_JOIN_LOCAL}{_WORD})*{_AT}{_WORD}(?:{_DOT}{_WORD})*{_DOT}{_TLD}\b")


@dataclass(frozen=True, slots=True)
class Rules:
    """What a campaign redacts beyond card data: some of :data:`OPTIONAL_KINDS` and named patterns."""

    kinds: frozenset[str] = frozenset()
    patterns: tuple[tuple[str, re.Pattern[str]], ...] = ()
    original_roles: tuple[str, ...] = ()  # who may read what was masked (never a security code); (): not kept

    def __post_init__(self) -> None:
        unknown = set(self.kinds) - set(OPTIONAL_KINDS)
        if unknown:
            raise ValueError(f"redact: expected kinds from {', '.join(OPTIONAL_KINDS)}, got {sorted(unknown)}")

    @classmethod
    def of(
        cls,
        kinds: tuple[str, ...] = (),
        patterns: tuple[tuple[str, str], ...] = (),
        original_roles: tuple[str, ...] = (),
    ) -> Rules:
        """From a script's ``redact`` key (kinds, and (name, regex) pairs already validated)."""
        compiled = tuple((name, re.compile(rx, re.IGNORECASE)) for name, rx in patterns)
        return cls(frozenset(kinds), compiled, original_roles)

    def __bool__(self) -> bool:
        return bool(self.kinds or self.patterns)

    def find(self, text: str) -> list[Span]:
        """The spans of these kinds in ``text``, patterns first (a script's own knows best), no two overlapping."""
        if not self:
            return []
        spans: list[Span] = []
        for name, pattern in self.patterns:
            spans += [Span(name, m.start(), m.end()) for m in pattern.finditer(text) if m.end() > m.start()]
        folded = fold(text)
        if EMAIL in self.kinds:
            spans += find_emails(folded)
        found = items(text)
        if IBAN in self.kinds:
            spans += find_ibans(text, folded, found)
        if PHONE in self.kinds:
            spans += find_phones(folded, found)
        out: list[Span] = []
        for s in spans:
            if all(s.end <= o.start or s.start >= o.end for o in out):
                out.append(s)
        return sorted(out, key=lambda s: s.start)

    def named(self, folded: str, at: int) -> str:
        """The kind of these the words before ``at`` name the number there (an account's cue: ``iban``; a
        phone's or a "+": ``phone``), or "": a partial's long number is masked as it while still said."""
        if IBAN in self.kinds and _cue_before(_ACCOUNT_CUE, folded, at):
            return IBAN
        if PHONE in self.kinds and (_cue_before(_PHONE_CUE, folded, at) or _PLUS.search(folded[max(0, at - 6) : at])):
            return PHONE
        return ""


def rules_of(script: Script) -> Rules:
    """What the call's script redacts beyond card data (its ``redact`` key, validated when parsed)."""
    return Rules.of(script.redact, script.redact_patterns, script.original_roles)


def iban_valid(chars: str) -> bool:
    """ISO 13616: the country code and check digits moved to the end, letters as 10..35, mod 97 is 1."""
    chars = chars.upper()
    if not (IBAN_CHARS[0] <= len(chars) <= IBAN_CHARS[1] and re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]+", chars)):
        return False
    moved = chars[4:] + chars[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


def find_ibans(text: str, folded: str, found: list[Item]) -> list[Span]:
    """IBANs and Polish account numbers: letters and numbers chained by separators, mod-97 checked
    (letters as written in capitals, "NWBK", or said one by one, "P L")."""
    letters = [
        Item(m.start(), m.end(), m.group())
        for m in _LETTER.finditer(folded)
        if len(m.group()) == 1 or text[m.start() : m.end()].isupper()
    ]
    pieces = sorted(found + [x for x in letters if not any(i.start <= x.start < i.end for i in found)], key=_at)
    spans: list[Span] = []
    for chain in chains(folded, pieces):
        taken = -1
        for i in range(len(chain)):
            if i <= taken:
                continue
            chars = ""
            best = -1
            for j in range(i, len(chain)):
                chars += chain[j].digits
                if len(chars) > IBAN_CHARS[1] + 4:
                    break
                if iban_valid(chars) or _nrb(chars, folded, chain[i].start):
                    best = j
            if best >= 0:
                spans.append(Span(IBAN, chain[i].start, chain[best].end))
                taken = best
    return spans


def _at(item: Item) -> int:
    return item.start


def _nrb(chars: str, folded: str, at: int) -> bool:
    """A Polish NRB (26 digits, the IBAN without "PL"), or 26-29 digits after an account cue (any country)."""
    if not chars.isdigit():
        return False
    if len(chars) == 26 and iban_valid("PL" + chars):
        return True
    return 20 <= len(chars) <= 29 and _cue_before(_ACCOUNT_CUE, folded, at) and _any_iban(chars)


def _any_iban(digits: str) -> bool:
    """Digits that are a valid IBAN for some country said without its code ("UA21 3223 ..." as "21 3223 ...")."""
    return any(iban_valid(cc + digits) for cc in ("UA", "PL", "RU", "DE", "LT", "LV", "EE", "CZ", "SK"))


def _cue_before(pattern: re.Pattern[str], folded: str, at: int) -> bool:
    cues = [m.end() for m in pattern.finditer(folded[:at])]
    return bool(cues) and len(re.findall(r"[^\W\d_]+", folded[cues[-1] : at])) <= _CUE_WORDS


def find_phones(folded: str, found: list[Item]) -> list[Span]:
    spans: list[Span] = []
    for chain in chains(folded, found):
        digits = sum(len(i.digits) for i in chain)
        start = chain[0].start
        plus = _PLUS.search(folded[max(0, start - 6) : start])
        if plus and PHONE_PLUS_DIGITS <= digits <= PHONE_DIGITS[1]:
            spans.append(Span(PHONE, start - len(plus.group()), chain[-1].end))
        elif (_cue_before(_PHONE_CUE, folded, start) and PHONE_DIGITS[0] <= digits <= PHONE_DIGITS[1]) or (
            PHONE_BARE_DIGITS[0] <= digits <= PHONE_BARE_DIGITS[1]
        ):
            spans.append(Span(PHONE, start, chain[-1].end))
    return spans


def find_emails(folded: str) -> list[Span]:
    return [Span(EMAIL, m.start(), m.end()) for m in _EMAIL.finditer(folded)]
