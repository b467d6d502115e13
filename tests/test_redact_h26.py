"""Card data said in forms heldout26 found (issue 19, session 22), fixed in general form, in sentences and numbers
of our own: a card said in the sentence after one that names a thing bought whose noun also names numbers ("the
leather case.", "a ticket holder.", "the licence.": the thing, not its number), and a Russian card in words with
"два ноля"; and what stays: a number named by its label in the sentence before ("The policy number. ...",
"Номер полиса. ...")."""

from __future__ import annotations

import pytest

from agentassist.privacy.said import luhn
from tests.redaction import redacted_finals
from tests.test_redact_shapes import masked

# Luhn-valid numbers made for these tests (random bodies, a check digit): none is a benchmark case's
AMEX = "377626388739424"
VISA = "4733954254060431"
MASTERCARD = "5216786103545938"


def test_the_numbers_made_for_these_tests() -> None:
    assert all(luhn(n) for n in (AMEX, VISA, MASTERCARD))


AMEX_SAID = f"{AMEX[:4]} {AMEX[4:10]} {AMEX[10:]}"
VISA_SAID = " ".join(VISA[i : i + 4] for i in range(0, 16, 4))


@pytest.mark.parametrize(
    "text",
    [
        f"I'll take the leather case. {AMEX_SAID}, 08/29, 4417.",
        f"I'll take the leather case too. {AMEX_SAID} 08/29 4417",  # one breath, no cue
        f"A ticket holder and two pens, please. {VISA_SAID}, 10/27, 281.",
        f"It's for the fishing licence and a float. {VISA_SAID}, expires 03/28.",
        f"Mam jeszcze rachunek za zeszły miesiąc. {VISA_SAID}, 03/28, 552.",
    ],
)
def test_a_card_after_a_sentence_naming_a_thing_bought_is_masked(text: str) -> None:
    shown = masked(text)
    assert "[CARD]" in shown and VISA_SAID not in shown and AMEX_SAID not in shown, shown


def test_a_card_in_bare_groups_over_finals_after_such_a_sentence_is_masked() -> None:
    groups = VISA_SAID.split()
    shown = redacted_finals(
        ("customer", f"And the fishing licence for the year. {groups[0]}..."),
        ("customer", f"{groups[1]} {groups[2]}, sorry, I can hardly read it..."),
        ("customer", f"{groups[3]}. Expiry 09/29. Code 616."),
    )
    assert not any(g in line for g in groups for line in shown), shown


@pytest.mark.parametrize(
    "text",
    [
        f"The policy number. {VISA_SAID}.",
        f"Номер полиса. {VISA_SAID}.",
        f"Numer polisy. {VISA_SAID}.",
        f"My booking ref. {VISA_SAID}.",
    ],
)
def test_a_number_labelled_in_the_sentence_before_stays(text: str) -> None:
    assert masked(text) == text


def test_two_zeros_said_as_dva_nolya_are_digits_of_a_card() -> None:
    text = "Пять два один шесть семь восемь шесть один ноль три пять четыре пять девять три восемь, два ноля нет"
    said = "Пять два один шесть семь восемь шесть один ноль три пять четыре пять девять три восемь"
    assert said not in masked(text)  # the card in words, as before
    card = "Карта пять пять два ноля один два три четыре пять шесть семь восемь девять ноль один два, срок 05/28."
    shown = masked(card)
    assert "ноля" not in shown and "[CARD]" in shown, shown  # one card, not two pieces around "ноля"


def test_two_zeros_on_a_scoreboard_stay() -> None:
    text = "Было два ноля на табло, потом счёт два ноль."
    assert masked(text) == text
