"""Issue 18, session 28 (match21): the money a line says is lost, read one way (a refund denied says it, a refund
said reverses it). The sentences are this file's own, not the benchmark cases'."""

from __future__ import annotations

import pytest

from agentassist.assist.matcher import tokens
from agentassist.assist.negation import clause_starts, reversed_at
from tests.test_match_s25 import _negated


def _reversed(line: str, heard: str) -> bool:
    h = tokens(heard)
    return reversed_at(h, 0, len(h) - 1, tokens(line), clause_starts(heard))


# (a line that says the money is lost, a sentence heard, whether the meaning path reads it as the line denied,
# whether it is the line reversed: a refund said)
_MONEY = [
    ("If you miss the lesson, the fee is lost.", "If you miss the lesson, we don't refund the fee.", False, False),
    ("If you miss the lesson, the fee is lost.", "If you miss the lesson, we refund the fee.", True, True),
    ("Przy spóźnieniu opłata przepada.", "Przy spóźnieniu opłaty nie zwracamy.", False, False),
    ("Przy spóźnieniu opłata przepada.", "Przy spóźnieniu opłatę zwracamy w całości.", True, True),
    ("При опоздании оплата сгорает.", "При опоздании оплату не возвращаем.", False, False),
    ("При опоздании оплата сгорает.", "При опоздании оплату возвращаем.", True, True),
    ("Якщо спізнитеся, оплата згорає.", "Якщо спізнитеся, оплату не повертаємо.", False, False),
]


@pytest.mark.parametrize(("line", "heard", "negated", "reversed_"), _MONEY)
def test_a_refund_denied_says_the_money_lost_and_a_refund_reverses_it(
    line: str, heard: str, negated: bool, reversed_: bool
) -> None:
    assert _negated(line, heard) is negated
    assert _reversed(line, heard) is reversed_


def test_a_line_that_denies_the_refund_keeps_its_own_negation() -> None:
    # "not refunded" is a negative line: its own words heard neither deny nor reverse it
    line = "The booking fee is not refunded."
    assert not _negated(line, "The booking fee is not refunded.")
    assert not _reversed(line, "The booking fee is not refunded.")
