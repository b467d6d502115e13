"""Whether two heard words are one word: the token match the meaning matcher and the negation rules share.

The lexical matcher's rules (equal, a shared prefix, a close edit ratio, a shared root) made stricter on the
prefix, plus the forms a word takes that share too little of it: the Ukrainian і/о–е alternation
("якість"/"якості") and the words of one restriction ("тільки"/"лише").
"""

from __future__ import annotations

import re

from rapidfuzz.distance import Levenshtein

from agentassist.assist.matcher import shared_root

# "only" in its several words: "wyłącznie" for "tylko" is the same restriction, and a negation about the others
# restates a line that has one (negation.py)
ONLY = frozenset(
    ("only", "exclusively", "только", "лишь", "исключительно", "тільки", "лише", "виключно", "tylko", "wylacznie",
     "jedynie")
)  # fmt: skip


def same_word(a: str, b: str) -> bool:
    """The lexical matcher's token match, with a prefix shared over most of the shorter word: its bare
    4-letter prefix joins different verbs behind one Slavic prefix ("предупреждаю"/"представляю"),
    which would lend a wrong line content words."""
    if a == b:
        return True
    if a.isdigit() or b.isdigit():
        return False
    if a in ONLY and b in ONLY:
        return True  # "wyłącznie" for "tylko", "лише" for "тільки": the same restriction
    common = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    if common >= 4 and common >= 0.6 * min(len(a), len(b)):
        return True
    if len(a) >= 3 and len(b) >= 3 and Levenshtein.normalized_similarity(a, b) >= 0.8:
        return True
    if len(a) >= 4 and len(b) >= 4 and shared_root(a, b):
        return True
    return _alternated(a, b) or _alternated(b, a)


# Ukrainian says "і" in a word's last syllable when it is closed and "о" or "е" where an ending opens it
# ("якість"/"якості", "дозвіл"/"дозволу", "вечір"/"вечора", "засіб"/"засобів"): one word, whose two forms share
# too short a prefix for the rules above. Only that shape: the same stem and consonants, then an ending of one or
# two letters that opens the syllable ("вашій"/"ваше", "скажіть"/"скаже" and "політ"/"полетить" are not it).
_CLOSED_I = re.compile(r"і([^аеєиіїоуюяьй]+)ь?$")
_VOWELS = frozenset("аеєиіїоуюя")


def _alternated(a: str, b: str) -> bool:
    """``a`` ends in a closed syllable with "і" (stem + "і" + consonants) and ``b`` is stem + "о"/"е" + the same
    consonants + a short ending that opens it."""
    m = _CLOSED_I.search(a)
    if m is None or m.end(1) < 4:  # four letters shared at least, as ``same_word``'s prefix rule asks
        return False
    stem, cluster = a[: m.start()], m.group(1)
    if not b.startswith(stem) or len(b) <= len(stem) or b[len(stem)] not in "ое":
        return False
    rest = b[len(stem) + 1 :]
    ending = rest[len(cluster) :]
    return rest.startswith(cluster) and 1 <= len(ending) <= 2 and ending[0] in _VOWELS
