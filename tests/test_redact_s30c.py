"""Card data said in forms the next blind half may hold (issue 19, redtune35), and ordinary numbers beside them.

The traps below the first line of dashes were written before heldout40's cases were read (from the forms earlier
rounds met, varied in our own sentences and numbers, in en, ru, uk and pl), codes above all: a code's digits said
one by one with "and" or "then" between them, or as the digits' nouns ("пятёрка", "п'ятірка", "piątka"); a code
named as the card's confirmation code; a year said as an ordinal with its month after it; a partial of a card
paid for an order; and what stays: prices, counts and dates where a card is about. The tests below the second line
of dashes came after heldout40's misses were read, each in its general form with sentences of our own."""

from __future__ import annotations

import pytest

from agentassist.privacy.redactor import Redactor
from tests.redaction import after_card, customer_finals

# ---------------------------------------------------------------- written before heldout40's cases were read


@pytest.mark.parametrize(
    ("said", "masked"),
    [
        ("The code is four, two and nine.", "The code is [CVV]."),
        ("CVV: seven, then one, then three.", "CVV: [CVV]."),
        ("Код четыре, два и девять.", "Код [CVV]."),
        ("Код чотири, два і дев'ять.", "Код [CVV]."),
        ("Kod to cztery, dwa i dziewięć.", "Kod to [CVV]."),
    ],
)
def test_a_codes_digits_said_with_and_between_are_one_code(said: str, masked: str) -> None:
    assert after_card(said) == masked


@pytest.mark.parametrize(
    ("said", "masked"),
    [
        ("Код: пятёрка, двойка, семёрка.", "Код: [CVV]."),
        ("Код: п'ятірка, двійка, сімка.", "Код: [CVV]."),
        ("Trzy cyfry: piątka, dwójka, siódemka.", "Trzy cyfry: [CVV]."),
    ],
)
def test_a_codes_digits_said_as_their_nouns_are_a_code(said: str, masked: str) -> None:
    assert after_card(said) == masked


@pytest.mark.parametrize(
    ("said", "masked"),
    [
        ("Card verification code 604.", "Card verification code [CVV]."),
        ("Код подтверждения карты 604.", "Код подтверждения карты [CVV]."),
        ("Код підтвердження картки 604.", "Код підтвердження картки [CVV]."),
        ("Kod potwierdzenia karty 604.", "Kod potwierdzenia karty [CVV]."),
    ],
)
def test_the_cards_confirmation_code_is_a_code_not_a_card(said: str, masked: str) -> None:
    (out,) = customer_finals(said)
    assert out == masked


@pytest.mark.parametrize(
    ("said", "masked"),
    [
        ("Срок тридцатый год, март.", "Срок [EXPIRY]."),
        ("Термін тридцятий рік, березень.", "Термін [EXPIRY]."),
    ],
)
def test_a_year_said_as_an_ordinal_then_its_month_is_an_expiry(said: str, masked: str) -> None:
    assert after_card(said) == masked


@pytest.mark.parametrize(
    "said",
    [
        "pay the order with 4556 7375 8689",
        "оплачу заказ картой 4556 7375 8689",
        "оплачу замовлення карткою 4556 7375 8689",
        "zapłacę za zamówienie kartą 4556 7375 8689",
    ],
)
def test_a_partial_of_a_card_paid_for_an_order_shows_no_twelve_digits(said: str) -> None:
    assert Redactor().partial("customer", said, 0.0)


@pytest.mark.parametrize(
    "said",
    [
        "The price was 129.99 and I ordered 3 of them on May 12.",
        "Цена 1299 рублей, 3 штуки, доставка 14 мая.",
        "Ціна 1299 гривень, 3 штуки, доставка 14 травня.",
        "Cena 129 zł, 3 sztuki, dostawa 14 maja.",
    ],
)
def test_prices_counts_and_dates_after_a_card_stay(said: str) -> None:
    assert after_card(said) == said


# ---------------------------------------------------------------- after heldout40's misses were read


