"""Card data said with fillers, restarts and no card word, and the numbers around it that are not card data (issue
19, session 21: the forms the retired heldout22 found, fixed in general form). Sentences and numbers of our own,
worded otherwise than the benchmark's: fillers between a card's groups, a card read back in words with "oh" for
zero, a card begun again after a group said wrong, a card after a sentence that names what is paid for, the expiry
and the code asked for together; a fine's number, a loyalty scheme's card and a count opening a sentence stay."""

from __future__ import annotations

import pytest

from agentassist.privacy.cues import FILLER, FILLERS, asked_for
from agentassist.privacy.detect import mask
from agentassist.privacy.redactor import Redactor
from agentassist.privacy.said import fold, luhn
from tests.redaction import redacted_finals
from tests.test_redact_shapes import masked

# Luhn-valid numbers made for these tests (random bodies, a check digit): none is a benchmark case's
VISA = "4363514499845322"
MASTERCARD = "5247004395103579"
VISA_2 = "4358576929401338"
DISCOVER = "6294903367122931"
MIR = "2202376555581939"
ENDS_00 = "5539221979238400"  # read back in words, its last two digits "oh oh"
THREE_0 = "6282550003157799"  # "... five five oh oh oh three ..."
RESTARTED = ("44473645", "6362", "20872006")  # the card is the first and the last part; the middle group said wrong
FAILS = "4201941391312607"  # 16 digits beginning as a Visa does, failing the check: another thing's number


def fours(digits: str) -> str:
    return " ".join(digits[i : i + 4] for i in range(0, len(digits), 4))


def test_the_numbers_made_for_these_tests() -> None:
    assert all(luhn(n) for n in (VISA, MASTERCARD, VISA_2, DISCOVER, MIR, ENDS_00, THREE_0))
    assert luhn(RESTARTED[0] + RESTARTED[2]) and not luhn(FAILS)


def test_the_fillers_are_one_list_per_language() -> None:
    assert set(FILLERS) == {"en", "ru", "uk", "pl"}
    assert all(FILLER.fullmatch(fold(w)) for w in ("uh", "erm", "ммм", "эээ", "е", "yyy", "eee"))
    assert not any(FILLER.fullmatch(w) for w in ("no", "nie", "ні", "нет", "one", "code"))


@pytest.mark.parametrize(
    ("heading", "fillers", "number"),
    [
        ("Paying for the printer ink.", ("uh", "uh"), VISA),
        ("Плачу за краску.", ("эм", "ну"), MASTERCARD),
        ("Сплачую фарбу для принтера.", ("е-е", "ем"), VISA_2),
        ("Płacę za tusz do drukarki.", ("eee", "yyy"), DISCOVER),
    ],
)
def test_fillers_between_groups_do_not_break_the_card(heading: str, fillers: tuple[str, str], number: str) -> None:
    first, second = fillers
    said = f"{number[:4]}, {first}, {number[4:8]}, {second}, {fours(number[8:])}"
    out = masked(f"{heading} {said}, 09/28, 318. 2 boxes.")
    assert out == f"{heading} [CARD], [EXPIRY], [CVV]. 2 boxes."  # the fillers inside the card's one span


def test_fillers_between_groups_said_in_words() -> None:
    groups = ["four three six three", "five one four four", "nine nine eight four five three two two"]
    text = f"The card is {groups[0]}, um, {groups[1]}, um, {groups[2]}, 09/28."
    assert masked(text) == "The card is [CARD], [EXPIRY]."


def test_a_card_read_back_in_words_keeps_its_last_ohs() -> None:
    words = "five five three nine two two one nine seven nine two three eight four oh oh"
    assert masked(f"So that's {words}, right?") == "So that's [CARD], right?"


def test_three_ohs_in_a_row_are_each_a_zero() -> None:
    words = "six two eight two five five oh oh oh three one five seven seven nine nine"
    assert masked(f"My Discover is {words}.") == "My Discover is [CARD]."


def test_an_oh_alone_is_no_zero() -> None:
    assert masked("Oh, oh, I see. It was 25 pounds.") == "Oh, oh, I see. It was 25 pounds."


@pytest.mark.parametrize(
    "restart",
    ["sorry, scratch that group", "ой, не так", "ні, зачекайте", "nie, moment"],
)
def test_a_card_begun_again_inside_is_masked_whole(restart: str) -> None:
    first, wrong, rest = RESTARTED
    text = f"Card {fours(first)} {wrong}, {restart}, {fours(rest)}, 02/29, 845. 3 nights."
    out = masked(text)
    assert not any(c.isdigit() for c in out.split(". ")[0]), out
    assert out.endswith("[EXPIRY], [CVV]. 3 nights.")


