"""Card data said in forms heldout26's last misses and tune22 (session 23) showed, fixed in general form, in
sentences and numbers of our own: a number named as a loyalty scheme's, a member's or a gift card's is no payment
card's even where the words "card number" are said with it (a club's may be a co-branded payment card: it stays
masked, tests/test_redact_modifiers.py); a code named by the back or the reverse of the card, or by its length as a
number, before it; "For" (four) before a digit said twice; an expiry named after its digits ("04/29 is the date");
an expiry written with a slash after an aside that follows the card. And what stays: a payment card named beside a
loyalty card, a date with a slash after the expiry, "at the back" of a room, a three-digit number with no card
about."""

from __future__ import annotations

import pytest

from agentassist.privacy.said import luhn
from tests.redaction import redacted_finals
from tests.test_redact_shapes import masked

# Luhn-valid numbers made for these tests (random bodies, a check digit): none is a benchmark case's
DISCOVERISH = "6854646064962206"  # a scheme's own number that begins as a card does and passes the check
MIR = "2458581649044486"
VISA = "4686294308393240"


def test_the_numbers_made_for_these_tests() -> None:
    assert all(luhn(n) for n in (DISCOVERISH, MIR, VISA))


def _said(number: str) -> str:
    return " ".join(number[i : i + 4] for i in range(0, len(number), 4))


def _hidden_as(text: str, data: str, kind: str) -> None:
    """``data`` in ``text`` is masked, as ``kind``."""
    shown = masked(text)
    assert data not in shown and f"[{kind}]" in shown, shown


@pytest.mark.parametrize(
    "text",
    [
        "Could you add my rewards card number, {n}? I've got about 900 points.",
        "The member card number on the back of my gym pass is {n}.",
        "Gift card number {n}, there should be 25 pounds left.",
        "Номер моей бонусной карты {n}, там 1 500 баллов.",
        "Номер картки постійного клієнта {n}, будь ласка, перевірте знижку.",
        "Numer mojej karty lojalnościowej to {n}, zbieram punkty.",
        "Номер знижкової картки {n}, там знижка 5%.",
        "Номер карты участника {n}, продлите, пожалуйста.",
        "Numer karty podarunkowej {n}, zostało na niej 40 zł.",
    ],
)
def test_a_number_named_as_a_scheme_s_card_number_stays(text: str) -> None:
    said = text.format(n=_said(DISCOVERISH))
    assert masked(said) == said


def test_a_payment_card_named_beside_a_loyalty_card_is_masked() -> None:
    text = f"Not the loyalty card, the debit card number is {_said(VISA)}."
    assert _said(VISA) not in masked(text) and "[CARD]" in masked(text)


@pytest.mark.parametrize(
    "text",
    [
        "{n}, 06/29, and the back 417.",
        "{n}, expires 06/29, the reverse one is 417.",
        "{n}, 06/29, and on the reverse side 417.",
        "Карта {n}, до 06/29, на тыльной стороне 417.",
        "Картка {n}, до 06/29, з тильного боку 417.",
        "Karta {n}, ważna do 06/29, na tylnej stronie 417.",
        # or by its length as a number
        "{n}, till 06/29, and the three-digit number is 417.",
        "Карта {n}, до 06/29, трёхзначный номер 417.",
        "Картка {n}, до 06/29, тризначне число 417.",
        "Karta {n}, do 06/29, numer trzycyfrowy 417.",
    ],
)
def test_a_code_named_by_the_back_the_reverse_or_its_length_is_masked(text: str) -> None:
    _hidden_as(text.format(n=_said(MIR)), "417", "CVV")


# an expiry named after its digits, after the code named so: both masked
NAMED_AFTER = (
    "The card is {n}, and 319 is the code, then 08/28 is the date.",
    "Карта {n}, 319 это код, а 08/28 это срок.",
    "Картка {n}, 319 це код, а 08/28 це термін.",
    "Karta {n}, 319 to kod, a 08/28 to data.",
)


@pytest.mark.parametrize(
    ("text", "data", "kind"), [(t, "08/28", "EXPIRY") for t in NAMED_AFTER] + [(t, "319", "CVV") for t in NAMED_AFTER]
)
def test_an_expiry_named_after_its_digits_is_masked(text: str, data: str, kind: str) -> None:
    _hidden_as(text.format(n=_said(VISA)), data, kind)


def test_a_seat_at_the_back_stays() -> None:
    text = "We sat at the back, 12 rows behind the stage, and paid 45 each."
    assert masked(text) == text


def test_four_said_as_for_before_a_digit_said_twice_opens_a_card_over_two_finals() -> None:
    # 4688 2943 0839 3248 and 4441 2334 5670 1255, both Luhn-valid, said in words over two finals
    shown = redacted_finals(
        ("customer", "The card's in my other coat. For six double eight two nine four three, hmm..."),
        ("customer", "Oh eight three nine three two four eight, expires May twenty thirty, code one one two."),
    )
    assert shown[0].endswith("[CARD], hmm...") and shown[1].startswith("[CARD], expires [EXPIRY]"), shown
    doubled = redacted_finals(
        ("customer", "For double four one two three, um..."),
        ("customer", "Three four five six seven oh one two double five, that's it."),
    )
    assert doubled == ["[CARD], um...", "[CARD], that's it."], doubled


def test_for_before_a_count_said_twice_stays() -> None:
    text = "It's for two double rooms, for three nights, for double the usual price."
    assert masked(text) == text


def test_a_slashed_expiry_after_an_aside_that_follows_the_card_is_masked() -> None:
    shown = masked(f"{_said(VISA)}, sorry, the print is tiny, 08/28, 319.")
    assert shown == "[CARD], sorry, the print is tiny, [EXPIRY], [CVV].", shown


def test_a_date_with_a_slash_after_the_expiry_stays() -> None:
    text = f"Card {_said(VISA)}, 08/28, 319, and my sister's party is on 12/24."
    assert masked(text).endswith("party is on 12/24."), masked(text)


@pytest.mark.parametrize(
    "text", ["Our flat is a three-digit number, 214, by the lift.", "Квартира у нас трёхзначный номер, 214."]
)
def test_a_three_digit_number_with_no_card_about_stays(text: str) -> None:
    assert masked(text) == text


@pytest.mark.parametrize(
    "said", ["expires the 11th month of 2028", "good until the eleventh month of twenty twenty-eight"]
)
def test_an_english_expiry_said_by_its_month_s_ordinal_is_masked(said: str) -> None:
    shown = masked(f"{_said(VISA)}, {said}, code 319.")
    assert "11th" not in shown and "eleventh" not in shown and "[EXPIRY]" in shown and "[CVV]" in shown, shown


def test_a_month_s_ordinal_with_no_year_after_it_stays() -> None:
    text = f"{_said(VISA)}, 08/28, 319. We're in the 4th month of the lease now."
    assert masked(text).endswith("We're in the 4th month of the lease now."), masked(text)
