"""Card data in the shapes the fourteenth blind set showed missed (issue 19, session 19), each fix in general form:
a card's group of four said again to confirm or correct it (card data, not a code, unless a code is named or asked
for); a card broken off and said again from its start; a card paused on a group that reads as a year; "за"/"za"
written for "два"/"dwa" inside a card said digit by digit; codes named by other schemes' names (CVN), by where they
are printed (above the number), after their digits, or said with homophones; an expiry "at the end of" a month;
and a licence's validity, its number between, which is no card's expiry. Sentences and numbers of our own, not
the benchmark's."""

from __future__ import annotations

import pytest

from agentassist.privacy.said import luhn
from tests.redaction import redacted_finals
from tests.test_redact_shapes import masked

# Luhn-valid numbers made for these tests (random bodies, a check digit): none is a benchmark case's
VISA = "4862245827554924"
MASTERCARD_YEARS = "5465343519642020"  # its third and fourth groups begin as years do (19.., 20..)
MIR = "2202007489652815"
MAESTRO_19 = "6761203427264847311"  # its first 16 digits pass the check too


def _groups(number: str) -> str:
    return " ".join(number[i : i + 4] for i in range(0, len(number), 4))


def test_the_numbers_made_for_these_tests_are_what_they_say() -> None:
    assert luhn(VISA) and luhn(MASTERCARD_YEARS) and luhn(MIR) and luhn(MAESTRO_19) and luhn(MAESTRO_19[:16])


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        ("So the card ends with {last}?", "Right, {last}."),
        ("Карта заканчивается на {last}?", "Верно, {last}."),
        ("Картка закінчується на {last}?", "Вірно, {last}."),
        ("Karta kończy się na {last}?", "Zgadza się, {last}."),
    ],
)
def test_a_cards_last_four_confirmed_is_the_cards_not_a_code(question: str, answer: str) -> None:
    last = VISA[-4:]
    got = redacted_finals(
        ("customer", f"It's {_groups(VISA)}."),
        ("agent", question.format(last=last)),
        ("customer", answer.format(last=last)),
    )
    assert got[2] == answer.format(last="[CARD]")


@pytest.mark.parametrize(
    "correction",
    [
        "No, the second group is {group}.",
        "Нет, вторая группа {group}.",
        "Ні, друга група {group}.",
        "Nie, druga {group}.",
    ],
)
def test_a_group_corrected_after_a_read_back_is_the_cards(correction: str) -> None:
    group = MIR[4:8]
    wrong = MIR[:4] + group[::-1] + MIR[8:]
    got = redacted_finals(
        ("customer", f"{_groups(MIR)}."), ("agent", f"{_groups(wrong)}?"), ("customer", correction.format(group=group))
    )
    assert got[2] == correction.format(group="[CARD]")


def test_a_code_equal_to_a_group_stays_a_code_where_it_is_named_or_asked_for() -> None:
    group = VISA[8:12]
    named = redacted_finals(("customer", f"{_groups(VISA)}."), ("customer", f"The code is {group}."))
    asked = redacted_finals(
        ("customer", f"{_groups(VISA)}."), ("agent", "And the security code?"), ("customer", f"{group}.")
    )
    assert named[1] == "The code is [CVV]." and asked[2] == "[CVV]."


@pytest.mark.parametrize(
    "restart",
    [
        "{part}, sorry, from the top: {card}.",
        "{part}, ой, заново: {card}.",
        "{part}, перепрошую, ще раз: {card}.",
        "{part}, nie, jeszcze raz: {card}.",
    ],
)
def test_a_card_broken_off_and_said_again_is_masked_both_times(restart: str) -> None:
    text = restart.format(part=f"{MIR[:4]} {MIR[4:7]}", card=_groups(MIR))
    # where two words at most come between, the part said again with the rest is one span ("ой, заново")
    assert masked(text) in (restart.format(part="[CARD]", card="[CARD]"), "[CARD].")


def test_a_number_before_a_card_that_is_not_its_start_stays() -> None:
    assert masked(f"Ticket 2203 11, and the card is {_groups(MIR)}.") == "Ticket 2203 11, and the card is [CARD]."


def test_a_card_paused_on_groups_that_read_as_years_goes_on() -> None:
    g = _groups(MASTERCARD_YEARS).split()
    got = redacted_finals(
        ("customer", f"Okay, {g[0]} {g[1]}, um"), ("customer", f"{g[2]}, hang on..."), ("customer", f"{g[3]}.")
    )
    assert got == ["Okay, [CARD], um", "[CARD], hang on...", "[CARD]."]


def test_years_said_over_finals_stay() -> None:
    got = redacted_finals(("customer", "We moved in 2019, um"), ("customer", "2020, I think..."), ("customer", "2021."))
    assert got == ["We moved in 2019, um", "2020, I think...", "2021."]


_RU = ["ноль", "один", "два", "три", "четыре", "пять", "шесть", "семь", "восемь", "девять"]
_PL = ["zero", "jeden", "dwa", "trzy", "cztery", "pięć", "sześć", "siedem", "osiem", "dziewięć"]


