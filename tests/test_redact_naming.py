"""A number named by its head noun with words between the noun and the number, a voucher's number after a comma, an
amount with its cents and a day with its month are no card data (issue 19, session 20: the retired heldout20's false
masks, fixed in general form). Sentences and numbers of our own, worded otherwise than the benchmark's: a parking
permit's, a boiler service's, a library loan's, a season ticket's number (16 digits passing the Luhn check) stay; a
card named, a number for paying or sending money, an account's or a bank's number are still masked."""

from __future__ import annotations

import pytest

from agentassist.privacy.said import luhn
from tests.redaction import redacted_finals
from tests.test_redact_headnoun import fours
from tests.test_redact_shapes import masked

# Luhn-valid numbers made for these tests (random bodies, a check digit): none is a benchmark case's
VISA = "4716238590147727"
MASTERCARD = "5389104472653310"
DISCOVER = "6011583920471181"
JCB = "3582859103648266"


def misheard(digits: str) -> str:
    """The card with its last digit heard wrong: it fails the Luhn check."""
    return digits[:-1] + str((int(digits[-1]) + 1) % 10)


def test_the_numbers_made_for_these_tests_pass_luhn_and_misheard_ones_do_not() -> None:
    numbers = (VISA, MASTERCARD, DISCOVER, JCB)
    assert all(luhn(n) and not luhn(misheard(n)) for n in numbers)


@pytest.mark.parametrize(
    "text",
    [
        # English: the noun before "number", words about the thing between "number" and the digits
        f"The permit number for the staff car park is {fours(VISA)}, it renews in May.",
        f"Our service number on the boiler sticker is {fours(MASTERCARD)}.",
        # Russian, Ukrainian, Polish: the head noun after "номер" / "numer", a preposition or modifiers between
        f"Номер для записи на техобслуживание котла {fours(DISCOVER)}, мастер придёт в среду.",
        f"Номер абонемента в бассейн нашего района {fours(VISA)}.",
        f"Номер читацького квитка міської бібліотеки {fours(MASTERCARD)}, я там з 2015 року.",
        f"Номер сезонного квитка на підйомник {fours(JCB)}.",
        f"Numer zgłoszenia serwisowego pralki to {fours(DISCOVER)}, technik był wczoraj.",
        f"Mój numer karnetu na basen miejski to {VISA}, płacę 120 zł miesięcznie.",
        # a voucher's or a certificate's number said after a comma
        f"I've a hotel voucher, number {fours(MASTERCARD)}, for two nights.",
        f"Есть сертификат в книжный, номер {fours(DISCOVER)}, на 3 000.",
        f"Mam kupon do kina, numer {fours(VISA)}, na dwie osoby.",
    ],
)
def test_a_number_named_by_its_head_noun_stays(text: str) -> None:
    assert masked(text) == text


@pytest.mark.parametrize(
    "text",
    [
        # a card named, however many words between
        f"My card number for the hotel deposit is {fours(VISA)}.",
        f"Номер моей карты для брони {fours(MASTERCARD)}.",
        f"Numer karty do rezerwacji to {fours(DISCOVER)}.",
        # a number for paying or sending money is a card's, whatever it is called
        f"Номер для оплаты {fours(VISA)}.",
        f"Номер для переказу {fours(MASTERCARD)}.",
        f"Numer do przelewu to {fours(DISCOVER)}.",
        # an account's, a bank's, a phone's number keep their own rules (a Luhn-valid issued number is a card)
        f"Номер рахунку {fours(VISA)}.",
        f"Номер Сбера {fours(MASTERCARD)}.",
        # a number begun in words is no name ("номер" then the card's first digits as words)
        f"Номер сорок семь {VISA[2:4]} {fours(VISA[4:])}.",
        # a thing named, then a clause ended: the card after it is the card's
        f"The permit number is on the windscreen. The card is {fours(VISA)}.",
    ],
)
def test_a_card_named_or_paid_with_is_masked(text: str) -> None:
    assert masked(text).count("[CARD]") == 1


@pytest.mark.parametrize(
    "text",
    [
        "Остаток долга 38 417,52, следующий взнос 1 960,40 до 25-го.",
        "Залишок 27 305,18, наступний платіж 3 415,60 до 12-го.",
        "Do spłaty zostało 19 842,75, rata 2 104,30 do 10-go.",
        "The balance is 12 480.35 and the next instalment 1 045.90 on the 3rd.",
    ],
)
def test_amounts_with_cents_are_no_card_said_in_parts(text: str) -> None:
    assert masked(text) == text


@pytest.mark.parametrize(
    "text",
    [
        "The pass runs out on 30/09.",
        "Абонемент действует до 25.10.",
        "Сертифікат дійсний до 14.02.",
        "Bon jest ważny do 29.11.",
    ],
)
def test_a_day_after_the_12th_and_a_month_is_no_expiry(text: str) -> None:
    assert masked(text) == text


def test_a_day_and_month_after_a_card_stays_and_the_card_data_is_masked() -> None:
    out = redacted_finals(
        ("customer", f"Карта {fours(MASTERCARD)}, до 08/29, код 552."),
        ("customer", "Доставка нужна к 23.12, после обеда."),
    )
    assert out == ["Карта [CARD], до [EXPIRY], код [CVV].", "Доставка нужна к 23.12, после обеда."]


@pytest.mark.parametrize(
    "text",
    [
        f"Card {fours(VISA)}, valid until 11/29.",  # an expiry's month first, 12 at most
        f"Karta {fours(DISCOVER)}, ważna do 12.28.",
    ],
)
def test_an_expiry_written_month_first_is_masked(text: str) -> None:
    assert masked(text).count("[EXPIRY]") == 1


@pytest.mark.parametrize(
    "text",
    [
        f"Card {fours(misheard(VISA))}... sorry, I read the end wrong, it's {VISA[12:]}. Expires 09/29.",
        f"Карта {fours(misheard(MASTERCARD))}... ой, последние четыре перепутала, верно {MASTERCARD[12:]}.",
        f"Karta {fours(misheard(DISCOVER))}... przepraszam, końcówka jest inna, to {DISCOVER[12:]}.",
    ],
)
def test_a_last_group_said_again_after_a_correction_that_says_what_was_wrong_is_card_data(text: str) -> None:
    out = masked(text)
    assert out.count("[CARD]") == 2 and not any(ch.isdigit() for ch in out.split("[CARD]")[2][:6])


def test_a_code_named_after_a_correction_stays_a_code() -> None:
    text = f"Card {fours(misheard(VISA))}... sorry, hang on, the code on the back is {VISA[12:]}."
    assert masked(text).endswith("is [CVV].")
