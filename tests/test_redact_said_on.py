"""A card named, begun, then said on in bare groups, each in a final of its own (issue 19: a miss CI found under load,
when the recognizer heard a card's first group as nine digits and the detector took a later group for a code and
left the last one shown). Every bare group said on is the card's until the card is whole or a final names
something else (an expiry, a code, another number), whatever a group's length. In sentences and numbers of our
own, in each language, with what stays: the expiry and the code said bare after a whole card, a group after the
expiry's cue, groups with no card named."""

from __future__ import annotations

import pytest

from agentassist.privacy.said import luhn
from tests.redaction import redacted_finals

# Luhn-valid numbers made for these tests (random bodies, a check digit): none is a benchmark case's
VISA = "4686294308393240"
MASTERCARD = "5388129245061641"


def test_the_numbers_made_for_these_tests() -> None:
    assert luhn(VISA) and luhn(MASTERCARD)
    # the groups the tests say, as a recognizer under load heard them: no card length passes the check
    assert not any(luhn("532077149660311802405"[:n]) for n in (16, 19))


# the card's cue, its groups (the first heard as nine digits, or eight, or a middle one as three), the expiry's cue,
# the expiry, the code's cue, the code
CALLS = {
    "en": (
        "The card number is",
        ["Five, three, 2, 0, 7, 7, 1, 4, 9", "6 6 0 3", "1 1 8 0.", "2 4 0 5"],
        "And the expiry?",
        "0 3 2 9",
        "The CVV is",
        "4 1 6",
    ),
    "ru": (
        "Номер карты такой",
        ["Пять, три, 2, 0, 7, 7, 1, 4", "9 6 6", "0 3 1 1", "8 0 2 4 0 5"],
        "Срок действия",
        "0 3 2 9",
        "Код на обороте",
        "4 1 6",
    ),
    "uk": (
        "Номер моєї картки",
        ["П'ять, три, 2, 0, 7, 7, 1, 4, 9", "6603", "1 1 8 0", "2, 4, 0, 5."],
        "Дійсна до",
        "0 3 2 9",
        "Код безпеки",
        "4 1 6",
    ),
    "pl": (
        "Numer karty to",
        ["Pięć, trzy, 2, 0, 7, 7, 1, 4, 9", "6 6 0 3", "1 1 8", "0 2 4 0 5"],
        "Data ważności",
        "0 3 2 9",
        "Kod z tyłu",
        "4 1 6",
    ),
}


@pytest.mark.parametrize("lang", sorted(CALLS))
def test_bare_groups_said_on_after_a_card_s_first_digits_are_all_the_card_s(lang: str) -> None:
    cue, groups, expiry_cue, expiry, code_cue, code = CALLS[lang]
    turns = [cue, *groups, expiry_cue, expiry, code_cue, code]
    shown = redacted_finals(*(("customer", t) for t in turns))
    for n in range(1, len(groups) + 1):
        assert shown[n].startswith("[CARD]") and not any(c.isdigit() for c in shown[n]), shown
    assert shown[len(groups) + 2] == "[EXPIRY]", shown
    assert shown[-1] == "[CVV]", shown


def test_the_card_asked_for_by_the_agent_and_said_on_in_bare_groups() -> None:
    shown = redacted_finals(
        ("agent", "Could you read me the long number on the card?"),
        ("customer", "Four, six, 8, 6, 2, 9, 4, 3, 0, 8"),
        ("agent", "Mhm."),
        ("customer", "3 9 3"),
        ("customer", "2 4 0"),
        ("agent", "And the expiry date?"),
        ("customer", "11 28"),
    )
    assert [shown[1], shown[3], shown[4]] == ["[CARD]", "[CARD]", "[CARD]"], shown
    assert shown[6] == "[EXPIRY]", shown


def test_the_expiry_and_the_code_said_bare_after_a_whole_card_stay_themselves() -> None:
    groups = [VISA[i : i + 4] for i in range(0, 16, 4)]
    shown = redacted_finals(
        ("customer", f"My card is {groups[0]}"),
        *(("customer", g) for g in groups[1:]),
        ("customer", "0 4 2 9"),
        ("customer", "7 1 5"),
    )
    assert shown[4] == "[EXPIRY]" and shown[5] == "[CVV]", shown


def test_a_card_misheard_then_its_expiry_said_digit_by_digit_is_an_expiry() -> None:
    # the 16 digits fail the check (one misheard); the next bare final reads as a month and a year a card has
    shown = redacted_finals(
        ("customer", f"Card number {MASTERCARD[:4]} {MASTERCARD[4:8]}"),
        ("customer", f"{MASTERCARD[8:12]} {MASTERCARD[12:15]}2"),
        ("customer", "1 2 2 8"),
    )
    assert shown[2] == "[EXPIRY]", shown


def test_a_group_after_the_code_s_cue_is_the_code() -> None:
    shown = redacted_finals(
        ("customer", "The card number is"),
        ("customer", "Five, three, 2, 0, 7, 7, 1, 4, 9"),
        ("customer", "6 6 0 3"),
        ("agent", "And the three digits on the back?"),
        ("customer", "1 1 8"),
    )
    assert shown[1] == "[CARD]" and shown[2] == "[CARD]" and shown[4] == "[CVV]", shown


@pytest.mark.parametrize(
    "turns",
    [
        ("My order number is", "4 4 1 0 2 7", "8 8 1 9", "3 3 0 2"),
        ("Номер заказа", "4 4 1 0 2 7", "8 8 1 9", "3 3 0 2"),
        ("I'll pay by card, but first my phone", "0 7 7 0 0", "9 0 0", "4 1 2"),
    ],
)
def test_bare_groups_with_no_card_begun_stay(turns: tuple[str, ...]) -> None:
    shown = redacted_finals(*(("customer", t) for t in turns))
    assert shown[1:] == list(turns[1:]), shown


# the card's last group opening a final that goes on with the expiry and the code (heldout27's English case, in words
# and numbers of our own): the group is the card's, and the code after the expiry is the code
ENDS_THEN_MORE = {
    "en": (
        ["It's for the tent, the card. Four six eight six.", "Two nine four three.", "Oh eight three nine.",
         "Three two four oh, and 11/29, 615."],
        "615",
    ),
    "ru": (
        ["Это за палатку, карта. Четыре шесть восемь шесть.", "Два девять четыре три.", "Ноль восемь три девять.",
         "Три два четыре ноль, и 11/29, 615."],
        "615",
    ),
    # a digit heard twice on the way ("double eight" for one eight): the groups make 17 digits, no card passes the
    # check, and the last group is still the card's
    "en-doubled": (
        ["It's for the tent, the card. Four six double eight six.", "Two nine four three.", "Oh eight three nine.",
         "Three two four oh, and 11/29, 615."],
        "615",
    ),
}  # fmt: skip


@pytest.mark.parametrize("lang", sorted(ENDS_THEN_MORE))
def test_a_cards_last_group_opening_a_final_with_more_is_the_cards(lang: str) -> None:
    finals, code = ENDS_THEN_MORE[lang]
    shown = redacted_finals(*(("customer", text) for text in finals))
    assert shown[-1].startswith("[CARD]") and code not in shown[-1] and "[CVV]" in shown[-1], shown
