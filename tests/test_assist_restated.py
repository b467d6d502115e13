"""Issue 18: a requirement restated with a negation is no denial of the line. "Never without a helmet" says
"always with a helmet"; "only trainers, in other shoes we won't let you in" says "only trainers"; "не
курить и окна не открывать" denies once what "нельзя курить и открывать окна" denies once; "you won't need
to buy your own paddle" says "the paddle is included". A line said with its own words negated still is.
The sentences are this file's own, not the benchmark cases'."""

from __future__ import annotations

import pytest

from agentassist.assist.decide import Heard, negated_anywhere
from agentassist.assist.matcher import tokens
from agentassist.assist.semantic import coverage
from agentassist.events import Channel, Utterance


def _negated(line: str, heard: str) -> bool:
    window = Heard(Utterance("u1", "c1", Channel.AGENT, 0.0, 3.0, heard), None, None).lexical[0]
    want = tokens(line)
    cov = coverage(want, window.tokens, frozenset(), window.clauses)
    return cov.negated or negated_anywhere(want, window, cov)


@pytest.mark.parametrize(
    ("line", "heard"),
    [
        # a negation with "without" in its clause states a requirement
        ("Riders must wear a helmet on the track at all times.", "Nobody ever goes on the track without a helmet."),
        ("Купаться можно только в присутствии инструктора.", "Без инструктора рядом в воду заходить не разрешаем."),
        ("Діти катаються тільки разом із дорослим.", "Дітям без когось із дорослих кататися не можна."),
        # "only" restated as a negation about the others
        ("Na matę wchodzimy tylko w skarpetkach.", "Tylko w skarpetkach, w innym obuwiu na matę nie wchodzimy."),
        ("You can pay only by card at the desk.", "Card only at the desk, any other way we can't take."),
        # two negations joined by a conjunction deny once, as the line's one ban does
        ("В салоне нельзя курить и открывать окна.", "В салоне не курить и окна не открывать."),
        # "not alone, only with" restates a line's "only with"
        ("Na ściankę dzieci wchodzą tylko z instruktorem.", "Samych dzieci nie puszczamy, tylko z instruktorem."),
        # a negative line kept: money said to be lost, a "without" for its "not"
        ("If you cancel on the day, the deposit is not refunded.", "Cancel on the day and the deposit is lost."),
        ("Скасуєте в день заняття, то оплата не повертається.", "Скасуєте в день заняття, то оплата пропадає."),
        ("Без шолома на трасу не випускаємо.", "Хто без шолома, той без траси."),
        # a thing included said as nothing more to buy or bring
        ("The paddle and life jacket are included in the price.", "You won't need to buy a paddle or a life jacket."),
        ("Шлем и перчатки входят в стоимость.", "Шлем и перчатки докупать не нужно, всё уже есть."),
    ],
)
def test_a_requirement_restated_with_a_negation_is_no_denial(line: str, heard: str) -> None:
    assert not _negated(line, heard)


@pytest.mark.parametrize(
    ("line", "heard"),
    [
        ("Riders must wear a helmet on the track at all times.", "Riders don't have to wear a helmet on the track."),
        ("The paddle and life jacket are included in the price.", "The paddle and life jacket are not included."),
        ("You can pay only by card at the desk.", "You can't pay by card at the desk."),
        ("В салоне можно курить и открывать окна.", "В салоне не курить и окна не открывать."),
        # "not this, only that": the line's thing denied, another after "only"
        ("Płatność przyjmujemy tylko kartą.", "Płatności nie przyjmujemy kartą, tylko gotówką."),
        ("Zdjęcia publikujemy wyłącznie za Pani zgodą.", "Zdjęć nie publikujemy wyłącznie za Pani zgodą, czasem bez."),
        ("If you cancel on the day, the deposit is not refunded.", "Cancel on the day and the deposit is refunded."),
        ("We are not liable for luggage lost on the way.", "We are liable for luggage lost on the way."),
    ],
)
def test_a_line_denied_stays_denied(line: str, heard: str) -> None:
    assert _negated(line, heard)
