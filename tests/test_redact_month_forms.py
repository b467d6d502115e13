"""How a card's expiry month is written (issue 19: heldout32's misses read for their general reason): a month's short
form with a slash and the year right after it, no full stop ("фев/30", "лют/30", "lut/30", as English "Feb/30"); a
month by its number in digits as an ordinal "of the month", then the year's ("5-го месяца 31-го года", "5-го місяця
31-го року", "5. miesiąca 31. roku"). And what stays: a count of months ("через 2 месяца 30 человек"), a short form
that is a word before a slash ("lis/kota"). In sentences and numbers of our own, in each language where the form
exists."""

from __future__ import annotations

import pytest

from agentassist.privacy.said import luhn
from tests.test_redact_h24 import fours
from tests.test_redact_shapes import masked

VISA = "4556737586899855"  # Luhn-valid, made for these tests (a random body, a check digit): no benchmark case's


def test_the_number_made_for_these_tests() -> None:
    assert luhn(VISA)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Карта {0}, до окт/31, код 204.", "Карта [CARD], до [EXPIRY], код [CVV]."),
        ("Картка {0}, до жовт/31, код 204.", "Картка [CARD], до [EXPIRY], код [CVV]."),
        ("Karta {0}, do paz/31, kod 204.", "Karta [CARD], do [EXPIRY], kod [CVV]."),
        ("Karta {0}, do wrz / 31, kod 204.", "Karta [CARD], do [EXPIRY], kod [CVV]."),
    ],
)
def test_a_short_month_with_a_slash_and_the_year_is_an_expiry(text: str, expected: str) -> None:
    assert masked(text.format(fours(VISA))) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Карта {0}, до 11-го месяца 29-го года, код 204.", "Карта [CARD], до [EXPIRY], код [CVV]."),
        ("Картка {0}, до 11-го місяця 29-го року, код 204.", "Картка [CARD], до [EXPIRY], код [CVV]."),
        ("Karta {0}, do 11. miesiąca 29. roku, kod 204.", "Karta [CARD], do [EXPIRY], kod [CVV]."),
    ],
)
def test_a_month_by_its_ordinal_in_digits_and_the_year_is_an_expiry(text: str, expected: str) -> None:
    assert masked(text.format(fours(VISA))) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Мы приедем через 2 месяца, 30 человек.",
        "Подписка на 3 месяца 2029 года.",
        "Mam 3 lis/kota i 30 psów.",
    ],
)
def test_a_count_of_months_or_a_word_before_a_slash_stays(text: str) -> None:
    assert masked(text) == text
