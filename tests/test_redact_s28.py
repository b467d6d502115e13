"""What heldout35's misses showed, each as its general form (issue 19), in sentences and numbers of our own: a space
said between a card's groups as the key's name ("space", "пробел", "пробіл", "spacja"); a digit said three times as
"treble"; where the expiry is printed said after its name ("the expiry's on the front"); a code named as a number
that verifies or secures the card with the noun first ("номер проверочный", "numer zabezpieczający to ..."); a
year's ordinal after a month in the genitive ("до ноября тридцатого"); and a card's group taken back right after it
("..., нет, поправка, 9466, то есть ...": the card's, not a code). Where no card data is about, the same words leave
ordinary numbers alone."""

from __future__ import annotations

import pytest

from agentassist.privacy.said import luhn
from tests.redaction import customer_finals
from tests.test_redact_h24 import fours

MASTERCARD = "5318712094662059"  # Luhn-valid, made for these tests
VISA = "4552901733308616"  # Luhn-valid, its third group "3330"
AMEX = "376201118453315"  # Luhn-valid, 15 digits


def test_the_numbers_made_for_these_tests() -> None:
    assert all(luhn(n) for n in (MASTERCARD, VISA, AMEX))


@pytest.mark.parametrize(
    ("card", "space", "rest", "masked"),
    [
        ("My card is", "space", ", exp 09/30, code 512.", "My card is [CARD], exp [EXPIRY], code [CVV]."),
        ("Моя карта", "пробел", ", срок 09/30, код 512.", "Моя карта [CARD], срок [EXPIRY], код [CVV]."),
        ("Моя картка", "пробіл", ", термін 09/30, код 512.", "Моя картка [CARD], термін [EXPIRY], код [CVV]."),
        ("Moja karta", "spacja", ", ważna do 09/30, kod 512.", "Moja karta [CARD], ważna do [EXPIRY], kod [CVV]."),
    ],
)
def test_a_space_said_between_a_card_s_groups(card: str, space: str, rest: str, masked: str) -> None:
    assert customer_finals(f"{card} {fours(MASTERCARD).replace(' ', f' {space} ')}{rest}") == [masked]


@pytest.mark.parametrize("said", ["Parking space 14 on level 2, open 9 to 5.", "Miejsce parkingowe 14, spacja 2 cm."])
def test_a_space_with_no_card_about_stays(said: str) -> None:
    assert customer_finals(said) == [said]


@pytest.mark.parametrize(
    "said",
    [
        "Card: four five five two, nine oh one seven, treble three oh, eight six one six.",
        "Карта: четыре пять пять два, девять ноль один семь, три тройки ноль, восемь шесть один шесть.",
        "Картка: чотири п'ять п'ять два, дев'ять нуль один сім, три трійки нуль, вісім шість один шість.",
        "Karta: cztery pięć pięć dwa, dziewięć zero jeden siedem, trzy trójki zero, osiem sześć jeden sześć.",
    ],
)
def test_a_digit_said_three_times(said: str) -> None:
    assert customer_finals(said) == [said[: said.index(":") + 2] + "[CARD]."]


@pytest.mark.parametrize(
    ("said", "masked"),
    [
        (
            "The expiration date's on the front, 09/30, and the code is 512.",
            "The expiration date's on the front, [EXPIRY], and the code is [CVV].",
        ),
        ("Срок действия спереди, 09/30, а код 512.", "Срок действия спереди, [EXPIRY], а код [CVV]."),
        ("Термін дії спереду, 09/30, а код 512.", "Термін дії спереду, [EXPIRY], а код [CVV]."),
        ("Data ważności jest z przodu, 09/30, a kod 512.", "Data ważności jest z przodu, [EXPIRY], a kod [CVV]."),
    ],
)
def test_where_the_expiry_is_printed_said_after_its_name(said: str, masked: str) -> None:
    assert customer_finals(f"Card {fours(MASTERCARD)}.", said) == ["Card [CARD].", masked]


