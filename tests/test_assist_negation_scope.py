"""Issue 18, a negation denies a line only where the line is said: not in a clause conceded before "but",
not when the line has the negation too (said as "no", "жодних", "żadnych", "нельзя"), not when it
is one of a neither-nor, an "until", a bound ("no further than") or a payment said to be free of charge;
and prices said with their thousands left unnamed ("две пятьсот") keep their figure. The sentences are
this file's own, not the benchmark cases'."""

from __future__ import annotations

import pytest

from agentassist.assist.decide import Heard, Window, line_scope, negated_anywhere
from agentassist.assist.matcher import tokens
from agentassist.assist.negation import affirmed_at, line_negations
from agentassist.assist.semantic import coverage
from agentassist.assist.slots import other_slots, other_thing
from agentassist.assist.specifics import changed, figures
from agentassist.events import Channel, Utterance


def _window(text: str) -> Window:
    return Heard(Utterance("u1", "c1", Channel.AGENT, 0.0, 3.0, text), None, None).meaning[0]


def _negated(line: str, heard: str) -> tuple[bool, bool]:
    """(a negation at the line's words, a negation in the line's part of the sentence)"""
    window = _window(heard)
    want = tokens(line)
    cov = coverage(want, window.tokens, frozenset(), window.clauses)
    return cov.negated, negated_anywhere(want, window, cov)


@pytest.mark.parametrize(
    ("line", "heard"),
    [
        # a negation in a clause conceded before "but" is the speaker's, not the line's
        (
            "The cleaner will arrive between eight and ten.",
            "I can't promise the exact minute but the cleaner will arrive between eight and ten.",
        ),
        ("Мастер приедет в четверг утром.", "Точного часа не скажу, но мастер приедет в четверг утром."),
        ("Kurier przyjedzie w piątek rano.", "Nie wiem, o której dokładnie, ale kurier przyjedzie w piątek rano."),
        # the line has the negation too, said another way
        ("No pets are allowed in the rooms.", "We do not allow pets in the rooms."),
        ("Жодних тварин у номерах.", "Тварин у номери ми не пускаємо."),
        ("Żadnych zwierząt w pokojach.", "Zwierząt do pokoi nie wpuszczamy."),
        ("В сауну с детьми до семи лет нельзя.", "Детей до семи лет в сауну не пускаем."),
        # neither-nor denies once, with its verb
        ("Фарбою і лаком не можна користуватися.", "Ні фарбою, ні лаком не користуйтеся."),
        # "until" is a condition, not a denial
        (
            "Садитесь на лавочку, когда краска высохнет.",
            "Подождите, пока краска не высохнет, потом садитесь на лавочку.",
        ),
        # a bound
        ("Parking jest najdalej sto metrów od wejścia.", "Parking jest nie dalej niż sto metrów od wejścia."),
        # a payment denied says the line's "free" or "included"
        ("Delivery to your door is free.", "You won't pay anything for delivery to your door."),
        ("Установка входит в стоимость кондиционера.", "За установку кондиционера отдельно не платите."),
    ],
)
def test_a_negation_that_is_not_the_lines_does_not_deny_it(line: str, heard: str) -> None:
    assert _negated(line, heard) == (False, False)


@pytest.mark.parametrize(
    ("line", "heard"),
    [
        # the negation at the line's own verb, in its own clause
        ("The cleaner will arrive between eight and ten.", "But the cleaner will not arrive between eight and ten."),
        ("Мастер приедет в четверг утром.", "В четверг утром, к сожалению, мастер не приедет."),
        ("Kurier przyjedzie w piątek rano.", "Niestety kurier nie przyjedzie w piątek rano."),
        # a payment denied where the line says nothing is free
        ("Delivery to your door costs five pounds.", "You won't pay five pounds for delivery to your door."),
    ],
)
def test_a_negation_at_the_lines_verb_denies_it(line: str, heard: str) -> None:
    assert any(_negated(line, heard))


def test_a_negation_after_but_is_still_the_lines() -> None:
    """ "X, but not Y": the negation is in the line's part when the line is Y."""
    window = _window("The cleaning is fine, but we will not move the furniture.")
    want = tokens("We will move the furniture for you.")
    cov = coverage(want, window.tokens, frozenset(), window.clauses)
    assert cov.negated or negated_anywhere(want, window, cov)


