"""Card data said in forms the retired heldout23 found, and the ordinary numbers around it (issue 19, session 21),
fixed in general form. Sentences and numbers of our own, worded otherwise than the benchmark's: an expiry with a
month's name and the year's word, "runs till", "my old one" after a correction, a 19-digit card before its expiry,
the last four said again alone, a phone after a plus, a card said over someone ringing at the door; and a start date
after the expiry, an amount after a code named after it, an invoice's number passing the check, a unit's word only."""

from __future__ import annotations

import pytest

from agentassist.privacy.said import luhn
from tests.redaction import redacted_finals
from tests.test_redact_shapes import masked

# Luhn-valid numbers made for these tests (random bodies, a check digit): none is a benchmark case's
VISA = "4158813998698797"
MASTERCARD = "5240557616987168"
MASTERCARD_2 = "5522264686164252"
UNIONPAY_19 = "6250469059828195391"  # its first 16 digits pass the check too
INVOICE = ("5352791372987112", "5635401152761138")  # an invoice's numbers passing the check by chance
SPLIT = "5367670904880156"  # said in three parts over two pauses


def fours(digits: str) -> str:
    return " ".join(digits[i : i + 4] for i in range(0, len(digits), 4))


def test_the_numbers_made_for_these_tests() -> None:
    assert all(luhn(n) for n in (VISA, MASTERCARD, MASTERCARD_2, UNIONPAY_19, SPLIT, *INVOICE))
    assert luhn(UNIONPAY_19[:16])


@pytest.mark.parametrize(
    ("said", "out"),
    [
        ("действительна до марта 2029 года, код 604.", "действительна до [EXPIRY], код [CVV]."),
        ("дійсна до березня 2029 року, код 604.", "дійсна до [EXPIRY], код [CVV]."),
        ("ważna do marca 2029 roku, kod 604.", "ważna do [EXPIRY], kod [CVV]."),
        ("good until March 2029, code 604.", "good until [EXPIRY], code [CVV]."),
    ],
)
def test_an_expiry_with_a_month_name_takes_the_years_word(said: str, out: str) -> None:
    assert masked(f"{fours(VISA)}, {said} Two tents.") == f"[CARD], {out} Two tents."


def test_runs_till_is_an_expiry_cue() -> None:
    text = f"The deposit card is {fours(MASTERCARD)}, it runs until 11/28, security code 207. Two nights."
    assert masked(text) == "The deposit card is [CARD], it runs until [EXPIRY], security code [CVV]. Two nights."


def test_an_expiry_taken_back_for_my_old_one() -> None:
    text = f"Card {fours(VISA)}, expires 02/27, no sorry, that's my old one, 06/30, then 880 for the code."
    out = "Card [CARD], expires [EXPIRY], no sorry, that's my old one, [EXPIRY], then [CVV] for the code."
    assert masked(text) == out


@pytest.mark.parametrize(
    ("said", "cue"),
    [
        ("Paying with UnionPay, {}, expiring 04/30.", "The CVV is 771."),
        ("Оплачу UnionPay, {}, срок действия 04/30.", "CVV 771."),
        ("Картка UnionPay, {}, термін дії 04/30.", "Код 771."),
        ("Karta UnionPay, {}, data ważności 04/30.", "Kod 771."),
    ],
)
def test_a_19_digit_card_before_its_expiry_is_whole(said: str, cue: str) -> None:
    number = " ".join(UNIONPAY_19[i : i + 4] for i in range(0, 19, 4))
    first, second = redacted_finals(("customer", said.format(number)), ("customer", cue))
    assert first == said.format("[CARD]").replace("04/30", "[EXPIRY]")
    assert second.endswith("[CVV].")


@pytest.mark.parametrize(
    ("data", "again"),
    [
        ("Card {}, expires 07/29, CVV 316.", "Oh and it's the business one, the {} one. Table for 6."),
        ("Карта {}, срок 07/29, код 316.", "Это та, корпоративная, на {}. Столик на 6."),
        ("Картка {}, термін 07/29, код 316.", "Це та, корпоративна, на {}. Столик на 6."),
        ("Karta {}, ważna do 07/29, kod 316.", "To ta firmowa, na {}. Stolik na 6."),
    ],
)
def test_the_last_four_said_again_alone_are_the_cards(data: str, again: str) -> None:
    out = redacted_finals(("customer", data.format(fours(MASTERCARD_2))), ("customer", again.format(MASTERCARD_2[-4:])))
    assert out[1] == again.format("[CARD]")


def test_four_digits_that_are_not_the_cards_end_stay() -> None:
    card = f"Card {fours(MASTERCARD_2)}, expires 07/29, CVV 316."
    out = redacted_finals(("customer", card), ("customer", "Room 4253, please."))
    assert out[1] == "Room 4253, please."