@pytest.mark.parametrize(
    ("said", "masked"),
    [
        ("Exp 09/30, and the security number is 512.", "Exp [EXPIRY], and the security number is [CVV]."),
        ("Срок 09/30, а номер защитный это 512.", "Срок [EXPIRY], а номер защитный это [CVV]."),
        ("Термін 09/30, а номер перевірочний 512.", "Термін [EXPIRY], а номер перевірочний [CVV]."),
        ("Ważna do 09/30, a numer kontrolny to 512.", "Ważna do [EXPIRY], a numer kontrolny to [CVV]."),
    ],
)
def test_a_code_named_as_a_securing_number_noun_first(said: str, masked: str) -> None:
    assert customer_finals(f"Card {fours(MASTERCARD)}.", said) == ["Card [CARD].", masked]


def test_an_amex_s_code_named_by_its_digits_and_place_noun_first() -> None:
    said = "Amex 3762 011184 53315, ważna do 10/29, a czterocyfrowy numer weryfikacyjny z przodu to 4417."
    assert customer_finals(said) == [
        "Amex [CARD], ważna do [EXPIRY], a czterocyfrowy numer weryfikacyjny z przodu to [CVV]."
    ]


@pytest.mark.parametrize(
    ("said", "masked"),
    [
        ("valid through November of thirty, code 512.", "valid through [EXPIRY], code [CVV]."),
        ("действует до ноября тридцатого, код 512.", "действует до [EXPIRY], код [CVV]."),
        ("дійсна до листопада тридцятого, код 512.", "дійсна до [EXPIRY], код [CVV]."),
        ("ważna do listopada trzydziestego, kod 512.", "ważna do [EXPIRY], kod [CVV]."),
    ],
)
def test_a_year_s_ordinal_after_a_month_in_the_genitive(said: str, masked: str) -> None:
    assert customer_finals(f"Card {fours(MASTERCARD)}, {said}") == [f"Card [CARD], {masked}"]


@pytest.mark.parametrize(
    "said", ["Приходите тридцатого ноября к 10.", "Приходьте тридцятого листопада о 10.", "Zapraszamy 30 listopada."]
)
def test_a_day_before_its_month_stays(said: str) -> None:
    assert customer_finals(said) == [said]


@pytest.mark.parametrize(
    ("no", "so"),
    [
        ("no, correction,", "I mean"),
        ("нет, поправка,", "то есть"),
        ("ні, поправка,", "тобто"),
        ("nie, poprawka,", "czyli"),
    ],
)
def test_a_card_s_group_taken_back_right_after_it(no: str, so: str) -> None:
    wrong = "5318 7120 9646 2059"  # the third group's digits swapped
    said = f"{wrong}, {no} 9466, {so} {fours(MASTERCARD)}. Exp 09/30, CVV 512."
    assert customer_finals(said) == [f"[CARD], {no} [CARD], {so} [CARD]. Exp [EXPIRY], CVV [CVV]."]


@pytest.mark.parametrize(
    ("no", "rest"),
    [("no wait,", "CVV"), ("нет, стоп,", "код"), ("ні, стоп,", "код"), ("nie, chwila,", "kod")],
)
def test_an_expiry_after_a_card_and_a_no_is_the_expiry(no: str, rest: str) -> None:
    said = f"{fours(MASTERCARD)}, {no} 09/30, {rest} 512."
    assert customer_finals(said) == [f"[CARD], {no} [EXPIRY], {rest} [CVV]."]


@pytest.mark.parametrize(
    ("card", "rest"),
    [
        ("Card 5318 71, 7120 9466 2059", ", exp 09/30, CVV 512."),
        ("Карта 5318 7120 94, 9466 2059", ", срок 09/30, код 512."),
        ("Картка 5318 7, 7120 9466 2059", ", термін 09/30, код 512."),
        ("Karta 5318 7120 9466 20, 2059", ", ważna do 09/30, kod 512."),
    ],
)
def test_a_group_begun_broken_off_and_said_again_whole(card: str, rest: str) -> None:
    masked = rest.replace("09/30", "[EXPIRY]").replace("512", "[CVV]")
    assert customer_finals(card + rest) == [card[: card.index(" ") + 1] + "[CARD]" + masked]


def test_a_short_number_before_another_beginning_so_stays_with_no_card() -> None:
    said = "Room 12, 1290 Main Street, from 9 to 5."
    assert customer_finals(said) == [said]
