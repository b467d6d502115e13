"""Issue 18, session 24 (match17): a Ukrainian word whose closed last syllable says "і" where its other forms say
"о" or "е" is one word; a clause that opens with "without" states a requirement however long it runs before its
negation; an age or amount not yet reached ("якому ще немає", "nie ma jeszcze", "not yet") is the lower side, not a
denial. The sentences are this file's own, not the benchmark cases'."""

from __future__ import annotations

import pytest

from agentassist.assist.decide import Heard, Window, negated_anywhere
from agentassist.assist.matcher import tokens
from agentassist.assist.semantic import coverage
from agentassist.assist.words import same_word
from agentassist.events import Channel, Utterance


def _window(text: str) -> Window:
    return Heard(Utterance("u1", "c1", Channel.AGENT, 0.0, 3.0, text), None, None).lexical[0]


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("якість", "якості", True),
        ("дозвіл", "дозволу", True),
        ("вечір", "вечора", True),
        ("спосіб", "способом", True),
        ("засіб", "засобів", True),
        ("стіл", "столі", True),
        # the "і" must close the last syllable, the rest must agree
        ("ліпити", "лопати", False),
        ("дозвіл", "довгого", False),
        ("вечір", "вітром", False),
        # an adjective's or a verb's ending is no closed syllable
        ("вашій", "ваше", False),
        ("якісь", "якості", False),
    ],
)
def test_the_closed_syllables_i_is_the_same_word(a: str, b: str, same: bool) -> None:
    assert same_word(a, b) is same
    assert same_word(b, a) is same


def test_the_alternation_counts_as_a_content_word_heard() -> None:
    line = tokens("Потрібен дозвіл батьків і довідка про якість води.")
    heard = tokens("Без дозволу від батьків не беремо, а якості води відповідає довідка.")
    assert coverage(line, heard).content == pytest.approx(5 / 6)


@pytest.mark.parametrize(
    ("line", "heard", "negated"),
    [
        # "without" opens the clause, the negation comes many words on: the requirement restated
        (
            "На скалодром пускаем только в страховочной системе и шлеме, которые мы выдаём.",
            "Без нашей страховочной системы и шлема на стену у нас на скалодроме никого не пускаем.",
            False,
        ),
        (
            "Nagrania z zajęć udostępniamy tylko za zgodą wszystkich uczestników.",
            "Bez zgody wszystkich uczestników żadnych nagrań z naszych zajęć nikomu nie udostępniamy.",
            False,
        ),
        # "without" in an earlier clause is not this clause's: the denial stands
        (
            "Nagrania z zajęć udostępniamy uczestnikom.",
            "Bez problemu, ale nagrań z zajęć uczestnikom już nie udostępniamy.",
            True,
        ),
        # an age not yet reached is the lower side
        (
            "Діти до чотирнадцяти років катаються лише з інструктором.",
            "Хлопчик, якому ще немає чотирнадцяти, катається тільки з інструктором.",
            False,
        ),
        (
            "Дети до шестнадцати лет работают только под присмотром мастера.",
            "Подросток, которому еще нет шестнадцати, работает только под присмотром мастера.",
            False,
        ),
        (
            "Dzieci do dziesięciu lat pływają wyłącznie z opiekunem.",
            "Dziecko, które nie ma jeszcze dziesięciu lat, pływa wyłącznie z opiekunem.",
            False,
        ),
        (
            "Children under eight ride only with an adult.",
            "A child who is not yet eight rides only with an adult.",
            False,
        ),
        # a negation before a figure that is not "not yet reached" still denies
        (
            "Діти до чотирнадцяти років катаються лише з інструктором.",
            "Діти до чотирнадцяти років катаються не лише з інструктором.",
            True,
        ),
    ],
)
def test_a_negation_that_restates_a_requirement(line: str, heard: str, negated: bool) -> None:
    want, window = tokens(line), _window(heard)
    cov = coverage(want, window.tokens, frozenset(), window.clauses)
    assert (cov.negated or negated_anywhere(want, window, cov)) is negated
