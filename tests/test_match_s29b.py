"""Issue 18, session 29 (match23): more of a compliance line's ban or duty left to the customer. Leave with the
banned thing before it ("Коробки можете открыть" for "Коробки не вскрывайте"), against a line whose own "may"
is bound ("Guests may not bring", "Nobody who drives may drink"), and an "only" said as not needed ("opiekun nie
jest potrzebny" for "tylko z opiekunem"); "under sixteen may" is no date in May; "nothing but" said as "only";
"nic nie kosztuje" says "free"; "a tenner" and "siedmiolatki" are numbers. The sentences are this file's own, not
the benchmark cases'."""

from __future__ import annotations

import pytest

from agentassist.assist.matcher import tokens
from agentassist.assist.specifics import missing
from tests.test_match_s25 import _negated
from tests.test_match_s28 import _reversed

# (a line, a sentence heard, whether it is the line reversed)
_LEAVE = [
    # the thing the line bans, then leave
    ("Коробки с мебелью не вскрывайте до приезда сборщика.", "Коробки с мебелью можете вскрыть сразу.", True),
    ("Кошиків на лотку не чіпайте без продавця.", "Кошики на лотку можна брати самим.", True),
    ("Telefonów na sali nie wolno używać.", "Telefony na sali można mieć przy sobie i dzwonić.", True),
    ("The tent poles must not be bent.", "The tent poles can bend a bit, that's fine.", True),
    # a line whose "may" or "can" is bound by its own negation or "nobody"
    ("Guests may not bring glass bottles onto the beach.", "Glass bottles can come onto the beach with you.", True),
    ("Nobody under sixteen may drive the boat.", "Teenagers can drive the boat if they like.", True),
    ("We can't store bikes in the hallway.", "We can store your bike in the hallway.", True),
    # an "only" said as not needed
    ("На корт выходят только в теннисной обуви.", "Теннисная обувь на корте не нужна.", True),
    ("Dzieci wchodzą na basen tylko z opiekunem.", "Opiekun na basenie nie jest potrzebny.", True),
    ("До басейну діти заходять тільки з дорослим.", "Дорослого в басейн брати не треба.", True),
    ("Only staff can open the gate.", "You don't need staff to open the gate.", True),
    # the line said: leave bound by a condition, a purpose, a "nobody", a negation; leave in another clause of
    # the line's; a need denied that restates a ban; a line that gives leave itself
    ("Please back up your photos first.", "Back up your photos first if you can.", False),
    ("Nobody with a cold, a cough or a fever may visit.", "Nobody with a cold, a cough or a fever may visit.", False),
    ("Коробки не вскрывайте до приезда сборщика.", "Коробки нельзя вскрывать, сборщик сам откроет.", False),
    (
        "Ваш счёт закрыт, платежи по нему не пройдут.",
        "Счёт закрыт, платежи по нему не пройдут, а новый счёт можно завести онлайн.",
        False,
    ),
    ("На лавку садиться нельзя до вечера.", "До вечера садиться на лавку не надо.", False),
    ("Na kort wchodzimy tylko w butach sportowych.", "Buty sportowe są potrzebne, w innych nie wpuścimy.", False),
    ("Купатися можна з дванадцяти років.", "З дванадцяти років можна купатися.", False),
]


@pytest.mark.parametrize(("line", "heard", "reversed_"), _LEAVE)
def test_leave_or_no_need_against_a_ban_duty_or_only_reverses_the_line(line: str, heard: str, reversed_: bool) -> None:
    assert _reversed(line, heard) is reversed_


# (a line, a sentence heard, the line's figures it does not say): "may" after an age's number is the modal, not
# May; colloquial money ("a tenner", "по полсотни") and an age said as one word ("siedmiolatki") are numbers
_FIGURES = [
    ("Nobody under sixteen may steer the boat.", "You have to be sixteen or over to steer the boat.", []),
    ("Children over twelve may swim alone.", "From twelve up, children swim on their own.", []),
    ("Tickets are valid until 30 May.", "Tickets are valid until 30 June.", ["month 5"]),
    ("Bilety są ważne do 30 maja.", "Bilety są ważne do 30 czerwca.", ["month 5"]),
    ("Each car is charged ten pounds.", "It's a tenner a car.", []),
    ("Each car is charged ten pounds.", "It's a fiver a car.", ["10"]),
    ("Каждый тюльпан стоит пятьдесят рублей.", "За тюльпан по полсотни.", []),
    ("Кожен тюльпан коштує п'ятдесят гривень.", "За тюльпан півсотні.", []),
    ("Za dziecko płaci się sto złotych.", "Za dziecko stówka.", []),
    # an age said as one word is its number: said, or said as another
    ("Children under ten must hold an adult's hand.", "Under-tens hold an adult's hand.", []),
    ("Na ściankę wchodzą dzieci od siedmiu lat.", "Na ściankę wchodzą siedmiolatki i starsze.", []),
    ("Na ściankę wchodzą dzieci od siedmiu lat.", "Na ściankę wchodzą pięciolatki i starsze.", ["7 (3.6288e+06 min)"]),
    ("Детей до семи лет на горку не пускаем.", "Семилеток и младше на горку не пускаем.", []),
    ("Дітей до семи років на гірку не пускаємо.", "Семирічок і молодших на гірку не пускаємо.", []),
]


@pytest.mark.parametrize(("line", "heard", "unsaid"), _FIGURES)
def test_an_age_s_may_and_colloquial_money(line: str, heard: str, unsaid: list[str]) -> None:
    assert missing(tokens(line), tokens(heard)) == unsaid


# (a line, a sentence heard, whether the meaning path reads it as the line denied): "nothing but" said as "only"
# keeps the line's negation; the price's own verb denied ("nic nie kosztuje") says a line's "free"
_KEPT = [
    ("We accept nothing except cash at the gate.", "At the gate we take only cash.", False),
    ("Kaczek nie karmimy niczym poza ziarnem.", "Kaczki karmimy tylko ziarnem.", False),
    ("Уток не кормим ничем, кроме зерна.", "Уток кормим только зерном.", False),
    ("Качок не годуємо нічим, крім зерна.", "Качок годуємо лише зерном.", False),
    ("Parking is free for all visitors.", "Parking doesn't cost anything.", False),
    ("Parking dla gości jest bezpłatny.", "Parking dla gości nic nie kosztuje.", False),
    ("Парковка для гостей бесплатная.", "Парковка для гостей ничего не стоит.", False),
    ("Паркування для гостей безкоштовне.", "Паркування для гостей нічого не коштує.", False),
    # without the "only" the negation is still missing; a line that charges is denied by "costs nothing"
    ("Kaczek nie karmimy niczym poza ziarnem.", "Kaczki karmimy ziarnem i chlebem.", True),
    ("Parking dla gości kosztuje dziesięć złotych.", "Parking dla gości nic nie kosztuje.", True),
]


@pytest.mark.parametrize(("line", "heard", "negated"), _KEPT)
def test_nothing_but_said_as_only_and_costs_nothing_said_as_free(line: str, heard: str, negated: bool) -> None:
    assert _negated(line, heard) is negated
