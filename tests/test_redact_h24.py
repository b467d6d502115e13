"""Card data said in forms the retired heldout24 and heldout25 found, and the ordinary numbers around it (issue 19,
session 22), fixed in general form. Sentences and numbers of our own, worded otherwise than the benchmark's: a bare
code after an expiry said with its month's name, what is paid for named before a colon, the expiry read back after
the card said again, a card named by its last four before the expiry, the last four "actually" said again, the
expiry asked for with "datę ważności", "to" for two inside a card's piece said over finals; and what stays: a count
after card data, a year before any card's expiry, a postcode after "kod", a pawn ticket's number."""

from __future__ import annotations

import pytest

from agentassist.privacy.detect import mask
from agentassist.privacy.redactor import Redactor
from agentassist.privacy.said import luhn
from tests.redaction import redacted_finals
from tests.test_redact_shapes import masked

# Luhn-valid numbers made for these tests (random bodies, a check digit): none is a benchmark case's
VISA = "4174490177530859"
MASTERCARD = "5448793191977015"
MASTERCARD_2 = "2252340612296500"
DISCOVER = "6011523392826710"
PAWN = "3130321814347123"  # a pawn ticket's number passing the check by chance


def fours(digits: str) -> str:
    return " ".join(digits[i : i + 4] for i in range(0, len(digits), 4))


def test_the_numbers_made_for_these_tests() -> None:
    assert all(luhn(n) for n in (VISA, MASTERCARD, MASTERCARD_2, DISCOVER, PAWN))


@pytest.mark.parametrize(
    ("month", "after"),
    [
        ("September 2030", "Pick-up is at 11.30, 4 boxes."),
        ("сентябрь 2030", "Забрать в 11.30, 4 коробки."),
        ("вересень 2030", "Забрати об 11.30, 4 коробки."),
        ("wrzesień 2030", "Odbiór o 11.30, 4 pudła."),
    ],
)
def test_a_bare_code_after_an_expiry_with_its_months_name_is_the_code(month: str, after: str) -> None:
    text = f"{fours(VISA)}, {month}, 418. {after}"
    assert masked(text) == f"[CARD], [EXPIRY], [CVV]. {after}"


@pytest.mark.parametrize(
    ("data", "count"),
    [
        ("Card {}, expires 09/30.", "Plus 250 chairs and 30 tables."),
        ("Карта {}, срок 09/30.", "Плюс 250 стульев и 30 столов."),
        ("Картка {}, термін 09/30.", "Плюс 250 стільців і 30 столів."),
        ("Karta {}, ważna do 09/30.", "Plus 250 krzeseł i 30 stołów."),
    ],
)
def test_a_count_said_after_card_data_stays(data: str, count: str) -> None:
    first, second = redacted_finals(("customer", data.format(fours(MASTERCARD))), ("agent", count))
    assert first.startswith(data.format("[CARD]").split(",")[0])
    assert second == count
    said = data.format(fours(MASTERCARD)).rstrip(".")
    assert masked(f"{said}, 250 chairs.").endswith(", 250 chairs.")


@pytest.mark.parametrize(
    "after", ["418 please.", "418 on the back.", "418 is the code.", "418 thanks.", "418, 250 chairs."]
)
def test_a_code_said_bare_after_card_data_is_still_masked(after: str) -> None:
    out = masked(f"{fours(MASTERCARD)}, 09/30, {after}")
    assert out.startswith("[CARD], [EXPIRY], [CVV]")


@pytest.mark.parametrize(
    "heading",
    [
        "За квартальний абонемент: {}, термін дії 09/30, CVV 418.",
        "Za abonament na basen: {}, data ważności 09/30, CVV 418.",
        "For the season pass: {}, expiry 09/30, CVV 418.",
    ],
)
def test_what_is_paid_for_named_before_a_colon_names_no_number(heading: str) -> None:
    text = heading.format(fours(DISCOVER))
    assert masked(text) == heading.format("[CARD]").replace("09/30", "[EXPIRY]").replace("418", "[CVV]")


@pytest.mark.parametrize("named", ["Numer karnetu: {}, ważny do końca roku.", "Номер абонемента: {}, до мая."])
def test_a_number_named_before_a_colon_is_that_things(named: str) -> None:
    assert masked(named.format(fours(DISCOVER))) == named.format(fours(DISCOVER))


@pytest.mark.parametrize(
    ("card", "since"),
    [
        ("Картка {}, термін 09/30, код 418.", "Я їжджу до вас з 2012 року."),
        ("Карта {}, срок 09/30, код 418.", "Я хожу до вас с 2009 года."),
        ("Card {}, valid until 09/30, code 418.", "I've been with you until 2013 and again now."),
    ],
)
def test_a_year_before_any_cards_expiry_stays(card: str, since: str) -> None:
    text = f"{card.format(fours(VISA))} {since}"
    assert masked(text).endswith(since)


def test_a_year_a_card_expires_in_is_still_masked() -> None:
    assert masked(f"Картка {fours(VISA)}, дійсна до 2030 року.") == "Картка [CARD], дійсна до [EXPIRY]."


