"""Partial results: which numbers of a partial are the next group of one number said in order (:func:`in_order`).

A card read a group at a time shows no run of digits in a row, but its groups together are more than PCI DSS
lets show: groups said after "then" or named by their place, or bare groups one word apart in one sentence, are
counted as one run. A partial is replaced by its final within a second, so masking an ordinary number said so
for that second costs little; a card's digits shown on a wall cannot be taken back.
"""

from __future__ import annotations

import re

from agentassist.privacy.cues import (
    SENTENCE_END,
)
from agentassist.privacy.held import other_number, words_in
from agentassist.privacy.labels import amount, paid
from agentassist.privacy.restarts import GROUP_COUNTED, GROUP_NAMED, PLACED_BETWEEN, THEN
from agentassist.privacy.said import Before, Item


def in_order(folded: str, prev: list[Item], chain: list[Item], before: Before) -> bool:
    """Whether a partial's ``chain`` goes on with ``prev`` as the next group of one number, so that their digits
    count as one run: said after "then" ("6011, then 4820, then 7739"; not amounts: "4 500, then 12 000"), or
    both bare groups (:func:`_bare_group`) with a single word between in one sentence ("4012, and 8888"), the
    later not named as another number ("4829, order 3377"). A card read a group at a time shows no run of
    digits in a row, but its groups together are more than PCI DSS lets show. A partial is replaced by its
    final within a second: masking ordinary numbers said so for that second costs little, showing a card's
    digits on a wall cannot be taken back."""
    gap = folded[prev[-1].end : chain[0].start]
    # "..., group two 3390", "..., next four 0411": the next group named by its place or its count
    if THEN.fullmatch(gap) or GROUP_NAMED.fullmatch(gap) or GROUP_COUNTED.fullmatch(gap):
        return not amount(prev) and not amount(chain)
    # or the group before named by its place after it ("4485 is the first, 3092"), both said as groups are (not
    # "starting 01/25, last one 12/25")
    if PLACED_BETWEEN.fullmatch(gap):
        return _bare_group(folded, prev) and _bare_group(folded, chain)
    return (
        len(words_in(gap)) <= 1
        and not SENTENCE_END.search(gap)
        and not _CHARGE.search(gap)
        and _bare_group(folded, prev)
        and _bare_group(folded, chain)
        and not other_number(folded, chain, before)
    )


def _bare_group(folded: str, chain: list[Item]) -> bool:
    """Whether ``chain`` is said as a card's group may be: 3-6 digits, not an amount ("10 790", "350 zł") nor
    part of a date, a time, a postal code, a decimal or a percentage."""
    digits = sum(len(i.digits) for i in chain)
    start, end = chain[0].start, chain[-1].end
    return (
        3 <= digits <= 6
        and not amount(chain)
        and not paid(folded, chain)
        and not _GLUED_INSIDE.search(folded, start, end)
        and not _GLUED_BEFORE.search(folded[:start])
        and not _GLUED_AFTER.match(folded, end)
        and not _SIDE_BEFORE.search(folded[:start])
        and not _SIDE_AFTER.match(folded, end)
    )


# a charge's noun between two numbers: charges itemized ("callout 75, parts 120", "выезд 750, детали 1200", "виїзд
# 300, деталі 2500", "dojazd 150, części 520"), no card's groups
_CHARGE = re.compile(
    r"(?<![^\W\d_])(?:fees?|call-?out|labou?r|delivery|shipping|postage|parts|выезд[ау]?|детал(?:и|ей|і)|доставк[аиу]"
    r"|работ[аыу]|виїзд[уі]?|робот[аиу]|dojazd[u]?|czesci|robocizn[ay]|dostaw[ay])(?![^\W\d_])"
)
# a size said as its two sides ("a door 2134 by 2438", "ворота 2134 на 2438", "brama 2134 na 2438", "2134 x 2438"):
# each side a number of its own, no card's group
_BY = r"\s+(?:by|на|na|x|х|×)\s+"
_SIDE_BEFORE = re.compile(rf"\d{_BY}$")
_SIDE_AFTER = re.compile(rf"{_BY}\d")
_GLUED_INSIDE = re.compile(r"\d[.,:/-]\d")  # 30.06, 249,50, 11:20, 30-512
_GLUED_BEFORE = re.compile(r"\d[.:/,]$")
_GLUED_AFTER = re.compile(r"\s*%|[.:/,]\d")
