"""Issue 18, session 26 (match19): a line's duty said reversed ("the note from the doctor isn't needed" for "a note
from the doctor is compulsory; without it we don't let you in") and its ban said as a permission ("you can go into
the stables" for "going into the stables is forbidden") are the line's opposite, though the line's own negation
(a "without" that restates the duty) matches the heard one in number, as is money said to be given back where
the line says it is lost; negations listed with a comma deny once, as
with "and"; "seven days a week" says how often, not a period. The sentences are this file's own, not the benchmark
cases'."""

from __future__ import annotations

import pytest

from agentassist.assist.matcher import tokens
from agentassist.assist.specifics import changed
from tests.test_match_s25 import _negated

# (a line, a sentence heard, whether the sentence says the line's opposite)
_OPPOSITES = [
    # a need denied, where the line requires and restates the duty with "without ... not"
    (
        "A signed waiver is mandatory before the ride; without it we do not let anyone on.",
        "The waiver isn't needed, you can just get on the ride.",
        True,
    ),
    (
        "Перед погружением обязательно нужна медицинская справка, без неё к воде не допускаем.",
        "Медицинская справка не нужна, к воде проходите сразу.",
        True,
    ),
    (
        "Przed jazdą trzeba mieć kask, bez kasku nie wypuszczamy na tor.",
        "Kask nie jest potrzebny, na tor można wyjechać od razu.",
        True,
    ),
    (
        "На заняття обов'язково потрібне взуття зі світлою підошвою, без нього на корт не пускаємо.",
        "Взуття зі світлою підошвою не потрібне, на корт пускаємо в будь-якому.",
        True,
    ),
    # the same duty said in other words, or restated with "without": not reversed
    (
        "A signed waiver is mandatory before the ride; without it we do not let anyone on.",
        "Without a signed waiver nobody goes on the ride, it's required.",
        False,
    ),
    (
        "Перед погружением обязательно нужна медицинская справка, без неё к воде не допускаем.",
        "Без медицинской справки к воде не допускаем, она нужна обязательно.",
        False,
    ),
    # a need denied for the others, with "only": the duty restated
    (
        "Przed jazdą trzeba mieć kask, bez kasku nie wypuszczamy na tor.",
        "Nic innego nie jest potrzebne, tylko kask na tor.",
        False,
    ),
    # a permission in a clause with what the line bans
    (
        "Kąpiel w stawie jest zabroniona, łowić ryby można tylko z pomostu.",
        "W stawie można się kąpać, woda jest czysta.",
        True,
    ),
    (
        "Фотографировать в зале запрещено, снимать можно только в фойе.",
        "В зале фотографировать можно, вспышку только выключите.",
        True,
    ),
    (
        "Заходити до стайні заборонено, годувати коней можна лише через огорожу.",
        "До стайні можна заходити, коні спокійні.",
        True,
    ),
    # what the line itself permits, said with its permission: not reversed
    (
        "Фотографировать в зале запрещено, снимать можно только в фойе.",
        "В фойе снимать можно, а в зале фотографировать запрещено.",
        False,
    ),
    (
        "Заходити до стайні заборонено, годувати коней можна лише через огорожу.",
        "Коней годувати можна лише через огорожу, до стайні не заходимо.",
        False,
    ),
    # the line's own permission, said as the line says it, beside the thing it bans
    (
        "На корт можна виходити лише у змінному взутті, у вуличному взутті грати заборонено.",
        "На корт можна виходити лише у змінному взутті, у вуличному грати заборонено.",
        False,
    ),
    # negations listed with a comma deny once, as with "and"
    (
        "Wchodzić na lód i odwiązywać łodzi nie wolno, łowimy tylko z pomostu.",
        "Na lód nie wchodzimy, łodzi nie odwiązujemy, łowimy z pomostu.",
        False,
    ),
    (
        "Трогать экспонаты и фотографировать со вспышкой запрещено.",
        "Экспонаты не трогаем, со вспышкой не фотографируем.",
        False,
    ),
    (
        "Виходити на лід і відв'язувати човни заборонено, рибалимо лише з помосту.",
        "На лід не виходимо, човни не відв'язуємо, рибалимо лише з помосту.",
        False,
    ),
]


@pytest.mark.parametrize(("line", "heard", "negated"), _OPPOSITES)
def test_a_duty_reversed_a_ban_permitted_and_negations_listed(line: str, heard: str, negated: bool) -> None:
    # a duty said reversed or a ban said as a permission is the line's opposite; negations listed with a comma
    # deny once
    assert _negated(line, heard) is negated


def test_a_no_alone_is_no_verbs_negation_for_the_next_clause_to_repeat() -> None:
    assert _negated("Your booking is confirmed and paid.", "No, your booking is not confirmed, not paid yet.")


def test_money_given_back_is_the_opposite_of_money_lost() -> None:
    lost = "If you miss your slot, the deposit is lost."
    assert _negated(lost, "If you miss your slot, we refund the deposit in full.")
    assert not _negated(lost, "Miss your slot and you lose the deposit.")  # lost in other words
    assert _negated("Przy spóźnieniu zaliczka przepada.", "Przy spóźnieniu zaliczkę oczywiście zwracamy.")
    assert _negated("При опозданні передоплата згорає.", "Якщо запізнитесь, передоплату ми повертаємо.")


@pytest.mark.parametrize(
    ("line", "heard"),
    [
        (
            "The gym is open every day from six, and a session lasts ninety minutes.",
            "We're open seven days a week from six.",
        ),
        (
            "Каток работает ежедневно с десяти, сеанс длится два часа.",
            "Работаем семь дней в неделю с десяти, сеанс два часа.",
        ),
        (
            "Басейн працює щодня з восьмої, заняття триває сорок п'ять хвилин.",
            "Працюємо сім днів на тиждень з восьмої.",
        ),
        ("Kort jest czynny codziennie od ósmej, gra trwa godzinę.", "Jesteśmy otwarci 7 dni w tygodniu od ósmej."),
    ],
)
def test_days_a_week_say_how_often_not_how_long(line: str, heard: str) -> None:
    assert not changed(tokens(line), tokens(heard))


def test_days_without_a_week_are_still_a_period() -> None:
    assert changed(tokens("Wypożyczenie trwa trzy dni."), tokens("Wypożyczenie trwa siedem dni."))
