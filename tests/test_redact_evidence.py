"""Card data said in the forms the third blind set showed missed (issue 19, session 16), each fix in general
form: a code's cue with where the code is ("four-digit code on the front"), "спереду", "podwójne", "łamane
na", a 19-digit scheme named, a card's last group said again after a correction, "до" and a month after a
card named, a bare "date" where card data is about; and the numbers that stay: a document's Luhn-valid
number, an IBAN, a Luhn-valid run no card scheme begins so. Sentences of our own, not the benchmark's."""

from __future__ import annotations

import pytest

from agentassist.privacy.detect import find_spans, mask
from agentassist.privacy.redactor import Redactor
from agentassist.privacy.said import items, luhn
from tests.redaction import redacted_finals

# Luhn-valid numbers made for these tests (random bodies, a check digit): none is a benchmark case's
MASTERCARD = "5510 5260 1815 9083"
VISA = "4556 1909 3786 5797"
PROSTIR = "9804 2440 2685 9952"


def masked(text: str) -> str:
    return mask(text, find_spans(text))


def test_the_numbers_made_for_these_tests_pass_luhn() -> None:
    assert all(luhn(n.replace(" ", "")) for n in (MASTERCARD, VISA, PROSTIR))


@pytest.mark.parametrize(
    ("said", "digits"),
    [
        ("podwójne pięć, potrójne zero", ["5", "5", "0", "0", "0"]),  # Polish "double", "triple"
        ("zero dziewięć łamane na dwadzieścia osiem", ["0", "9", "28"]),  # "slash" said "łamane na": one chain
    ],
)
def test_polish_double_and_slash_are_read(said: str, digits: list[str]) -> None:
    assert [i.digits for i in items(said)] == digits


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("Amex 3782 8224 6310 005, the four digit code on the front: 8 1 2 0",
         "Amex [CARD], the four digit code on the front: [CVV]"),
        ("the three-digit code on the back is 5 0 9", "the three-digit code on the back is [CVV]"),
        ("Картка Amex, чотири цифри спереду 3 0 1 9", "Картка Amex, чотири цифри спереду [CVV]"),
        ("Karta, ważna do zero dziewięć łamane na dwadzieścia osiem", "Karta, ważna do [EXPIRY]"),
        (f"Mastercard, podwójne pięć, {MASTERCARD[2:]}", "Mastercard, [CARD]"),
        # a card's last group said again after a correction: the number with it in place passes Luhn
        (f"{VISA[:-4]} 5897, no, wait, {VISA[-4:]} is the end", "[CARD], no, wait, [CARD] is the end"),
        (f"{VISA[:-4]} 5897, ой, нет, {VISA[-4:]}", "[CARD], ой, нет, [CARD]"),
        # a card named just before "до" and a month: its expiry
        ("Карта до сентября 2029-го", "Карта до [EXPIRY]"),  # the year's "-го" with it
        ("Картка дійсна, до травня 2031 року", "Картка дійсна, до [EXPIRY]"),
        # a bare "date" where card data is about
        (f"The card is {VISA}, the date on it is nine twenty nine", "The card is [CARD], the date on it is [EXPIRY]"),
        (f"Karta {VISA}, data na niej to wrzesień dwadzieścia dziewięć", "Karta [CARD], data na niej to [EXPIRY]"),
        (f"ПРОСТІР {PROSTIR}", "ПРОСТІР [CARD]"),  # a national scheme beginning with 9
        (f"it's {PROSTIR}", "it's [CARD]"),
    ],
)  # fmt: skip
def test_card_data_in_these_forms_is_masked(said: str, expected: str) -> None:
    assert masked(said) == expected


@pytest.mark.parametrize(
    "said",
    [
        f"Your policy number is {VISA} on the renewal letter",  # a document's number passes Luhn by chance
        f"номер полиса {VISA}",
        f"numer umowy {MASTERCARD}",
        "Mój IBAN to PL61 1090 1014 0000 0712 1981 2874",
        "Номер ТТН 59000123456789, чекаю на посилку",
        "it's 7000 1912 8452 9841",  # Luhn-valid, but no card scheme's numbers begin with 7
        "Карту пришлют до 15 сентября 2026 года",  # "до", a day and a month: a delivery, no expiry
        "The delivery date is 12 27",  # a bare "date", no card data about
        "Karta przyjdzie do 12 maja",  # a day and a month: no expiry
        "I paid by card on the date 05.11",
    ],
)
def test_these_numbers_stay(said: str) -> None:
    assert masked(said) == said


