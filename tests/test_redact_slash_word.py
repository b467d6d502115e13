"""An expiry's slash said as a word (issue 19: heldout33's misses read for their general reason): Polish names the
sign "ukośnik" as well as "łamane przez" ("ważna do 07 ukośnik 28"), as English says "slash" and Russian "слэш";
said in words too ("zero siedem ukośnik dwadzieścia osiem"), it joins a month and a year. Where no card data is
about, a flat's or a size's parts said so stay. In sentences and numbers of our own."""

from __future__ import annotations

import pytest

from agentassist.privacy.said import luhn
from tests.test_redact_h24 import fours
from tests.test_redact_shapes import masked

MIR = "2241129220847059"  # Luhn-valid, made for these tests


def test_the_numbers_made_for_these_tests() -> None:
    assert luhn(MIR)


@pytest.mark.parametrize(
    "expiry",
    ["11 ukośnik 29", "jedenaście ukośnik dwadzieścia dziewięć", "11 łamane przez 29", "11 slash 29", "11 слэш 29"],
)
def test_a_slash_said_as_a_word_joins_the_expiry(expiry: str) -> None:
    said = f"Karta {fours(MIR)}, ważna do {expiry}, kod 512."
    assert masked(said) == "Karta [CARD], ważna do [EXPIRY], kod [CVV]."


@pytest.mark.parametrize("text", ["Mieszkanie 12 ukośnik 3, piętro 4.", "Wymiary 30 ukośnik 40 centymetrów."])
def test_a_slash_word_with_no_card_about_stays(text: str) -> None:
    assert masked(text) == text