@pytest.mark.parametrize(
    ("heading", "number", "data"),
    [
        ("Renewing the parking permit.", VISA, "good through 10/29, the code's 552."),
        ("Билеты в цирк на субботу.", MASTERCARD, "действительна до 10/29, код 552."),
        ("Абонемент у басейн.", VISA_2, "термін дії 10/29, CVV 552."),
        ("Zamawiam bilety do kina.", DISCOVER, "10/29, 552."),
        ("Заказ на шины.", MIR, "до 10/29, код 552."),
    ],
)
def test_a_card_after_a_sentence_naming_what_is_paid_for(heading: str, number: str, data: str) -> None:
    # no card word anywhere: the heading names what is paid for, the digits and the data after them say a card
    out = masked(f"{heading} {fours(number)}, {data}")
    assert out.startswith(f"{heading} [CARD], ") and "[EXPIRY]" in out and "[CVV]" in out


def test_a_number_named_so_after_a_heading_stays() -> None:
    text = f"Билеты в цирк. Номер заказа {fours(FAILS)}, ряд 5."
    assert masked(text) == text


@pytest.mark.parametrize(
    ("question", "answer", "out"),
    [
        ("And the expiry date and the code on the back?", "11/28 and 514.", "[EXPIRY] and [CVV]."),
        ("А срок действия и код на обороте?", "11/28 и 514.", "[EXPIRY] и [CVV]."),
        ("А термін дії та код на звороті?", "11/28 та 514.", "[EXPIRY] та [CVV]."),
        ("A data ważności oraz kod z tyłu?", "11/28 i 514.", "[EXPIRY] i [CVV]."),
    ],
)
def test_the_expiry_and_the_code_asked_for_together(question: str, answer: str, out: str) -> None:
    card = ("customer", f"The card is {fours(MIR)}.")
    assert redacted_finals(card, ("agent", question), ("customer", answer))[2] == out


def test_both_kinds_asked_for_together_are_both_asked() -> None:
    assert {"expiry", "cvv"} <= asked_for(fold("And the expiry date and the three digits on the back?"))


@pytest.mark.parametrize(
    "text",
    [
        f"There's a parking fine from the council, number {fours(FAILS)}, it's 60, or 30 within 14 days.",
        f"Пришёл штраф за парковку, номер {fours(FAILS)}, там 3 000, или 1 500 в течение 20 дней.",
        f"Прийшов штраф за паркування, номер {fours(FAILS)}, там 680, або 340 протягом 10 днів.",
        f"Przyszedł mandat za parkowanie, numer {fours(FAILS)}, jest 100 zł, albo 50 w 7 dni.",
    ],
)
def test_a_fine_named_before_a_bare_number_stays(text: str) -> None:
    assert masked(text) == text


def test_a_valid_card_number_after_a_bare_number_is_still_masked() -> None:
    # PCI first: a number that is a card's (Luhn-valid, as a scheme issues) is masked whatever was named before it
    assert "[CARD]" in masked(f"There's a parking fine from the council, number {fours(VISA)}.")


@pytest.mark.parametrize(
    "opening",
    [
        "It's the company card, the name on it says Blue Harbour Ltd, number",
        "Это карта фирмы, на ней написано ООО Синяя гавань, номер",
    ],
)
def test_a_card_named_in_the_sentence_before_a_bare_number_is_the_cards(opening: str) -> None:
    # a partial: the card's first groups, said so far, are masked as the card's (not another thing's number)
    text = f"{opening} {fours(VISA)[:14]}"
    assert mask(text, Redactor().partial("customer", text, 0.0)).endswith(" [CARD]")


@pytest.mark.parametrize(
    "loyalty",
    [
        "and add the points to my rewards card,",
        "и начислите бонусы на бонусную карту",
        "і бали на картку лояльності",
        "i punkty na kartę lojalnościową",
    ],
)
def test_a_loyalty_schemes_card_after_the_code_stays(loyalty: str) -> None:
    out = masked(f"Card {fours(VISA)}, 03/30, code 271, {loyalty} {fours(DISCOVER)}. 4 boxes at 12.")
    assert out.endswith(f"{fours(DISCOVER)}. 4 boxes at 12."), out
    assert out.startswith("Card [CARD], [EXPIRY], code [CVV]")


@pytest.mark.parametrize(
    "count",
    ["2 adults and 1 child.", "Four tickets, please.", "3 человека.", "Дві дорослі.", "5 osób."],
)
def test_a_count_opening_the_next_sentence_is_not_the_codes(count: str) -> None:
    assert masked(f"Card {fours(MASTERCARD)}, 07/27, 913. {count}") == f"Card [CARD], [EXPIRY], [CVV]. {count}"


def test_a_price_with_its_cents_is_still_one_number() -> None:
    assert masked(f"Use {fours(VISA)}, and take 249.50 off it please.") == "Use [CARD], and take 249.50 off it please."


def test_a_time_is_no_piece_of_a_card() -> None:
    text = f"Столик на 6 человек на 19:30. Карта {fours(VISA_2)}."
    assert masked(text) == "Столик на 6 человек на 19:30. Карта [CARD]."
