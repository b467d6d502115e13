"""Issue 19: a live partial never shows more of a card than PCI DSS allows (six digits), even when the card
is read a group at a time with a word between the groups; amounts, dates and times said so stay."""

from __future__ import annotations

import pytest

from agentassist.privacy.detect import mask
from agentassist.privacy.redactor import Redactor


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("Sure, 4556, then 7375, then 8689", "Sure, [CARD]"),
        ("It's 5312 and 0954 and", "It's [CARD] and"),
        ("Да, 2201, потом 3318, потом", "Да, [CARD], потом"),
        ("Так, 4149, далі 5520, далі 17", "Так, [CARD]"),
        ("Proszę: 5354 potem 1021 potem 7789", "Proszę: [CARD]"),
        ("four five five six, then seven three seven five", "[CARD]"),
    ],
)
def test_a_card_read_a_group_at_a_time_is_masked_in_the_partial(said: str, expected: str) -> None:
    assert mask(said, Redactor().partial("customer", said, 0.0)) == expected


@pytest.mark.parametrize(
    "said",
    [
        "I'm booked for 21.05 at 10:40, and that's 45.50",
        "Аванс уже 12 000, ставка 9%, остаток 27 300.",
        "Огляд 640 і гігієна 1 120, разом 1 760.",
        "Zaliczka 4500, reszta 18 000 na 7 dni przed.",
        "Two adults and 3 children, then 2 more on Sunday.",
        "Order 4829, then 3377.",
        "Ulica Polna 118, kod 30-512, trzecie piętro.",
    ],
)
def test_amounts_dates_and_other_numbers_said_apart_stay_in_the_partial(said: str) -> None:
    assert Redactor().partial("customer", said, 0.0) == []


def test_the_final_is_judged_as_before() -> None:
    # the partial's rule is the partial's only: the final of the same words keeps its own judgement
    said = "Order 4829, then 3377."
    assert Redactor().final("u1", "customer", said, 0.0, 1.5) == {"u1": []}
