"""Issue 18: a price said with a bare thousand ("тысяча пятьсот", "tysiąc pięćset", "a thousand five hundred")
is one number, as is one said with a half ("півтори тисячі", "półtora tysiąca") or in hundreds ("fifteen
hundred", "two hundred and fifty"). Read word by word, "тысяча пятьсот" was 500, and a line's "полторы
тысячи" said so was another figure. The sentences are this file's own, not the benchmark cases'."""

from __future__ import annotations

import pytest

from agentassist.assist.matcher import tokens
from agentassist.assist.numbers import words_to_digits
from agentassist.assist.specifics import changed, figures


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("Проживание стоит тысяча пятьсот рублей в сутки.", 1500),
        ("Доставка обойдётся в тысячу двести рублей.", 1200),
        ("Оренда човна коштує тисяча п'ятсот гривень.", 1500),
        ("За екскурсію платите тисячу вісімсот гривень.", 1800),
        ("Wypożyczenie kosztuje tysiąc pięćset złotych.", 1500),
        ("The deposit is a thousand five hundred pounds.", 1500),
        ("The deposit is fifteen hundred pounds.", 1500),
        ("The deposit is two hundred and fifty pounds.", 250),
        ("The deposit is a hundred and twenty pounds.", 120),
        ("Залог — 3 тысячи рублей.", 3000),
        # a thousand with a half
        ("Курс коштує півтори тисячі гривень.", 1500),
        ("Kurs kosztuje półtora tysiąca złotych.", 1500),
        ("Курс стоит полторы тысячи рублей.", 1500),
        ("It comes to three and a half thousand.", 3500),
    ],
)
def test_a_thousand_said_in_words_is_one_number_with_what_follows(text: str, number: int) -> None:
    assert set(figures(tokens(text)).numbers) == {number}


def test_words_that_only_look_like_numbers_stay_words() -> None:
    assert words_to_digits(["rock", "and", "roll"]) == ["rock", "and", "roll"]
    assert words_to_digits(["one", "and", "two"]) == ["1", "and", "2"]
    assert words_to_digits(["a", "hundred", "percent"]) == ["a", "100", "percent"]
    assert words_to_digits(["hundreds", "of", "people"]) == ["hundreds", "of", "people"]


@pytest.mark.parametrize(
    ("line", "heard", "expected"),
    [
        # the same price said with a bare thousand or a half: nothing changed
        ("Залог составляет полторы тысячи рублей.", "Залог — тысяча пятьсот рублей.", False),
        ("Застава становить півтори тисячі гривень.", "Застава — тисяча п'ятсот гривень.", False),
        ("Kaucja wynosi półtora tysiąca złotych.", "Kaucja to tysiąc pięćset złotych.", False),
        ("The deposit is one thousand five hundred pounds.", "The deposit is fifteen hundred pounds.", False),
        # another price: changed (it was read as 500 beside 500 before)
        ("Залог составляет пятьсот рублей.", "Залог — тысяча пятьсот рублей.", True),
        ("Kaucja wynosi pięćset złotych.", "Kaucja to tysiąc pięćset złotych.", True),
    ],
)
def test_a_price_said_with_a_bare_thousand_agrees_with_the_same_price(line: str, heard: str, expected: bool) -> None:
    assert changed(tokens(line), tokens(heard)) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a comma or a stop between number words ends the number
        ("The limo is four hundred, three hours, flowers included.", ["400", "3", "hours"]),
        ("Стоимость восемьсот, два часа работы.", ["800", "2", "часа"]),
        # a thousand goes on past its comma, a digit group's comma stays in the number's place
        ("Razem dwa tysiące, pięćset złotych.", ["2500"]),
        ("It is 2,400 pounds.", ["2", "400"]),
    ],
)
def test_a_comma_between_number_words_ends_the_number(text: str, expected: list[str]) -> None:
    got = [t for t in tokens(text) if t.isdigit() or t in expected]
    assert got == expected