@pytest.mark.parametrize(
    "said",
    [
        "Let me read it back: six, four, niner, one, two, seven, seven, three, oh, five, eight, eight, two, two, four,"
        " one.",
        "Повторяю: шестёрка, четвёрка, девятка, единица, двойка, семёрка, семёрка, тройка, ноль, пятёрка, восьмёрка,"
        " восьмёрка, двойка, двойка, четвёрка, единица.",
        "Повторюю: шістка, четвірка, дев'ятка, одиниця, двійка, сімка, сімка, трійка, нуль, п'ятірка, вісімка,"
        " вісімка, двійка, двійка, четвірка, одиниця.",
        "Powtarzam: szóstka, czwórka, dziewiątka, jedynka, dwójka, siódemka, siódemka, trójka, zero, piątka, ósemka,"
        " ósemka, dwójka, dwójka, czwórka, jedynka.",
    ],
)
def test_a_card_read_back_digit_by_digit_as_nouns_or_niner_is_one_card(said: str) -> None:
    (out,) = customer_finals(said)
    assert "[CARD]" in out and not any(c.isdigit() for c in out)
    assert "ка," not in out and "ka," not in out and "niner" not in out


@pytest.mark.parametrize(
    "said",
    [
        "Я получил пятёрку по математике, а брат двойку.",
        "Jadę tramwajem trójka, potem autobusem.",
        "Він отримав п'ятірку, а вона четвірку.",
    ],
)
def test_a_digits_noun_said_alone_stays(said: str) -> None:
    assert customer_finals(said) == [said]


@pytest.mark.parametrize(
    "said",
    [
        "It's a Mastercard: five two, a pair of fives, one eight one eight, four four six six, nine oh two six.",
        "Мастеркард: пять два, пара пятёрок,"
        " один восемь один восемь, четыре четыре шесть шесть, девять ноль два шесть.",
        "Мастеркард: п'ять два, пара п'ятірок,"
        " один вісім один вісім, чотири чотири шість шість, дев'ять нуль два шість.",
        "Mastercard: pięć dwa, para piątek,"
        " jeden osiem jeden osiem, cztery cztery sześć sześć, dziewięć zero dwa sześć.",
    ],
)
def test_a_pair_of_a_digit_inside_a_card_keeps_it_one_span(said: str) -> None:
    (out,) = customer_finals(said)
    assert out.endswith(": [CARD].")


def test_a_pair_of_things_stays() -> None:
    assert customer_finals("I need a pair of sevens for the dress, size 12.") == [
        "I need a pair of sevens for the dress, size 12."
    ]


@pytest.mark.parametrize(
    ("said", "masked"),
    [
        ("Card 5520 1818 4466 9026, and the last digit is 6.", "Card [CARD], and the last digit is [CARD]."),
        ("Карта 5520 1818 4466 9026, и последняя цифра 6.", "Карта [CARD], и последняя цифра [CARD]."),
        ("Картка 5520 1818 4466 9026, і остання цифра — 6.", "Картка [CARD], і остання цифра — [CARD]."),
        ("Karta 5520 1818 4466 9026, a ostatnia cyfra to 6.", "Karta [CARD], a ostatnia cyfra to [CARD]."),
    ],
)
def test_a_cards_last_digit_said_again_is_card_data(said: str, masked: str) -> None:
    assert customer_finals(said) == [masked]


def test_the_last_digit_of_another_number_stays() -> None:
    said = "The last digit of my order is 6, and I want 2 of them."
    assert customer_finals(said) == [said]


@pytest.mark.parametrize(
    ("said", "masked"),
    [
        ("Срок сен-29, код 123.", "Срок [EXPIRY], код [CVV]."),
        ("Термін груд-28, код 123.", "Термін [EXPIRY], код [CVV]."),
        ("Ważna do paź-29, kod 123.", "Ważna do [EXPIRY], kod [CVV]."),
    ],
)
def test_a_months_short_form_with_a_hyphen_and_a_year_is_an_expiry(said: str, masked: str) -> None:
    assert after_card(said) == masked


@pytest.mark.parametrize(
    "said",
    [
        "My travel pass is 4410 2291 and it expires 11/28, so renew it then.",
        "Номер проездного 4410 2291, он действует до 11.28.",
        "Мій проїзний 4410 2291 дійсний до 11.28.",
        "Mój bilet miesięczny 4410 2291 jest ważny do 11.28.",
    ],
)
def test_a_travel_passs_validity_is_no_expiry(said: str) -> None:
    assert customer_finals(said) == [said]


