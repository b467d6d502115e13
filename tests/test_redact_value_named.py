"""A security code named as a number or a value that validates or verifies the card (issue 19: heldout33's misses
read for their general reason): "validation number", "verification value", "проверочное значение (карты)",
"перевірочне значення (картки)", "wartość weryfikacyjna (karty)", "numer walidacyjny"; the card's name after the cue
is the code's owner, not a card's piece. Where no card data is about, a thing's validation number stays. In
sentences and numbers of our own, in each language."""

from __future__ import annotations

import pytest

from agentassist.privacy.said import luhn
from tests.test_redact_h24 import fours
from tests.test_redact_shapes import masked

VISA = "4780073411234896"  # Luhn-valid, made for these tests


def test_the_numbers_made_for_these_tests() -> None:
    assert luhn(VISA)


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ("Visa {0}, expires 08/31, validation number 318.", "validation number"),
        ("Visa {0}, expires 08/31, verification value 318.", "verification value"),
        ("Visa {0}, до 08/31, проверочное значение карты 318.", "проверочное значение карты"),
        ("Visa {0}, до 08/31, перевірочне значення картки 318.", "перевірочне значення картки"),
        ("Visa {0}, do 08/31, wartość weryfikacyjna karty 318.", "wartość weryfikacyjna karty"),
        ("Visa {0}, do 08/31, numer walidacyjny 318.", "numer walidacyjny"),
    ],
)
def test_a_code_named_as_validating_the_card_is_its_code(text: str, cue: str) -> None:
    said = text.format(fours(VISA))
    assert masked(said) == f"Visa [CARD], {said.split()[5]} [EXPIRY], {cue} [CVV]."


@pytest.mark.parametrize(
    "text",
    [
        "Your parking validation number is 318.",
        "Проверочное значение счётчика 318.",
        "Перевірочне значення лічильника 318.",
        "Wartość weryfikacyjna licznika 318.",
    ],
)
def test_a_validation_number_with_no_card_about_stays(text: str) -> None:
    assert masked(text) == text
