"""Card data in the shapes the seventh blind set showed missed (issue 19, session 18), each fix in general form,
and what telephone speech recognition does that no set has yet: a homophone of a digit at either end of a card
said digit by digit; "the last four are ..." after a card (the count is no digit, the digits are the card's, in
the same final or a later one of either speaker); a digit lost or heard twice, so that a group has 3 or 5
digits and the number fails the Luhn check; an expiry said as its parts named. Sentences and numbers of our
own, not the benchmark's."""

from __future__ import annotations

import pytest

from agentassist.privacy.detect import find_spans
from agentassist.privacy.redactor import Redactor
from agentassist.privacy.said import items, luhn
from tests.redaction import redacted_finals
from tests.test_redact_named import fours
from tests.test_redact_shapes import masked

# Luhn-valid numbers made for these tests (random bodies, a check digit): none is a benchmark case's
VISA = "4716238590317759"  # without its first digit or its last, the check fails
MASTERCARD_2 = "2717340258164904"  # the same; it ends with a 4 ("for")
_WORDS = ["oh", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]


def said(digits: str) -> str:
    """``digits`` said one by one in English words, "oh" for zero."""
    return " ".join(_WORDS[int(d)] for d in digits)


def test_the_numbers_made_for_these_tests_pass_luhn_and_fail_it_without_an_end() -> None:
    for number in (VISA, MASTERCARD_2):
        assert luhn(number) and not luhn(number[1:]) and not luhn(number[:-1])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"Right, for {said(VISA[1:])}.", "Right, [CARD]."),  # "for" for the Visa's first 4
        (f"It's to {said(MASTERCARD_2[1:])}.", "It's [CARD]."),  # "to" for the first 2, not opening the final
        (f"The number is {said(MASTERCARD_2[:-1])} for.", "The number is [CARD]."),  # "for" for the last 4
    ],
)
def test_a_homophone_of_a_digit_at_either_end_of_a_card_said_digit_by_digit_is_its_digit(
    text: str, expected: str
) -> None:
    assert masked(text) == expected
    assert "".join(i.digits for i in items(text)) in (VISA, MASTERCARD_2)


def test_a_homophone_before_a_card_that_passes_the_check_alone_stays_a_word() -> None:
    text = f"Put it down to {said(VISA)}."
    assert "".join(i.digits for i in items(text)) == VISA
    assert masked(text) == "Put it down to [CARD]."


@pytest.mark.parametrize(
    ("text", "digits"),
    [
        ("and the last four are 7759", ["7759"]),
        ("the last four is 7759", ["7759"]),
        ("последние четыре это 7759", ["7759"]),
        ("останні чотири це 7759", ["7759"]),
        ("ostatnie cztery to 7759", ["7759"]),
        ("the last four are four four two one", ["4", "4", "2", "1"]),
    ],
)
def test_the_count_in_the_last_four_are_is_no_digit(text: str, digits: list[str]) -> None:
    assert [i.digits for i in items(text)] == digits


def test_a_card_dictated_in_parts_ends_with_its_last_four_named_so() -> None:
    turns = [f"The first half is {fours(VISA[:8])}.", f"Then {VISA[8:12]}.", f"And the last four are {VISA[12:]}."]
    assert redacted_finals(*(("customer", t) for t in turns)) == [
        "The first half is [CARD].",
        "Then [CARD].",
        "And the last four are [CARD].",
    ]


@pytest.mark.parametrize(
    "again",
    [f"the last four are {VISA[12:]}", "the last four digits are 7795", "sorry, the last four are 7795"],
)
def test_a_card_s_last_four_said_again_in_the_same_final_are_card_data(again: str) -> None:
    assert (
        masked(f"Card {fours(VISA)}, {again}, exp 09/28.")
        == "Card [CARD], " + again.replace(again[-4:], "[CARD]") + ", exp [EXPIRY]."
    )


@pytest.mark.parametrize(
    ("between", "again"),
    [
        (("customer", "It's valid till 09/28."), ("customer", "Oh, and the last four are 7795, sorry.")),
        (("customer", "Срок действия 09/28."), ("customer", "Ой, последние четыре 7795.")),
        (("agent", "Thank you."), ("agent", "So the last four are 7795?")),  # the agent, correcting a misheard end
    ],
)
def test_a_card_s_last_four_said_again_in_a_later_final_of_either_speaker_are_card_data(
    between: tuple[str, str], again: tuple[str, str]
) -> None:
    out = redacted_finals(("customer", f"My card is {fours(VISA)}."), between, again)
    assert out[0] == "My card is [CARD]."
    assert "[CARD]" in out[2] and "[CVV]" not in out[2] and "7795" not in out[2]


