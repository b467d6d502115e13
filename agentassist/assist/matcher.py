"""Lexical matching of what was said against script lines, tolerant to recognition errors.

Text is normalized the same way for every language (NFKC, casefold, ё→е,
punctuation removed; Polish diacritics folded). Two tokens match when they are
equal, share a prefix of at least 4 characters (inflection: "заказ"/"заказа"),
or are close by edit ratio (ASR slips: "recorded"/"recordid"). A say-line's
score is the share of its tokens found in order in the utterance (a fuzzy
longest common subsequence).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein

from agentassist.transcribe.textnorm import normalize

_VARIABLE = re.compile(r"\{(\w+)\}")
_FOLD = str.maketrans("ąćęłńóśźż", "acelnoszz")
_PREFIX = 4
_SIMILARITY = 0.8


def tokens(text: str) -> list[str]:
    return normalize(text).translate(_FOLD).split()


def fill(line: str, variables: dict[str, str]) -> str:
    """Fill ``{name}`` placeholders; unknown ones are dropped (they match nothing and cost nothing)."""
    return _VARIABLE.sub(lambda m: variables.get(m.group(1), ""), line)


def tokens_match(a: str, b: str) -> bool:
    if a == b:
        return True
    if (
        len(a) >= _PREFIX
        and len(b) >= _PREFIX
        and a[:_PREFIX] == b[:_PREFIX]
        and min(len(a), len(b)) >= 0.6 * max(len(a), len(b))
    ):
        return True
    return len(a) >= 3 and len(b) >= 3 and Levenshtein.normalized_similarity(a, b) >= _SIMILARITY


@dataclass(frozen=True, slots=True)
class Match:
    score: float  # share of the line's tokens found in order, 0..1
    first: int  # index of the first matched utterance token, -1 if none
    last: int  # index of the last matched utterance token, -1 if none
    matched: str  # the utterance tokens from first to last


def align(line_tokens: list[str], heard: list[str]) -> Match:
    """Fuzzy LCS of ``line_tokens`` in ``heard``; the span covers the matched tokens."""
    n, m = len(line_tokens), len(heard)
    if n == 0 or m == 0:
        return Match(0.0, -1, -1, "")
    # dp[i][j]: best count for line[:i] and heard[:j]
    dp = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(1, n + 1):
        li = line_tokens[i - 1]
        row, prev = dp[i], dp[i - 1]
        for j in range(1, m + 1):
            if tokens_match(li, heard[j - 1]):
                row[j] = prev[j - 1] + 1
            else:
                row[j] = max(prev[j], row[j - 1])
    # walk back to find the matched positions
    i, j = n, m
    positions: list[int] = []
    while i > 0 and j > 0:
        if tokens_match(line_tokens[i - 1], heard[j - 1]) and dp[i][j] == dp[i - 1][j - 1] + 1:
            positions.append(j - 1)
            i, j = i - 1, j - 1
        elif dp[i - 1][j] >= dp[i][j - 1]:
            i -= 1
        else:
            j -= 1
    if not positions:
        return Match(0.0, -1, -1, "")
    first, last = min(positions), max(positions)
    return Match(dp[n][m] / n, first, last, " ".join(heard[first : last + 1]))


def score_line(line: str, heard_text: str, variables: dict[str, str] | None = None) -> Match:
    return align(tokens(fill(line, variables or {})), tokens(heard_text))


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
