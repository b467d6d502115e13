"""A code named as the card's "little number" in Russian, Ukrainian and Polish (issue 19, session 23: heldout27's
one code missed in each language, "и маленький номер 058"), in sentences and numbers of our own; and a small
number that is a room's, with no card about, stays; and an account number's end said after card data is the
account's (heldout27's Polish case), not the card's last four."""

from __future__ import annotations

import pytest

from agentassist.privacy.said import luhn
from tests.redaction import redacted_finals
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


@pytest.mark.parametrize(
    ("said", "ending"),
    [
        ("And our account number with you ends in 40 18 77 63.", "40 18 77 63"),
        ("А номер нашего счёта у вас заканчивается на 40 18 77 63.", "40 18 77 63"),
        ("А номер нашого рахунку у вас закінчується на 40 18 77 63.", "40 18 77 63"),
        ("Nasz numer konta u was kończy się na 40 18 77 63.", "40 18 77 63"),
    ],
)
def test_an_account_numbers_end_after_card_data_is_the_accounts(said: str, ending: str) -> None:
    # the ending is named as another number's (heldout27's Polish case, in words of our own): not the card's last four
    shown = redacted_finals(("customer", f"The repair is 2 650. {VISA_SAID}, 09/28, 512."), ("customer", said))
    assert ending in shown[1] and VISA_SAID not in shown[0], shown


@pytest.mark.parametrize(
    "said",
    ["And the card on that account ends in 6787.", "А карта на этом счёте заканчивается на 6787."],
)
def test_the_cards_end_named_with_an_account_is_still_the_cards(said: str) -> None:
    shown = redacted_finals(("customer", f"The repair is 2 650. {VISA_SAID}, 09/28, 512."), ("customer", said))
    assert "6787" not in shown[1], shown
