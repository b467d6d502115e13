"""Card data in the shapes the fifteenth blind set showed missed or mislabelled (issue 19, session 19), each fix in
general form: numbers of industries that issue no payment card (a loyalty scheme's, a SIM's ICCID), a card read
wrong past its first two groups and started again, a birth date read digit by digit after a card, a 19-digit card's
last three said after an "and" with its code named after, an expiry taken back for another a sentence later, an
American Express code "above the number" with the place named first, a card's last four read back after the card
was read digit by digit, and a card said in two halves with a long aside between. Sentences and numbers of our own,
not the benchmark's."""

from __future__ import annotations

import pytest

from agentassist.privacy.said import luhn
from tests.redaction import redacted_finals
from tests.test_redact_shapes import masked

# Luhn-valid numbers made for these tests (random bodies, a check digit): none is a benchmark case's
VISA = "4287671510666658"
VISA_19 = "4392050423573685450"  # its first 16 digits pass the check too
MASTERCARD = "5314702097896691"
AMEX = "344376325263480"
LOYALTY = "7463660569285774"  # begins with 7: no payment scheme issues it
ICCID = "8944599979259118290"  # a SIM's, 89: telecommunications
ICCID_16 = "8947519362980144200"  # its first 16 digits pass the check too
BROKEN = VISA[:-1] + str((int(VISA[-1]) + 1) % 10)  # its last digit changed: no card

