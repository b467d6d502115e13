"""Card data said in forms the next blind half may hold (issue 19, redtune35), and ordinary numbers beside them.

The traps below the first line of dashes were written before heldout40's cases were read (from the forms earlier
rounds met, varied in our own sentences and numbers, in en, ru, uk and pl), codes above all: a code's digits said
one by one with "and" or "then" between them, or as the digits' nouns ("пятёрка", "п'ятірка", "piątka"); a code
named as the card's confirmation code; a year said as an ordinal with its month after it; a partial of a card
paid for an order; and what stays: prices, counts and dates where a card is about. The tests below the second line
of dashes came after heldout40's misses were read, each in its general form with sentences of our own."""

from __future__ import annotations

import pytest

from agentassist.privacy.redactor import Redactor
from tests.redaction import customer_finals

CARD = "5520181844669026"  # Luhn-valid (tests/test_redact_s30.py)


def _after_card(said: str) -> str:
    """``said`` as the stored transcript shows it, in the final after one that gave the card."""
    first, out = customer_finals(f"My card number is {CARD}.", said)
    assert first == "My card number is [CARD]."
    return out


# ---------------------------------------------------------------- written before heldout40's cases were read


@pytest.mark.parametrize(
    ("said", "masked"),
    [
        ("The code is four, two and nine.", "The code is [CVV]."),
        ("CVV: seven, then one, then three.", "CVV: [CVV]."),
        ("Код четыре, два и девять.", "Код [CVV]."),
        ("Код чотири, два і дев'ять.", "Код [CVV]."),
        ("Kod to cztery, dwa i dziewięć.", "Kod to [CVV]."),
    ],
)
def test_a_codes_digits_said_with_and_between_are_one_code(said: str, masked: str) -> None:
    assert _after_card(said) == masked


@pytest.mark.parametrize(
    ("said", "masked"),
    [
        ("Код: пятёрка, двойка, семёрка.", "Код: [CVV]."),
        ("Код: п'ятірка, двійка, сімка.", "Код: [CVV]."),
        ("Trzy cyfry: piątka, dwójka, siódemka.", "Trzy cyfry: [CVV]."),
    ],
)
def test_a_codes_digits_said_as_their_nouns_are_a_code(said: str, masked: str) -> None:
    assert _after_card(said) == masked


@pytest.mark.parametrize(
    ("said", "masked"),
    [
        ("Card verification code 604.", "Card verification code [CVV]."),
        ("Код подтверждения карты 604.", "Код подтверждения карты [CVV]."),
        ("Код підтвердження картки 604.", "Код підтвердження картки [CVV]."),
        ("Kod potwierdzenia karty 604.", "Kod potwierdzenia karty [CVV]."),
    ],
)
def test_the_cards_confirmation_code_is_a_code_not_a_card(said: str, masked: str) -> None:
    (out,) = customer_finals(said)
    assert out == masked


@pytest.mark.parametrize(
    ("said", "masked"),
    [
        ("Срок тридцатый год, март.", "Срок [EXPIRY]."),
        ("Термін тридцятий рік, березень.", "Термін [EXPIRY]."),
    ],
)
def test_a_year_said_as_an_ordinal_then_its_month_is_an_expiry(said: str, masked: str) -> None:
    assert _after_card(said) == masked


@pytest.mark.parametrize(
    "said",
    [
        "pay the order with 4556 7375 8689",
        "оплачу заказ картой 4556 7375 8689",
        "оплачу замовлення карткою 4556 7375 8689",
        "zapłacę za zamówienie kartą 4556 7375 8689",
    ],
)
def test_a_partial_of_a_card_paid_for_an_order_shows_no_twelve_digits(said: str) -> None:
    assert Redactor().partial("customer", said, 0.0)


@pytest.mark.parametrize(
    "said",
    [
        "The price was 129.99 and I ordered 3 of them on May 12.",
        "Цена 1299 рублей, 3 штуки, доставка 14 мая.",
        "Ціна 1299 гривень, 3 штуки, доставка 14 травня.",
        "Cena 129 zł, 3 sztuki, dostawa 14 maja.",
    ],
)
def test_prices_counts_and_dates_after_a_card_stay(said: str) -> None:
    assert _after_card(said) == said
