"""Issue 18, session 30 (match26): a span's length said as the hour it ends ("kończymy o pierwszej" for "o
jedenastej i trwają dwie godziny", "с одиннадцати утра до двух дня" for "в одиннадцать утра и длятся три
часа"), and a colloquial hundred going on with its tens ("stówka czterdzieści" for 140); an age not yet reached
said with a verb of reaching it ("кому не исполнилось", "które nie skończyły", "who haven't turned") is the lower
side, and "nie wcześniej" a bound. The sentences are this file's own, not the benchmark cases'."""

from __future__ import annotations

import pytest

from agentassist.assist.decide import Heard, Window, negated_anywhere
from agentassist.assist.matcher import tokens
from agentassist.assist.semantic import coverage
from agentassist.assist.specifics import changed, figures
from agentassist.events import Channel, Utterance

# (a line, a sentence heard, whether the sentence says one of the line's figures as another)
_SPANS = [
    # the length said as the hour it ends: the line's figures
    ("Tours start at 9 a.m. and last three hours.", "We go from 9 a.m. till 12 noon.", False),
    (
        "Tours start at nine in the morning and take two hours.",
        "We set off at nine in the morning, back by eleven a.m.",
        False,
    ),
    (
        "Zajęcia zaczynają się o dziewiątej i trwają trzy godziny.",
        "Startujemy o dziewiątej, kończymy o dwunastej.",
        False,
    ),
    ("Rejs rusza o czternastej i trwa dwie godziny.", "Płyniemy od czternastej do szesnastej.", False),
    ("Экскурсия начинается в десять утра и длится четыре часа.", "Гуляем с десяти утра до двух дня.", False),
    (
        "Экскурсия начинается в девять утра и длится три часа.",
        "Собираемся в девять утра, к двенадцати часам вернёмся.",
        False,
    ),
    (
        "Екскурсія починається о дев'ятій і триває дві години.",
        "Вирушаємо о дев'ятій, повертаємося до одинадцятої.",
        False,
    ),
    (
        "Майстер-клас починається о шістнадцятій і триває три години.",
        "Працюємо з шістнадцятої до дев'ятнадцятої.",
        False,
    ),
    # another end hour, another start: another figure
    ("Rejs rusza o czternastej i trwa dwie godziny.", "Płyniemy od czternastej do siedemnastej.", True),
    (
        "Zajęcia zaczynają się o dziewiątej i trwają trzy godziny.",
        "Startujemy o dziesiątej, kończymy o dwunastej.",
        True,
    ),
    ("Экскурсия начинается в десять утра и длится четыре часа.", "Гуляем с десяти утра до трёх дня.", True),
    ("Майстер-клас починається о шістнадцятій і триває три години.", "Працюємо з шістнадцятої до вісімнадцятої.", True),
    ("Tours start at 9 a.m. and last three hours.", "We go from 9 a.m. till 1 p.m.", True),
    # a line with two clock hours has no one span to end
    (
        "We open at nine and close at five, lunch takes an hour.",
        "We open at nine and close at ten.",
        True,
    ),
]


@pytest.mark.parametrize(("line", "heard", "changed_"), _SPANS)
def test_a_length_said_as_the_hour_it_ends_keeps_its_figure(line: str, heard: str, changed_: bool) -> None:
    assert changed(tokens(line), tokens(heard)) is changed_


def test_two_days_alone_stay_a_period() -> None:
    # "до двух дня" closes a span from a clock hour; "два дня" alone are two days
    assert figures(tokens("Доставка займёт два дня.")).lengths() == {2 * 1440}
    assert figures(tokens("Мы работаем с девяти утра до двух дня.")).lengths() == frozenset()


# (a line, a sentence heard, whether the sentence changes the line's price)
_HUNDREDS = [
    ("Wstęp kosztuje sto dwadzieścia złotych od osoby.", "Stówka dwadzieścia od głowy.", False),
    ("Wstęp kosztuje dwieście pięćdziesiąt złotych.", "Dwie stówy pięćdziesiąt za wstęp.", False),
    ("Вход стоит две тысячи пятьсот рублей.", "Две тыщи пятьсот за вход.", False),
    ("Вхід коштує сто п'ятдесят гривень.", "Сотня п'ятдесят за вхід.", False),
    ("Entry costs one hundred and twenty pounds.", "A grand for entry.", True),
    # another price said the colloquial way
    ("Wstęp kosztuje sto dwadzieścia złotych od osoby.", "Stówka trzydzieści od głowy.", True),
    ("Вход стоит две тысячи пятьсот рублей.", "Две тыщи триста за вход.", True),
]


@pytest.mark.parametrize(("line", "heard", "changed_"), _HUNDREDS)
def test_a_colloquial_hundred_goes_on_with_its_tens(line: str, heard: str, changed_: bool) -> None:
    assert changed(tokens(line), tokens(heard)) is changed_


def _window(text: str) -> Window:
    return Heard(Utterance("u1", "c1", Channel.AGENT, 0.0, 3.0, text), None, None).lexical[0]


@pytest.mark.parametrize(
    ("line", "heard", "negated"),
    [
        # an age not reached, said with the verb of reaching it: the lower side
        (
            "Дети младше двенадцати лет катаются только со взрослым.",
            "Ребёнок, которому ещё не исполнилось двенадцать, катается только со взрослым.",
            False,
        ),
        (
            "Діти до десяти років катаються лише з інструктором.",
            "Дитина, якій не виповнилося десять, катається лише з інструктором.",
            False,
        ),
        (
            "Dzieci poniżej dwunastu lat pływają wyłącznie z opiekunem.",
            "Dzieci, które nie skończyły dwunastu lat, pływają wyłącznie z opiekunem.",
            False,
        ),
        (
            "Dzieci poniżej siedmiu lat jeżdżą tylko z rodzicem.",
            "Maluchy, które nie mają jeszcze siedmiu lat, jeżdżą tylko z rodzicem.",
            False,
        ),
        (
            "Children under twelve ride only with an adult.",
            "Kids who haven't turned twelve ride only with an adult.",
            False,
        ),
        # "not earlier": a bound restating "from"
        (
            "Kajaki wypożyczamy wyłącznie osobom od czternastu lat.",
            "Kajaki wypożyczamy osobom od czternastu lat, nie wcześniej.",
            False,
        ),
        # the verb of reaching denied with no number after it, or another verb: still a denial
        (
            "Dzieci poniżej dwunastu lat pływają wyłącznie z opiekunem.",
            "Dzieci poniżej dwunastu lat nie pływają wyłącznie z opiekunem.",
            True,
        ),
        (
            "Діти до десяти років катаються лише з інструктором.",
            "Діти до десяти років не катаються лише з інструктором.",
            True,
        ),
    ],
)
def test_an_age_not_yet_reached_is_the_lower_side(line: str, heard: str, negated: bool) -> None:
    want, window = tokens(line), _window(heard)
    cov = coverage(want, window.tokens, frozenset(), window.clauses)
    assert (cov.negated or negated_anywhere(want, window, cov)) is negated


def test_a_colloquial_thousand_and_a_count_after_it_stay_apart() -> None:
    # "пятнадцать тыщ, два метра": fifteen thousand and two metres, not 15002
    assert figures(tokens("Базовая установка пятнадцать тыщ, два метра кабеля уже в цене.")).numbers == {15000, 2}
    line = tokens("Базовая установка стоит пятнадцать тысяч рублей, два метра кабеля входят в цену.")
    assert not changed(line, tokens("Базовая установка пятнадцать тыщ, два метра кабеля уже в цене."))
