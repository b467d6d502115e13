"""A card number said in pieces over finals of one speaker, with any words between them: the digits decide (the
pieces joined pass the Luhn check at a length their scheme issues), and only words that say the pieces are not one
number keep them apart (a retraction, another thing named, an expiry's or a code's cue). Issue 19, session 19: the
rule that stands in for the lists of acknowledgements and asides. Sentences and numbers of our own, not the
benchmark's."""

from __future__ import annotations

import pytest

from agentassist.privacy.cues import says_apart
from agentassist.privacy.detect import mask
from agentassist.privacy.redactor import Redactor
from agentassist.privacy.said import fold, luhn
from tests.redaction import redacted_finals
from tests.test_redact_shapes import masked

# Luhn-valid numbers made for these tests (random bodies, a check digit): none is a benchmark case's
VISA = "4917668203157746"
MASTERCARD = "5361884029172607"
MIR = "2200734199580125"
NOT_A_CARD = "4917668203157747"  # VISA with its last digit changed: fails the check
AMEX_16 = "3768275217488851"  # passes the check, begins as an Amex does: 16 digits, a length Amex issues none of


def halves(number: str) -> tuple[str, str]:
    return f"{number[:4]} {number[4:8]}", f"{number[8:12]} {number[12:]}"


def test_the_numbers_are_what_they_say() -> None:
    assert luhn(VISA) and luhn(MASTERCARD) and luhn(MIR) and luhn(AMEX_16) and not luhn(NOT_A_CARD)


@pytest.mark.parametrize(
    ("number", "first", "second"),
    [
        (VISA, "My card is {a}, hold on, the dog is barking", "{b}."),
        (VISA, "{a}, wait, I need my glasses", "Right, found them, so the rest is {b}."),
        (MASTERCARD, "Карта {a}, так, сейчас, очки найду", "{b}."),
        (MIR, "{a}, зачекайте, де ж вона", "Ага, ось, {b}."),
        (MASTERCARD, "{a}, chwileczkę, gdzie są okulary", "Mam, {b}."),
    ],
)
def test_a_card_s_pieces_over_two_finals_join_whatever_the_words_between(number: str, first: str, second: str) -> None:
    a, b = halves(number)
    out = redacted_finals(("customer", first.format(a=a)), ("customer", second.format(b=b)))
    assert all("[CARD]" in o for o in out), out
    assert not any(number[k : k + 4] in "".join(out) for k in range(0, 16, 4))


def test_a_card_s_pieces_over_three_finals_with_a_long_aside_in_the_middle_join() -> None:
    out = redacted_finals(
        ("customer", f"Um, {VISA[:4]}, um"),
        ("customer", f"{VISA[4:8]} {VISA[8:12]}, sorry, my kid is asking for juice"),
        ("customer", f"And {VISA[12:]}."),
    )
    assert all("[CARD]" in o for o in out), out


@pytest.mark.parametrize(
    "between",
    [
        "that was the old one",
        "no wait, not that",
        "это старая",
        "нет, не та",
        "це стара",
        "to stara",
        "nie, to nie ta",
        "that's the order number",
    ],
)
def test_words_that_take_the_pieces_apart_keep_them_apart(between: str) -> None:
    a, b = halves(VISA)
    turns = (f"{a}, {between}", f"{b}.")
    assert redacted_finals(*(("customer", t) for t in turns)) == list(turns)


@pytest.mark.parametrize("between", ["and it expires", "and the code on the back"])
def test_a_cue_of_card_data_s_next_kind_keeps_the_pieces_apart(between: str) -> None:
    a, b = halves(VISA)
    first, second = redacted_finals(("customer", f"{a}, {between}"), ("customer", f"{b}."))
    assert first == f"{a}, {between}"
    assert "[CARD]" not in second


@pytest.mark.parametrize("number", [NOT_A_CARD, AMEX_16])
def test_pieces_that_make_no_card_stay_whatever_the_words(number: str) -> None:
    a, b = halves(number)
    turns = (f"{a}, hold on, the dog is barking", f"{b}.")
    assert redacted_finals(*(("customer", t) for t in turns)) == list(turns)


@pytest.mark.parametrize(
    "turns",
    [
        ("I moved there in 2016, I think", "and left in 2021."),
        ("It was 4917 dollars, more or less", "6682 0315 7746 is my order."),
        ("Call me on 600 123 456, any time", "or 601 234 567."),
    ],
)
def test_ordinary_numbers_over_finals_stay(turns: tuple[str, str]) -> None:
    assert redacted_finals(*(("customer", t) for t in turns)) == list(turns)


@pytest.mark.parametrize(
    ("words", "apart"),
    [
        ("okay, let me see", False),
        ("так, сейчас", False),
        ("hold on, the dog is barking", False),
        ("that was the old one", True),
        ("это старая", True),
        ("to stara", True),
        ("the phone number", True),
        ("номер заказа", True),
    ],
)
def test_what_the_words_between_say(words: str, apart: bool) -> None:
    assert says_apart(fold(words)) is apart


def test_a_partial_going_on_after_a_pause_on_words_is_masked_from_its_first_group() -> None:
    r = Redactor()
    a, b = halves(VISA)
    r.final("0", "customer", f"My card is {a}, hold on, the dog is barking", 0.0, 2.0)
    partial = f"{b[:4]}"
    assert mask(partial, r.partial("customer", partial, 3.0)) == "[CARD]"


def test_a_card_s_pieces_in_one_final_join_over_a_longer_aside() -> None:
    a, b = halves(MASTERCARD)
    said = f"{a}, hold on, I have to find my glasses first, {b}."
    assert masked(said) == "[CARD], hold on, I have to find my glasses first, [CARD]."
    said = f"{a}, that was the old one, the new one is {b}."
    assert masked(said) == said
    said = f"{halves(NOT_A_CARD)[0]}, hold on, I have to find my glasses first, {halves(NOT_A_CARD)[1]}."
    assert masked(said) == said


@pytest.mark.parametrize(
    "turns",
    [
        # a card's last four named so are its end, not a first piece going on
        ("Вижу карту, которая заканчивается на 4821, оплачиваем ей?", "Мой номер +7 916 305 72 48."),
        ("The one ending in 4821, is that okay?", "Then call me on +44 7911 123456."),
    ],
)
def test_a_last_four_or_a_phone_does_not_join_over_words(turns: tuple[str, str]) -> None:
    out = redacted_finals(*(("customer", t) for t in turns))
    assert out[1] == turns[1]
    assert "[CARD]" not in out[0]


def test_a_phone_after_a_pause_on_words_is_no_cards_next_piece() -> None:
    # the card's first half after the customer's own cue is masked as collection mode reads it (session 29: a window
    # opens at "my card"); the phone after it stays
    out = redacted_finals(
        ("customer", f"My card is {VISA[:4]} {VISA[4:8]}, one second"), ("customer", "+7 916 305 72 48.")
    )
    assert out == ["My card is [CARD], one second", "+7 916 305 72 48."]


@pytest.mark.parametrize(
    "said",
    [
        # small numbers strung over long words: a time, an ordinal, a year, an amount are no card's groups
        "The train leaves at 09:15 on the 21st, and I was born on the 3rd of May 1994, so that is it.",
        "It came to 1,250.40 and then another 380 for delivery, we have been customers since 2011.",
    ],
)
def test_numbers_far_apart_in_one_final_that_are_no_card_s_groups_stay(said: str) -> None:
    assert masked(said) == said