WORDS = {
    "en": ["oh", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"],
    "ru": ["ноль", "один", "два", "три", "четыре", "пять", "шесть", "семь", "восемь", "девять"],
    "uk": ["нуль", "один", "два", "три", "чотири", "п'ять", "шість", "сім", "вісім", "дев'ять"],
    "pl": ["zero", "jeden", "dwa", "trzy", "cztery", "pięć", "sześć", "siedem", "osiem", "dziewięć"],
}


def _groups(number: str) -> str:
    return " ".join(number[i : i + 4] for i in range(0, len(number), 4))


def _words(digits: str, lang: str) -> str:
    return " ".join(WORDS[lang][int(d)] for d in digits)


def test_the_numbers_made_for_these_tests_are_what_they_say() -> None:
    assert all(luhn(n) for n in (VISA, VISA_19, VISA_19[:16], MASTERCARD, AMEX, LOYALTY, ICCID, ICCID_16[:16]))
    assert not luhn(BROKEN)


@pytest.mark.parametrize(
    "said",
    [
        "And please add my loyalty points, the rewards card is {n}.",
        "И добавьте баллы, номер клубной карты {n}.",
        "І додайте бали, номер картки клієнта {n}.",
        "I proszę dodać punkty, numer karty {n}.",
    ],
)
def test_a_loyalty_number_after_a_card_is_no_card(said: str) -> None:
    got = redacted_finals(("customer", f"{_groups(VISA)}."), ("customer", said.format(n=_groups(LOYALTY))))
    assert got == ["[CARD].", said.format(n=_groups(LOYALTY))]


@pytest.mark.parametrize("number", [ICCID, ICCID_16])
def test_a_sim_number_on_the_card_holder_is_no_card(number: str) -> None:
    text = f"The number on the plastic card my SIM came in is {_groups(number)}."
    assert masked(text) == text


@pytest.mark.parametrize(
    "restart",
    [
        "wait, I got that wrong, from the beginning",
        "ой, нет, не так прочитал, заново",
        "ні, стоп, не так, ще раз з початку",
        "nie, pomyliłem się, od nowa",
    ],
)
def test_a_card_read_wrong_past_its_first_eight_digits_then_again_is_all_card(restart: str) -> None:
    wrong = VISA[:8] + VISA[12:]  # the third group left out: 12 digits, the first eight the card's
    text = f"{_groups(wrong)}, {restart}, {_groups(VISA)}."
    assert masked(text) == f"[CARD], {restart}, [CARD]."


def test_a_number_sharing_fewer_than_eight_first_digits_is_not_taken_for_a_card_restart() -> None:
    text = f"Order 4287 6700 1234, and the card is {_groups(VISA)}."
    assert masked(text) == "Order 4287 6700 1234, and the card is [CARD]."


@pytest.mark.parametrize(
    ("lang", "born"),
    [
        ("en", "And my date of birth is {d}."),
        ("ru", "Дата рождения {d}."),
        ("uk", "Народилася {d}."),
        ("pl", "Urodzona {d}."),
    ],
)
def test_a_birth_date_read_digit_by_digit_after_a_card_is_no_code(lang: str, born: str) -> None:
    said = born.format(d=_words("27111968", lang))
    assert redacted_finals(("customer", f"{_groups(MASTERCARD)}."), ("customer", said)) == ["[CARD].", said]


@pytest.mark.parametrize("lang", ["en", "ru", "uk", "pl"])
def test_a_code_read_digit_by_digit_after_a_card_is_still_one(lang: str) -> None:
    code = _words("4071", lang)
    assert redacted_finals(("customer", f"{_groups(MASTERCARD)}."), ("customer", f"{code}.")) == ["[CARD].", "[CVV]."]


@pytest.mark.parametrize(
    ("said", "want"),
    [
        (
            "{a} and {b}, that's all of it, and the code is 614.",
            "[CARD] and [CARD], that's all of it, and the code is [CVV].",
        ),
        ("{a} и {b}, всё, а код 614.", "[CARD] и [CARD], всё, а код [CVV]."),
        ("{a} і {b}, усе, а код 614.", "[CARD] і [CARD], усе, а код [CVV]."),
        ("{a} i {b}, to wszystko, a kod 614.", "[CARD] i [CARD], to wszystko, a kod [CVV]."),
    ],
)
def test_a_19_digit_cards_last_three_after_an_and_are_the_cards_when_a_code_is_named_after(
    said: str, want: str
) -> None:
    assert masked(said.format(a=_groups(VISA_19[:16]), b=VISA_19[16:])) == want


def test_three_digits_after_an_and_with_no_code_named_after_stay_a_code() -> None:
    # one card has one code: with none named after, the three digits are its code (PCI DSS: never a card's original)
    text = f"{_groups(VISA_19[:16])} and {VISA_19[16:]}."
    assert masked(text) == "[CARD] and [CVV]."


@pytest.mark.parametrize(
    "said",
    [
        "Valid till {old}, um, no, wait, that was my previous card, {new}.",
        "Действует до {old}, ой, нет, это с прошлой карты, {new}.",
        "Дійсна до {old}, ні, це з попередньої картки, {new}.",
        "Ważna do {old}, nie, to z poprzedniej karty, {new}.",
    ],
)
def test_an_expiry_taken_back_for_another_a_sentence_later_is_both_masked(said: str) -> None:
    text = said.format(old="10/26", new="02/29")
    assert masked(f"{_groups(VISA)}. {text}") == "[CARD]. " + said.format(old="[EXPIRY]", new="[EXPIRY]")


def test_a_day_and_month_after_an_expiry_and_a_no_stays() -> None:
    text = f"{_groups(VISA)}, valid till 10/26, no, the parcel came on 14/03."
    assert masked(text) == "[CARD], valid till [EXPIRY], no, the parcel came on 14/03."


@pytest.mark.parametrize(
    "said",
    [
        "It's an Amex. The tiny digits over the long one, {c}.",
        "Это Американ Экспресс. Над номером мелкие цифры, {c}.",
        "Це Американ Експрес. Над номером є дрібні цифри, {c}.",
        "To Amex. Nad numerem są jeszcze drobne cyfry, {c}.",
    ],
)
def test_an_amex_code_above_the_number_said_before_the_card_is_a_code(said: str) -> None:
    got = redacted_finals(("customer", said.format(c="2719")), ("customer", f"{AMEX[:4]} {AMEX[4:10]} {AMEX[10:]}."))
    assert got == [said.format(c="[CVV]"), "[CARD]."]


@pytest.mark.parametrize(
    ("lang", "ending"),
    [
        ("en", "Got it, the card ending {l}."),
        ("ru", "Записала, карта на {l}."),
        ("uk", "Записала, картка на {l}."),
        ("pl", "Mam, karta na {l}."),
    ],
)
def test_a_cards_last_four_read_back_after_it_was_read_digit_by_digit_is_the_cards(lang: str, ending: str) -> None:
    got = redacted_finals(
        ("customer", f"{_words(VISA[:8], lang)}, hold on"),
        ("customer", f"{_words(VISA[8:], lang)}."),
        ("agent", ending.format(l=VISA[-4:])),
    )
    assert got[2] == ending.format(l="[CARD]")


@pytest.mark.parametrize(
    "aside",
    [
        "then it says Mr John Q. Public, and below that, no, sorry, the number carries on",
        "потом фамилия, Иванов, латиницей, нет, номер продолжается",
        "потім прізвище, Коваль, латиницею, ні, номер продовжується",
        "potem nazwisko, Nowak, nie, numer idzie dalej",
    ],
)
def test_a_card_said_in_two_halves_with_a_long_aside_between_is_one_card(aside: str) -> None:
    text = f"{_groups(VISA[:8])}, {aside}, {_groups(VISA[8:])}."
    assert masked(text) == f"[CARD], {aside}, [CARD]."


def test_two_halves_failing_the_check_after_a_long_aside_stay() -> None:
    text = f"Invoice {_groups(BROKEN[:8])}, then the other one after the long list of items, {_groups(BROKEN[8:])}."
    assert masked(text) == text


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("My wife is reading it out. She says {a}, right, {ab}.", "Sorry? {c}? Yes, {cd}, she says."),
        ("Жена читает. Говорит {a}, так, {ab}.", "Как? {c}? Ага, {cd}, говорит."),
        ("Дружина читає. Каже {a}, так, {ab}.", "Як? {c}? Ага, {cd}, каже."),
        ("Żona czyta. Mówi {a}, tak, {ab}.", "Jak? {c}? Aha, {cd}, mówi."),
    ],
)
def test_a_group_echoed_before_it_is_said_with_the_next_is_the_cards(first: str, second: str) -> None:
    g = _groups(MASTERCARD).split()
    got = redacted_finals(
        ("customer", first.format(a=g[0], ab=f"{g[0]} {g[1]}")),
        ("customer", second.format(c=g[2], cd=f"{g[2]} {g[3]}")),
    )
    # the group echoed and said again with the next a word after: one span ("Sorry? [CARD], she says.")
    echoed = second.split("{c}")[0] + "[CARD]" + second.split("{cd}")[1]
    assert got == [first.format(a="[CARD]", ab="[CARD]"), echoed]


