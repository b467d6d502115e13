"""How a card is read out and how its data is named (issue 19: heldout31's misses and wrong masks, read for their
general reason): a card's groups named as they come ("next", "last four"); a restart on the first group; the first
group said wrong and corrected; the last group struck out ("scratch that"); "nil" for zero; a one-digit month with a
four-digit year; an expiry "at the end of" a month in Polish; Ukrainian "строк"; an American Express's code above the
number "on the front"; the card named in the Ukrainian locative ("на картці"); and what stays: a parcel tracked by its
number, the verb said. In sentences and numbers of our own, in each language where the form exists."""

from __future__ import annotations

import pytest

from agentassist.privacy.said import luhn
from tests.test_redact_before import said
from tests.test_redact_h24 import fours
from tests.test_redact_shapes import masked

# Luhn-valid numbers made for these tests (random bodies, a check digit): none is a benchmark case's
VISA = "4020306385507461"
MASTERCARD = "5224568904791055"
RESTARTED = "5378580706462276"  # its first group and its first 12 digits pass the check too: 20 digits, two cards
STRUCK = "4299594798617696"  # said first with its last two digits swapped (...7669), which fails the check
AMEX = "348864378665236"


def test_the_numbers_made_for_these_tests() -> None:
    assert all(luhn(n) for n in (VISA, MASTERCARD, RESTARTED, STRUCK, AMEX))
    assert luhn(RESTARTED[:4] + RESTARTED[:12]) and not luhn(STRUCK[:14] + "69")


# the words that name each next group as the card is read, and the last group's
LABELS = [
    "The number: {0}, next {1}, next {2}, and the last four {3}.",
    "Номер: {0}, дальше {1}, далее {2}, последние четыре {3}.",
    "Номер: {0}, далі {1}, далі {2}, останні чотири {3}.",
    "Numer: {0}, dalej {1}, dalej {2}, ostatnie cztery {3}.",
]


@pytest.mark.parametrize("labelled", LABELS)
def test_a_card_s_groups_named_as_they_come_are_one_span(labelled: str) -> None:
    named = labelled.split(":")[0]
    assert masked(labelled.format(*fours(VISA).split())) == f"{named}: [CARD]."


# the 16 digits from the first group pass the check too: the last group is the card's, not a code
@pytest.mark.parametrize(
    ("it_is", "valid", "code"),
    [
        ("Sure, it's", "valid till", "code"),
        ("Да, это", "срок", "код"),
        ("Так, це", "строк", "код"),
        ("Tak, to", "ważna do", "kod"),
    ],
)
def test_a_restart_on_the_first_group_is_the_card_read_from_there(it_is: str, valid: str, code: str) -> None:
    found = masked(f"{it_is} {RESTARTED[:4]}, {fours(RESTARTED)}, {valid} 10/28, {code} 417.")
    assert found == f"{it_is} [CARD], {valid} [EXPIRY], {code} [CVV]."


FIRST_CORRECTED = {
    "en": "The card is {0}, no, {1}.",
    "ru": "Карта {0}, ой, нет, {1}.",
    "uk": "Картка {0}, ні, {1}.",
    "pl": "Karta {0}, nie, przepraszam, {1}.",
}


@pytest.mark.parametrize("lang", FIRST_CORRECTED)
def test_a_first_group_said_wrong_and_corrected_is_card_data(lang: str) -> None:
    wrong = MASTERCARD[1] + MASTERCARD[0] + MASTERCARD[2:4]  # "2524" for "5224": two digits swapped
    text = FIRST_CORRECTED[lang].format(wrong, fours(MASTERCARD))
    assert wrong not in masked(text) and masked(text).count("[CARD]") == 2


def test_a_number_unlike_the_first_group_before_a_correction_stays() -> None:
    text = f"I paid 1990 for it, sorry, the card is {fours(VISA)}."
    assert masked(text) == "I paid 1990 for it, sorry, the card is [CARD]."


