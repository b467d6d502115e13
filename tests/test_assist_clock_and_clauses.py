"""Issue 18, figures and reworded compliance lines (session 23): clock times said on either dial, a price said
short, a day named by a line and a period said in its place, a neither-nor chain and a ban said in one word, and a
compliance line whose middle or last clause is said with another meaning. The sentences are this file's own,
not the benchmark cases'."""

from __future__ import annotations

import pytest

from agentassist.assist.deadline import other_clause
from agentassist.assist.decide import Heard, Window
from agentassist.assist.matcher import tokens
from agentassist.assist.negation import clause_starts
from agentassist.assist.semantic import coverage
from agentassist.assist.specifics import changed, figures, missing, unpriced
from agentassist.events import Channel, Utterance


def _window(text: str) -> Window:
    return Heard(Utterance("u1", "c1", Channel.AGENT, 0.0, 3.0, text), None, None).lexical[0]


@pytest.mark.parametrize(
    ("text", "hours", "periods"),
    [
        # English gives a clock hour with "o'clock", never "hours": "a three-hour evening cruise" lasts three hours
        ("We run a three-hour evening cruise.", set(), {(180, 3)}),
        # the 24-hour clock with its unit, or closing a span of hours
        ("Заезд в семнадцать часов.", {5}, set()),
        ("Доставка с девяти до восемнадцати.", {9, 6}, set()),
        ("Приїжджаємо з восьми до сімнадцяти.", {8, 5}, set()),
        # "ноль-ноль" minutes, noon in a word, "half past"
        ("Забираем в девятнадцать ноль-ноль.", {7}, set()),
        ("Мы откроемся в полдень.", {0}, set()),
        ("The shop opens at half past four.", {4}, set()),
        # an age with its unit is no clock time
        ("Детям до четырнадцати лет вход бесплатный.", set(), {(14 * 518400, 14)}),
    ],
)
def test_clock_times_are_read_on_either_dial(text: str, hours: set[int], periods: set[tuple[float, int]]) -> None:
    got = figures(tokens(text))
    assert (set(got.hours), set(got.periods)) == (hours, periods)


@pytest.mark.parametrize(
    ("line", "heard", "expected"),
    [
        # the same hour on the other dial, or the line's bare number heard as a clock hour
        ("Заезд в пятнадцать часов.", "Заезд в три часа дня.", False),
        ("Доставка с девяти до восемнадцати.", "Привезём с девяти до шести вечера.", False),
        ("The tour leaves at six.", "Take the six o'clock tour.", False),
        ("Отплываем в двенадцать.", "Отплываем в полдень.", False),
        # another hour
        ("Заезд в пятнадцать часов.", "Заезд в пять часов дня.", True),
        # a price said short, beside a line that says it whole
        ("The kayak is three hundred and twenty pounds a week.", "The kayak's three twenty for the week.", False),
        ("Ремонт обойдётся в семь тысяч пятьсот рублей.", "Ремонт обойдётся в семь с половиной.", False),
        ("The kayak is three hundred and twenty pounds a week.", "The kayak's three forty for the week.", True),
        # a day named by the line, and a period heard in its place
        ("Rent is paid on the day you move in.", "Rent is paid within two weeks of moving in.", True),
        ("Оплата в день заезда.", "Оплата в течение недели после заезда.", True),
        ("Wydajemy klucze w dniu przyjazdu.", "Klucze wydajemy do trzech dni po przyjeździe.", True),
        ("Rent is paid on the day you move in.", "You pay the rent on the day you move in.", False),
        ("We ring you the day before the visit.", "We ring you twenty-four hours before the visit.", False),
    ],
)
def test_a_figure_said_another_way_is_kept_and_another_figure_changes_the_line(
    line: str, heard: str, expected: bool
) -> None:
    assert changed(tokens(line), tokens(heard)) is expected


def test_a_number_heard_as_a_clock_hour_or_a_short_price_is_not_missing() -> None:
    assert missing(tokens("The ferry leaves at seven."), tokens("It's the seven o'clock ferry.")) == []
    assert missing(tokens("Штраф шесть тысяч пятьсот рублей."), tokens("Штраф шесть с половиной.")) == []
    assert missing(tokens("The ferry leaves at seven."), tokens("It's the early ferry.")) == ["7"]