@pytest.mark.parametrize(
    ("code", "phone"),
    [
        ("код 930", "телефон мой +7 912 604 37 18"),
        ("код 930", "мій номер +380 50 604 37 18"),
        ("kod 930", "mój numer +48 512 604 371"),
        ("code 930", "my number +44 7700 604371"),
    ],
)
def test_a_phone_after_a_plus_is_no_piece_of_a_card(code: str, phone: str) -> None:
    out = masked(f"{fours(VISA)}, 03/28, {code}, {phone}, after six.")
    assert out == f"[CARD], [EXPIRY], {code[:-4]} [CVV], {phone}, after six."


@pytest.mark.parametrize(
    ("first", "aside", "sorry"),
    [
        ("Tak, płacę kartą", "moment, ktoś dzwoni", "Już jestem."),
        ("Да, плачу картой", "минуту, кто-то звонит", "Всё, я здесь."),
    ],
)
def test_a_card_said_over_someone_ringing_goes_on(first: str, aside: str, sorry: str) -> None:
    said = [
        ("customer", f"{first} {SPLIT[:4]} {SPLIT[4:8]}, {aside}."),
        ("customer", f"{sorry} {SPLIT[8:12]}."),
        ("customer", f"{SPLIT[12:]}. 10/28, 455."),
    ]
    out = redacted_finals(*said)
    assert out == [f"{first} [CARD], {aside}.", f"{sorry} [CARD].", "[CARD]. [EXPIRY], [CVV]."]


@pytest.mark.parametrize(
    "text",
    [
        "Proszę dzwonić na 601 604 371 po południu.",
        "Можно звонить на 8 912 604 37 18 вечером.",
    ],
)
def test_asked_to_call_is_still_a_phones_cue(text: str) -> None:
    assert masked(text) == text


@pytest.mark.parametrize(
    ("card", "later"),
    [
        ("Карта {}, срок 09/27, CVV 218.", "Курс стоит 12 000, и он действует с 15.04, верно?"),
        ("Картка {}, термін 09/27, CVV 218.", "Курс коштує 4 800, і він діє з 15.04, вірно?"),
        ("Card {}, expires 09/27, CVV 218.", "The course is 300 and it's valid from 15.04, right?"),
        ("Karta {}, ważna do 09/27, CVV 218.", "Kurs kosztuje 900 zł i jest ważna od 15.04?"),
    ],
)
def test_valid_from_after_the_expiry_is_another_things_start(card: str, later: str) -> None:
    out = masked(f"{card.format(fours(VISA))} {later}")
    assert out.endswith(later)


def test_valid_from_said_with_the_expiry_is_still_masked() -> None:
    text = f"Card {fours(VISA)}, valid from 03/25 to 03/29, CVV 218."
    assert masked(text) == "Card [CARD], valid from [EXPIRY] to [EXPIRY], CVV [CVV]."


@pytest.mark.parametrize(
    ("data", "named", "cue"),
    [
        ("Это Visa, {}, действует до 02/30.", "527. Это код. Доставка 1 500 и сборка 800.", "Это код."),
        ("Це Visa, {}, дійсна до 02/30.", "527. Це код. Доставка 450 і збирання 300.", "Це код."),
        ("It's a Visa, {}, valid till 02/30.", "527. That's the code. Delivery 450 and fitting 300.", "code."),
        ("To Visa, {}, ważna do 02/30.", "527. To kod. Dostawa 450 i montaż 300.", "kod."),
    ],
)
def test_a_code_named_after_it_names_no_amount_after(data: str, named: str, cue: str) -> None:
    out = redacted_finals(("customer", data.format(fours(VISA))), ("customer", named))
    assert out[1] == "[CVV]" + named[3:]
    assert cue in out[1]


@pytest.mark.parametrize(
    "text",
    [
        "В счёте {} указано 18 000 с НДС, а договаривались на 16 000.",
        "Счёт-фактура {} на 18 000 пришла вчера.",
        "У рахунку {} вказано 6 000 з ПДВ, а домовлялися на 5 500.",
        "Рахунок-фактура {} на 6 000 прийшов учора.",
    ],
)
@pytest.mark.parametrize("number", INVOICE)
def test_an_invoices_number_passing_the_check_stays(text: str, number: str) -> None:
    assert masked(text.format(number)) == text.format(number)


def test_an_account_paid_into_still_masks_a_card() -> None:
    text = f"Оплачу картой, номер {fours(MASTERCARD)}, срок 05/28, код 319, а в счёте укажите фирму."
    assert masked(text) == "Оплачу картой, номер [CARD], срок [EXPIRY], код [CVV], а в счёте укажите фирму."


@pytest.mark.parametrize(
    ("after", "out"),
    [
        ("CVC 062, zlecenie serwisowe 518204.", "CVC [CVV], zlecenie serwisowe 518204."),
        ("kod 062, a płatność 420 zł.", "kod [CVV], a płatność 420 zł."),
        ("код 062, частично оплачено.", "код [CVV], частично оплачено."),
    ],
)
def test_a_units_word_is_only_that_word(after: str, out: str) -> None:
    assert masked(f"Karta {fours(VISA)}, 05/28, {after}") == f"Karta [CARD], [EXPIRY], {out}"
