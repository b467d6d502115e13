"""Collection mode's window opened inside a final at the customer's own cue ("security code, um, ...", "код карты"),
while card-like words before ordinary numbers leave them alone ("key card for room 314", "error code 341"); and what
heldout36 showed, each as its general form (issue 19), in sentences and numbers of our own: an insurance claim's
number is the insurer's, Luhn-valid or not; a card's groups named by their count and place ("next four"); a code
named with the thing it is printed by; the expiry's month by its ordinal in the locative, or by its short name with
a full stop; the card's last four before the code on the signature panel."""

from __future__ import annotations

import pytest

from agentassist.privacy.said import luhn
from tests.redaction import customer_finals
from tests.test_redact_h24 import fours

VISA = "4916338512075523"  # Luhn-valid, made for these tests


def test_the_numbers_made_for_these_tests() -> None:
    assert luhn(VISA)


@pytest.mark.parametrize(
    "said",
    [
        "The warranty claim {} was opened on the 3rd, the repair took 12 days.",
        "My insurance claim is {}, the storm was on 14/10.",
        "Страховой случай {}, пожар 03.11, ущерб 40 000 рублей.",
        "Номер убытка {}, залило квартиру в понедельник.",
        "Страховий випадок {}, затоплення 03.11, збиток 9 000 гривень.",
        "Szkoda ubezpieczeniowa nr {}, zalanie 03.11, wkład własny 500 zł.",
        "Numer szkody to {}, zgłoszona wczoraj.",
    ],
)
def test_a_claims_number_stays_though_luhn_valid(said: str) -> None:
    text = said.format(fours(VISA))
    assert customer_finals(text) == [text]


@pytest.mark.parametrize(
    ("said", "masked"),
    [
        (
            "Pay the insurance excess by card, {}, expiry 04/29.",
            "Pay the insurance excess by card, [CARD], expiry [EXPIRY].",
        ),
        ("Оплачу страховку картой {}, срок 04/29.", "Оплачу страховку картой [CARD], срок [EXPIRY]."),
        ("Zapłacę kartą {}, ważna do 04/29.", "Zapłacę kartą [CARD], ważna do [EXPIRY]."),
    ],
)
def test_a_card_beside_insurance_is_masked(said: str, masked: str) -> None:
    assert customer_finals(said.format(fours(VISA))) == [masked]


@pytest.mark.parametrize(
    ("said", "masked"),
    [
        # the customer names the code, then says it in a form no reader reads: the window opens at the cue
        ("Security code, um, seven seven twice.", "Security code, um, [CVV]."),
        ("The code on the back, uh, seven seven twice.", "The code on the back, uh, [CVV]."),
        ("Код безопасности, э-э, семь семь дважды.", "Код безопасности, э-э, [CVV]."),
        ("Код безпеки, е-е, сім сім двічі.", "Код безпеки, е-е, [CVV]."),
        ("Kod zabezpieczający, yyy, ósemka, ósemka, jedynka.", "Kod zabezpieczający, yyy, [CVV]."),
        # "card code" names the code, not the card; Russian, Ukrainian and Polish say the card after it
        ("The card code, seven seven twice.", "The card code, [CVV]."),
        ("Код карты, семь семь дважды.", "Код карты, [CVV]."),
        ("Код картки, сім сім двічі.", "Код картки, [CVV]."),
    ],
)
def test_a_window_opens_at_the_customers_own_cue(said: str, masked: str) -> None:
    assert customer_finals(said) == [masked]


@pytest.mark.parametrize(
    "said",
    [
        # card-like words before an ordinary number: another thing's card, an error's code, a deposit, a count
        "I need a new key card for room 314.",
        "My loyalty card has 9 stamps, and the shop is at 220 High Street.",
        "I keep getting error code 341 on the card reader.",
        "The security deposit of 350 was taken from my card.",
        "Ключ-карта от номера 314 не работает.",
        "Карта лояльности, 9 штампов, магазин на улице Ленина 220.",
        "Терминал пишет код ошибки 341, карта не проходит.",
        "Картка-ключ від кімнати 314 не працює.",
        "Код помилки 341, картка не проходить.",
        "Karta do pokoju 314 nie działa.",
        "Karta stałego klienta, 9 pieczątek.",
        "Kod błędu 341 na terminalu, karta nie przechodzi.",
    ],
)
def test_ordinary_numbers_after_card_words_stay(said: str) -> None:
    assert customer_finals(said) == [said]


def test_the_window_opened_at_a_cue_closes_on_another_thing_named() -> None:
    said = ("My card, um, the code is seven seven twice.", "And my phone is 0207 946 0321.")
    assert customer_finals(*said) == ["My card, um, the code is [CVV].", said[1]]