def test_a_card_named_in_the_utterance_keeps_a_document_s_luhn_valid_number_masked() -> None:
    said = f"my card {VISA}, the policy number is on the letter"
    assert masked(said) == "my card [CARD], the policy number is on the letter"


@pytest.mark.parametrize("reader", ["agent", "customer"])
def test_a_card_number_read_back_halfway_goes_on_after_it(reader: str) -> None:
    # the agent reads the first half back (or the customer says it again): the second half goes on from the first
    assert redacted_finals(
        ("customer", "five oh three one, six oh two eight,"),
        (reader, "five oh three one, six oh two eight, got it."),
        ("customer", "and five two seven two, eight eight seven seven."),
    ) == ["[CARD],", "[CARD], got it.", "and [CARD]."]


def test_a_phone_number_read_back_stays() -> None:
    said = ("customer", "my number is 600 123 456"), ("agent", "600 123 456, thank you")
    assert redacted_finals(*said) == [text for _, text in said]


def test_a_partial_after_a_card_number_read_back_is_masked() -> None:
    r = Redactor()
    r.final("0", "customer", "4685 6395 0032", 0.0, 1.5)
    r.final("1", "customer", "4685 6395 0032, right", 2.0, 3.5)  # said again: the number is still being given
    assert mask("67", r.partial("customer", "67", 4.0)) == "[CARD]"


def test_a_19_digit_number_said_across_finals_is_taken_from_its_first_digit() -> None:
    # the 19 digits pass Luhn, and so do the 15 from the second group (by chance): all 19 are masked
    assert redacted_finals(("customer", "UnionPay, 6224 4797 8910"), ("customer", "2448 594.")) == [
        "UnionPay, [CARD]",
        "[CARD].",
    ]


# 4556 1909 3786 5797 is Luhn-valid: a last digit misheard as 8 fails the check
def test_a_card_number_with_a_pause_and_a_misheard_digit_is_masked_where_a_card_came_up_before() -> None:
    misheard = "4556 1909 3786, hold on, 5798"
    assert (
        redacted_finals(("customer", "I'll pay with my Visa."), ("customer", misheard))[1] == "[CARD], hold on, [CARD]"
    )
    assert redacted_finals(("agent", "What's the long number?"), ("customer", misheard))[1] == "[CARD], hold on, [CARD]"
    assert redacted_finals(("customer", misheard)) == [misheard]  # nothing says it is a card: Luhn decides


@pytest.mark.parametrize(
    "said",
    [
        "The DHL number is 3380 2291 7765, it left the depot today",  # a carrier's number
        "Номер накладної Нової пошти 2045 0871 2366",
        "Zadzwoń na sześćset, sto dwadzieścia trzy, czterysta pięćdziesiąt sześć",  # a phone: named so
    ],
)
def test_a_partial_of_a_carrier_s_number_is_not_masked(said: str) -> None:
    assert Redactor().partial("customer", said, 0.0) == []


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("my number is 4556 1909", "my number is [CARD]"),  # "my number" alone may be a card's
        (f"in order to pay, {VISA}", "in order to pay, [CARD]"),  # "order" of "in order to": no document
    ],
)
def test_a_partial_of_a_card_said_without_its_name_is_masked(said: str, expected: str) -> None:
    assert mask(said, Redactor().partial("customer", said, 0.0)) == expected


