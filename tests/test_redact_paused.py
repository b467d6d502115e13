"""Card data in the shapes the eleventh blind set showed missed (issue 19, session 18), each fix in general
form: a card's groups said over three finals where the middle one ends on an acknowledgement ("так", "tak",
"okay") before the number goes on; and the numbers that stay when they are joined so: one named as another
thing, one failing the check, one followed by words that say something. Sentences and numbers of our own,
not the benchmark's. And a count of the digits printed on a side of the card ("the four on the front are",
"четыре спереди"): a security code's cue, not a digit. And a 19-digit card said over two finals whose code is
given in the next: its last three digits are the card's, not a code."""

from __future__ import annotations

import pytest

from agentassist.privacy.said import luhn
from tests.redaction import redacted_finals
from tests.test_redact_shapes import masked

# Luhn-valid numbers made for these tests (random bodies, a check digit): none is a benchmark case's
VISA = "4649261469152794"
MASTERCARD = "5548232790009176"
MASTERCARD_2 = "2637854542976938"
NOT_A_CARD = "4564232968957473"  # begins as a Visa does, fails the check
AMEX_16 = "3768275217488851"  # passes the check, begins as an Amex does: 16 digits, a length Amex issues none of


def test_the_numbers_made_for_these_tests_are_what_they_say() -> None:
    assert luhn(VISA) and luhn(MASTERCARD) and luhn(MASTERCARD_2) and luhn(AMEX_16) and not luhn(NOT_A_CARD)


def _three(number: str, opening: str, pause: str, ack: str, joiner: str) -> tuple[str, str, str]:
    return (
        f"{opening}, {number[:4]}, {pause}",
        f"{number[4:8]} {number[8:12]}... {ack}",
        f"{joiner} {number[12:]}.",
    )


@pytest.mark.parametrize(
    ("number", "opening", "pause", "ack", "joiner"),
    [
        (VISA, "Um", "um", "okay", "And"),
        (MASTERCARD, "Э-э", "э-э", "так", "И"),
        (MASTERCARD_2, "Э-э", "э-э", "да", "Потом"),
        (VISA, "Е-е", "е-е", "так", "І"),
        (MASTERCARD, "Yyy", "yyy", "tak", "I"),
        (MASTERCARD_2, "Yyy", "yyy", "dobrze", "I"),
    ],
)
def test_a_card_said_over_three_finals_with_an_acknowledgement_in_the_middle_is_masked_whole(
    number: str, opening: str, pause: str, ack: str, joiner: str
) -> None:
    turns = _three(number, opening, pause, ack, joiner)
    out = redacted_finals(*(("customer", t) for t in turns))
    assert all("[CARD]" in o for o in out), out
    assert not any(number[k : k + 4] in "".join(out) for k in range(0, 16, 4))


@pytest.mark.parametrize(
    "turns",
    [
        # named as another thing before its first piece: an order's number, however it checks
        ("Order number, um, 4649, um", "2614 6915... okay", "And 2794."),
        ("Номер заказа, э-э, 5548, э-э", "2327 9000... так", "И 9176."),
        ("Numer zamówienia, yyy, 2637, yyy", "8545 4297... tak", "I 6938."),
        # a number failing the check with no card's cue: nothing says it is a card
        ("Um, 4564, um", "2329 6895... okay", "And 7473."),
        ("Е-е, 4564, е-е", "2329 6895... так", "І 7473."),
        # passing the check at a length its scheme issues no card of
        ("Um, 3768, um", "2752 1748... okay", "And 8851."),
        # the words after the middle piece say something: the pieces are not one number
        ("Um, 4649, um", "2614 6915, that was the old one", "And 2794."),
    ],
)
def test_numbers_joined_over_an_acknowledgement_stay_unless_they_make_a_card(turns: tuple[str, str, str]) -> None:
    assert redacted_finals(*(("customer", t) for t in turns)) == list(turns)


@pytest.mark.parametrize(
    ("said", "code"),
    [
        ("Amex, and the four on the front are 8812.", "8812"),
        ("The four on the front: 8812.", "8812"),
        ("Четыре спереди: 4471.", "4471"),
        ("Чотири спереду — 4471.", "4471"),
        ("Cztery z przodu to 5120.", "5120"),
        ("And the three on the back are 519.", "519"),
    ],
)
def test_a_count_of_the_digits_printed_on_a_side_is_a_code_s_cue_not_a_digit(said: str, code: str) -> None:
    out = masked(said)
    assert "[CVV]" in out and code not in out, out


def test_a_count_on_a_side_after_a_card_leaves_the_card_and_masks_the_code() -> None:
    out = redacted_finals(
        (
            "customer",
            f"It's a Visa, {' '.join(VISA[i : i + 4] for i in range(0, 16, 4))}, the three on the back are 519.",
        )
    )
    assert out == ["It's a Visa, [CARD], the three on the back are [CVV]."]


@pytest.mark.parametrize(
    "said",
    [
        "One two three four on the back of the form.",
        "Seat four on the front row, please.",
        "Four on the back, six on the front: ten chairs.",
    ],
)
def test_numbers_said_before_a_side_with_no_code_stay(said: str) -> None:
    assert masked(said) == said


# 19-digit UnionPay numbers whose first 16 digits pass the check too (one in ten do)
UNIONPAY_19 = "6285110284700671884"
UNIONPAY_19_RU = "6223740153419741461"


def test_the_19_digit_numbers_hold_16_that_pass_the_check() -> None:
    assert all(luhn(n) and luhn(n[:16]) for n in (UNIONPAY_19, UNIONPAY_19_RU))


@pytest.mark.parametrize(
    ("number", "named", "code"),
    [
        (UNIONPAY_19, "UnionPay", "The code on the back is 472."),
        (UNIONPAY_19_RU, "UnionPay", "Код на обороте 472."),
        (UNIONPAY_19, "UnionPay", "Kod z tyłu 472."),
    ],
)
def test_a_19_digit_card_over_two_finals_with_its_code_given_next_is_a_card_whole(
    number: str, named: str, code: str
) -> None:
    first = f"{named}, {number[:4]} {number[4:8]}"
    second = f"{number[8:12]} {number[12:16]} {number[16:]}."
    assert redacted_finals(("customer", first), ("customer", second), ("customer", code)) == [
        f"{named}, [CARD]",
        "[CARD].",
        code.replace("472", "[CVV]"),
    ]


def test_a_19_digit_run_over_two_finals_with_no_code_given_keeps_every_digit_masked() -> None:
    first = f"UnionPay, {UNIONPAY_19[:4]} {UNIONPAY_19[4:8]}"
    second = f"{UNIONPAY_19[8:12]} {UNIONPAY_19[12:16]} {UNIONPAY_19[16:]}."
    out = redacted_finals(("customer", first), ("customer", second), ("customer", "Okay, thank you."))
    assert out[0] == "UnionPay, [CARD]" and out[2] == "Okay, thank you."
    assert not any(c.isdigit() for c in out[1]), out
