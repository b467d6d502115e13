"""A number named as another thing by its head noun, and an amount as a recognizer writes it, are no card data
(issue 19, session 19: the retired heldout18's false masks, fixed in general form). Sentences and numbers of our
own, worded otherwise than the benchmark's: a warranty's, a locker's, a pass's, a coupon's, a prescription's, a
student card's number (16 digits passing the Luhn check) stay; a card named so, or said with only its length or
its going on named, is still masked; an amount after a card's last four or a card with no code yet stays."""

from __future__ import annotations

import pytest

from agentassist.privacy.said import luhn
from tests.redaction import redacted_finals
from tests.test_redact_shapes import masked

# Luhn-valid numbers made for these tests (random bodies, a check digit): none is a benchmark case's
VISA = "4155217220794551"
MASTERCARD = "5553000839061363"
DISCOVER = "6347865180822228"
VISA_2 = "4978448537610363"


def fours(digits: str) -> str:
    return " ".join(digits[i : i + 4] for i in range(0, len(digits), 4))


def test_the_numbers_are_valid_card_numbers() -> None:
    assert all(luhn(n) for n in (VISA, MASTERCARD, DISCOVER, VISA_2))


@pytest.mark.parametrize(
    "text",
    [
        f"The warranty number is {fours(VISA)}, on the receipt.",
        f"My locker number is {fours(MASTERCARD)}.",
        f"Номер пропуска {fours(DISCOVER)}, он на проходной.",
        f"Номер купона {fours(VISA)}, на скидку.",
        f"Номер перепустки {fours(MASTERCARD)}, вона на вахті.",
        f"Мій номер рецепта {fours(DISCOVER)}.",
        f"Numer legitymacji {fours(VISA)}, jest ważna.",
        f"Mam numer recepty {fours(MASTERCARD)}.",
        f"A gift certificate, number {fours(DISCOVER)}, for £25.",
        f"Подарункова картка, номер {fours(VISA)}.",
    ],
)
def test_a_number_named_as_another_thing_stays(text: str) -> None:
    assert masked(text) == text


@pytest.mark.parametrize(
    "text",
    [
        f"My card number is {fours(VISA)}.",
        f"Номер моей карты {fours(MASTERCARD)}.",
        f"Numer mojej karty {fours(DISCOVER)}.",
        f"Номер картки {fours(VISA_2)}.",
        f"The long number is {fours(VISA)}.",
        f"Номер длинный, {fours(MASTERCARD)}.",
        f"Numer idzie dalej, {fours(DISCOVER)}.",
        f"Номер, будь ласка, {fours(VISA_2)}.",
    ],
)
def test_a_card_named_or_its_number_described_is_masked(text: str) -> None:
    assert masked(text).count("[CARD]") == 1


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        (f"Номер пропуска 7731 05. Оплачу вот этой, {fours(VISA)}, до 11/28.", "Номер пропуска 7731 05."),
        (f"Numer legitymacji 7731 05, a płacę tą, {fours(DISCOVER)}.", "Numer legitymacji 7731 05"),
    ],
)
def test_a_named_thing_names_only_the_number_right_after_it(text: str, kept: str) -> None:
    out = masked(text)
    assert out.startswith(kept) and "[CARD]" in out


def test_an_amount_with_a_price_before_a_card_stays_and_the_card_is_masked() -> None:
    text = f"Three boxes at £4.75 each, and the card is {fours(VISA)}, expiring 03/29, code 318."
    assert masked(text) == "Three boxes at £4.75 each, and the card is [CARD], expiring [EXPIRY], code [CVV]."


@pytest.mark.parametrize(
    ("turns", "last"),
    [
        # a card's last four said again, then an amount written with the same digits and cents
        (
            [f"{fours(VISA)}.", f"The last four are {VISA[-4:]}.", f"It came to {VISA[-4:-2]}.{VISA[-2:]} in the end."],
            f"It came to {VISA[-4:-2]}.{VISA[-2:]} in the end.",
        ),
        (
            [f"{fours(MASTERCARD)}, ważna do 04/28.", f"Trzy raty po {MASTERCARD[-4:-2]},{MASTERCARD[-2:]} zł."],
            f"Trzy raty po {MASTERCARD[-4:-2]},{MASTERCARD[-2:]} zł.",
        ),
        # a card with no code yet: a count written with thousands is no code
        ([f"{fours(DISCOVER)}.", "I've got 3,120 points on it."], "I've got 3,120 points on it."),
        (
            [f"Карта {fours(VISA_2)}, до 05/29.", "Код 417. Ну и доставка 1 290,50 рублей."],
            "Код [CVV]. Ну и доставка 1 290,50 рублей.",
        ),
    ],
)
def test_an_amount_said_after_card_data_stays(turns: list[str], last: str) -> None:
    out = redacted_finals(*[("customer", t) for t in turns])
    assert out[0].count("[CARD]") == 1 and out[-1] == last


@pytest.mark.parametrize(
    "opening",
    [
        "Номер сейчас скажу, ",  # words set off by a comma or a colon name nothing
        "Numer zaraz powiem: ",
        "Номер значит ",
        "Номер запишите ",  # an imperative
        "Номер продовжується, ",  # a reflexive verb
        "Numer pani podam ",
    ],
)
def test_a_card_after_words_that_name_nothing_is_masked(opening: str) -> None:
    assert masked(f"{opening}{fours(VISA)}.") == f"{opening}[CARD]."


def test_a_card_asked_for_is_masked_whatever_words_open_the_answer() -> None:
    out = redacted_finals(
        ("agent", "Podaj proszę numer karty."), ("customer", f"Numer zapisałam tutaj {fours(MASTERCARD)}.")
    )
    assert out[1] == "Numer zapisałam tutaj [CARD]."
