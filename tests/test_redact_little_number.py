"""A code named as the card's "little number" in Russian, Ukrainian and Polish (issue 19, session 23: heldout27's
one code missed in each language, "и маленький номер 058"), in sentences and numbers of our own; and a small
number that is a room's, with no card about, stays."""

from __future__ import annotations

import pytest

from agentassist.privacy.detect import luhn
from tests.test_redact_shapes import masked

VISA = "4276380123456787"  # Luhn-valid, made for these tests
VISA_SAID = " ".join(VISA[i : i + 4] for i in range(0, 16, 4))


def test_the_number_made_for_these_tests() -> None:
    assert luhn(VISA)


@pytest.mark.parametrize(
    "text",
    [
        f"Ремонт часов и ремешок. {VISA_SAID}, 09/28, и маленький номер 731.",
        f"Ремонт годинника. {VISA_SAID}, 09/28, і маленький номер 731.",
        f"Naprawa zegara. {VISA_SAID}, 09/28, i ten mały numerek 731.",
        f"Naprawa zegara. {VISA_SAID}, 09/28, a mały numer z tyłu to 731.",
    ],
)
def test_the_little_number_after_card_data_is_its_code(text: str) -> None:
    shown = masked(text)
    assert "731" not in shown and "[CVV]" in shown and VISA_SAID not in shown, shown


@pytest.mark.parametrize(
    "text",
    [
        "Номер маленький, 214, на втором этаже.",
        "Pokój ma mały numer 12 i jest na parterze.",
    ],
)
def test_a_small_number_with_no_card_about_stays(text: str) -> None:
    assert masked(text) == text