@pytest.mark.parametrize(
    "between",
    [
        [("customer", "Так."), ("agent", "Хорошо.")],  # a final of each speaker with no number and no question
        [("agent", "Okay."), ("customer", "Right, hang on.")],
    ],
)
def test_an_expiry_said_after_its_cue_and_a_word_from_each_speaker_is_masked(between: list[tuple[str, str]]) -> None:
    r = Redactor()
    r.final("0", "customer", f"the card number is {VISA}", 0.0, 3.0)
    r.final("1", "customer", "Срок действия", 4.0, 5.0)  # the cue, a final of its own
    for n, (channel, text) in enumerate(between):
        r.final(f"m{n}", channel, text, 6.0 + n, 6.8 + n)
    assert mask("1, 2, 2, 8.", r.partial("customer", "1, 2, 2, 8.", 8.5)) == "[EXPIRY]."  # the live feed's partial
    assert [s.kind for s in r.final("2", "customer", "1, 2, 2, 8.", 8.5, 9.5)["2"]] == ["expiry"]


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        # a code's or an expiry's short start, corrected: the retracted digits are that kind too
        ("CVV is seven seven, no, seven eight one", "CVV is [CVV], no, [CVV]"),
        ("Код безопасности два, ой, нет, два один четыре", "Код безопасности [CVV], ой, нет, [CVV]"),
        ("the expiry is oh three, no, oh four twenty nine", "the expiry is [EXPIRY], no, [EXPIRY]"),
        ("The three digits on the signature strip are 5 1 2", "The three digits on the signature strip are [CVV]"),
        ("Valid from 01/24 until 01/29", "Valid from [EXPIRY] until [EXPIRY]"),  # the first month with the last
        # the last four digits of a card may show (PCI DSS): after "ends in" they are not its first group
        ("My Visa ends in 5797", "My Visa ends in 5797"),
        ("the Visa ending 5797", "the Visa ending 5797"),
        ("Карта заканчивается на 5797", "Карта заканчивается на 5797"),
        ("Karta kończy się na 5797", "Karta kończy się na 5797"),
        (f"my card ends in {VISA}", "my card ends in [CARD]"),  # the whole number is still masked
        (f"It's {VISA[:-1]} — sorry, {VISA[-4:]}", "It's [CARD] — sorry, [CARD]"),  # its last group said whole
        ("Сі-ві-ві двісті чотирнадцять", "Сі-ві-ві [CVV]"),
    ],
)
def test_corrections_signature_strips_and_last_four(said: str, expected: str) -> None:
    assert redacted_finals(("customer", said)) == [expected]


@pytest.mark.parametrize(
    "said",
    [
        "Заплатив карткою 1 200 гривень, номер чека 58213",  # the card's cue was about the amount
        "Zapłaciłem kartą 349,99 zł dnia 05.03.2026",
        "Баланс по карте 15 230 рублей, минимальный платёж 1 523",
        "Flat 117, entrance 3, code for the intercom 2580",  # a bare "code", no card data about
    ],
)
def test_a_number_ending_a_final_after_a_payment_or_another_thing_s_code_stays(said: str) -> None:
    assert redacted_finals(("customer", said)) == [said]
    assert Redactor().partial("customer", said, 0.0) == []


def test_a_card_named_after_an_amount_still_names_the_number_after_it() -> None:
    said = "I paid 200 dollars by card, the card is 4556 1909"
    assert redacted_finals(("customer", said)) == ["I paid 200 dollars by card, the card is [CARD]"]


def test_digits_said_before_a_card_number_across_finals_are_masked_with_it() -> None:
    # a digit heard twice at the start: the Luhn-valid run across the two finals begins after it
    assert redacted_finals(
        ("customer", "So it's five five oh, three one six..."),
        ("customer", "...oh two eight five, two seven two eight, eight seven seven"),
    ) == [
        "So it's [CARD]...",
        "...[CARD]",
    ]


@pytest.mark.parametrize(
    "said",
    [
        "Оплата картой прошла, номер операции 4829 3377 1234",  # the operation's number, not the card's
        "Карта пришла, активировал её вчера, лимит 50 000",  # a round amount after a card named
    ],
)
def test_a_number_ending_a_final_after_a_card_named_that_is_no_card_s_first_group_stays(said: str) -> None:
    assert redacted_finals(("customer", said)) == [said]
    assert Redactor().partial("customer", said, 0.0) == []


def test_a_phone_ending_a_final_after_a_card_named_stays_in_the_final() -> None:
    said = "Номер телефона, привязанный к карте: 8 916 123 45 67"  # begins as no card does
    assert redacted_finals(("customer", said)) == [said]  # (a partial masks it: 7 digits and more after a card named)


def test_a_card_written_with_thousands_apart_is_masked_from_its_first_group_after_its_cue() -> None:
    assert mask("Карта 4 044", Redactor().partial("customer", "Карта 4 044", 0.0)) == "Карта [CARD]"


def test_a_card_s_groups_said_again_are_card_data_but_a_code_stays_a_code() -> None:
    assert redacted_finals(
        ("customer", f"Карта {MASTERCARD}"), ("agent", "Повторите последние четыре?"), ("customer", "9083")
    ) == [
        "Карта [CARD]",
        "Повторите последние четыре?",
        "[CARD]",
    ]
    assert redacted_finals(("customer", f"Card {MASTERCARD}"), ("agent", "So that's 1815 9083?")) == [
        "Card [CARD]",
        "So that's [CARD]?",  # read as two codes after card data before
    ]
    # a code that happens to be one of the card's groups stays a code (PCI DSS keeps no code as an original)
    assert redacted_finals(("customer", f"Card {MASTERCARD}"), ("customer", "the CVV is 9083")) == [
        "Card [CARD]",
        "the CVV is [CVV]",
    ]
