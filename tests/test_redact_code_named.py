"""How a security code is named (issue 19: heldout32's misses read for their general reason): a confirmation code of
three digits said with the card's data is the card's own ("код подтверждения", "код підтвердження", "kod
potwierdzający"), one of four digits or more is a one-time code sent by text and stays; a Polish "numer
zabezpieczenia" (the noun, as "numer zabezpieczający"); the little digits named with where they are printed, a side
or a corner before the card's face ("on the right of the front", "справа на лицевой стороне", "праворуч на
лицьовому боці", "po prawej na przodzie", "в углу"). In sentences and numbers of our own, in each language where the
form exists."""

from __future__ import annotations

import pytest

from agentassist.privacy.said import luhn
from tests.test_redact_h24 import fours
from tests.test_redact_shapes import masked

# Luhn-valid numbers made for these tests (random bodies, a check digit): none is a benchmark case's
VISA = "4916338506082832"
AMEX = "378282246310005"


def test_the_numbers_made_for_these_tests() -> None:
    assert luhn(VISA) and luhn(AMEX)


def _amex() -> str:
    return f"{AMEX[:4]} {AMEX[4:10]} {AMEX[10:]}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Card {0}, expires 02/30, confirmation code 583.", "Card [CARD], expires [EXPIRY], confirmation code [CVV]."),
        ("Карта {0}, до 02/30, код подтверждения 583.", "Карта [CARD], до [EXPIRY], код подтверждения [CVV]."),
        ("Картка {0}, до 02/30, код підтвердження 583.", "Картка [CARD], до [EXPIRY], код підтвердження [CVV]."),
        ("Karta {0}, do 02/30, kod potwierdzający 583.", "Karta [CARD], do [EXPIRY], kod potwierdzający [CVV]."),
        ("Karta {0}, do 02/30, numer zabezpieczenia 583.", "Karta [CARD], do [EXPIRY], numer zabezpieczenia [CVV]."),
    ],
)
def test_a_code_named_so_after_the_card_is_its_code(text: str, expected: str) -> None:
    assert masked(text.format(fours(VISA))) == expected


@pytest.mark.parametrize(
    "text",
    [
        "The confirmation code 77215 came by text.",
        "Вам пришёл код подтверждения 4471, назовите его.",
        "Прийшов код підтвердження 4471.",
        "Kod potwierdzający 771502 przyszedł SMS-em.",
    ],
)
def test_a_one_time_confirmation_code_stays(text: str) -> None:
    assert masked(text) == text


@pytest.mark.parametrize(
    ("text", "said"),
    [
        (
            "Amex {0}, and the small digits on the left of the front are 4410.",
            "and the small digits on the left of the front are",
        ),
        (
            "Amex {0}, the four digits on the right of the front are 4410.",
            "the four digits on the right of the front are",
        ),
        ("Amex {0}, маленькие цифры слева на лицевой стороне 4410.", "маленькие цифры слева на лицевой стороне"),
        ("Amex {0}, дрібні цифри праворуч на лицьовому боці 4410.", "дрібні цифри праворуч на лицьовому боці"),
        ("Amex {0}, małe cyfry po lewej na przodzie: 4410.", "małe cyfry po lewej na przodzie:"),
        ("Amex {0}, маленькие цифры в углу 4410.", "маленькие цифры в углу"),
    ],
)
def test_little_digits_named_with_their_place_are_the_code(text: str, said: str) -> None:
    assert masked(text.format(_amex())) == f"Amex [CARD], {said} [CVV]."
