"""Issue 18, session 28 (match21): the money a line says is lost, read one way (a refund denied says it, a refund
said reverses it); a compliance line's subject set off by its own comma, then other words, is the line's point
swapped (deadline.other_ending); a line's "only" widened into leave to do it alone is the line reversed. The
sentences are this file's own, not the benchmark cases'."""

from __future__ import annotations

import pytest

from agentassist.assist.deadline import other_ending
from agentassist.assist.decide import Window
from agentassist.assist.matcher import tokens
from agentassist.assist.negation import clause_starts, reversed_at
from tests.test_match_s25 import _negated


def _reversed(line: str, heard: str) -> bool:
    h = tokens(heard)
    return reversed_at(h, 0, len(h) - 1, tokens(line), clause_starts(heard))


# (a line, a sentence heard, whether the meaning path reads it as the line denied, whether it is the line
# reversed): the money a line says is lost, and a line's "only"
_REVERSED = [
    ("If you miss the lesson, the fee is lost.", "If you miss the lesson, we don't refund the fee.", False, False),
    ("If you miss the lesson, the fee is lost.", "If you miss the lesson, we refund the fee.", True, True),
    ("Przy spóźnieniu opłata przepada.", "Przy spóźnieniu opłaty nie zwracamy.", False, False),
    ("Przy spóźnieniu opłata przepada.", "Przy spóźnieniu opłatę zwracamy w całości.", True, True),
    ("При опоздании оплата сгорает.", "При опоздании оплату не возвращаем.", False, False),
    ("При опоздании оплата сгорает.", "При опоздании оплату возвращаем.", True, True),
    ("Якщо спізнитеся, оплата згорає.", "Якщо спізнитеся, оплату не повертаємо.", False, False),
    # a line's "only" widened into leave to do it alone reverses it; not where an "only" is heard too, or the
    # leave is not to do it alone
    ("Kids under ten ride the pony only with a parent.", "Kids under ten can ride the pony alone.", True, True),
    ("Na ściankę dzieci wchodzą tylko z instruktorem.", "Na ściankę dzieci mogą wchodzić same.", True, True),
    ("На скалодром дети заходят только с инструктором.", "На скалодром дети могут заходить сами.", True, True),
    ("На скеледром діти заходять лише з інструктором.", "На скеледром діти можуть заходити самі.", True, True),
    (
        "Na ściankę dzieci wchodzą tylko z instruktorem.",
        "Dorośli mogą sami, dzieci tylko z instruktorem.",
        False,
        False,
    ),
    (
        "На скалодром дети заходят только с инструктором.",
        "Дети могут заходить на скалодром с инструктором.",
        False,
        False,
    ),
]


@pytest.mark.parametrize(("line", "heard", "negated", "reversed_"), _REVERSED)
def test_a_refund_denied_says_the_money_lost_a_refund_or_leave_to_do_it_alone_reverses(
    line: str, heard: str, negated: bool, reversed_: bool
) -> None:
    assert _negated(line, heard) is negated
    assert _reversed(line, heard) is reversed_


def test_a_line_that_denies_the_refund_keeps_its_own_negation() -> None:
    # "not refunded" is a negative line: its own words heard neither deny nor reverse it
    line = "The booking fee is not refunded."
    assert not _negated(line, "The booking fee is not refunded.")
    assert not _reversed(line, "The booking fee is not refunded.")


def _ending(line: str, heard: str) -> bool:
    window = Window(heard, tokens(heard), (), clause_starts(heard))
    return other_ending(tokens(line), window, frozenset(), clause_starts(line))


@pytest.mark.parametrize(
    ("line", "heard", "reworded"),
    [
        # the line sets its subject off with a comma: heard with it, the words after it are the line's point swapped
        (
            "Large dogs, mastiffs and Great Danes, stay on a short lead in the hotel lobby at all times.",
            "Large dogs, mastiffs and Great Danes, come in through the side gate next to the car park.",
            True,
        ),
        (
            "Duże psy, owczarki i dogi, chodzą po holu wyłącznie na krótkiej smyczy.",
            "Duże psy, owczarki i dogi, wchodzą bocznym wejściem od strony parkingu.",
            True,
        ),
        (
            "Крупные собаки, овчарки и доги, ходят по холлу только на коротком поводке.",
            "Крупные собаки, овчарки и доги, заходят через боковую калитку у парковки.",
            True,
        ),
        # ... the line said in other words keeps its later words: no other ending
        (
            "Large dogs, mastiffs and Great Danes, stay on a short lead in the hotel lobby at all times.",
            "Large dogs, mastiffs and Great Danes, are kept on a short leash whenever they're in the lobby.",
            False,
        ),
        # a line with no comma after its subject: a comma heard there still ends the frame's clause (a remark)
        (
            "Large dogs stay on a short lead in the hotel lobby at all times.",
            "Large dogs, come in through the side gate next to the car park.",
            False,
        ),
    ],
)
def test_a_subject_set_off_by_the_line_s_comma_then_other_words_is_another_ending(
    line: str, heard: str, reworded: bool
) -> None:
    assert _ending(line, heard) is reworded
