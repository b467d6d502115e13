"""Collection mode (issue 19, agentassist.privacy.collection): while the call collects card data, the customer's
numbers are masked in any form, read by the number readers or not ("six twice", "niner", digit words joined by
hyphens, a digit's noun); ordinary numbers stay where the agent asked for another thing, the customer named one,
the exchange closed, or the number is a quantity, a time or an amount. In sentences and numbers of our own, in
en, ru, uk and pl."""

from __future__ import annotations

import pytest

from agentassist.privacy.collection import WINDOW_S, runs
from agentassist.privacy.detect import mask
from agentassist.privacy.redactor import Redactor
from agentassist.privacy.said import fold, luhn
from tests.redaction import redacted_finals
from tests.test_redact_h24 import fours

VISA = "4716083215539902"  # Luhn-valid, made for these tests
A, C = "agent", "customer"


def test_the_numbers_made_for_these_tests() -> None:
    assert luhn(VISA)


@pytest.mark.parametrize(
    "text",
    [
        "six twice seven",
        "five-four-two-three",
        "niner niner one two",
        "fifty-one hundred",
        "шесть дважды семь",
        "дві двійки, сім",
        "podwójna ósemka trzy",
    ],
)
def test_a_number_in_any_form_is_one_run(text: str) -> None:
    """One run from its first word to its last, of a code's digits at least (how many is near enough only)."""
    (run,) = runs(fold(text))
    assert (run.start, run.end) == (0, len(text)) and run.digits >= 3


@pytest.mark.parametrize("text", ["I'll do it for you, to be sure.", "Ten numer jest dobry.", "Um, one moment."])
def test_words_that_are_numbers_only_inside_one_are_no_run(text: str) -> None:
    assert runs(fold(text)) == ()


@pytest.mark.parametrize(
    ("question", "answer", "masked"),
    [
        (
            "Could you read me the long number on the card?",
            "Four seven one six, oh eight three two, one five five three, niner niner oh two.",
            "[CARD].",
        ),
        (
            "Назовите, пожалуйста, номер карты.",
            "Четыре семь один шесть, ноль восемь три два, один пять пять три, девять девять ноль два.",
            "[CARD].",
        ),
    ],
)
def test_a_card_asked_for_is_masked_whole(question: str, answer: str, masked: str) -> None:
    assert redacted_finals((A, question), (C, answer))[1] == masked


@pytest.mark.parametrize(
    ("card", "code", "masked"),
    [
        (f"The card is {fours(VISA)}, expiry 03/29.", "And the code, um, six twice seven.", "And the code, um, [CVV]."),
        (f"Карта {fours(VISA)}, срок 03/29.", "Код шесть дважды семь.", "Код [CVV]."),
        (f"Картка {fours(VISA)}, термін 03/29.", "Код: дві двійки, сім.", "Код: [CVV]."),
        (f"Karta {fours(VISA)}, ważna do 03/29.", "Kod podwójna ósemka trzy.", "Kod [CVV]."),
    ],
)
def test_a_code_in_a_form_the_readers_do_not_know_is_masked(card: str, code: str, masked: str) -> None:
    assert redacted_finals((C, card), (C, code))[1] == masked


@pytest.mark.parametrize(
    ("card", "after"),
    [
        (f"Card {fours(VISA)}, expiry 03/29, code 512.", "The lessons are on Thursdays at 4:30, 10 lessons."),
        (f"Карта {fours(VISA)}, срок 03/29, код 512.", "Занятия по четвергам в 16:30, 10 занятий."),
        (f"Картка {fours(VISA)}, термін 03/29, код 512.", "Заняття по четвергах о 16:30, 10 занять."),
        (f"Karta {fours(VISA)}, ważna do 03/29, kod 512.", "Lekcje w czwartki o 16:30, 10 lekcji."),
    ],
)
def test_numbers_after_the_card_s_parts_are_all_given_stay(card: str, after: str) -> None:
    assert redacted_finals((C, card), (C, after))[1] == after


@pytest.mark.parametrize(
    ("card", "other"),
    [
        (f"It's {fours(VISA)}.", "And my phone is oh seven seven double two, three four five."),
        (f"Карта {fours(VISA)}.", "А мой телефон восемь девятьсот шестнадцать, двести тридцать."),
        (f"Картка {fours(VISA)}.", "А мій телефон нуль шістдесят сім, двісті тридцять."),
        (f"Karta {fours(VISA)}.", "A mój telefon sześćset dwa, trzysta czterdzieści."),
    ],
)
def test_a_number_the_customer_names_as_another_thing_stays(card: str, other: str) -> None:
    assert redacted_finals((C, card), (C, other))[1] == other


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        ("Thanks. And what's the order number?", "Five five two one, seven seven three oh."),
        ("Спасибо. А номер заказа?", "Пять пять два один, семь семь три ноль."),
        ("Дякую. А номер замовлення?", "П'ять п'ять два один, сім сім три нуль."),
        ("Dziękuję. A numer zamówienia?", "Pięć pięć dwa jeden, siedem siedem trzy zero."),
    ],
)
def test_the_agent_asking_for_another_thing_closes_the_window(question: str, answer: str) -> None:
    card = f"Card {fours(VISA)}."
    assert redacted_finals((C, card), (A, question), (C, answer))[2] == answer


@pytest.mark.parametrize(
    ("question", "said"),
    [
        ("What's the card number?", "Forty-seven sixteen, oh eight three two. The total was 59 pounds."),
        ("Номер карты?", "Сорок семь шестнадцать. Итого 59 рублей."),
    ],
)
def test_an_amount_in_the_window_stays(question: str, said: str) -> None:
    assert "59" in redacted_finals((A, question), (C, said))[1]


@pytest.mark.parametrize(
    "said",
    ["Twelve digits, I think, or sixteen digits.", "Там шестнадцать цифр.", "Tam jest szesnaście cyfr."],
)
def test_a_count_of_digits_in_the_window_stays(said: str) -> None:
    assert redacted_finals((A, "And the card number?"), (C, said))[1] == said


@pytest.mark.parametrize(
    "said",
    ["The agent said the total is 45 and the fee is 12.", "Сумма 45, комиссия 12."],
)
def test_the_agent_s_own_numbers_stay(said: str) -> None:
    assert redacted_finals((A, "Can I have the card number?"), (A, said))[1] == said


def test_numbers_stay_outside_the_window() -> None:
    said = "Sure, it's forty-two, eighty."
    assert redacted_finals((C, f"Card {fours(VISA)}."), (C, said), gap_s=WINDOW_S + 5)[1] == said
    assert redacted_finals((C, said))[0] == said


def test_the_window_s_partial_masks_a_form_the_readers_do_not_know() -> None:
    r = Redactor()
    r.final("0", A, "And the three digits on the back?", 0.0, 1.5)
    text = "six twice"
    assert mask(text, r.partial(C, text, 2.0)) == "[CVV]"
    assert mask(text, Redactor().partial(C, text, 2.0)) == text
