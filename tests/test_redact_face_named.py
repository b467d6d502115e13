"""A card number named by the face it is printed on (issue 19: heldout33's misses read for their general reason):
"номер на лицевой стороне", "номер на лицьовому боці", "numer z przodu" say where the number is, not whose it is,
so they name no other thing's number; a thing named with its number still does ("номер заказа на сайте"). In
sentences and numbers of our own, in each language where the form exists (English names the thing before
"number": "the number on the front" never named one)."""

from __future__ import annotations

import pytest

from agentassist.privacy.said import luhn
from tests.test_redact_h24 import fours
from tests.test_redact_shapes import masked

# Luhn-valid numbers made for these tests (random bodies, a check digit): none is a benchmark case's
MASTERCARD = "5593821640812724"
ORDER = "4713954072487364"


def test_the_numbers_made_for_these_tests() -> None:
    assert luhn(MASTERCARD) and luhn(ORDER)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The number on the front is {0}, expiry 05/29.", "The number on the front is [CARD], expiry [EXPIRY]."),
        ("Номер на лицевой стороне {0}, срок 05/29.", "Номер на лицевой стороне [CARD], срок [EXPIRY]."),
        ("Номер на лицьовому боці {0}, термін 05/29.", "Номер на лицьовому боці [CARD], термін [EXPIRY]."),
        ("Numer z przodu: {0}, ważna do 05/29.", "Numer z przodu: [CARD], ważna do [EXPIRY]."),
    ],
)
def test_a_number_named_by_the_cards_face_is_the_card(text: str, expected: str) -> None:
    assert masked(text.format(fours(MASTERCARD))) == expected


def test_a_thing_named_with_its_number_still_names_it() -> None:
    # the order's number passes the check: only the thing named keeps it a thing's
    for text in ("Номер заказа на сайте {0}.", "Номер на обороте заказа {0}.", "Numer zamówienia z przodu: {0}."):
        said = text.format(fours(ORDER))
        assert masked(said) == said, said