@pytest.mark.parametrize(
    "struck",
    [
        "Visa {0}, scratch that, {1}.",
        "Виза {0}, зачеркните, {1}.",
        "Віза {0}, закресліть, {1}.",
        "Visa {0}, proszę skreślić, {1}.",
    ],
)
def test_a_last_group_struck_out_and_said_again_is_the_card_s(struck: str) -> None:
    text = struck.format(fours(STRUCK[:14] + "69"), STRUCK[12:])
    assert masked(text).count("[CARD]") == 2 and "[CVV]" not in masked(text)


def test_nil_is_a_zero_inside_a_number_and_a_word_elsewhere() -> None:
    digits = said(VISA, "en").replace("zero", "nil")
    assert masked(f"Card number {digits}.") == "Card number [CARD]."
    assert masked("The balance is nil and the fee was 25 pounds.") == "The balance is nil and the fee was 25 pounds."


EXPIRY_ONE_DIGIT_MONTH = {
    "en": ("Card {0}, exp 4/2030, CVV 231.", "Card [CARD], exp [EXPIRY], CVV [CVV]."),
    "ru": ("Карта {0}, срок 9-2031, CVV 231.", "Карта [CARD], срок [EXPIRY], CVV [CVV]."),
    "uk": ("Картка {0}, дійсна до 4.2030, CVV 231.", "Картка [CARD], дійсна до [EXPIRY], CVV [CVV]."),
    "pl": ("Karta {0}, ważna 9/2031, CVV 231.", "Karta [CARD], ważna [EXPIRY], CVV [CVV]."),
}


@pytest.mark.parametrize("lang", EXPIRY_ONE_DIGIT_MONTH)
def test_a_one_digit_month_with_a_four_digit_year_is_an_expiry(lang: str) -> None:
    text, expected = EXPIRY_ONE_DIGIT_MONTH[lang]
    assert masked(text.format(fours(VISA))) == expected


def test_a_one_digit_number_and_a_year_with_no_card_data_stay() -> None:
    assert masked("We met 3 times in 2029 and twice since.") == "We met 3 times in 2029 and twice since."


@pytest.mark.parametrize("at_end", ["z końcem", "pod koniec"])
def test_a_polish_expiry_at_the_end_of_a_month(at_end: str) -> None:
    text = f"Karta {fours(MASTERCARD)} wygasa {at_end} marca 30, kod 552."
    assert masked(text) == f"Karta [CARD] wygasa {at_end} [EXPIRY], kod [CVV]."


def test_ukrainian_strok_names_an_expiry_and_strok_dostavky_does_not() -> None:
    text = f"Картка {fours(VISA)}, строк 2030-04, код 881."
    assert masked(text) == "Картка [CARD], строк [EXPIRY], код [CVV]."
    assert masked("Строк доставки 11.27, ціна 1200.") == "Строк доставки 11.27, ціна 1200."


@pytest.mark.parametrize(
    "above",
    [
        "and the digits above the number on the front",
        "и цифры над номером спереди",
        "і цифри над номером спереду",
        "i cyfry nad numerem z przodu",
    ],
)
def test_an_amex_code_above_the_number_on_the_front(above: str) -> None:
    assert masked(f"Amex {AMEX[:4]} {AMEX[4:10]} {AMEX[10:]}, {above} 7314.") == f"Amex [CARD], {above} [CVV]."


def test_a_card_named_in_the_ukrainian_locative() -> None:
    text = f"Номер на моїй картці {fours(MASTERCARD)}, так? Строк 05/29."
    assert masked(text) == "Номер на моїй картці [CARD], так? Строк [EXPIRY]."


# Luhn-valid as a card, or 20 digits whose last four read as a month and a year: a parcel's number either way
@pytest.mark.parametrize("number", [VISA, VISA + "0327"])
@pytest.mark.parametrize(
    "tracked",
    [
        "The boxes are tracked by {0}, they come on Friday.",
        "Коробки отслеживаем по номеру {0}, придут в пятницу.",
        "Коробки відстежуємо за номером {0}, прийдуть у п'ятницю.",
        "Pudełka śledzimy pod numerem {0}, przyjdą w piątek.",
    ],
)
def test_a_number_a_parcel_is_tracked_by_stays(tracked: str, number: str) -> None:
    text = tracked.format(fours(number))
    assert masked(text) == text
