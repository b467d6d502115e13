"""Card data said in forms the next blind half may hold (issue 19, redtune34), and ordinary numbers beside them.

The traps below the first line of dashes were written before heldout39's cases were read (from the forms earlier
rounds met, varied in our own sentences and numbers, in en, ru, uk and pl), codes above all: a code named by its
place and count in other words ("the three on the back", "три цифры на обороте", "trzy cyfry z tyłu"), said as a
number ("five hundred twelve", "пятьсот двенадцать"), its cue ending one final and the digits the next; and what
stays: prices, rooms, flights, counts and dates said where card data is about. The tests below the second line
of dashes came after heldout39's misses were read, each in its general form with sentences of our own."""

from __future__ import annotations

import pytest

from agentassist.privacy.redactor import Redactor
from tests.redaction import CARD, after_card, customer_finals

# ---------------------------------------------------------------- written before heldout39's cases were read


@pytest.mark.parametrize(
    "said",
    [
        "The three digits on the back are 5 1 2.",
        "Security code is five hundred twelve.",
        "CVC, five one two.",
        "The number on the back by the signature, 512.",
        "Код на обороте: 512.",
        "Три цифры сзади — пятьсот двенадцать.",
        "CVV-код пять один два.",
        "Код безопасности 512.",
        "Код на звороті 512.",
        "Три цифри ззаду — п'ятсот дванадцять.",
        "CVV код п'ять один два.",
        "Kod CVV to 512.",
        "Trzy cyfry z tyłu karty: pięćset dwanaście.",
        "Kod zabezpieczający pięć jeden dwa.",
    ],
)
def test_a_code_named_in_other_words_is_masked(said: str) -> None:
    (out,) = customer_finals(said)
    assert "512" not in out and "five" not in out.lower() and "пят" not in out.lower()
    assert "п'ят" not in out.lower() and "pięć" not in out.lower() and "[" in out


@pytest.mark.parametrize(
    ("cue", "digits"),
    [
        ("And the security code on the back is", "seven oh four."),
        ("А код на обороте", "семь ноль четыре."),
        ("А код на звороті", "сім нуль чотири."),
        ("A kod z tyłu karty to", "siedem zero cztery."),
    ],
)
def test_a_codes_cue_ending_one_final_masks_the_next(cue: str, digits: str) -> None:
    out = customer_finals(f"My card number is {CARD}.", cue, digits)
    assert out[0] == "My card number is [CARD]."
    assert "[" in out[2]


@pytest.mark.parametrize(
    "said",
    [
        "I paid 512 dollars on the card ending in the same digits last month, it was 12 items.",
        "My card got charged 299 twice, on the 14th and on the 16th.",
        "Я оплатил картой 1250 рублей за 3 товара, заказ от 12 марта.",
        "Оплатив карткою 480 гривень, рейс 512 о 14:30.",
        "Zapłaciłem kartą 349 złotych za 2 bilety na 17 maja.",
        "The card was declined at gate 12 for flight 417 at 9:45.",
        "Карта не прошла, номер в отеле 417, заезд 3 ночи.",
    ],
)
def test_ordinary_numbers_where_a_card_is_about_stay(said: str) -> None:
    assert customer_finals(said) == [said]


# ---------------------------------------------------------------- after heldout39's misses were read


@pytest.mark.parametrize(
    ("said", "masked"),
    [
        ("Expires 04/29, and the see-vee-see is 318.", "Expires [EXPIRY], and the see-vee-see is [CVV]."),
        ("Действует до 04/29, а си-ви-си — 3-1-8.", "Действует до [EXPIRY], а си-ви-си — [CVV]."),
        ("Дійсна до 04/29, а сі-ві-сі — 318.", "Дійсна до [EXPIRY], а сі-ві-сі — [CVV]."),
        ("Ważna do 04/29, a ce-fau-ce to 3-1-8.", "Ważna do [EXPIRY], a ce-fau-ce to [CVV]."),
        ("Ważna do 04/29, cefaufau trzy jeden osiem.", "Ważna do [EXPIRY], cefaufau [CVV]."),
    ],
)
def test_a_codes_name_spelled_letter_by_letter_is_its_cue(said: str, masked: str) -> None:
    assert after_card(said) == masked


