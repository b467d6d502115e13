"""Card data found by what it is, not by the words around it (issue 19, session 19): the card window (digits a
speaker says while a payment goes on are the card's, whatever words come between: a restart, a resumption, a
group asked for again), a security code named by where it is printed, an expiry and a code named together then
said together, a month and a year written with a slash, an amount with its cents, and a document's number printed
on a card. Sentences and numbers of our own, written in other words than any benchmark case on purpose: they test
that each rule holds for phrasing nobody tuned it on."""

from __future__ import annotations

import pytest

from agentassist.privacy.said import luhn
from tests.redaction import redacted_finals
from tests.test_redact_retaken import _groups
from tests.test_redact_shapes import masked

# Luhn-valid numbers made for these tests (random bodies, a check digit): none is a benchmark case's
VISA = "4716805064995201"
MASTERCARD = "5283757272229370"
AMEX = "374104709278467"
VISA_13 = "4160130746389"
PARCEL = "4915911095548883"  # a parcel's or a gym's number passing the check by chance


def test_the_numbers_made_for_these_tests_pass_luhn() -> None:
    assert all(luhn(n) for n in (VISA, MASTERCARD, AMEX, VISA_13, PARCEL))


@pytest.mark.parametrize(
    "said",
    [
        "Right, {a}, no hold on, I read those backwards, {b}, and it runs out 10/29.",
        "Так, {a}, ой стоп, я перепутала местами, {b}, срок 10/29.",
        "Отже, {a}, ой чекайте, я переплутала, {b}, термін 10/29.",
        "No więc {a}, a nie, źle przeczytałam, {b}, ważna do 10/29.",
    ],
)
def test_a_card_started_again_in_one_final_is_card_data_before_and_after(said: str) -> None:
    wrong = f"{VISA[4:8]} {VISA[:4]}"  # the first two groups swapped
    text = said.format(a=wrong, b=_groups(VISA)[:14])
    got = redacted_finals(("customer", text))[0]
    assert VISA[4:8] not in got and VISA[8:12] not in got and "10/29" not in got


@pytest.mark.parametrize(
    ("first", "then"),
    [
        ("{a}, hmm,", "Sorry, lost my thread, {b}, and after that {c}, expiry 08/30."),
        ("{a}, мм,", "Извините, сбилась, {b}, дальше {c}, действует до 08/30."),
        ("{a}, мм,", "Вибачте, збилася, {b}, далі {c}, дійсна до 08/30."),
        ("{a}, hmm,", "Przepraszam, zgubiłam się, {b}, dalej {c}, ważna do 08/30."),
    ],
)
def test_a_card_resumed_from_its_last_group_is_card_data_in_both_finals(first: str, then: str) -> None:
    a, b, c = f"{MASTERCARD[:4]} {MASTERCARD[4:8]}", MASTERCARD[4:8], f"{MASTERCARD[8:12]} {MASTERCARD[12:]}"
    got = redacted_finals(("customer", first.format(a=a)), ("customer", then.format(b=b, c=c)))
    assert MASTERCARD[:4] not in got[0] and MASTERCARD[4:8] not in got[0]
    assert all(g not in got[1] for g in (MASTERCARD[4:8], MASTERCARD[8:12], MASTERCARD[12:]))


def test_a_card_group_asked_for_again_is_the_card_not_an_expiry() -> None:
    card = "5283 7572 0429 9376"  # its third group reads as a month and a year (Luhn-valid)
    got = redacted_finals(
        ("customer", f"It's {card}."),
        ("agent", "Sorry, the line broke, the third four again?"),
        ("customer", "Third four, 0429."),
    )
    assert got[2] == "Third four, [CARD]."


@pytest.mark.parametrize(
    "after",
    [
        "Also, my flight back is LH 4410 on Friday.",
        "The PIN they sent me, 8813, didn't work.",
        "I was born in 1987, if you need it.",
        "It came to 2 450 last month.",
    ],
)
def test_ordinary_numbers_after_a_card_stay(after: str) -> None:
    got = redacted_finals(("customer", f"{_groups(VISA)}, 04/29, 511."), ("customer", after))
    assert got[1] == after


@pytest.mark.parametrize(
    ("said", "code"),
    [
        ("And the tiny digits next to the number, {c}.", "4471"),
        ("And the small numbers printed over the number are {c}.", "4471"),
        ("А маленькие цифры сзади, {c}.", "318"),
        ("А дрібні цифри ззаду, {c}.", "318"),
        ("A te małe cyferki obok podpisu to {c}.", "205"),
        ("I trzy cyfry z paska na podpis, {c}.", "205"),
    ],
)
def test_a_code_named_by_where_it_is_printed_is_a_code(said: str, code: str) -> None:
    card = _groups(AMEX) if len(code) == 4 else _groups(VISA)
    got = redacted_finals(("customer", f"{card}."), ("customer", said.format(c=code)))
    assert code not in got[1] and "[CVV]" in got[1]


@pytest.mark.parametrize(
    "said",
    [
        "Then the date plus the code: 11 29 604.",
        "Потом дата и код: 11 29 604.",
        "Далі дата і код: 11 29 604.",
        "Potem data i kod: 11 29 604.",
    ],
)
def test_a_date_and_a_code_named_together_split_into_both(said: str) -> None:
    got = redacted_finals(("customer", f"{_groups(MASTERCARD)}."), ("customer", said))
    assert got[1].endswith("[EXPIRY] [CVV].") or got[1].endswith("[EXPIRY], [CVV].")


@pytest.mark.parametrize("expiry", ["3/30", "03/30", "11/2031"])
def test_a_month_and_a_year_with_a_slash_after_an_odd_length_card_are_its_expiry(expiry: str) -> None:
    assert masked(f"The spare Visa, {VISA_13}, {expiry}.") == "The spare Visa, [CARD], [EXPIRY]."


@pytest.mark.parametrize("amount", ["318.40", "318,40"])
def test_an_amount_with_cents_after_a_card_is_no_code(amount: str) -> None:
    got = redacted_finals(("customer", f"Put {_groups(VISA)} down, and take {amount} from it."))[0]
    assert amount in got and "[CARD]" in got


@pytest.mark.parametrize(
    "said",
    [
        "The tracking number from the card in my letterbox is {n}.",
        "Номер посылки на карточке от курьера {n}.",
        "Номер абонемента в бассейн {n}, продлите, пожалуйста.",
        "Numer karnetu na basen {n}, proszę przedłużyć.",
    ],
)
def test_a_document_number_passing_the_check_is_no_card(said: str) -> None:
    text = said.format(n=_groups(PARCEL))
    assert masked(text) == text


def test_a_card_number_read_from_the_card_is_still_a_card() -> None:
    assert masked(f"The number on the card is {_groups(VISA)}.") == "The number on the card is [CARD]."


@pytest.mark.parametrize(
    "said",
    [
        "The warranty 2291 5530, it's valid until 03/28, covers both units.",
        "Гарантия 2291 5530 действует до 03/28, на оба прибора.",
        "Gwarancja 2291 5530 ważna do 03/28, na oba urządzenia.",
        "Страховка до июня 2028, а абонемент действует до 2029 года.",
    ],
)
def test_another_things_validity_after_a_whole_card_is_no_expiry(said: str) -> None:
    got = redacted_finals(("customer", f"{_groups(MASTERCARD)}, 09/29, 114."), ("customer", said))
    assert got[1] == said