@pytest.mark.parametrize(
    ("line", "heard", "negated"),
    [
        # each "ні" of a chain denies with the verb's "не", once
        ("Палити на балконі чи на сходах не можна.", "Ні на балконі, ні на сходах не паліть.", False),
        # a ban said in one word keeps a negative line's negation
        ("W pokojach nie wolno palić papierosów.", "Palenie papierosów w pokojach jest niedozwolone.", False),
        ("Не можна купатися в озері без жилета.", "Купатися в озері без жилета недопустимо.", False),
        # the line said without its negation and with no ban: its opposite
        ("W pokojach nie wolno palić papierosów.", "W pokojach wolno palić papierosy.", True),
    ],
)
def test_a_chain_of_neither_and_a_one_word_ban_keep_the_lines_negation(line: str, heard: str, negated: bool) -> None:
    assert coverage(tokens(line), tokens(heard), frozenset(), clause_starts(heard)).negated is negated


@pytest.mark.parametrize(
    ("line", "heard", "reworded"),
    [
        # the first clause word for word, the last replaced by another clause
        (
            "Если лодка стоит у причала, страховку оформляете вы сами.",
            "Если лодка стоит у причала, ключи и документы мы оставляем у охраны.",
            True,
        ),
        (
            "If the van is parked on the street, the council permit is your responsibility.",
            "If the van is parked on the street, we bring our own cones and signs.",
            True,
        ),
        (
            "Children under twelve cannot ride alone, and there is no refund in that case.",
            "Children under twelve cannot ride alone, but a parent can join them for free.",
            True,
        ),
        # the last clause said in other words, sharing a word of it
        (
            "Если лодка стоит у причала, страховку оформляете вы сами.",
            "Если лодка стоит у причала, оформить страховку вам нужно самим.",
            False,
        ),
        (
            "If the van is parked on the street, the council permit is your responsibility.",
            "If the van is parked on the street, getting the permit from the council is up to you.",
            False,
        ),
    ],
)
def test_a_compliance_lines_last_clause_replaced_is_another_line(line: str, heard: str, reworded: bool) -> None:
    assert other_clause(line, _window(heard), frozenset()) is reworded


@pytest.mark.parametrize(
    ("line", "heard", "expected"),
    [
        # the line's frame with its price left out, or its number said as a period
        (
            "Hire of the trailer is forty pounds a day, straps included.",
            "Hire of the trailer is for a day, straps included.",
            True,
        ),
        ("The sauna costs two pounds a session.", "A sauna session takes about two hours.", True),
        ("Прокат лодки стоит восемьсот рублей в час.", "Прокат лодки на час, вёсла в лодке.", True),
        # the price said whole, bare or short
        (
            "Hire of the trailer is forty pounds a day, straps included.",
            "The trailer's forty a day with the straps.",
            False,
        ),
        ("Wynajem kajaka kosztuje sto dwadzieścia złotych.", "Kajak to sto dwadzieścia za dzień.", False),
        ("Прокат лодки стоит тысячу восемьсот рублей в час.", "Лодка — тысяча восемьсот за час.", False),
        ("The marquee costs three hundred and forty pounds.", "The marquee's three forty.", False),
        # a line with no price
        ("The trailer comes with straps.", "The trailer is forty pounds.", False),
    ],
)
def test_a_price_the_line_states_must_be_heard(line: str, heard: str, expected: bool) -> None:
    assert unpriced(tokens(line), tokens(heard)) is expected


@pytest.mark.parametrize(
    "line",
    [
        "Прокат коштує триста гривень, година — сто.",
        "Аренда стоит пятьсот рублей, сутки — две тысячи.",
        "Wynajem kosztuje sto złotych, doba — trzysta.",
    ],
)
def test_a_line_said_word_for_word_is_never_unpriced(line: str) -> None:
    # the price is read with the next clause's unit of time (300 hours), as it is in the line itself: said
    # word for word, the line states nothing that was not heard
    toks = tokens(line)
    assert not unpriced(toks, toks)