def test_a_number_said_again_with_more_after_it_is_no_card_where_no_card_is_made() -> None:
    text = "Room 4417? Yes, 4417 2, the second floor."
    assert redacted_finals(("customer", text)) == [text]


@pytest.mark.parametrize(
    "turns",
    [
        (
            "It starts {0}, sorry, my eyes are not what they were.",
            "Next is {1}. Hang on, the dog. Then {2}.",
            "Last {3}.",
        ),
        ("Начало {0}, простите, плохо вижу.", "Дальше {1}. Подождите, собака лает. Потом {2}.", "И конец {3}."),
        ("Спочатку {0}, вибачте, погано бачу.", "Далі {1}. Зачекайте, собака гавкає. Потім {2}.", "І кінець {3}."),
        (
            "Najpierw {0}, przepraszam, słabo widzę.",
            "Dalej {1}. Chwileczkę, pies szczeka. Potem {2}.",
            "I na koniec {3}.",
        ),
    ],
)
def test_a_card_read_one_group_at_a_time_over_finals_with_asides_is_all_card(turns: tuple[str, str, str]) -> None:
    g = _groups(VISA).split()
    got = redacted_finals(*(("customer", t.format(*g)) for t in turns))
    assert got == [t.format(*(["[CARD]"] * 4)) for t in turns]


def test_groups_over_finals_failing_the_check_stay() -> None:
    g = _groups(BROKEN).split()
    turns = (f"The gate is {g[0]}, I think.", f"Then {g[1]}. And {g[2]}.", f"And the last one {g[3]}.")
    assert redacted_finals(*(("customer", t) for t in turns)) == list(turns)


@pytest.mark.parametrize(
    ("lang", "joined"), [("en", "and then"), ("ru", "и дальше"), ("uk", "і далі"), ("pl", "i dalej")]
)
def test_a_card_read_digit_by_digit_in_two_runs_a_digit_heard_twice_is_card(lang: str, joined: str) -> None:
    heard = VISA[:8] + VISA[7] + VISA[8:]  # its eighth digit heard twice: 17 digits, failing the check
    assert not luhn(heard)
    text = f"{_words(heard[:8], lang)}, {joined} {_words(heard[8:], lang)}."
    # parts joined by "then" or "next" are one span, the words inside (tests/test_redact_spoken_forms.py,
    # tests/test_redact_read_out.py)
    assert masked(text) == "[CARD]."


def test_a_phone_read_digit_by_digit_in_two_runs_stays() -> None:
    text = "Call me on oh seven seven one two, and then three four five six seven eight."
    assert masked(text) == text


@pytest.mark.parametrize(
    "said", ["Booked for 15.03 at 16:30, can we move it?", "Запись на 15.03 в 16:30.", "Wizyta 15.03 o 16:30."]
)
def test_a_day_and_month_or_a_time_after_a_card_is_no_code(said: str) -> None:
    assert redacted_finals(("customer", f"{_groups(VISA)}."), ("customer", said)) == ["[CARD].", said]


@pytest.mark.parametrize(
    "said", ["We have 4 250 members now.", "Кредит 450 000 на два года.", "Маю 3 500 балів.", "Mam 12 500 punktów."]
)
def test_a_number_in_thousands_apart_after_a_card_is_no_code(said: str) -> None:
    assert redacted_finals(("customer", f"{_groups(VISA)}."), ("customer", said)) == ["[CARD].", said]


@pytest.mark.parametrize("code", ["4250", "4 2 5 0", "425"])
def test_a_code_after_a_card_written_as_one_number_or_digit_by_digit_is_still_one(code: str) -> None:
    assert redacted_finals(("customer", f"{_groups(VISA)}."), ("customer", f"{code}.")) == ["[CARD].", "[CVV]."]