def test_a_postcode_after_kod_is_no_code_cut_short() -> None:
    text = f"Karta {fours(MASTERCARD)}, ważna do 09/30, kod 418. Wysyłka na kod 31-042."
    (out,) = redacted_finals(("customer", text))
    assert out == "Karta [CARD], ważna do [EXPIRY], kod [CVV]. Wysyłka na kod 31-042."


@pytest.mark.parametrize(
    ("given", "read_back"),
    [
        ("It's {}, 09/30.", "So that's {}, 09/30, correct?"),
        ("Это {}, 09/30.", "Итак, {}, 09/30, верно?"),
        ("Це {}, 09/30.", "Отже, {}, 09/30, правильно?"),
        ("To {}, 09/30.", "Czyli {}, 09/30, zgadza się?"),
    ],
)
def test_the_expiry_read_back_after_the_card_said_again_is_the_expiry(given: str, read_back: str) -> None:
    number = fours(VISA)
    out = redacted_finals(("customer", given.format(number)), ("agent", read_back.format(number)))
    assert out[1] == read_back.format("[CARD]").replace("09/30", "[EXPIRY]")


@pytest.mark.parametrize(
    "read_back",
    ["So the card ending {}, 09/30.", "Значит, карта на {}, 09/30.", "Тобто картка на {}, 09/30."],
)
def test_a_card_named_by_its_last_four_before_the_expiry_read_back(read_back: str) -> None:
    out = redacted_finals(("customer", f"{fours(DISCOVER)}, expiry 09/30."), ("agent", read_back.format(DISCOVER[-4:])))
    assert out[1] == read_back.format("[CARD]").replace("09/30", "[EXPIRY]")


def test_four_other_digits_before_an_expiry_read_back_stay_no_card() -> None:
    out = redacted_finals(("customer", f"{fours(DISCOVER)}, expiry 09/30."), ("agent", "Значит, карта на 5555, 09/30."))
    assert "[CARD]" not in out[1]


@pytest.mark.parametrize(
    "again",
    [
        "Hang on, the last four are really 6701. Lunch for 12.",
        "Погодите, последние четыре вообще-то 6701. Обед на 12.",
        "Зачекайте, останні чотири справді 6701. Обід на 12.",
        "Chwila, ostatnie cztery to właściwie 6701. Obiad na 12.",
        "No wait, the last four should be 6701. Lunch for 12.",
        "Nie, ostatnie cztery powinny być 6701. Obiad na 12.",
    ],
)
def test_the_last_four_said_again_with_actually_are_the_cards(again: str) -> None:
    out = redacted_finals(("customer", f"{fours(MASTERCARD)}, 09/30, 418."), ("customer", again))
    assert out[1] == again.replace("6701", "[CARD]")


def test_the_expiry_asked_for_as_date_waznosci() -> None:
    out = redacted_finals(
        ("customer", f"Płacę kartą {fours(MASTERCARD_2)}."),
        ("agent", "Proszę podać datę ważności i kod."),
        ("customer", "Dziewięć trzydzieści."),
    )
    assert out[2] == "[EXPIRY]."


@pytest.mark.parametrize(
    "text",
    [f"Kwit lombardowy {PAWN}, pierścionek za 800.", f"Mam kwit numer {fours(PAWN)}, odbiór w piątek."],
)
def test_a_pawn_tickets_number_stays(text: str) -> None:
    assert masked(text) == text


def test_to_for_two_inside_a_cards_piece_said_over_finals() -> None:
    out = redacted_finals(
        ("customer", "Two two five to three four oh six one two, um, one moment, the light's bad."),
        ("customer", "Two nine six five oh oh, expires 09/30, code 418."),
    )
    assert out[0] == "[CARD], um, one moment, the light's bad."
    assert out[1] == "[CARD], expires [EXPIRY], code [CVV]."


@pytest.mark.parametrize("text", ["It takes two to three days.", "Five to six people, one two three to four o'clock."])
def test_to_in_a_range_stays_a_word(text: str) -> None:
    assert masked(text) == text


def test_the_whole_card_data_read_back_keeps_each_kind() -> None:
    number = fours(VISA)
    out = redacted_finals(
        ("customer", f"It's {number}, 12/29, 410."), ("agent", f"Reading it back: {number}, 12/29, 410?")
    )
    assert out[1] == "Reading it back: [CARD], [EXPIRY], [CVV]?"


@pytest.mark.parametrize(
    ("expiry", "after"),
    [
        ("October 2029", "14.09 is the party, 80 people."),
        ("октябрь 2029", "14.09 праздник, 80 человек."),
        ("09/29", "7:45 is when we open."),
        ("10/29", "19.90 for the delivery."),
    ],
)
def test_a_sentence_opening_with_a_date_a_time_or_an_amount_ends_the_code(expiry: str, after: str) -> None:
    assert masked(f"{fours(MASTERCARD)}, {expiry}, 306. {after}") == f"[CARD], [EXPIRY], [CVV]. {after}"


