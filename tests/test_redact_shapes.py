"""Card data in the shapes the fourth blind set showed missed (issue 19, session 17), each fix in general form:
a card read aloud ends where a group ends and never begins with 0; 16 digits failing the check may be the
first of 19; a correction said digit by digit takes back groups; a card dictated group by group; "for" for
four; an expiry said as its parts named, by its month's ordinal, after a card named and "до"; and the numbers
that stay: a SIM card's long number read "on the back", an amount with cents after a card. Sentences of our
own, not the benchmark's."""

from __future__ import annotations

import pytest

from agentassist.privacy.detect import find_spans, mask
from agentassist.privacy.redactor import Redactor
from agentassist.privacy.said import luhn
from tests.redaction import redacted_finals

# Luhn-valid numbers made for these tests (random bodies, a check digit): none is a benchmark case's
UNIONPAY_0 = "6243072868563421539"  # its last 15 digits (from a group beginning with 0) pass the check too
MAESTRO_13 = "6715968949302979880"  # its first 13 digits pass the check too
MAESTRO_19 = "6351059757277818601"  # no shorter run from its start passes
VISA = "4663764717387394"
VISA_FOURS = "4100058263437740"

EN = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
RU = ["ноль", "один", "два", "три", "четыре", "пять", "шесть", "семь", "восемь", "девять"]
PL = ["zero", "jeden", "dwa", "trzy", "cztery", "pięć", "sześć", "siedem", "osiem", "dziewięć"]


def words(digits: str, names: list[str], group: int = 4) -> str:
    """``digits`` said one by one in ``names``, a comma between groups of ``group``."""
    return ", ".join(" ".join(names[int(d)] for d in digits[i : i + group]) for i in range(0, len(digits), group))


def masked(text: str) -> str:
    return mask(text, find_spans(text))


def test_the_numbers_made_for_these_tests_pass_luhn() -> None:
    assert all(luhn(n) for n in (UNIONPAY_0, MAESTRO_13, MAESTRO_19, VISA, VISA_FOURS))
    assert luhn(UNIONPAY_0[4:]) and luhn(MAESTRO_13[:13]) and not luhn(MAESTRO_19[:16])


def test_a_19_digit_card_written_whole_is_not_cut_at_a_run_beginning_with_0() -> None:
    number = " ".join(UNIONPAY_0[i : i + 4] for i in range(0, 19, 4))
    assert masked(f"Номер: {number}, всё.") == "Номер: [CARD], всё."


def test_a_19_digit_card_said_across_finals_is_not_cut_inside_a_group() -> None:
    first, second = words(MAESTRO_13[:12], RU), words(MAESTRO_13[12:], RU)
    assert redacted_finals(("customer", f"{first},"), ("customer", f"{second}.")) == ["[CARD],", "[CARD]."]


def test_16_digits_failing_the_check_go_on_to_a_19_digit_card_s_last_three() -> None:
    turns = (
        ("customer", f"The card number is {words(MAESTRO_19[:8], EN)},"),
        ("customer", f"{words(MAESTRO_19[8:16], EN)},"),
        ("customer", f"and {words(MAESTRO_19[16:], EN)}, that's it."),
    )
    assert redacted_finals(*turns) == ["The card number is [CARD],", "[CARD],", "and [CARD], that's it."]


def test_a_code_after_a_whole_16_digit_card_said_across_finals_stays_a_code() -> None:
    turns = (
        ("customer", f"The card number is {words(VISA[:8], EN)},"),
        ("customer", f"{words(VISA[8:], EN)}."),
        ("customer", "And the code is 5 1 7."),
    )
    assert redacted_finals(*turns) == ["The card number is [CARD],", "[CARD].", "And the code is [CVV]."]


def test_a_correction_in_a_card_said_digit_by_digit_takes_back_a_group() -> None:
    wrong = "5 3 0 1"  # said for the third group, then corrected
    said = f"{words(VISA[:8], PL)}, {words(wrong.replace(' ', ''), PL)}... nie, {words(VISA[8:], PL)}."
    assert masked(said) == "[CARD]... nie, [CARD]."  # the retracted group with the two before it


def test_for_said_among_digits_is_four() -> None:
    said = words(VISA_FOURS, EN).replace("four", "for")
    assert masked(f"Sure, {said}.") == "Sure, [CARD]."


@pytest.mark.parametrize("said", ["I waited for two three weeks", "Tickets for one two three people, 4 euros each"])
def test_for_before_a_few_numbers_stays_for(said: str) -> None:
    assert masked(said) == said


def test_a_misheard_card_said_in_eight_pairs_is_masked() -> None:
    # 4663 7647 1738 7395: the last digit misheard (fails the check), said in pairs as many people do
    said = "forty-six, sixty-three, seventy-six, forty-seven, seventeen, thirty-eight, seventy-three, ninety-five"
    assert masked(said) == "[CARD]"


@pytest.mark.parametrize("names", [EN, RU, PL])
def test_a_card_dictated_group_by_group_is_card_data(names: list[str]) -> None:
    turns = [("agent", f"{words(VISA[:4], names)}, ok,"), ("agent", f"{words(VISA[4:8], names)}, next?")]
    assert redacted_finals(*turns) == ["[CARD], ok,", "[CARD], next?"]