@pytest.mark.parametrize(("names", "cue"), [(_RU, "Номер карты"), (_PL, "Numer karty")])
def test_za_for_two_inside_a_card_said_digit_by_digit(names: list[str], cue: str) -> None:
    two = {"Номер карты": "за", "Numer karty": "za"}[cue]
    spoken = " ".join(two if d == "2" and n == 3 else names[int(d)] for n, d in enumerate(VISA))
    assert VISA[3] == "2"
    assert masked(f"{cue} {spoken}.") == f"{cue} [CARD]."


def test_za_as_a_word_stays() -> None:
    assert masked("Заплачу за три дня, пять человек.") == "Заплачу за три дня, пять человек."
    assert masked("Płacę za dwa bilety i trzy kawy.") == "Płacę za dwa bilety i trzy kawy."


@pytest.mark.parametrize(
    ("said", "want"),
    [
        ("The CVN is 417.", "The CVN is [CVV]."),
        (
            "And the four small digits above the number are 7102.",
            "And the four small digits above the number are [CVV].",
        ),
        ("А четыре цифры над номером 7102.", "А четыре цифры над номером [CVV]."),
        ("Чотири цифри над номером 7102.", "Чотири цифри над номером [CVV]."),
        ("Cztery cyfry nad numerem to 7102.", "Cztery cyfry nad numerem to [CVV]."),
        ("The code is five for to.", "The code is [CVV]."),
        ("I think 417 is the code.", "I think [CVV] is the code."),
        ("А 417 это код.", "А [CVV] это код."),
    ],
)
def test_codes_named_otherwise(said: str, want: str) -> None:
    assert redacted_finals(("customer", f"{_groups(VISA)}."), ("customer", said))[1] == want


def test_a_word_for_two_after_code_stays_a_word() -> None:
    assert masked("The code is to be sent to you tomorrow.") == "The code is to be sent to you tomorrow."


def test_a_card_said_on_past_16_digits_passing_by_chance_before_a_code_named_after() -> None:
    got = redacted_finals(
        ("customer", f"Maestro, {MAESTRO_19[:4]} {MAESTRO_19[4:8]}, um"),
        ("customer", f"{MAESTRO_19[8:12]} {MAESTRO_19[12:16]}"),
        ("customer", f"{MAESTRO_19[16:]}, and then 582 is the code."),
    )
    assert got == ["Maestro, [CARD], um", "[CARD]", "[CARD], and then [CVV] is the code."]


@pytest.mark.parametrize(
    ("said", "want"),
    [
        ("It runs out at the end of June 2031.", "It runs out at the end of [EXPIRY]."),
        ("Действует до конца июня 2031 года.", "Действует до конца [EXPIRY]."),
    ],
)
def test_an_expiry_at_the_end_of_a_month(said: str, want: str) -> None:
    assert masked(f"{_groups(VISA)}. {said}") == f"[CARD]. {want}"


@pytest.mark.parametrize(
    "said",
    [
        "The licence 5512 0098 3301, it's valid till 09/28, for ten users.",
        "Лицензия 5512 0098 3301, действует до 09/28.",
        "Ліцензія 5512 0098 3301, діє до 09/28.",
        "Licencja 5512 0098 3301 ważna do 09/28.",
    ],
)
def test_a_licences_validity_with_its_number_between_is_no_expiry(said: str) -> None:
    assert masked(said) == said


def test_a_card_between_a_subscription_and_its_validity_keeps_its_expiry() -> None:
    said = f"The subscription is on {_groups(VISA)}, it's valid till 09/28."
    assert masked(said) == "The subscription is on [CARD], it's valid till [EXPIRY]."


def test_a_code_cue_after_an_expiry_names_the_number_after_it() -> None:
    said = f"{_groups(VISA)}, 03/30, code 512."
    assert masked(said) == "[CARD], [EXPIRY], code [CVV]."
    assert masked(f"Numer {_groups(VISA)}, 03/30, to kod 512.") == "Numer [CARD], [EXPIRY], to kod [CVV]."


@pytest.mark.parametrize(
    ("broken", "again"),
    [
        ("{part}, sorry,", "from the top, {card}."),
        ("Номер {part}, ой,", "давайте заново, {card}."),
        ("Numer {part}, przepraszam,", "jeszcze raz, {card}."),
    ],
)
def test_a_card_broken_off_at_a_finals_end_and_said_again_in_the_next(broken: str, again: str) -> None:
    got = redacted_finals(
        ("customer", broken.format(part=f"{MIR[:4]} {MIR[4:6]}")), ("customer", again.format(card=_groups(MIR)))
    )
    assert got == [broken.format(part="[CARD]"), again.format(card="[CARD]")]


def test_an_amount_before_a_card_is_no_start_of_it() -> None:
    assert masked(f"I paid $2202, the card is {_groups(MIR)}.") == "I paid $2202, the card is [CARD]."