def test_a_card_said_in_groups_over_full_stops_is_still_one() -> None:
    number = ". ".join(fours(VISA).split())
    assert masked(f"Card {number}. 12.29, 306.") == "Card [CARD]. [EXPIRY], [CVV]."


@pytest.mark.parametrize(
    "text", ["Saldo 14 520,35, limit 30 000.", "На счету 14 520,35, лимит 30 000.", "It's 14 520.35."]
)
def test_an_amount_in_thousands_with_its_cents_is_no_card_in_a_partial(text: str) -> None:
    assert Redactor().partial("customer", text, 0.0) == []


def test_a_cards_first_groups_in_a_partial_are_still_masked() -> None:
    text = f"Karta {fours(VISA)[:14]}"
    assert mask(text, Redactor().partial("customer", text, 0.0)) == "Karta [CARD]"


@pytest.mark.parametrize(
    "after",
    [
        "Flight LH 1736 at 07:20.",
        "Рейс SU 1736 в 07:20.",
        "Lot LO 1736 o 7:20.",
        "Мій номер +380 50 718 44 21.",
        "Машина 2018 року, пробіг 40 000.",
        "Авто 2018 года, пробег 40 000.",
        "It costs 14.99 in all.",
    ],
)
def test_a_number_in_the_next_final_that_is_plainly_another_stays(after: str) -> None:
    out = redacted_finals(("customer", f"Card {fours(VISA)}."), ("customer", after))
    assert out == ["Card [CARD].", after]


@pytest.mark.parametrize("code", ["709.", "It's 709.", "CVV 709.", "Plus 709.", "И 709.", "I 709.", "CVV2 709."])
def test_a_bare_code_in_the_next_final_is_still_masked(code: str) -> None:
    out = redacted_finals(("customer", f"Card {fours(VISA)}, 10/29."), ("customer", code))
    assert out[1] == code.replace("709", "[CVV]")


@pytest.mark.parametrize(
    ("said", "out"),
    [
        (
            "the date on the front says 08 31, and 602 on the back.",
            "the date on the front says [EXPIRY], and [CVV] on the back.",
        ),
        ("дата на лицевой стороне 08 31, на обороте 602.", "дата на лицевой стороне [EXPIRY], на обороте [CVV]."),
    ],
)
def test_the_date_on_the_front_is_the_expiry_and_the_code_after_it_by_its_place(said: str, out: str) -> None:
    assert masked(f"Amex 3782 822463 10005, {said}") == f"Amex [CARD], {out}"


def test_pod_numerem_names_a_number_not_a_code() -> None:
    assert (
        masked("Zgłoszenie jest pod numerem 604, termin 2 tygodnie.")
        == "Zgłoszenie jest pod numerem 604, termin 2 tygodnie."
    )


@pytest.mark.parametrize(
    "hedged", ["I guess it's 3 1 9.", "Probably 319, the last digit's faint.", "По-моему, 319.", "Wydaje mi się 319."]
)
def test_a_code_said_after_a_hedge_in_the_next_final_is_the_code(hedged: str) -> None:
    out = redacted_finals(
        ("customer", f"Card {fours(VISA)}, expiry 10/29, and the code, wait, it's worn off,"), ("customer", hedged)
    )
    assert "319" not in out[1] and "3 1 9" not in out[1]


@pytest.mark.parametrize(
    "text",
    [
        "Долг 8 400 рублей, срок оплаты до 1 марта 2028 года.",
        "Борг 8 400 гривень, термін сплати до 1 березня 2028 року.",
        "Dług 840 zł, termin płatności do 1 marca 2028 roku.",
    ],
)
def test_a_payments_term_is_no_expiry(text: str) -> None:
    assert masked(text) == text


UNIONPAY_19 = "6209281590139624101"  # its first 16 digits pass the check too


@pytest.mark.parametrize(
    ("card", "then"),
    [
        ("Картка UnionPay, {}.", "Дійсна до 04/31, код 286."),
        ("UnionPay card, {}.", "Valid thru 04/31, and the CVN 286."),
    ],
)
def test_a_19_digit_card_is_whole_where_its_code_comes_in_the_next_final(card: str, then: str) -> None:
    assert luhn(UNIONPAY_19) and luhn(UNIONPAY_19[:16])
    number = " ".join(UNIONPAY_19[i : i + 4] for i in range(0, 19, 4))
    out = redacted_finals(("customer", card.format(number)), ("customer", then))
    assert out[0] == card.format("[CARD]")
    assert out[1].endswith("[CVV].")


def test_16_digits_and_a_code_said_apart_stay_a_card_and_a_code() -> None:
    number = " ".join(UNIONPAY_19[i : i + 4] for i in range(0, 16, 4))
    out = redacted_finals(("customer", f"Картка {number}, {UNIONPAY_19[16:]}."), ("customer", "Дійсна до 04/31."))
    assert out[0] == "Картка [CARD], [CVV]."