@pytest.mark.parametrize(
    ("said", "masked"),
    [
        (
            "Card {}, exp 04/29, and the CVV next to the chip is 447.",
            "Card [CARD], exp [EXPIRY], and the CVV next to the chip is [CVV].",
        ),
        (
            "Card {}, exp 04/29, the security code beside the hologram, 612.",
            "Card [CARD], exp [EXPIRY], the security code beside the hologram, [CVV].",
        ),
        (
            "Card {}, exp 04/29, the code above the logo is 3920.",
            "Card [CARD], exp [EXPIRY], the code above the logo is [CVV].",
        ),
    ],
)
def test_a_code_named_with_the_thing_it_is_printed_by(said: str, masked: str) -> None:
    assert customer_finals(said.format(fours(VISA))) == [masked]


def test_a_door_code_by_the_door_stays() -> None:
    said = "The code by the door is 4412, the flat is on the 3rd floor."
    assert customer_finals(said) == [said]


@pytest.mark.parametrize(
    ("said", "masked"),
    [
        ("First four {}, next four {}, next four {}, and last four {}, exp 04/29.", "First four [CARD], exp [EXPIRY]."),
        (
            "Первые четыре {}, следующие четыре {}, следующие четыре {}, и последние четыре {}, срок 04/29.",
            "Первые четыре [CARD], срок [EXPIRY].",
        ),
        (
            "Перші чотири {}, наступні чотири {}, наступні чотири {}, і останні чотири {}, термін 04/29.",
            "Перші чотири [CARD], термін [EXPIRY].",
        ),
        (
            "Pierwsze cztery {}, następne cztery {}, następne cztery {}, i ostatnie cztery {}, ważna do 04/29.",
            "Pierwsze cztery [CARD], ważna do [EXPIRY].",
        ),
    ],
)
def test_each_group_named_by_its_count_and_place(said: str, masked: str) -> None:
    assert customer_finals(said.format(*fours(VISA).split())) == [masked]


def test_the_next_four_of_a_count_stay() -> None:
    said = "We need the next four 2-hour slots, the first at 10:00."
    assert customer_finals(said) == [said]


@pytest.mark.parametrize(
    ("said", "masked"),
    [
        # the month by its ordinal in the locative, "in the Nth month", then the year
        ("Карта {}, истекает в третьем месяце 2029.", "Карта [CARD], истекает в [EXPIRY]."),
        ("Картка {}, спливає у третьому місяці 2029.", "Картка [CARD], спливає у [EXPIRY]."),
        ("Karta {}, wygasa w trzecim miesiącu 2029.", "Karta [CARD], wygasa w [EXPIRY]."),
        # a month's short name with its full stop, "of" after it; Polish "list." for listopad
        ("Card {}, expires Oct. of '29.", "Card [CARD], expires [EXPIRY]."),
        ("Karta {}, wygasa list. 29.", "Karta [CARD], wygasa [EXPIRY]."),
    ],
)
def test_an_expiry_month_said_by_its_ordinal_or_its_short_name(said: str, masked: str) -> None:
    assert customer_finals(said.format(fours(VISA))) == [masked]


@pytest.mark.parametrize(
    "said",
    ["Send me the price list. 28 items, all in stock.", "Мы приедем в третьем месяце, 2029 год будет занят."],
)
def test_a_list_and_a_month_of_the_year_stay(said: str) -> None:
    assert customer_finals(said) == [said]


@pytest.mark.parametrize(
    ("said", "masked"),
    [
        # the signature panel prints the card's last four before the code; the count the final ends on is no digit
        (
            "Card {}, exp 04/29, the back shows 5523 614, so the code is the last three.",
            "Card [CARD], exp [EXPIRY], the back shows [CARD] [CVV], so the code is the last three.",
        ),
        (
            "Карта {}, срок 04/29, на обороте 5523 614, то есть код — последние три.",
            "Карта [CARD], срок [EXPIRY], на обороте [CARD] [CVV], то есть код — последние три.",
        ),
        (
            "Картка {}, термін 04/29, на звороті 5523 614, тобто код — останні три.",
            "Картка [CARD], термін [EXPIRY], на звороті [CARD] [CVV], тобто код — останні три.",
        ),
        (
            "Karta {}, ważna do 04/29, na odwrocie 5523 614, czyli kod to ostatnie trzy.",
            "Karta [CARD], ważna do [EXPIRY], na odwrocie [CARD] [CVV], czyli kod to ostatnie trzy.",
        ),
    ],
)
def test_the_cards_last_four_before_its_code_on_the_panel(said: str, masked: str) -> None:
    assert customer_finals(said.format(fours(VISA))) == [masked]
