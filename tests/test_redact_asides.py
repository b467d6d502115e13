"""A card said over three finals of one speaker, the middle one ending on an aside about time or looking ("let
me see", "сейчас", "зачекайте", "chwileczkę") before the number goes on (issue 19): masked across the finals
where the digits joined make a card (an issued length, Luhn-valid); and the numbers that stay when joined
so: short numbers that make no card, a phone, a number named as another thing. Sentences and numbers of our
own, not the benchmark's."""

from __future__ import annotations

import pytest

from agentassist.privacy.said import luhn
from tests.redaction import redacted_finals

# Luhn-valid numbers made for these tests (random bodies, a check digit): none is a benchmark case's
VISA = "4089040175030438"
MASTERCARD = "5138694053421800"
MIR = "2202943309536095"
DISCOVER = "6011190909643358"


def test_the_numbers_made_for_these_tests_pass_the_check() -> None:
    assert all(luhn(n) for n in (VISA, MASTERCARD, MIR, DISCOVER))


@pytest.mark.parametrize(
    ("number", "opening", "pause", "aside"),
    [
        (VISA, "Right, it's", "uh", "let me see"),
        (DISCOVER, "So", "um", "one moment"),
        (MASTERCARD, "Okay", "um", "hold on a sec"),
        (MIR, "Значит", "э-э", "сейчас"),
        (VISA, "Так", "э-э", "секунду"),
        (MASTERCARD, "Отже", "е-е", "зачекайте"),
        (MIR, "Так", "е-е", "хвилинку"),
        (DISCOVER, "Więc", "yyy", "chwileczkę"),
        (VISA, "No to", "yyy", "zaraz"),
    ],
)
def test_a_card_said_over_three_finals_with_an_aside_in_the_middle_is_masked_whole(
    number: str, opening: str, pause: str, aside: str
) -> None:
    turns = (f"{opening} {number[:4]}, {pause}.", f"{number[4:8]} {number[8:12]}, {pause}, {aside}.", f"{number[12:]}.")
    out = redacted_finals(*(("customer", t) for t in turns))
    assert all("[CARD]" in o for o in out), out
    assert not any(number[k : k + 4] in "".join(out) for k in range(0, 16, 4)), out


@pytest.mark.parametrize(
    "turns",
    [
        # three short numbers that make no card: a count, a year, a price
        ("We got 12, um.", "Then 2019 and 450, um, let me see.", "38."),
        ("Так, 12, э-э.", "2019 и 450, э-э, сейчас.", "38."),
        # a card's length of digits failing the check
        ("So it's 4089, uh.", "0401 7503, um, let me see.", "0439."),
        ("Значит 2202, э-э.", "9433 0953, э-э, сейчас.", "6096."),
        # a phone said in three finals
        ("My phone is +48 600, um.", "123 456, um, one moment.", "789."),
        ("Телефон 8 916, э-э.", "555 12, э-э, сейчас.", "34."),
        # a reference named so, whatever its digits
        ("The reference is 4089, uh.", "0401 7503, um, let me see.", "0438."),
        ("Номер заказа 2202, э-э.", "9433 0953, э-э, сейчас.", "6095."),
        ("Numer zamówienia 6011, yyy.", "1909 0964, yyy, chwileczkę.", "3358."),
        # words after the middle piece that say something: not a pause
        ("So it's 4089, uh.", "0401 7503, that was my old card number I think.", "0438."),
    ],
)
def test_numbers_joined_over_an_aside_stay_unless_they_make_a_card(turns: tuple[str, str, str]) -> None:
    assert redacted_finals(*(("customer", t) for t in turns)) == list(turns)
