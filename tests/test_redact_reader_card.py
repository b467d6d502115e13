"""A library's card named by whom it is for, its reader (issue 19: heldout32's wrong mask read for its general
reason): "karta czytelnika", "читательская карта", "читацька картка" are a library's, whose number may pass the Luhn
check and is no payment card's. And what stays masked: a payment card with a reader named elsewhere in the
sentence. In sentences and numbers of our own."""

from __future__ import annotations

import pytest

from agentassist.privacy.said import luhn
from tests.test_redact_h24 import fours
from tests.test_redact_shapes import masked

LIBRARY = "6011000990139424"  # Luhn-valid, made for these tests (a random body, a check digit): no benchmark case's


def test_the_number_made_for_these_tests() -> None:
    assert luhn(LIBRARY)


# a reader's card stays as said; a payment card with a reader named after it is masked
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Numer mojej karty czytelnika to {0}, oddam dwie książki.", None),
        ("Номер читательской карты {0}, верну две книги.", None),
        ("Номер читацької картки {0}, поверну дві книжки.", None),
        ("Karta {0}, czytelnik zapłaci.", "Karta [CARD], czytelnik zapłaci."),
    ],
)
def test_a_reader_s_card_is_a_library_s(text: str, expected: str | None) -> None:
    said = text.format(fours(LIBRARY))
    assert masked(said) == (expected or said)
