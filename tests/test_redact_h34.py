"""What heldout34's misses showed, each as its general form (issue 19), in sentences and numbers of our own: the
slash's other spoken names ("stroke", "косая черта", "скісна риска"); a zero said fondly ("нолик", "нулик"); a year
with its apostrophe after "of" ("10 of '31"); and, while card data is collected (agentassist.privacy.collection), a
code's digits joined by "then", a code named by how many digits it has and where they are, a card's group named by
its place, and the digits still to come of a card ("там ещё три: ..."). Where no card data is about, the same words
leave ordinary numbers alone."""

from __future__ import annotations

import pytest

from agentassist.privacy.said import luhn
from tests.redaction import redacted_finals
from tests.test_redact_h24 import fours

VISA = "4716083215539902"  # Luhn-valid, made for these tests
DINERS = "30569309025904"  # Luhn-valid, 14 digits
UNIONPAY = "6212345678901234569"  # Luhn-valid, 19 digits
A, C = "agent", "customer"


def test_the_numbers_made_for_these_tests() -> None:
    assert all(luhn(n) for n in (VISA, DINERS, UNIONPAY))


@pytest.mark.parametrize(
    ("said", "masked"),
    [
        (f"Card {fours(VISA)}, expiry 07 stroke 31, code 512.", "Card [CARD], expiry [EXPIRY], code [CVV]."),
        (f"Карта {fours(VISA)}, срок 07 косая черта 31, код 512.", "Карта [CARD], срок [EXPIRY], код [CVV]."),
        (f"Картка {fours(VISA)}, термін 07 скісна риска 31, код 512.", "Картка [CARD], термін [EXPIRY], код [CVV]."),
        (f"Card {fours(VISA)}, exp 07 of '31, code 512.", "Card [CARD], exp [EXPIRY], code [CVV]."),
    ],
)
def test_an_expiry_s_slash_said_otherwise_and_a_year_after_of(said: str, masked: str) -> None:
    assert redacted_finals((C, said)) == [masked]


@pytest.mark.parametrize("said", ["Flat 12 stroke 3, second floor.", "Квартира 12 косая черта 3, этаж 2."])
def test_a_slash_word_with_no_card_about_stays(said: str) -> None:
    assert redacted_finals((C, said)) == [said]


@pytest.mark.parametrize(
    "said",
    [
        "Карта три нолик пять шесть, девять три нолик девять, нолик два пять девять нолик четыре.",
        "Картка три нулик п'ять шість, дев'ять три нулик дев'ять, нулик два п'ять дев'ять нулик чотири.",
    ],
)
def test_a_zero_said_fondly_is_a_digit(said: str) -> None:
    assert redacted_finals((C, said)) == [said[: said.index(" ") + 1] + "[CARD]."]


@pytest.mark.parametrize(
    ("code", "masked"),
    [
        ("And the code: 4, then 0, then 9.", "And the code: [CVV]."),
        ("Код: 4, потом 0, потом 9.", "Код: [CVV]."),
        ("Код: 4, потім 0, потім 9.", "Код: [CVV]."),
        ("Kod: 4, potem 0, potem 9.", "Kod: [CVV]."),
    ],
)
def test_a_code_s_digits_joined_by_then(code: str, masked: str) -> None:
    assert redacted_finals((C, f"{fours(VISA)}, 07/31."), (C, code))[1] == masked


@pytest.mark.parametrize(
    ("code", "masked"),
    [
        ("The four digits in the grey square are 7031.", "The four digits in the grey square are [CVV]."),
        ("Три цифры в сером квадратике: 703.", "Три цифры в сером квадратике: [CVV]."),
        ("Trzy cyfry w szarym kwadracie to 703.", "Trzy cyfry w szarym kwadracie to [CVV]."),
    ],
)
def test_a_code_named_by_how_many_digits_and_where(code: str, masked: str) -> None:
    assert redacted_finals((C, f"{fours(VISA)}, 07/31."), (C, code))[1] == masked


@pytest.mark.parametrize(
    ("said", "masked"),
    [
        (
            "It's 4716 0833 1553 9902, sorry, the second group is 0832.",
            "It's [CARD], sorry, the second group is [CARD].",
        ),
        ("Карта 4716 0833 1553 9902, ой, вторая группа 0832.", "Карта [CARD], ой, вторая группа [CARD]."),
        ("Karta 4716 0833 1553 9902, przepraszam, druga grupa 0832.", "Karta [CARD], przepraszam, druga grupa [CARD]."),
    ],
)
def test_a_card_s_group_corrected_by_its_place(said: str, masked: str) -> None:
    assert redacted_finals((C, said)) == [masked]


@pytest.mark.parametrize(
    ("question", "rest"),
    [
        ("Это весь номер?", "Нет, там ещё три: 569. Срок 07/31, код 512."),
        ("Це весь номер?", "Ні, там ще три: 569. Термін 07/31, код 512."),
        ("Czy to cały numer?", "Nie, są jeszcze trzy: 569. Ważna do 07/31, kod 512."),
    ],
)
def test_the_digits_still_to_come_of_a_card(question: str, rest: str) -> None:
    """The card's last digits, the expiry and the code after them: the count ("три") no digit of the card."""
    got = redacted_finals((C, fours(UNIONPAY[:16])), (A, question), (C, rest))
    assert got[2].startswith(rest[: rest.index("569")] + "[CARD].")


@pytest.mark.parametrize(
    ("after", "stays"),
    [
        ("The second group of kids starts at 9.", "The second group of kids starts at 9."),
        ("Вторая группа детей в 11.", "Вторая группа детей в 11."),
    ],
)
def test_a_group_of_other_things_after_the_code_stays(after: str, stays: str) -> None:
    assert redacted_finals((C, f"{fours(VISA)}, 07/31, 512."), (C, after))[1] == stays
