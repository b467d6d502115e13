"""Issue 18, session 25 (match18): a negation repeated after "and" with the verb's object or place before it is one
denial; a count said after "lat" ("do lat sześciu"), an age said as a year of life ("do szóstego roku życia"), a
quantity between a number and its unit ("в четырнадцать, полтора часа"), a vague span ("на пару часов"), an hour
placed with "в" and its unit ("в двенадцать часов") and the hours listed before the one that carries the unit are
read as the figures they are; "dwunastu" is twelve and "trzeciego" the third. The sentences are this file's own,
not the benchmark cases'."""

from __future__ import annotations

import pytest

from agentassist.assist.matcher import tokens
from agentassist.assist.negation import clause_starts, negated_at
from agentassist.assist.semantic import coverage
from agentassist.assist.specifics import changed, figures

_YEAR_MIN = 518400


def _negated(line: str, heard: str) -> bool:
    return coverage(tokens(line), tokens(heard), frozenset(), clause_starts(heard)).negated


@pytest.mark.parametrize(
    ("line", "heard", "negated"),
    [
        # each verb after its object and place: the second negation repeats the first
        (
            "Nie wolno dotykać eksponatów ani robić zdjęć z lampą błyskową.",
            "Eksponatów nie dotykamy i zdjęć z fleszem też nie robimy.",
            False,
        ),
        (
            "Нельзя кормить животных и заходить к ним в вольер.",
            "Животных мы не кормим и к ним в вольер без смотрителя никто не заходит.",
            False,
        ),
        # a bound before the conjunction denies nothing, so the negation after it is the line's own
        (
            "После покраски дети и животные не должны заходить в комнату минимум три часа.",
            "Три часа после покраски, не меньше, детей и животных в комнату не пускайте.",
            False,
        ),
        # a positive line: the first negation denies it, whatever the second one does
        (
            "Zwierzęta karmimy i do nich podchodzimy razem z opiekunem.",
            "Zwierząt nie karmimy i od strony wybiegu do nich nie podchodzimy.",
            True,
        ),
    ],
)
def test_a_negation_repeated_after_and_denies_once(line: str, heard: str, negated: bool) -> None:
    assert _negated(line, heard) is negated


def test_a_conjunction_far_from_any_negation_joins_nothing() -> None:
    heard = tokens("Nie ma problemu, mamy wolne miejsca w sobotę i grupa w tym terminie nie jest pełna.")
    # "nie jest" is eleven words past the first negation and six past "i": a denial of its own
    assert negated_at(heard, 14, 15, 0, clause_starts("Nie ma problemu, mamy wolne miejsca w sobotę i grupa"))


@pytest.mark.parametrize(
    ("text", "years"),
    [
        ("Bilet ulgowy przysługuje dzieciom do lat siedmiu.", 7),
        ("Wstęp tylko dla osób powyżej lat osiemnastu.", 18),
        ("Opiekę zapewniamy dzieciom do trzeciego roku życia.", 3),
        ("Знижка діє для дітей до сьомого року життя.", 7),
        ("Скидка для детей до пятого года жизни.", 5),
        ("Zniżka dla dzieci do lat dwunastu.", 12),
    ],
)
def test_a_count_after_its_unit_and_a_year_of_life_are_an_age(text: str, years: int) -> None:
    got = figures(tokens(text))
    assert (years * _YEAR_MIN, years) in got.periods
    assert not got.numbers and not got.named and not got.days


@pytest.mark.parametrize(
    "text",
    [
        "Płatność do dnia 15 maja.",  # a date's day follows "dnia"
        "On day 3 we visit the museum.",  # English names a day with a number after it
        "Karnet na rok — trzy tysiące złotych.",  # a price after its period
        "Zajęcia trwają przez lat 2 miesiące.",  # the number has a unit of its own
    ],
)
def test_a_number_after_a_unit_that_is_no_count_stays_as_it_was(text: str) -> None:
    assert not any(length > _YEAR_MIN for length, _ in figures(tokens(text)).periods)


def test_the_same_age_said_either_way_is_no_other_figure() -> None:
    line = tokens("Dzieci do lat dziesięciu wchodzą na ściankę tylko z opiekunem.")
    assert not changed(line, tokens("Dzieciaki do dziesięciu lat wchodzą wyłącznie z opiekunem."))
    assert not changed(line, tokens("Do dziesiątego roku życia bez opiekuna nie wchodzą."))
    assert changed(line, tokens("Dzieci do lat dwunastu wchodzą tylko z opiekunem."))


def test_a_quantity_between_a_clock_hour_and_its_unit_is_the_units() -> None:
    got = figures(tokens("Сбор в девять и в пятнадцать, полтора часа на всё."))
    assert (90.0, None) in got.periods
    assert not any(n == 15 for _, n in got.periods)
    line = tokens("Занятия в девять и в пятнадцать часов, длятся полтора часа.")
    assert not changed(line, tokens("В девять и в пятнадцать, полтора часа."))


@pytest.mark.parametrize(
    "text",
    ["Это займёт пару часов.", "Ответим через несколько дней.", "Odpiszemy za kilka dni.", "It takes a few hours."],
)
def test_a_vague_count_makes_no_period(text: str) -> None:
    assert not figures(tokens(text)).periods


def test_a_vague_span_is_no_other_figure() -> None:
    line = tokens("Экскурсия начинается в десять часов и длится два часа.")
    assert not changed(line, tokens("Начинаем в десять, это на пару часов."))
    assert changed(line, tokens("Начинаем в десять, это на три часа."))


def test_an_hour_placed_with_v_and_its_unit_is_of_the_clock() -> None:
    got = figures(tokens("Приём начинается в девять часов."))
    assert got.hours == {9} and not got.periods
    # a period and a rate stay periods
    assert figures(tokens("Аренда на девять часов.")).periods == {(540, 9)}
    assert figures(tokens("Проветриваем раз в три часа.")).periods == {(180, 3)}
    # Polish "w" + a count is "within"
    assert figures(tokens("Naprawę zrobimy w dwie godziny.")).periods == {(120, 2)}
    line = tokens("Обед подаём в двенадцать часов.")
    assert not changed(line, tokens("Обед у нас в полдень."))


def test_hours_listed_before_the_one_with_the_unit_are_of_the_clock() -> None:
    line = tokens("Экскурсии в десять, в двенадцать и в пятнадцать часов.")
    assert figures(line).hours == {10, 0, 3} and not figures(line).numbers
    assert not changed(line, tokens("Экскурсии в десять утра, в полдень и в три часа дня."))
    assert changed(line, tokens("Экскурсии в девять утра, в полдень и в три часа дня."))