def test_a_card_s_last_four_named_with_no_card_said_before_stay() -> None:
    text = "The last four are 7759 and the balance is 120 dollars."
    assert redacted_finals(("customer", "Hello, I have a question."), ("customer", text))[1] == text


@pytest.mark.parametrize(
    "number",
    [
        f"{VISA[:4]} {VISA[4:8]} {VISA[8:12]} {VISA[12:15]}",  # a digit lost from the last group: 15
        f"{VISA[:4]} {VISA[4:8]} {VISA[8:11]} {VISA[12:]}",  # ... from the third: 15
        f"{VISA[:4]} {VISA[4:8]} {VISA[8:12]} {VISA[12:14]}{VISA[13:]}",  # a digit heard twice: 17
        f"{VISA[:4]} {VISA[4:8]} {VISA[8:10]}{VISA[9:12]} {VISA[12:]}",  # ... in the third group: 17, not 13 and a code
        f"{said(VISA[:4])}, {said(VISA[4:8])}, {said(VISA[8:11])}, {said(VISA[12:])}",  # in words, 15
        f"{said(VISA[:4])}, {said(VISA[4:9])}{VISA[8]}, {said(VISA[9:])}",  # in words, 17
    ],
)
def test_a_card_with_a_digit_lost_or_heard_twice_is_masked_after_its_cue(number: str) -> None:
    assert not luhn("".join(i.digits for i in items(number)))
    assert masked(f"My card number is {number}, the CVV is 316.") == "My card number is [CARD], the CVV is [CVV]."


def test_a_card_with_a_group_heard_twice_answering_the_question_is_one_card_with_no_code() -> None:
    number = f"{VISA[:4]} {VISA[4:8]} {VISA[8:10]}{VISA[9:12]} {VISA[12:]}"
    assert redacted_finals(("agent", "What's the card number?"), ("customer", number)) == [
        "What's the card number?",
        "[CARD]",
    ]


@pytest.mark.parametrize(
    "turns",
    [
        ["Diners 3056 930902 5905 316."],  # 14 digits failing the check, then its code: no group of five
        ["Diners 3056.", "930902.", "5905.", "316."],  # ... group by group
        ["Amex 3782 822463 10006, CVV 1234."],  # an American Express's 4-6-5 is no digit heard twice
    ],
)
def test_a_code_after_a_misheard_card_with_no_group_heard_twice_stays_a_code(turns: list[str]) -> None:
    # a security code read as the card's would be kept in the original text for the roles that read it
    out = redacted_finals(*(("customer", t) for t in turns))
    assert out[-1].endswith("[CVV].") and not any(c.isdigit() for c in "".join(out))


@pytest.mark.parametrize(
    "groups",
    [
        [VISA[:4], VISA[4:8], VISA[8:12], VISA[12:15]],  # 15 digits
        [VISA[:4], VISA[4:8], VISA[8:12], VISA[12:14] + VISA[13:]],  # 17: the last group heard with 5 digits
        [VISA[:4], VISA[4:8], VISA[8:10] + VISA[9:12], VISA[12:]],  # 17: the third group heard with 5
    ],
)
def test_a_card_dictated_group_by_group_with_a_digit_lost_or_heard_twice_is_masked_to_its_end(
    groups: list[str],
) -> None:
    turns = [("customer", f"My card number is {groups[0]}."), *(("customer", f"{g}.") for g in groups[1:])]
    out = redacted_finals(*turns, ("customer", "316."))
    assert out[0] == "My card number is [CARD]."
    assert out[1:-1] == ["[CARD]."] * (len(groups) - 1)
    assert out[-1] == "[CVV]."


@pytest.mark.parametrize(
    "text",
    [
        f"Order number {VISA[:4]} {VISA[4:8]} {VISA[8:12]} {VISA[12:15]}.",
        f"The reference is {VISA[:4]} {VISA[4:8]} {VISA[8:11]} {VISA[12:]}.",
        "Call me on 0044 7911 1234 567.",
    ],
)
def test_a_long_number_failing_the_check_named_as_another_thing_stays(text: str) -> None:
    assert masked(text) == text
    assert Redactor().partial("customer", text, 0.0) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Valid thru month nine, year twenty-seven.", "Valid thru [EXPIRY]."),
        ("Срок: месяц шесть, год тридцатый.", "Срок: [EXPIRY]."),
        (
            "The expiry month is seven and the year is twenty-eight.",
            "The expiry month is [EXPIRY] and the year is [EXPIRY].",
        ),
    ],
)
def test_an_expiry_said_as_its_parts_named_is_masked_with_its_words_where_nothing_is_between(
    text: str, expected: str
) -> None:
    assert masked(text) == expected
    assert [s.kind for s in find_spans(text)] in (["expiry"], ["expiry", "expiry"])