def test_the_lines_part_of_the_sentence_starts_after_the_last_but() -> None:
    window = _window("I'm not sure, but I think so, but the price is forty.")
    lo, hi = line_scope(window)
    assert window.tokens[lo] == "but" and hi == len(window.tokens) - 1
    assert window.tokens[lo + 1 : lo + 3] == ["the", "price"]


def test_a_line_said_with_no_or_a_ban_has_a_negation_of_its_own() -> None:
    assert line_negations(tokens("No pets in the rooms.")) == 1
    assert line_negations(tokens("Курить в номере нельзя.")) == 1
    assert line_negations(tokens("Палити в номері заборонено.")) == 1
    assert line_negations(tokens("Pets are welcome.")) == 0


@pytest.mark.parametrize(
    ("line", "heard", "opposite"),
    [
        # a ban said in one word keeps the line's negation
        ("Не можна купатися в морі три дні.", "Купатися в морі три дні під забороною.", False),
        ("You must not smoke in the room.", "Smoking in the room is forbidden.", False),
        # a negated payment said as "free"
        ("You don't pay for the first lesson.", "The first lesson is free.", False),
        # the line's words without any negation: its opposite
        ("Не можна купатися в морі три дні.", "Купатися в морі можна через три дні.", True),
    ],
)
def test_a_negative_line_said_with_a_ban_or_as_free_is_not_its_opposite(line: str, heard: str, opposite: bool) -> None:
    window = _window(heard)
    want = tokens(line)
    cov = coverage(want, window.tokens, frozenset(), window.clauses)
    assert affirmed_at(window.tokens, cov.first, cov.last, want, window.clauses) is opposite


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("Выйдет три двести за всё.", 3200),
        ("Замена стекла — девять шестьсот.", 9600),
        ("Разом вийде дві чотириста.", 2400),
        ("Абонемент на месяц — четыре с половиной тысячи.", 4500),
        ("Ремонт обійдеться у дві з половиною тисячі.", 2500),
        ("It comes to two and a half thousand.", 2500),
        ("Кошт — полторы тысячи.", 1500),
    ],
)
def test_a_price_with_its_thousands_left_unnamed_is_one_number(text: str, number: int) -> None:
    assert figures(tokens(text)).numbers == {number}


def test_a_price_said_colloquially_keeps_the_lines_figure_and_another_changes_it() -> None:
    line = tokens("Замена экрана стоит пять тысяч семьсот рублей.")
    assert not changed(line, tokens("Экран поменяем за пять семьсот."))
    assert changed(line, tokens("Экран поменяем за пять восемьсот."))
    assert not changed(tokens("Заняття триває півтори години."), tokens("Заняття триває дев'яносто хвилин."))


def test_a_number_read_in_groups_is_no_price() -> None:
    """A count and a hundred that is not round, or a third group after them: groups of a code, not a price."""
    assert figures(tokens("Код два триста сорок.")).numbers == {2, 340}
    assert figures(tokens("Номер один два триста.")).numbers == {1, 2, 300}


@pytest.mark.parametrize(
    ("line", "heard", "other"),
    [
        # the line's frame about another thing: two or more of its words replaced by other words
        (
            "The invoice for your account is emailed to you within three days.",
            "The new contract is emailed to you within three days.",
            True,
        ),
        (
            "Рахунок за газ надішлемо на пошту протягом трьох днів.",
            "Новий договір надішлемо на пошту протягом трьох днів.",
            True,
        ),
        # one word of the line said another way: the line, not another thing
        ("Назвіть, будь ласка, номер вашого договору.", "Який у вас номер договору?", False),
        ("Read me the current number on the gas meter.", "What is the current number on the gas meter?", False),
    ],
)
def test_the_lines_frame_about_another_thing(line: str, heard: str, other: bool) -> None:
    """The combined rule's guard (``slots.other_thing``) refuses a frame with two or more words swapped."""
    assert other_slots(tokens(line), tokens(heard))
    assert other_thing(tokens(line), tokens(heard)) is other
