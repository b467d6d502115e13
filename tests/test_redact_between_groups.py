"""What may come between a card's groups and leave it one span (issue 19: heldout32's misses read for their general
reason): a filler sound ("um", "э-э", "е-е", "yyy"); the first groups said again after a word or two ("that's", "то
есть", "тобто", "czyli") before the rest; each group named by its place ("group two", "вторая группа", "група 2",
"grupa druga"), the group's number no digit of the card. And what stays: a group of people numbered, the numbers
after it no card. In sentences and numbers of our own, in each language where the form exists."""

from __future__ import annotations

import pytest

from agentassist.privacy.detect import mask
from agentassist.privacy.redactor import Redactor
from agentassist.privacy.said import luhn
from tests.test_redact_h24 import fours
from tests.test_redact_shapes import masked

# Luhn-valid numbers made for these tests (random bodies, a check digit): none is a benchmark case's
VISA = "4263982640269299"
MASTERCARD = "5105105105105100"


def test_the_numbers_made_for_these_tests() -> None:
    assert luhn(VISA) and luhn(MASTERCARD)


def _halves(digits: str) -> tuple[str, str]:
    grouped = fours(digits)
    return grouped[:9], grouped[10:]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Visa {0}, um, {1}, thanks.", "Visa [CARD], thanks."),
        ("Visa {0}, uh, er, {1}.", "Visa [CARD]."),
        ("Карта {0}, ээ, {1}, всё.", "Карта [CARD], всё."),
        ("Картка {0}, е-е, {1}, все.", "Картка [CARD], все."),
        ("Karta {0}, yyy, {1}, to wszystko.", "Karta [CARD], to wszystko."),
    ],
)
def test_a_filler_between_a_card_s_halves_leaves_it_one_span(text: str, expected: str) -> None:
    assert masked(text.format(*_halves(MASTERCARD))) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The card is {0}, I mean {0}, {1}, thanks.", "The card is [CARD], thanks."),
        ("Номер карты {0}, то есть {0} {1}, всё.", "Номер карты [CARD], всё."),
        ("Номер картки {0}, тобто {0} {1}, все.", "Номер картки [CARD], все."),
        ("Numer karty {0}, czyli {0}, {1}, dziękuję.", "Numer karty [CARD], dziękuję."),
    ],
)
def test_the_first_half_said_again_before_the_rest_is_one_span(text: str, expected: str) -> None:
    assert masked(text.format(*_halves(VISA))) == expected


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("The card: group one {0}, group two {1}, group three {2}, group four {3}.", "The card: group one"),
        ("The card: group 1 {0}, group 2 {1}, group 3 {2}, group 4 {3}.", "The card: group 1"),
        (
            "Карта: первая группа {0}, вторая группа {1}, третья группа {2}, четвёртая группа {3}.",
            "Карта: первая группа",
        ),
        ("Картка: група 1 {0}, група 2 {1}, група 3 {2}, група 4 {3}.", "Картка: група 1"),
        ("Karta: grupa pierwsza {0}, grupa druga {1}, grupa trzecia {2}, grupa czwarta {3}.", "Karta: grupa pierwsza"),
    ],
)
def test_a_card_s_groups_named_by_their_place_are_one_span(text: str, named: str) -> None:
    assert masked(text.format(*fours(MASTERCARD).split())) == f"{named} [CARD]."


@pytest.mark.parametrize(
    "text",
    [
        "Group two starts at 10:30, we sold 3063 tickets, 8550 people came, 7461 chairs.",
        "Группа 2 в 10:30, продано 3063 билета, пришли 8550 человек.",
    ],
)
def test_a_group_of_people_numbered_is_no_card(text: str) -> None:
    assert masked(text) == text


@pytest.mark.parametrize(
    "text",
    [
        "Sure: group one {0}, group two {1}, group three",
        "Так: первая группа {0}, вторая группа {1}, третья группа",
        "Так: група 1 {0}, група 2 {1}, група 3",
        "Tak: grupa pierwsza {0}, grupa druga {1}, grupa trzecia",
    ],
)
def test_a_partial_of_groups_named_by_their_place_shows_no_run_of_them(text: str) -> None:
    first, second = fours(MASTERCARD).split()[:2]
    partial = text.format(first, second)
    shown = mask(partial, Redactor().partial("customer", partial, 0.0))
    assert first not in shown and second not in shown