@pytest.mark.parametrize(
    "turns",
    [
        [("agent", "seven three one nine, ok,"), ("agent", "two two oh one, next?")],  # no card begins with 7
        [("agent", "four three one nine, yes, that's the PIN.")],  # one group alone
        [("customer", "4663 7647, ok,"), ("customer", "1738, next?")],  # written, not said one by one: prices may be
        [("agent", "Номер заказа: четыре два три четыре, так,"), ("agent", "пять шесть семь восемь, записала.")],
    ],
)
def test_groups_of_four_that_are_no_card_dictated_stay(turns: list[tuple[str, str]]) -> None:
    assert redacted_finals(*turns) == [text for _, text in turns]


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("Month seven, year twenty-eight.", "[EXPIRY]."),
        (
            "The expiry month is seven and the year is twenty-eight.",
            "The expiry month is [EXPIRY] and the year is [EXPIRY].",
        ),
        (f"Card {VISA}, valid 11/27.", "Card [CARD], valid [EXPIRY]."),  # a weak cue where a card is about
        ("Месяц ноль пять, год тридцать первый.", "[EXPIRY]."),
        ("Rok 2029, miesiąc 5.", "[EXPIRY]."),  # the year first
        ("Місяць — 11, рік — 27.", "[EXPIRY]."),
        ("Miesiąc zero dziewięć, rok dwudziesty dziewiąty.", "[EXPIRY]."),
        ("Дійсна до третього місяця тридцятого року", "Дійсна до [EXPIRY]"),
        ("Ważna do jeden dwa przez dwadzieścia dziewięć", "Ważna do [EXPIRY]"),
        ("Картка до 05/30.", "Картка до [EXPIRY]."),
        ("It's good till the end of May thirty.", "It's good till the end of [EXPIRY]."),
        ("Kod zabezpieczający: osiemset dwa.", "Kod zabezpieczający: [CVV]."),
    ],
)
def test_an_expiry_said_as_its_parts_or_its_month_s_number_is_masked(said: str, expected: str) -> None:
    assert masked(said) == expected


@pytest.mark.parametrize(
    "said",
    [
        "Оплачу картой до 10.06, хорошо?",  # a day and a month: no year a card has
        "Скидка по карте действует 10.12.",  # a discount's day and month, "действует" a weak cue
        "Month three of the plan, and the year is fine.",  # no numbers for both parts
        "Year 2019, month 3 of the contract.",  # another thing's month and year
        "The SIM number on the back is 8931 0400 1234 5678 901.",  # an ICCID (19 digits): no code in it
    ],
)
def test_numbers_near_a_card_s_words_that_are_no_card_data_stay(said: str) -> None:
    assert masked(said) == said


def test_an_amount_with_cents_after_a_card_is_no_code() -> None:
    card = " ".join(VISA[i : i + 4] for i in range(0, 16, 4))
    assert masked(f"Proszę obciążyć kartę {card} kwotą 149,50 zł.") == "Proszę obciążyć kartę [CARD] kwotą 149,50 zł."


def test_a_bare_term_after_a_card_said_in_the_final_before_is_its_expiry() -> None:
    turns = [("customer", f"Karta {VISA}."), ("customer", "Termin: 03.29")]
    assert redacted_finals(*turns) == ["Karta [CARD].", "Termin: [EXPIRY]"]


@pytest.mark.parametrize(
    "after", ["room 412", "квартира 112", "сумма 350", "ціна 199", "kwota 249", "the amount is 300"]
)
def test_an_amount_or_an_address_named_after_a_card_is_no_code(after: str) -> None:
    card = " ".join(VISA[i : i + 4] for i in range(0, 16, 4))
    assert masked(f"Card {card}, {after}.") == f"Card [CARD], {after}."


@pytest.mark.parametrize(
    "after", ["And I'd like to pay 250.", "Доставка на вулицю Шевченка 125.", "Zapłacę 199 teraz."]
)
def test_an_amount_paid_or_a_street_number_in_the_final_after_a_card_is_no_code(after: str) -> None:
    card = " ".join(VISA[i : i + 4] for i in range(0, 16, 4))
    assert redacted_finals(("customer", f"Card {card}."), ("customer", after)) == ["Card [CARD].", after]


def test_a_card_after_an_amount_charged_is_masked_as_it_is_said() -> None:
    r = Redactor()
    partial = f"Please charge the 120 dollars to {VISA[:4]} {VISA[4:8]}"
    assert mask(partial, r.partial("customer", partial, 0.0)).endswith("to [CARD]")


def test_the_three_digits_after_a_card_are_its_code_but_a_phone_s_stay() -> None:
    card = " ".join(VISA[i : i + 4] for i in range(0, 16, 4))
    said = f"Card {card}, expiry December 2028, and the three digits are 5 1 2."
    assert masked(said) == "Card [CARD], expiry [EXPIRY], and the three digits are [CVV]."
    assert masked("The last three digits of my phone are 512.") == "The last three digits of my phone are 512."


@pytest.mark.parametrize("said", ["Скидка действует до 31.12.2026.", "Offer valid until 31.12.2026."])
def test_a_day_s_date_after_an_expiry_s_cue_ending_a_final_stays(said: str) -> None:
    assert redacted_finals(("customer", said)) == [said]
