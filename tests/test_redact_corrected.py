"""Card data in the shapes the thirteenth blind set showed missed or over-masked (issue 19, session 19), each fix
in general form: a digit's homophone ("for") opening a card said digit by digit with "triple" and "double" in it;
a card's group corrected in a final of its own after a read-back; and the numbers that stay: another thing's
validity ("the warranty is valid till ..."), a year alone, a product's number named so (a barcode, an EAN, a
serial). Sentences and numbers of our own, not the benchmark's."""

from __future__ import annotations

import pytest

from agentassist.privacy.detect import find_spans, mask
from agentassist.privacy.said import luhn
from tests.redaction import redacted_finals
from tests.test_redact_named import fours

# Luhn-valid numbers made for these tests (random bodies, a check digit): none is a benchmark case's
VISA = "4917668203157746"
MASTERCARD = "5361884029172607"
MIR = "2200734199580125"
VISA_REPEATS = "4777003581926042"  # 4, triple 7, double 0, ...
EAN_4 = "4822601815908"  # EAN-13 barcodes whose check digit passes Luhn's too, beginning as a Visa or a Maestro
EAN_5 = "5010729022271"


def wrong_third(digits: str) -> str:
    """The number read back with one digit of its third group wrong."""
    third = digits[8:12]
    return digits[:8] + third[:2] + str((int(third[2]) + 1) % 10) + third[3] + digits[12:]


def test_the_numbers_are_what_they_say() -> None:
    assert all(luhn(n) for n in (VISA, MASTERCARD, MIR, VISA_REPEATS, EAN_4, EAN_5))
    assert not any(luhn(wrong_third(n)) for n in (VISA, MASTERCARD, MIR))
    assert not luhn(VISA_REPEATS[1:])  # without its first "for" the run fails: the "for" is its 4


def test_for_opening_a_card_said_digit_by_digit_with_triples_and_doubles_is_its_first_digit() -> None:
    said = "Okay, so it's for triple seven double zero three five eight one nine two six zero four two."
    assert mask(said, find_spans(said)) == "Okay, so it's [CARD]."


def test_for_before_a_few_digits_with_a_double_stays_a_word() -> None:
    said = "I waited for double five minutes and then for three hours."
    assert find_spans(said) == []


@pytest.mark.parametrize(
    ("card", "back", "correction"),
    [
        (VISA, "Let me repeat it: {n}?", "No, sorry, {g}."),
        (MASTERCARD, "So I have {n}, correct?", "Sorry, no, it's {g}."),
        (MIR, "Проверяю: {n}?", "Нет, простите, {g}."),
        (MIR, "Перевіряю: {n}?", "Ні, вибачте, {g}."),
        (MASTERCARD, "Sprawdzam: {n}?", "Nie, {g}."),
    ],
)
def test_a_group_corrected_after_a_read_back_is_card_data(card: str, back: str, correction: str) -> None:
    wrong = wrong_third(card)
    said = redacted_finals(
        ("customer", f"{fours(card)}."),
        ("agent", back.format(n=fours(wrong))),
        ("customer", correction.format(g=card[8:12])),
    )
    assert said[0] == "[CARD]."
    assert "[CARD]" in said[1] and not any(c.isdigit() for c in said[1])
    assert "[CARD]" in said[2] and "[CVV]" not in said[2]


@pytest.mark.parametrize(
    ("turns", "corrected"),
    [
        # a code corrected in a final of its own (left unmasked before), and one named by its cue
        ((f"{fours(VISA)}.", "The code is 418.", "No, sorry, 481."), "No, sorry, [CVV]."),
        (
            (f"{fours(VISA)}.", f"So {fours(VISA)}?", "No wait, the security code is 7731."),
            "No wait, the security code is [CVV].",
        ),
        # an expiry corrected (masked as a code before)
        ((f"{fours(MASTERCARD)}.", "It expires 10/27.", "Ой, нет, 11/27."), "Ой, нет, [EXPIRY]."),
        # a group that passes the check in the card's place, though as a month and a year it fits an expiry too
        (
            (f"{fours(VISA)}, 04/29.", f"Okay, {fours(wrong_third(VISA))}, expiring 04/29?", f"Nie, {VISA[8:12]}."),
            "Nie, [CARD].",
        ),
        # a code of as many digits as the code read back
        ((f"{fours(VISA)}, 04/29, 552.", f"So {fours(VISA)}, 04/29, code 525?", "Ні, 552."), "Ні, [CVV]."),
    ],
)
def test_a_number_said_after_a_correction_takes_the_kind_it_fits(turns: tuple[str, str, str], corrected: str) -> None:
    said = redacted_finals(*((("agent" if "?" in t else "customer"), t) for t in turns))
    assert said[2] == corrected


@pytest.mark.parametrize(
    "said",
    [
        "The warranty is valid till 2027.",
        "The warranty is valid until 11/27.",
        "Your subscription expires 03/28.",
        "The licence is good through 2029.",
        "Гарантия действует до 10/27.",
        "Срок действия гарантии до 2028 года.",
        "Гарантія дійсна до 09/28.",
        "Підписка діє до 2027 року.",
        "Gwarancja ważna do 12/27.",
        "Licencja jest ważna do 2029 roku.",
        "It's valid till 2030, as far as I know.",
    ],
)
def test_another_thing_s_validity_or_a_year_alone_is_no_card_expiry(said: str) -> None:
    assert find_spans(said) == []


def test_a_card_s_expiry_is_still_masked_beside_a_warranty() -> None:
    said = "The card expires 11/28, the warranty is valid till 2027."
    assert mask(said, find_spans(said)) == "The card expires [EXPIRY], the warranty is valid till 2027."


@pytest.mark.parametrize(
    "said",
    [
        f"The barcode on the label is {EAN_4}.",
        f"EAN {EAN_5}, the blue one.",
        f"The product code is {EAN_5}.",
        f"Штрихкод на упаковке {EAN_4}.",
        f"Серийный номер {EAN_4}.",
        f"Штрихкод на пакуванні {EAN_5}.",
        f"Kod kreskowy z etykiety {EAN_4}.",
        f"Numer seryjny {EAN_5}.",
    ],
)
def test_a_product_s_number_named_so_is_no_card_even_luhn_valid(said: str) -> None:
    assert find_spans(said) == []


def test_the_same_digits_named_as_a_card_are_masked() -> None:
    said = f"My card number is {EAN_4}."
    assert mask(said, find_spans(said)) == "My card number is [CARD]."


def test_a_homophone_inside_a_run_with_doubles_is_its_digit() -> None:
    # 4888 0017 2635 4001: "to" for 2 inside, a "triple" and "double"s around it (which broke the run of digits)
    said = "Number's four triple eight double zero one seven to six three five four double zero one."
    assert mask(said, find_spans(said)) == "Number's [CARD]."


@pytest.mark.parametrize(
    ("said", "masked_as"),
    [
        ("Гарантия на карту действует до 12/28.", "Гарантия на карту действует до [EXPIRY]."),
        ("My Visa is valid till 12/28.", "My Visa is valid till [EXPIRY]."),
    ],
)
def test_a_card_named_between_a_validity_word_and_the_date_keeps_the_expiry(said: str, masked_as: str) -> None:
    assert mask(said, find_spans(said)) == masked_as
