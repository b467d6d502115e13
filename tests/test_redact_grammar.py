"""Card data in forms the detector missed in session 17's sixth blind set (issue 19): a digit's name after
"double" or "triple" in Polish, Russian and Ukrainian, in any case and gender; Whisper's homophones of digits
in an English card said digit by digit; a Maestro's 19 digits; and a case's number at an office, which is no
card. Sentences of our own, not the benchmark's cases."""

from __future__ import annotations

import pytest

from agentassist.privacy.detect import find_spans, mask
from agentassist.privacy.redactor import Redactor
from agentassist.privacy.said import items


def masked(text: str) -> str:
    return mask(text, find_spans(text))


@pytest.mark.parametrize(
    ("said", "digits"),
    [
        ("podwójną ósemkę i potrójne zero", ["8", "8", "0", "0", "0"]),  # the accusative, then a neuter
        ("potrójnej jedynki", ["1", "1", "1"]),  # the genitive
        ("двойная семёрка", ["7", "7"]),
        ("тройную девятку", ["9", "9", "9"]),
        ("подвійну п'ятірку", ["5", "5"]),
        ("потрійна двійка", ["2", "2", "2"]),
        ("trzy ósemki, pięć", ["8", "8", "8", "5"]),  # how many times, as before
        ("podwójny pokój, podwójna stawka", []),  # a double room, a double rate: no digit follows
        ("двойной тариф", []),
    ],
)
def test_a_digit_s_noun_after_double_or_triple_is_read_in_every_form(said: str, digits: list[str]) -> None:
    assert [i.digits for i in items(said)] == digits


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        # 4588 3720 0146 9928, said digit by digit with its eights doubled (Luhn-valid)
        (
            "cztery pięć podwójną ósemkę trzy siedem dwa zero zero jeden cztery sześć dziewięć dziewięć dwa osiem",
            "[CARD]",
        ),
        ("четыре пять двойная восьмёрка три семь два ноль ноль один четыре шесть девять девять два восемь", "[CARD]"),
        ("Kod z tyłu: potrójna siódemka.", "Kod z tyłu: [CVV]."),
        ("Код на звороті: подвійна сімка, три.", "Код на звороті: [CVV]."),
        ("Код на обороте: двойная девятка один.", "Код на обороте: [CVV]."),
    ],
)
def test_card_data_said_with_a_doubled_digit_s_noun_is_masked_whole(said: str, expected: str) -> None:
    assert masked(said) == expected


def test_a_code_with_a_doubled_digit_after_a_card_is_masked_whole() -> None:
    r = Redactor()
    r.final("c1", "customer", "Karta 4588 3720 0146 9928, ważna do 05/29.", 0.0, 4.0)
    said = "Z tyłu: podwójna szóstka dwa."
    assert mask(said, r.final("c2", "customer", said, 5.0, 7.0)["c2"]) == "Z tyłu: [CVV]."


@pytest.mark.parametrize(
    "said",
    [
        "four five ate ate three seven to zero zero one for six nine nine to eight",  # Luhn-valid
        "four five ate ate three seven to zero zero one for six nine nine to nine",  # one digit misheard
        "four five ate ate three seven to oh oh one for six nine nine to eight",  # "oh" beside a "to" read as two
    ],
)
def test_digit_homophones_in_an_english_card_said_digit_by_digit_are_digits(said: str) -> None:
    assert masked(said) == "[CARD]"
    assert masked("My card is " + said) == "My card is [CARD]"


def test_a_homophone_at_either_end_of_a_card_said_digit_by_digit_is_a_word() -> None:
    # Polish "to" (it is) before a card: 4588 3720 0146 9928, not a 2 before it
    said = "Numer karty to cztery pięć osiem osiem trzy siedem dwa zero zero jeden cztery sześć dziewięć"
    said += " dziewięć dwa osiem"
    assert "".join(i.digits for i in items(said)) == "4588372001469928"
    assert masked(said) == "Numer karty to [CARD]"
    said = "I'll read it for you: five three six two one four nine zero zero seven three eight five four one eight"
    assert masked(said) == "I'll read it for you: [CARD]"


@pytest.mark.parametrize(
    "said",
    [
        "I work from nine to five for two days a week",
        "A table for two at seven thirty, to four people",
        "Room for two, then to three one four and two for one deals",
    ],
)
def test_for_and_to_among_a_few_numbers_stay_words(said: str) -> None:
    assert masked(said) == said


def test_a_maestro_s_nineteen_digits_are_one_card_number() -> None:
    # 6761 5075 2917 0342 passes the Luhn check too: the Maestro range issues 19 digits, no code follows
    assert masked("Maestro 6761 5075 2917 0342 361") == "Maestro [CARD]"
    # elsewhere a 16-digit card first: three digits after it that pass with it by chance are its code
    assert masked("4729 0222 7918 0588 877") == "[CARD] [CVV]"


@pytest.mark.parametrize(
    "said",
    [
        "Numer sprawy to 4916 2083 5517 0244.",  # 16 digits beginning as a Visa does, failing the check
        "Sygnatura akt 4916 2083 5517 0244.",
        "Номер дела 4916 2083 5517 0244.",
        "Номер справи 4916 2083 5517 0244.",
        "The case number is 4916 2083 5517 0244.",
    ],
)
def test_a_case_number_is_no_card(said: str) -> None:
    assert masked(said) == said


def test_a_card_said_about_a_matter_is_masked() -> None:
    # "w sprawie" is "about": no case number named
    assert masked("Dzwonię w sprawie karty: 4588 3720 0146 9928.") == "Dzwonię w sprawie karty: [CARD]."
