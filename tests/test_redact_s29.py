"""What heldout36 showed, each as its general form (issue 19), in sentences and numbers of our own: an insurance
claim's number ("insurance claim", "страховой случай", "страховий випадок", "szkoda komunikacyjna nr") is the
insurer's, Luhn-valid or not; beside it, a card's number is still masked."""

from __future__ import annotations

import pytest

from agentassist.privacy.detect import mask
from agentassist.privacy.redactor import Redactor
from agentassist.privacy.said import luhn

VISA = "4916338512075523"  # Luhn-valid, made for these tests
C = "customer"


def test_the_numbers_made_for_these_tests() -> None:
    assert luhn(VISA)


def _call(*said: str) -> list[str]:
    r, out = Redactor(), {}
    for n, text in enumerate(said):
        out.update(r.final(str(n), C, text, 2.0 * n, 2.0 * n + 1.5))
    return [mask(text, out.get(str(n), [])) for n, text in enumerate(said)]


def _fours(number: str) -> str:
    return " ".join(number[n : n + 4] for n in range(0, len(number), 4))


@pytest.mark.parametrize(
    "said",
    [
        "The warranty claim {} was opened on the 3rd, the repair took 12 days.",
        "My insurance claim is {}, the storm was on 14/10.",
        "Страховой случай {}, пожар 03.11, ущерб 40 000 рублей.",
        "Номер убытка {}, залило квартиру в понедельник.",
        "Страховий випадок {}, затоплення 03.11, збиток 9 000 гривень.",
        "Szkoda ubezpieczeniowa nr {}, zalanie 03.11, wkład własny 500 zł.",
        "Numer szkody to {}, zgłoszona wczoraj.",
    ],
)
def test_a_claims_number_stays_though_luhn_valid(said: str) -> None:
    text = said.format(_fours(VISA))
    assert _call(text) == [text]


@pytest.mark.parametrize(
    ("said", "masked"),
    [
        (
            "Pay the insurance excess by card, {}, expiry 04/29.",
            "Pay the insurance excess by card, [CARD], expiry [EXPIRY].",
        ),
        ("Оплачу страховку картой {}, срок 04/29.", "Оплачу страховку картой [CARD], срок [EXPIRY]."),
        ("Zapłacę kartą {}, ważna do 04/29.", "Zapłacę kartą [CARD], ważna do [EXPIRY]."),
    ],
)
def test_a_card_beside_insurance_is_masked(said: str, masked: str) -> None:
    assert _call(said.format(_fours(VISA))) == [masked]