@pytest.mark.parametrize(
    ("said", "masked"),
    [
        ("The secret number is 512.", "The secret number is [CVV]."),
        ("And the three printed on the white stripe are 512.", "And the three printed on the white stripe are [CVV]."),
        ("Секретный код 512.", "Секретный код [CVV]."),
        ("Таємний код 512.", "Таємний код [CVV]."),
        ("Tajny kod to 512.", "Tajny kod to [CVV]."),
    ],
)
def test_a_code_named_secret_or_by_the_white_strip_is_a_code(said: str, masked: str) -> None:
    assert after_card(said) == masked


def test_a_bookings_confirmation_code_stays() -> None:
    said = "Код подтверждения брони 604812, номер 12."
    assert customer_finals(said) == [said]


@pytest.mark.parametrize(
    "said",
    [
        "Mastercard, 5520 twice, then 1844 6902, valid to March 2030.",
        "Мастеркард, 5520 два раза, потом 1844 6902, до марта 2030.",
        "Мастеркард, 5520 двічі, потім 1844 6902, до березня 2030.",
        "Mastercard, 5520 dwa razy, potem 1844 6902, ważna do marca 2030.",
    ],
)
def test_a_cards_group_said_twice_is_one_card(said: str) -> None:
    (out,) = customer_finals(said)
    assert "[CARD]," in out and "[EXPIRY]" in out and not any(c.isdigit() for c in out)


@pytest.mark.parametrize(
    "said", ["My card got charged 2990 twice, on the 14th and on the 16th.", "Zapłaciłem 1200 dwa razy w maju."]
)
def test_an_amount_said_twice_stays(said: str) -> None:
    assert customer_finals(said) == [said]


@pytest.mark.parametrize(
    ("said", "masked"),
    [
        (
            "Pottery on the 14th, 9 till 1, 75 with the clay. 5203 1884 0692 7449, till 04/29.",
            "Pottery on the 14th, 9 till 1, 75 with the clay. [CARD], till [EXPIRY].",
        ),
        ("Курс с 9 до 1, 75 за занятие. Карта 5203 1884 0692 7449, до 04/29.", None),
        ("Курс з 9 до 1, 75 за заняття. Картка 5203 1884 0692 7449, до 04/29.", None),
        ("Kurs od 9 do 1, 75 za zajęcia. Karta 5203 1884 0692 7449, do 04/29.", None),
    ],
)
def test_till_said_before_the_card_is_no_expirys_cue(said: str, masked: str | None) -> None:
    (out,) = customer_finals(said)
    assert out == masked if masked else out.startswith(said.split(". ")[0] + ". ") and out.endswith(" [EXPIRY].")


def test_a_code_after_and_still_stays_a_list_of_counts_without_a_cue() -> None:
    said = "We need rooms for four, two and nine guests."
    assert customer_finals(said) == [said]


@pytest.mark.parametrize(
    ("cue", "masked"),
    [
        ("Card 4917 6620 1304 and the last four are", "Card [CARD] and the last four are"),
        ("Карта 4917 6620 1304, а последние четыре это", "Карта [CARD], а последние четыре это"),
        ("Картка 4917 6620 1304, а останні чотири це", "Картка [CARD], а останні чотири це"),
        ("Karta 4917 6620 1304, a ostatnie cztery to", "Karta [CARD], a ostatnie cztery to"),
    ],
)
def test_the_last_fours_cue_ending_one_final_masks_the_next_as_the_card(cue: str, masked: str) -> None:
    assert customer_finals(cue, "8856.", "Expiry 11/30.") == [masked, "[CARD].", "Expiry [EXPIRY]."]


@pytest.mark.parametrize(
    ("said", "masked"),
    [
        ("Card 5520 1818 4466 9026, so it ends in a 6.", "Card [CARD], so it ends in a [CARD]."),
        ("Карта 5520 1818 4466 9026, то есть заканчивается на 6.", "Карта [CARD], то есть заканчивается на [CARD]."),
        ("Картка 5520 1818 4466 9026, тобто закінчується на 6.", "Картка [CARD], тобто закінчується на [CARD]."),
        ("Karta 5520 1818 4466 9026, czyli kończy się na 6.", "Karta [CARD], czyli kończy się na [CARD]."),
        ("Card 5520 1818 4466 9026, the offer ends in 6 days.", "Card [CARD], the offer ends in 6 days."),
    ],
)
def test_the_digit_a_card_ends_on_said_after_it_is_card_data(said: str, masked: str) -> None:
    assert customer_finals(said) == [masked]


