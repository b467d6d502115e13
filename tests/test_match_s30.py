"""Issue 18, session 30 (match25): a compliance line's pair of things said as two other things joined in their
place ("сумки и рюкзаки заносить нельзя" for "кисти и краски выносить нельзя"): the rule's frame about other
things, which the embedding puts as near the line as a paraphrase. The sentences are this file's own, not the
benchmark cases'."""

from __future__ import annotations

import pytest

from agentassist.assist.matcher import tokens
from agentassist.assist.negation import clause_starts
from agentassist.assist.slots import other_pair
from agentassist.assist.specifics import changed, missing

# (a line, a sentence heard, whether it is the line's frame about another pair)
_PAIRS = [
    # two other things joined where the line's two were
    (
        "Glass bottles and cans may not be taken onto the pier.",
        "Dogs and bicycles may not be taken onto the pier.",
        True,
    ),
    ("Ножи и ножницы в салон проносить нельзя.", "Зонты и коляски в салон проносить нельзя.", True),
    ("Фарби та пензлі з майстерні виносити не можна.", "Куртки й сумки до майстерні заносити не можна.", True),
    ("Telefonów i aparatów nie wolno wnosić na salę.", "Napojów oraz lodów nie wolno wnosić na salę.", True),
    ("Please keep coats or umbrellas in the lockers.", "Please keep prams or scooters in the lockers.", True),
    # the line said: one of the pair heard, the pair said as one word, a short word with another ending
    ("Glass bottles and cans may not be taken onto the pier.", "No glass and no cans on the pier, please.", False),
    ("Ножи и ножницы в салон проносить нельзя.", "Ничего острого в салон проносить нельзя.", False),
    ("Їжу та напої до зали не приносимо.", "Їжі й напоїв у залі не має бути.", False),
    ("Еду и напитки в зал не приносите.", "Еды и воды в зале быть не должно.", False),
    ("Telefonów i aparatów nie wolno wnosić na salę.", "Na salę nie wnosimy telefonu ani aparatu.", False),
    # the line said with another pair that is not in its place: one of its own heard
    (
        "Bags and backpacks stay in the cloakroom.",
        "Coats and hats can go anywhere, but bags stay in the cloakroom.",
        False,
    ),
    # a line with no pair, a sentence with no pair
    ("Smoking is not allowed anywhere on site.", "Dogs and cats are not allowed on site.", False),
    ("Ножи и ножницы в салон проносить нельзя.", "Зонты в салон проносить нельзя.", False),
]


@pytest.mark.parametrize(("line", "heard", "other"), _PAIRS)
def test_a_pair_said_as_two_other_things_is_another_frame(line: str, heard: str, other: bool) -> None:
    assert other_pair(tokens(line), tokens(heard)) is other


# (a line, a sentence heard, whether the sentence changes a figure of the line): a period said in quarters ("three
# quarters of an hour", "trzy kwadranse"), as "N and a half" before its unit, or as a period and a half hour added;
# an hour of the clock said with another placing word or none ("seven till ten" for "from seven to ten"), or on
# the 24-hour dial for "о третій годині дня"; a price list said in hundreds ("вісім сотень, дитячий п'ять")
_FIGURES = [
    ("The tour lasts forty-five minutes.", "The tour takes three quarters of an hour.", False),
    ("The tour lasts thirty minutes.", "The tour takes three quarters of an hour.", True),
    ("Экскурсия идёт сорок пять минут.", "Экскурсия идёт три четверти часа.", False),
    ("Екскурсія триває сорок п'ять хвилин.", "Екскурсія триває три чверті години.", False),
    ("Wycieczka trwa czterdzieści pięć minut.", "Wycieczka trwa trzy kwadranse.", False),
    ("Wycieczka trwa pół godziny.", "Wycieczka trwa trzy kwadranse.", True),
    ("Rejs trwa dwie i pół godziny.", "Rejs trwa dwie godziny i jeszcze pół godziny.", False),
    ("Рейс триває дві з половиною години.", "Рейс триває дві години і ще півгодини.", False),
    ("Рейс длится два с половиной часа.", "Рейс длится два часа и ещё полчаса.", False),
    ("Рейс длится три часа.", "Рейс длится два с половиной часа.", True),
    ("The cruise takes two and a half hours.", "The cruise takes two hours.", True),
    ("Classes are on Tuesdays from seven to ten.", "Tuesday nights, seven till ten.", False),
    ("Classes are on Tuesdays from seven to ten.", "Tuesday nights, eight till ten.", True),
    ("Прийом о третій годині дня.", "Прийом о п'ятнадцятій.", False),
    ("Прийом о третій годині дня.", "Прийом о шістнадцятій.", True),
    ("Прийом о другій годині дня, триває годину.", "Прийом о чотирнадцятій, на годину.", False),
    # a price list said in hundreds, the second price's hundred left unnamed
    ("Взрослый билет стоит восемьсот рублей, детский пятьсот рублей.", "Взрослый восемь сотен, детский пять.", False),
    ("Дорослий квиток коштує триста гривень, дитячий двісті гривень.", "Дорослий три сотні, дитячий дві.", False),
    ("Bilet normalny kosztuje trzysta złotych, ulgowy dwieście złotych.", "Normalny trzy stówy, ulgowy dwie.", False),
    ("Bilet normalny kosztuje trzysta złotych, ulgowy dwieście złotych.", "Normalny trzy stówy, ulgowy cztery.", True),
    ("Bilet normalny kosztuje trzysta złotych, ulgowy dwieście złotych.", "Normalny trzysta, ulgowy dwa.", True),
]


@pytest.mark.parametrize(("line", "heard", "changed_"), _FIGURES)
def test_a_period_or_an_hour_said_in_other_units_keeps_its_figure(line: str, heard: str, changed_: bool) -> None:
    assert changed(tokens(line), tokens(heard)) is changed_
    if not changed_:
        assert missing(tokens(line), tokens(heard)) == []


# (a line, a sentence heard): "and" after a comma joins two clauses, not two things: no pair on either side
_CLAUSES = [
    (
        "Guests register at reception, and children stay with parents.",
        "Visitors sign in downstairs, and pets stay outside.",
    ),
    (
        "Гости регистрируются на ресепшене, и дети остаются с родителями.",
        "Гости отмечаются внизу, и собаки остаются снаружи.",
    ),
    (
        "Гості реєструються на рецепції, і діти лишаються з батьками.",
        "Гості відмічаються внизу, і собаки лишаються надворі.",
    ),
    (
        "Goście meldują się w recepcji, i dzieci zostają z rodzicami.",
        "Goście wpisują się na dole, i psy zostają na zewnątrz.",
    ),
]


@pytest.mark.parametrize(("line", "heard"), _CLAUSES)
def test_and_between_two_clauses_joins_no_pair(line: str, heard: str) -> None:
    assert not other_pair(tokens(line), tokens(heard), frozenset(), clause_starts(line), clause_starts(heard))
