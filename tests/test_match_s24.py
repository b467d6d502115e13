"""Issue 18, session 24: clock hours and periods said the ways agents and the recognizer say them (an hour past the
twentieth in two words, the half hour named by the next hour, a quarter of an hour, a decimal, a price before a
unit), a clock hour heard in another form counted as the line's word, and a negation that restates a minimum or a
condition. The sentences are this file's own, not the benchmark cases'."""

from __future__ import annotations

import pytest

from agentassist.assist.decide import Heard, Window, negated_anywhere
from agentassist.assist.matcher import tokens
from agentassist.assist.negation import clause_starts
from agentassist.assist.semantic import coverage
from agentassist.assist.specifics import changed, figures
from agentassist.events import Channel, Utterance


def _window(text: str) -> Window:
    return Heard(Utterance("u1", "c1", Channel.AGENT, 0.0, 3.0, text), None, None).lexical[0]


@pytest.mark.parametrize(
    ("text", "hours", "periods"),
    [
        # an hour past the twentieth in two words: the clock's, not a period of twenty hours
        ("Басейн відкритий до двадцять другої години.", {10}, set()),
        ("Sklep czynny do dwudziestej trzeciej.", {11}, set()),
        # the half hour, named by the hour it leads to
        ("Zbiórka o wpół do ósmej.", {7}, set()),
        ("Екскурсія о пів на дев'яту.", {8}, set()),
        ("Приходьте на восьму вечора.", {8}, set()),
        ("Кабінет на восьму поверсі.", set(), set()),
        ("Встречаемся в половине четвертого.", {3}, set()),
        # a quarter of an hour is fifteen minutes
        ("Прийдіть за чверть години до початку.", set(), {(15, None)}),
        ("Будьте за четверть часа до сеанса.", set(), {(15, None)}),
        ("Proszę być kwadrans wcześniej.", set(), {(15, None)}),
        # a decimal before a unit is that many units
        ("Заняття триває 2,5 години.", set(), {(150, None)}),
        ("The flight lasts 1.5 hours.", set(), {(90, None)}),
    ],
)
def test_clock_hours_and_periods(text: str, hours: set[int], periods: set[tuple[float, int | None]]) -> None:
    got = figures(tokens(text))
    assert (set(got.hours), set(got.periods)) == (hours, periods)


def test_a_price_before_a_unit_is_no_period() -> None:
    # "сто гривень доба": a hundred hryvnias for a day, not a hundred days
    assert figures(tokens("Оренда човна: сто гривень, доба — шістсот.")).periods == frozenset()


@pytest.mark.parametrize(
    ("line", "heard", "expected"),
    [
        ("Каток работает до половины десятого.", "Каток работает до девяти тридцати.", False),
        ("Zajęcia zaczynamy o wpół do siódmej.", "Zajęcia zaczynamy o osiemnastej trzydzieści.", False),
        ("Zajęcia zaczynamy o wpół do siódmej.", "Zajęcia zaczynamy o siódmej.", True),
        ("Запізнення на п'ятнадцять хвилин скасовує запис.", "Запізнення на чверть години скасовує запис.", False),
        ("Запізнення на п'ятнадцять хвилин скасовує запис.", "Запізнення на пів години скасовує запис.", True),
        ("Політ триває півтори години.", "Політ триває 1,5 години.", False),
        ("Політ триває півтори години.", "Політ триває 2,5 години.", True),
        # a day of the month said as another ordinal, or as the same in digits or in two words
        ("Rachunek opłacamy do piętnastego dnia miesiąca.", "Rachunek opłacamy do piątego dnia miesiąca.", True),
        ("Рахунок треба сплатити до двадцять п'ятого числа.", "Рахунок треба сплатити до двадцятого числа.", True),
        ("Счёт нужно оплатить до пятнадцатого числа.", "Счёт нужно оплатить до 15 числа.", False),
        ("The rent is due by the twenty-fifth.", "The rent is due by the 25th.", False),
        # one o'clock said without its number, beside a line's eleven at night
        ("Бар закрывается в двадцать три ноль-ноль.", "Бар закрывается в час ночи.", True),
        ("Бар закрывается в час ночи.", "Бар у нас закрывается в час ночи.", False),
    ],
)
def test_the_same_figure_said_another_way(line: str, heard: str, expected: bool) -> None:
    assert changed(tokens(line), tokens(heard)) is expected


def test_a_decimal_keeps_the_clauses_in_step_with_the_tokens() -> None:
    text = "Маршрут 2,5 кілометра, потім привал."
    assert tokens(text)[1] == "2.5"
    assert clause_starts(text) == (3, 5)
    assert tokens("Це коштує 1,5 тисячі гривень.") == ["це", "коштує", "1500", "гривень"]


@pytest.mark.parametrize(
    ("line", "heard", "share"),
    [
        # the line's ordinal hours heard in digits, as the recognizer writes them
        # (the twenty-second hour's two words, heard as one hour: both heard)
        ("Сауна працює з дев'ятої до двадцять другої.", "Сауна працює з 9:00 до 22:00.", 1.0),
        ("Сауна працює з дев'ятої до двадцять другої.", "Сауна працює з дев'ятої до десятої вечора.", 1.0),
        # an accusative hour after "на" with its part of the day
        ("Запис є на вівторок о сімнадцятій.", "Є вівторок, на п'яту вечора.", 2 / 3),
        ("Запис є на вівторок о сімнадцятій.", "Є вівторок, на п'яту.", 1 / 3),
        # and its cardinal span heard as ordinals
        ("Прием с девяти до восемнадцати.", "Прием з дев'ятої до шостої.", 1.0),
        # another hour is not the line's
        ("Прием с девяти до восемнадцати.", "Прием з дев'ятої до сьомої.", 0.5),
    ],
)
def test_a_clock_hour_said_another_way_is_a_word_heard(line: str, heard: str, share: float) -> None:
    assert coverage(tokens(line), tokens(heard)).content == pytest.approx(share)


@pytest.mark.parametrize(
    ("line", "heard", "negated"),
    [
        # the negation denies those under the line's minimum: the minimum said again
        ("Do sauny wpuszczamy tylko osoby od szesnastu lat.", "Młodszych niż szesnaście lat nie wpuszczamy.", False),
        ("На батут пускаємо дітей лише від п'яти років.", "Якщо дитині менше п'яти, на батут ми її не пустимо.", False),
        ("Столик бронируем минимум на два часа.", "Меньше чем на два часа столик не бронируем.", False),
        # a line that says the lower side itself is denied by it
        ("Children under five ride for free.", "Children under five don't ride for free.", True),
        # a condition said with "who" or "otherwise" after the negation
        ("Bring the signed form to the lesson.", "Whoever doesn't bring the signed form stays out.", False),
        ("You must bring the signed form.", "We can't start otherwise, so bring the signed form.", False),
        # a plain denial is still one
        ("На батут пускаємо дітей лише від п'яти років.", "На батут ми дітей не пускаємо.", True),
    ],
)
def test_a_negation_that_restates_the_line(line: str, heard: str, negated: bool) -> None:
    want, window = tokens(line), _window(heard)
    cov = coverage(want, window.tokens, frozenset(), window.clauses)
    assert (cov.negated or negated_anywhere(want, window, cov)) is negated


def test_a_rate_per_hour_is_no_clock_time() -> None:
    assert figures(tokens("Прокат стоит двести рублей в час.")).hours == frozenset()