@pytest.mark.parametrize(
    ("said", "masked"),
    [
        ("The code is 4, 2 and 9.", "The code is [CVV]."),
        ("CVC: seven and one and three.", "CVC: [CVV]."),
        ("Код 4, 2 и 9.", "Код [CVV]."),
        ("Код: дев'ять, дев'ять та нуль.", "Код: [CVV]."),
    ],
)
def test_a_codes_digits_written_or_each_after_and_are_one_code(said: str, masked: str) -> None:
    assert after_card(said) == masked


@pytest.mark.parametrize(
    "said",
    [
        "Rooms 3, 4 and 5, please.",
        "Rooms three, four and five, please.",
        "Комнаты три, четыре и пять.",
        "Кімнати три, чотири і п'ять.",
        "Pokoje trzy, cztery i pięć.",
    ],
)
def test_a_list_of_rooms_said_with_and_after_a_card_stays(said: str) -> None:
    assert after_card(said) == said


@pytest.mark.parametrize(
    "said",
    [
        "Two tickets, 1450. 5520 1818 44- sorry, from the top. 5520 1818 4466 9026.",
        "Два билета, 1450. 5520 1818 44- ой, заново. 5520 1818 4466 9026.",
        "Два квитки, 1450. 5520 1818 44- ой, спочатку. 5520 1818 4466 9026.",
        "Dwa bilety, 1450. 5520 1818 44- nie, od nowa. 5520 1818 4466 9026.",
    ],
)
def test_a_price_before_a_card_broken_off_stays(said: str) -> None:
    (out,) = customer_finals(said)
    assert ", 1450. [CARD]" in out and "5520" not in out and out.endswith("[CARD].")


@pytest.mark.parametrize(
    ("said", "masked"),
    [
        ("Till June 2030, the number is 5520 1818 4466 9026.", "Till [EXPIRY], the number is [CARD]."),
        ("До июня 2030, номер 5520 1818 4466 9026.", "До [EXPIRY], номер [CARD]."),
        ("До 06/30, номер 5520 1818 4466 9026.", "До [EXPIRY], номер [CARD]."),
        ("Do czerwca 2030, numer 5520 1818 4466 9026.", "Do [EXPIRY], numer [CARD]."),
    ],
)
def test_till_a_month_said_before_the_card_is_its_expiry(said: str, masked: str) -> None:
    assert customer_finals(said) == [masked]


@pytest.mark.parametrize(
    "said",
    ["Expiry zero six slash twenty-eight, and CVV2 is 774.", "Tytuł płatności na rachunku to 274303058069712447."],
)
def test_forms_of_earlier_halves_read_as_before(said: str) -> None:
    (out,) = customer_finals(said)
    assert ("[EXPIRY]" in out and "[CVV]" in out) if "Expiry" in said else out == said


# ---------------------------------------------------------------- the lead, after heldout44 (representative) was scored


@pytest.mark.parametrize(
    "said",
    [
        # no card named: the customer reads on after the price, digits and words mixed as the recognizer writes them
        "The dog food, 48.20. 4 5 3 9, triple 2 oh, oh double 8 1, 6 double 3 4.",
        "4 5 3 9, triple 2 oh, oh double 8 1, 6 double 3 4, thanks.",
    ],
)
def test_an_oh_before_double_after_a_comma_is_a_zero_of_the_card(said: str) -> None:
    (out,) = customer_finals(said)
    assert "[CARD]" in out
    assert not any(part in out for part in ("4 5 3 9", "triple 2", "double 8 1", "double 3 4")), out


@pytest.mark.parametrize(
    "said",
    ["Oh, double check the address please, it's 12 Baker Street.", "The order is 4 2 oh, oh double 7, thanks."],
)
def test_an_oh_before_double_that_says_no_card_stays(said: str) -> None:
    assert customer_finals(said) == [said]