@pytest.mark.parametrize(
    ("said", "masked"),
    [
        ("Good till 02/28, and the card ID is 7315.", "Good till [EXPIRY], and the card ID is [CVV]."),
        ("Good till 02/28, card identification number 731.", "Good till [EXPIRY], card identification number [CVV]."),
        ("До 02/28, а айди карты семь три один пять.", "До [EXPIRY], а айди карты [CVV]."),
        ("До 02/28, идентификатор карты 7315.", "До [EXPIRY], идентификатор карты [CVV]."),
        ("До 02/28, ідентифікатор картки 7315.", "До [EXPIRY], ідентифікатор картки [CVV]."),
        ("Do 02/28, identyfikator karty to 7315.", "Do [EXPIRY], identyfikator karty to [CVV]."),
    ],
)
def test_the_cards_identification_number_is_its_code(said: str, masked: str) -> None:
    assert after_card(said) == masked


@pytest.mark.parametrize(
    ("said", "masked"),
    [
        ("Действует до 07 дробью 30.", "Действует до [EXPIRY]."),
        ("Срок действия ноль семь через дробь тридцать.", "Срок действия [EXPIRY]."),
        ("Дійсна до 07 дробом 30.", "Дійсна до [EXPIRY]."),
        ("Строк дії 07 через дріб 30.", "Строк дії [EXPIRY]."),
    ],
)
def test_a_slash_said_in_the_instrumental_or_after_cherez_joins_an_expiry(said: str, masked: str) -> None:
    assert customer_finals(f"Номер карты {CARD}.", said) == ["Номер карты [CARD].", masked]


@pytest.mark.parametrize(
    ("said", "masked"),
    [
        ("Expires Mar 2031, CVV 440.", "Expires [EXPIRY], CVV [CVV]."),
        ("Срок до мар 2031, CVV 440.", "Срок до [EXPIRY], CVV [CVV]."),
        ("Дійсна до лип 2031, CVV 440.", "Дійсна до [EXPIRY], CVV [CVV]."),
        ("Ważna do lut 2031, CVV 440.", "Ważna do [EXPIRY], CVV [CVV]."),
    ],
)
def test_a_months_short_form_before_a_four_digit_year_is_an_expiry(said: str, masked: str) -> None:
    assert after_card(said) == masked


@pytest.mark.parametrize("said", ["The dates are Mar 30 and Apr 2.", "Wyjazd w mar 2030 roku, 4 osoby."])
def test_a_short_form_that_is_a_word_before_a_day_or_a_plain_year_stays(said: str) -> None:
    assert customer_finals(said) == [said]


@pytest.mark.parametrize(
    ("said", "masked"),
    [
        ("Expiry: the end of 2030, June. CVV 552.", "Expiry: the end of [EXPIRY]. CVV [CVV]."),
        ("Срок конец 2030-го, июнь. CVV 552.", "Срок конец [EXPIRY]. CVV [CVV]."),
        ("Срок действия: конец тридцатого года.", "Срок действия: конец [EXPIRY]."),
        ("Строк кінець 2030-го, червень. CVV 552.", "Строк кінець [EXPIRY]. CVV [CVV]."),
        ("Ważna: koniec 2030, czerwiec. CVV 552.", "Ważna: koniec [EXPIRY]. CVV [CVV]."),
    ],
)
def test_the_end_of_a_year_and_its_month_after_it_are_one_expiry(said: str, masked: str) -> None:
    assert after_card(said) == masked


@pytest.mark.parametrize(
    ("said", "masked"),
    [
        (
            "It's 5520 1818 4466 9026. Wait, was it... yes, four four six six. Expires 05/29.",
            "It's [CARD]. Wait, was it... yes, [CARD]. Expires [EXPIRY].",
        ),
        (
            "Карта 5520 1818 4466 9026. Ой, или... нет, всё верно, 1818. Срок 05/29.",
            "Карта [CARD]. Ой, или... нет, всё верно, [CARD]. Срок [EXPIRY].",
        ),
        (
            "Картка 5520 1818 4466 9026. Хм, чи... так, дев'ять нуль два шість. Строк 05/29.",
            "Картка [CARD]. Хм, чи... так, [CARD]. Строк [EXPIRY].",
        ),
        (
            "Karta 5520 1818 4466 9026. Hmm, czy... tak, 4466. Ważna do 05/29.",
            "Karta [CARD]. Hmm, czy... tak, [CARD]. Ważna do [EXPIRY].",
        ),
    ],
)
def test_a_cards_group_said_again_after_a_doubt_is_card_data(said: str, masked: str) -> None:
    assert customer_finals(said) == [masked]


def test_a_code_named_after_the_card_stays_a_code() -> None:
    said = "Card 5520 1818 4466 9026, and the code on the back, hmm, 446."
    assert customer_finals(said) == ["Card [CARD], and the code on the back, hmm, [CVV]."]


