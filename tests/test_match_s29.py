"""Issue 18, session 29 (match22): a compliance line's duty or ban left to the customer ("по желанию", "you're
welcome to", "no need to", "can" against "nobody may") is the line reversed; its topic handed to a document or
a person ("it's all in the terms", "the office will go through it") is deferred, not said. The sentences are
this file's own, not the benchmark cases'."""

from __future__ import annotations

import pytest

from agentassist.assist.deadline import deferred, point_unheard
from agentassist.assist.matcher import tokens
from tests.test_match_s28 import _reversed

# (a line, a sentence heard, whether it is the line reversed)
_OPTIONS = [
    # an option word, "don't have to", leave that shares the line's words
    ("Everyone must wear a life vest on the boat.", "Life vests are optional on the boat.", True),
    ("Everyone must wear a life vest on the boat.", "You don't have to wear a life vest on the boat.", True),
    ("Nobody may feed the goats.", "You're welcome to feed the goats.", True),
    ("Everyone must wear a life vest on the boat.", "No need to wear a vest, feel free to swim.", True),
    ("Nobody may feed the goats.", "The kids are free to feed the goats.", True),
    ("Nobody may feed the goats.", "The children can feed the goats by hand.", True),
    ("Kask jest obowiązkowy na torze.", "Kask na torze jest opcjonalny.", True),
    ("Na torze nie wolno jeść.", "Na torze można jeść, ile kto chce.", True),
    ("Шлем на трассе обязательно надевать.", "Шлем на трассе по желанию.", True),
    ("На трассе есть запрещено.", "Если поедите на трассе, ничего страшного.", True),
    ("Шолом на трасі обов'язковий.", "Шолом на трасі за бажанням.", True),
    ("Кіз годувати заборонено.", "Кіз можете годувати з рук.", True),
    # the line said in other words: its negation, its "only", a purpose, a line that gives leave itself
    ("Nobody may feed the goats.", "Nobody can feed the goats, please.", False),
    ("Nobody may feed the goats.", "The goats can only be fed by the keeper.", False),
    ("Please cancel a day ahead if you cannot come.", "Tell us a day ahead so we can cancel it.", False),
    ("Кіз годувати заборонено.", "Кіз не можна годувати.", False),
    ("Na ściankę można wchodzić od dziesięciu lat.", "Od dziesięciu lat można wchodzić na ściankę.", False),
    ("Na ściankę nie wolno wchodzić samemu.", "Na ściankę można wejść, tylko z instruktorem.", False),
    # a line that binds nothing is not reversed by leave
    ("The goats are fed at noon.", "You can feed the goats at noon.", False),
    ("The goats are fed at noon.", "Entry is free to all, the goats are fed at noon.", False),
]


@pytest.mark.parametrize(("line", "heard", "reversed_"), _OPTIONS)
def test_a_duty_or_ban_left_to_the_customer_reverses_the_line(line: str, heard: str, reversed_: bool) -> None:
    assert _reversed(line, heard) is reversed_


# (a line, a sentence heard, whether it hands the line's topic to a document or a person)
_DEFERRALS = [
    ("Nobody may swim past the buoys.", "The rules about swimming are all in the terms on our website.", True),
    ("Nobody may swim past the buoys.", "About the buoys, the lifeguard will go through that with you.", True),
    ("Za buty pobieramy kaucję dwadzieścia złotych.", "Zasady kaucji są w regulaminie na naszej stronie.", True),
    ("Залог за коньки двести рублей.", "Про залог вам администратор на месте расскажет.", True),
    ("Застава за ковзани двісті гривень.", "Про заставу все написано в договорі, почитайте.", True),
    # the line said, then a pointer to more; the line's point said with the document named; the line names it
    ("Nobody may swim past the buoys.", "Nobody may swim past the buoys, it's in the terms on our website.", False),
    ("Залог за коньки двести рублей.", "По договору залог не возвращается, если коньки сломаны.", False),
    ("Zaliczkę wpłaca się przy podpisaniu umowy.", "Zaliczkę płaci Pan, jak podpiszemy umowę.", False),
]


@pytest.mark.parametrize(("line", "heard", "handed"), _DEFERRALS)
def test_a_topic_handed_to_a_document_or_a_person_is_deferred(line: str, heard: str, handed: bool) -> None:
    assert deferred(tokens(line), tokens(heard)) is handed


# (a line, a sentence heard, whether it stops where the line's point begins)
_POINTS = [
    ("The lens is guaranteed for two years unless it is dropped.", "The lens is guaranteed for two years.", True),
    ("Kaucja za kajak wynosi sto złotych i nie podlega zwrotowi.", "Kaucja za kajak wynosi sto złotych.", True),
    ("Залог за лодку тысяча рублей, позже его не возвращаем.", "Залог за лодку тысяча рублей.", True),
    ("Застава за човен тисяча гривень, якщо його пошкоджено, вона згорає.", "Застава за човен тисяча гривень.", True),
    # a point said in other words, a purpose left out, the point in the rest of the utterance
    (
        "The lens is guaranteed for two years unless it is dropped.",
        "The lens is guaranteed for two years, drops aside.",
        False,
    ),
    ("This call is recorded for training and quality purposes.", "This call is recorded.", False),
]


@pytest.mark.parametrize(("line", "heard", "stopped"), _POINTS)
def test_a_frame_heard_without_its_point_is_the_point_unheard(line: str, heard: str, stopped: bool) -> None:
    assert point_unheard(tokens(line), tokens(heard), frozenset()) is stopped


def test_the_point_said_in_the_rest_of_the_utterance_is_heard() -> None:
    line = tokens("Kaucja za kajak wynosi sto złotych i nie podlega zwrotowi.")
    rest = tokens("Kaucja za kajak wynosi sto złotych. Zwrotowi nie podlega.")
    assert not point_unheard(line, tokens("Kaucja za kajak wynosi sto złotych."), frozenset(), rest)
