"""A card's last group corrected with "rather" (issue 19: heldout33's misses read for their general reason): "or
rather", "вернее", "точнее", "вірніше", "точніше", "znaczy", "właściwie" take back what was just said as "I mean",
"то есть", "тобто", "to znaczy" do, so the group said after is the card's, not a code; a count corrected so
("три коробки, вернее четыре") stays. In sentences and numbers of our own, in each language."""

from __future__ import annotations

import pytest

from agentassist.privacy.said import luhn
from tests.test_redact_h24 import fours
from tests.test_redact_shapes import masked

# made for these tests: Luhn-valid, and its last group said wrong first (the check fails with it)
MASTERCARD = "5593821640812724"
SAID_WRONG = MASTERCARD[:12] + "2742"


def test_the_numbers_made_for_these_tests() -> None:
    assert luhn(MASTERCARD) and not luhn(SAID_WRONG)


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("Card {0}, or rather {1}, until 05/29.", "or rather"),
        ("Карта {0}, вернее {1}, до 05/29.", "вернее"),
        ("Карта {0}, точнее {1}, до 05/29.", "точнее"),
        ("Картка {0}, вірніше {1}, до 05/29.", "вірніше"),
        ("Картка {0}, точніше {1}, до 05/29.", "точніше"),
        ("Karta {0}, znaczy {1}, do 05/29.", "znaczy"),
        ("Karta {0}, właściwie {1}, do 05/29.", "właściwie"),
    ],
)
def test_a_last_group_corrected_with_rather_is_the_cards(text: str, word: str) -> None:
    said = text.format(fours(SAID_WRONG), MASTERCARD[12:])
    assert masked(said) == f"{said.split()[0]} [CARD], {word} [CARD], {said.split()[-2]} [EXPIRY]."


@pytest.mark.parametrize(
    "text",
    [
        "I need three boxes, or rather four, at 250 each.",
        "Мне нужно три коробки, вернее четыре, по 250 рублей.",
        "Мені треба три коробки, вірніше чотири, по 250 гривень.",
        "Potrzebuję 3 pudełka, znaczy 4, po 25 zł.",
    ],
)
def test_a_count_corrected_with_rather_stays(text: str) -> None:
    assert masked(text) == text