@pytest.mark.parametrize(
    "said",
    [
        "Two tickets, 1450. 5520 1818 44- sorry, from the top. 5520 1818 4466 9026.",
        "Два билета, 1450. 5520 1818 44- ой, заново. 5520 1818 4466 9026.",
        "Два квитки, 1450. 5520 1818 44- ой, спочатку. 5520 1818 4466 9026.",
        "Dwa bilety, 1450. 5520 1818 44- nie, od nowa. 5520 1818 4466 9026.",
    ],
)
def test_a_card_broken_off_after_a_price_is_card_data(said: str) -> None:
    # (the price before it is masked with it: one chain as written, see NOTES-redtune34.md)
    (out,) = customer_finals(said)
    assert "5520" not in out and "1818" not in out and out.endswith("[CARD].")


@pytest.mark.parametrize(
    "said",
    [
        "A window 1450 by 1180, fitting 85, tomorrow at 9.",
        "Окно 1450 на 1180, установка 8500, завтра в 9.",
        "Вікно 1450 на 1180, монтаж 1200, завтра о 9.",
        "Okno 1450 na 1180, montaż 350, jutro o 9.",
        "A rug 2400 x 1700, delivery on Friday.",
    ],
)
def test_a_sizes_two_sides_are_no_card_groups_in_a_partial(said: str) -> None:
    assert Redactor().partial("customer", said, 0.0) == []


def test_a_cards_groups_said_one_word_apart_are_still_one_run_in_a_partial() -> None:
    assert Redactor().partial("customer", "My card is 5520 1818, and 4466", 0.0)


@pytest.mark.parametrize(
    "said",
    ["The house is 14/2, flat 7.", "Дом 14 дробь 2, квартира 7.", "Будинок 14 дробом 2, квартира 7.", "Budynek 14/2."],
)
def test_a_houses_number_after_card_data_is_no_expiry_or_code(said: str) -> None:
    assert customer_finals(f"My card number is {CARD}.", said) == ["My card number is [CARD].", said]


@pytest.mark.parametrize(
    ("said", "masked"),
    [
        ("Срок действия 2031 год, май.", "Срок действия [EXPIRY]."),
        ("Строк дії 2031 рік, травень.", "Строк дії [EXPIRY]."),
        ("Data ważności 2031 rok, maj.", "Data ważności [EXPIRY]."),
        ("Expiry 2031, May.", "Expiry [EXPIRY]."),
    ],
)
def test_a_year_with_its_word_then_its_month_is_one_expiry(said: str, masked: str) -> None:
    assert after_card(said) == masked


@pytest.mark.parametrize("said", ["Машина 2019 год, пробег 120 тысяч.", "Авто 2019 рік, ціна 9500."])
def test_a_cars_year_with_its_word_after_a_card_is_no_code(said: str) -> None:
    assert customer_finals(f"Номер карты {CARD}.", said) == ["Номер карты [CARD].", said]


@pytest.mark.parametrize(
    "said",
    [
        "My student card ID is 20417, the class is at 10:30.",
        "The gym card ID 4412, membership 39 a month.",
        "Номер студенческой карты 20417, занятие в 10:30.",
        "Айди карты спортзала 4412, абонемент 3900.",
        "Номер студентського квитка 20417, ID картки спортзалу 4412.",
        "Legitymacja studencka 20417, identyfikator karty na siłownię 4412.",
    ],
)
def test_a_student_or_gym_cards_id_stays(said: str) -> None:
    assert customer_finals(said) == [said]


@pytest.mark.parametrize(
    "said",
    [
        "Boiler service, callout 80, labour 145, parts 260.",
        "Ремонт котла, выезд 800, детали 2600, работа 1450.",
        "Ремонт котла, виїзд 300, деталі 2600, доставка 150.",
        "Serwis kotła, dojazd 90, części 260, robocizna 145.",
    ],
)
def test_charges_itemized_are_no_card_groups_in_a_partial(said: str) -> None:
    assert Redactor().partial("customer", said, 0.0) == []
    assert customer_finals(said) == [said]


@pytest.mark.parametrize(
    "said", ["I will pay the delivery with 4556 7375 8689", "Доставку оплачу картой 4556 7375 8689"]
)
def test_a_card_paid_for_a_charge_is_masked_in_a_partial(said: str) -> None:
    assert Redactor().partial("customer", said, 0.0)


@pytest.mark.parametrize(
    ("said", "masked"),
    [
        ("Code 318, and delivery 450.", "Code [CVV], and delivery 450."),
        ("Код 318, доставка 450.", "Код [CVV], доставка 450."),
        ("Kod 318, dostawa 45.", "Kod [CVV], dostawa 45."),
    ],
)
def test_a_charge_after_the_code_stays(said: str, masked: str) -> None:
    assert after_card(said) == masked
