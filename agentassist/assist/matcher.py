"""Lexical matching of what was said against script lines, tolerant to recognition errors.

Text is normalized the same way for every language (NFKC, casefold, ё→е,
punctuation removed; Polish diacritics folded). Two tokens match when they are
equal, share a prefix of at least 4 characters (inflection: "заказ"/"заказа"),
or are close by edit ratio (ASR slips: "recorded"/"recordid"). A say-line's
score is the share of its tokens found in order in the utterance (a fuzzy
longest common subsequence) where function words weigh less than content
words. Numbers said as words become digits first ("thirty euros" = "30 euros",
"двадцать пять" = "25"), English contractions are expanded ("that's" = "that
is"), and a word split or merged by the recognizer ("a count"/"account",
"to day"/"today") matches its whole.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein

from agentassist.assist import function_words
from agentassist.assist.numbers import is_thousand, words_to_digits
from agentassist.transcribe.textnorm import normalize

_VARIABLE = re.compile(r"\{(\w+)\}")
_FOLD = str.maketrans("ąćęłńóśźż", "acelnoszz")
_PREFIX = 4
_SIMILARITY = 0.8


_CONTRACTIONS = {"n't": " not", "'re": " are", "'m": " am", "'ll": " will", "'ve": " have", "'d": " would"}
_IS_CONTRACTED = {"that's", "it's", "what's", "there's", "here's", "he's", "she's", "who's", "where's", "let's"}
# Function words in en, ru, uk, pl (diacritics folded, one list per language in function_words.py): they count
# for less than content words in every lexical check.
_LIGHT = function_words.ALL
_LIGHT_WEIGHT = 0.35
_REORDER_PENALTY = 0.9
# "немає" and "нема" (Ukrainian), "нету" (Russian) deny what they follow as "нет" does: "вільного часу немає"
# says the slot the line offers is not there.
NEGATIONS = frozenset(
    {"not", "never", "cannot", "не", "нет", "ни", "ні", "nie", "nigdy", "никогда", "ніколи", "немає", "нема", "нету"}
)
_NEGATION_PENALTY = 0.6
_ABBREVIATIONS = {"zl": "zlotych", "руб": "рублей", "грн": "гривень", "eur": "euros", "min": "minut"}


# Ukrainian writes its apostrophe ("п'ятниця") as ', ’ or ʼ (the modifier letter its orthography
# prescribes), and keyboards give ‘ or `: as anything but ' the word splits in two ("п", "ятниця") or, as
# ʼ (a letter to Unicode), stays one word that matches none of the line's, so "пʼять" was not "п'ять".
_APOSTROPHES = str.maketrans({"ʼ": "'", "‘": "'", "`": "'", "′": "'"})


# A comma, a semicolon or a full stop between number words ends the number: "six hundred, four hours" is 600
# and four hours, not 604 hours. A digit group's comma ("1,500") has no space after it, and a thousand's
# ("two thousand, five hundred") goes on.
_NUMBER_BREAK = re.compile(r"(?<=[^\W\d_])[,;:.!?]+\s+(?=\w)")


# A decimal with one digit after its comma or point ("1,5 години", "2.5 hours", "1,2 метра", "1,5 тысячи"), as
# the recognizer writes what was said "півтори години", "two and a half hours": one token ("1.5"), where the
# comma's removal made it two numbers (a period of five hours, and a 1). Two digits after it stay two numbers
# ("9.99", "17.30"), as do a digit group's ("1,500").
_DECIMAL = re.compile(r"(?<![\d.,])(\d{1,3})[.,](\d)(?![\d]|[.,]\d)")
_DECIMAL_TOKEN = re.compile(r"\d+dec\d")


def is_decimal(token: str) -> bool:
    return "." in token and token.replace(".", "", 1).isdigit()


def tokens(text: str) -> list[str]:
    text = _DECIMAL.sub(r"\1dec\2", text.translate(_APOSTROPHES))
    pieces = _NUMBER_BREAK.split(text)
    polish = bool(_POLISH_LETTERS.intersection(normalize(text)))
    out: list[str] = []
    toks: list[str] = []
    for piece in pieces:
        toks += _words(piece)
        if toks and is_thousand(toks[-1]):
            continue  # "two thousand, five hundred" goes on past its comma
        out += _digits_but(toks, "ten") if polish else words_to_digits(toks)
        toks = []
    return out + (_digits_but(toks, "ten") if polish else words_to_digits(toks))


def _words(text: str) -> list[str]:
    """The normalized words of ``text``, contractions expanded, numbers still words."""
    t = normalize(text).replace("’", "'")
    out: list[str] = []
    for tok in t.translate(_FOLD).split():
        if "'" in tok:
            if tok in _IS_CONTRACTED:
                out += [tok[:-2], "is"]
                continue
            for suffix, full in _CONTRACTIONS.items():
                if tok.endswith(suffix) and len(tok) > len(suffix):
                    stem = tok[: -len(suffix)]
                    stem = {"wo": "will", "ca": "can", "sha": "shall"}.get(stem, stem)
                    out += [stem, full.strip()]
                    break
            else:
                out.append(tok)
            continue
        if _DECIMAL_TOKEN.fullmatch(tok):
            tok = tok.replace("dec", ".")
        if out and is_decimal(out[-1]) and is_thousand(tok):
            out[-1] = str(round(float(out[-1]) * 1000))  # "1,5 тисячі" is 1500
            continue
        out.append(_ABBREVIATIONS.get(tok, tok))
    return out


# Letters that only Polish, of the four languages, writes. Polish "ten" is "this" ("ten termin", "ten
# sprzęt"), not 10: read as a number it would lend a sentence a figure it does not say (and a compliance
# line with "ten" one it could never hear). The recognizer writes Polish with its diacritics, so a text
# that has one of these is read as Polish; one without any (a short "ten termin pasuje") is read as before.
_POLISH_LETTERS = frozenset("ąćęłńóśźż")


def _digits_but(toks: list[str], word: str) -> list[str]:
    """``words_to_digits`` on each stretch of ``toks`` between occurrences of ``word``, which stays a word."""
    out: list[str] = []
    start = 0
    for i, tok in enumerate(toks):
        if tok == word:
            out += [*words_to_digits(toks[start:i]), tok]
            start = i + 1
    return out + words_to_digits(toks[start:])


def weight(token: str) -> float:
    return _LIGHT_WEIGHT if token in _LIGHT or len(token) <= 1 else 1.0


def fill(line: str, variables: dict[str, str]) -> str:
    """Fill ``{name}`` placeholders; unknown ones are dropped (they match nothing and cost nothing)."""
    return _VARIABLE.sub(lambda m: variables.get(m.group(1), ""), line)


def shared_root(a: str, b: str) -> bool:
    """A common stretch of at least 4 letters near the start of both words, covering most of the shorter:
    the same root behind a prefix or a different ending ("звонок"/"позвонили", "dzwonie"/"zadzwonic")."""
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    for start in range(0, min(3, len(short) - 3)):
        for size in range(len(short) - start, 3, -1):
            piece = short[start : start + size]
            at = long_.find(piece, 0, 3 + size)
            if at != -1 and at <= 2 and size >= 0.6 * len(short):
                return True
    return False


def tokens_match(a: str, b: str) -> bool:
    if a == b:
        return True
    if a.isdigit() or b.isdigit():
        return False  # 15 is not 150
    if (
        len(a) >= _PREFIX
        and len(b) >= _PREFIX
        and a[:_PREFIX] == b[:_PREFIX]
        and min(len(a), len(b)) >= 0.6 * max(len(a), len(b))
    ):
        return True
    if len(a) >= 3 and len(b) >= 3 and Levenshtein.normalized_similarity(a, b) >= _SIMILARITY:
        return True
    return len(a) >= 4 and len(b) >= 4 and shared_root(a, b)


@dataclass(frozen=True, slots=True)
class Match:
    score: float  # share of the line's tokens found in order, 0..1
    first: int  # index of the first matched utterance token, -1 if none
    last: int  # index of the last matched utterance token, -1 if none
    matched: str  # the utterance tokens from first to last


def align(line_tokens: list[str], heard: list[str]) -> Match:
    """Weighted fuzzy LCS of ``line_tokens`` in ``heard``; the span covers the matched tokens.

    Besides one-to-one matches, one line token may match two heard tokens glued
    together ("a count" for "account") and two line tokens one heard token.
    """
    n, m = len(line_tokens), len(heard)
    if n == 0 or m == 0:
        return Match(0.0, -1, -1, "")
    w = [weight(t) for t in line_tokens]
    total = sum(w)
    # dp[i][j]: best weight for line[:i] and heard[:j]; how[i][j]: the move that reached it
    dp = [[0.0] * (m + 1) for _ in range(n + 1)]
    how = [[0] * (m + 1) for _ in range(n + 1)]  # 0 skip-line, 1 skip-heard, 2 one-one, 3 one-two, 4 two-one
    for i in range(1, n + 1):
        li = line_tokens[i - 1]
        row, prev = dp[i], dp[i - 1]
        for j in range(1, m + 1):
            best, move = prev[j], 0
            if row[j - 1] > best:
                best, move = row[j - 1], 1
            if tokens_match(li, heard[j - 1]) and prev[j - 1] + w[i - 1] > best:
                best, move = prev[j - 1] + w[i - 1], 2
            if j >= 2 and len(li) >= 5 and li == heard[j - 2] + heard[j - 1] and prev[j - 2] + w[i - 1] > best:
                best, move = prev[j - 2] + w[i - 1], 3
            if (
                i >= 2
                and len(heard[j - 1]) >= 5
                and line_tokens[i - 2] + li == heard[j - 1]
                and dp[i - 2][j - 1] + w[i - 2] + w[i - 1] > best
            ):
                best, move = dp[i - 2][j - 1] + w[i - 2] + w[i - 1], 4
            row[j], how[i][j] = best, move
    i, j = n, m
    positions: list[int] = []
    while i > 0 and j > 0:
        move = how[i][j]
        if move == 0:
            i -= 1
        elif move == 1:
            j -= 1
        elif move == 2:
            positions.append(j - 1)
            i, j = i - 1, j - 1
        elif move == 3:
            positions += [j - 1, j - 2]
            i, j = i - 1, j - 2
        else:
            positions.append(j - 1)
            i, j = i - 2, j - 1
    if not positions:
        return Match(0.0, -1, -1, "")
    first, last = min(positions), max(positions)
    return Match(min(1.0, dp[n][m] / total), first, last, " ".join(heard[first : last + 1]))


def bag(line_tokens: list[str], heard: list[str]) -> Match:
    """Order-free weighted coverage of ``line_tokens`` by ``heard`` (each heard token used once), times
    ``_REORDER_PENALTY``: the same words in another order ("чем-нибудь ещё могу" for "могу ли я ещё
    чем-нибудь") are nearly as good as the line."""
    if not line_tokens or not heard:
        return Match(0.0, -1, -1, "")
    used: set[int] = set()
    got = 0.0
    for tok in sorted(line_tokens, key=weight, reverse=True):
        j = next((j for j, h in enumerate(heard) if j not in used and tokens_match(tok, h)), None)
        if j is not None:
            used.add(j)
            got += weight(tok)
    if not used:
        return Match(0.0, -1, -1, "")
    first, last = min(used), max(used)
    score = _REORDER_PENALTY * got / sum(weight(t) for t in line_tokens)
    return Match(score, first, last, " ".join(heard[first : last + 1]))


def score_line(line: str, heard_text: str, variables: dict[str, str] | None = None) -> Match:
    want, heard = tokens(fill(line, variables or {})), tokens(heard_text)
    ordered = align(want, heard)
    unordered = bag(want, heard) if ordered.score < 1.0 else ordered
    best = unordered if unordered.score > ordered.score else ordered
    # "this call is NOT recorded": a negation inside the matched words that the line does not have
    if best.first >= 0 and any(t in NEGATIONS for t in heard[best.first : best.last + 1]) and not NEGATIONS & set(want):
        return Match(best.score * _NEGATION_PENALTY, best.first, best.last, best.matched)
    return best


def contains_phrase(text: str, phrase: str) -> bool:
    """True when ``phrase`` is said in ``text``: every token, in order, close together."""
    want = tokens(phrase)
    heard = tokens(text)
    if not want:
        return False
    m = align(want, heard)
    if m.score < 1.0 and (len(want) < 4 or m.score < 0.75):
        return False
    return m.last - m.first + 1 <= len(want) + 2
