"""Issue 18, session 27 (match20): prices said with a slang ten ("pięć dych" is 50); an age's bound with a
negation ("не младше десяти" is "from ten"); a line's "only" restated by a negation with "except" after it, or by
denying the thing to the customer beside a clause that names the one the line allows it to; a refund denied for
a line that says the money is lost. The sentences are this file's own, not the benchmark cases'."""

from __future__ import annotations

import pytest

from agentassist.assist.matcher import tokens
from agentassist.assist.specifics import changed
from tests.test_match_s25 import _negated


@pytest.mark.parametrize(
    ("line", "heard", "other"),
    [
        ("Karnet kosztuje czterdzieści złotych za godzinę.", "Za godzinę płaci się cztery dychy.", False),
        ("Karnet kosztuje czterdzieści złotych za godzinę.", "Za godzinę płaci się trzy dychy.", True),
        ("Parking kosztuje dziesięć złotych.", "Za parking jedna dycha.", False),
        ("Parking kosztuje dziesięć złotych.", "Za parking dwie dychy.", True),
    ],
)
def test_a_slang_ten_is_ten(line: str, heard: str, other: bool) -> None:
    assert changed(tokens(line), tokens(heard)) is other


# (a line, a sentence heard, whether the sentence says the line's opposite)
_RESTATED = [
    # a negation before a word of age is a bound: "no younger than ten" is "from ten"
    (
        "Na ściankę wpuszczamy tylko od dziesięciu lat.",
        "Dzieci nie młodsze niż dziesięć lat wchodzą na ściankę.",
        False,
    ),
    ("Кататься на картинге можно только с двенадцати лет.", "На картинг сажаем детей не младше двенадцати.", False),
    ("Кататися на картингу можна лише з дванадцяти років.", "На картинг садимо дітей не молодше дванадцяти.", False),
    ("Кататься на картинге можно только с двенадцати лет.", "Детей на картинг мы не сажаем.", True),
    # a negation with "except" after it restates the line's "only"
    ("Only a parent may collect the child after class.", "We don't hand the child to anyone except a parent.", False),
    ("Ключи от номера выдаём только гостю по паспорту.", "Ключи никому не выдаём, кроме гостя с паспортом.", False),
    ("Ключі від номера видаємо лише гостю за паспортом.", "Ключі нікому не даємо, крім гостя з паспортом.", False),
    ("Kluczyki wydajemy tylko kierowcy z umowy.", "Kluczyków nie dajemy nikomu oprócz kierowcy z umowy.", False),
    ("Only a parent may collect the child after class.", "A parent may not collect the child.", True),
    # the thing denied to the customer beside a clause that names who the line allows it to
    ("Only the instructor starts the engine.", "The engine, you don't start it yourself, the instructor does.", False),
    ("Мотор запускает только инструктор.", "Мотор вы сами не заводите, его запускает инструктор.", False),
    ("Мотор запускає лише інструктор.", "Мотор ви самі не заводите, його запускає інструктор.", False),
    ("Silnik uruchamia tylko instruktor.", "Silnika Państwo sami nie uruchamiają, robi to instruktor.", False),
    # ... and not where the negation's own clause has them, or a contrast stands between
    ("Мотор запускает только инструктор.", "Мотор запускает не только инструктор.", True),
    ("Мотор запускает только инструктор.", "Инструктора сегодня нет, мотор запускаете сами.", True),
    ("Only the instructor starts the engine.", "The instructor is there, but he doesn't start the engine.", True),
    # a refund denied for a line that says the money is lost
    ("Przy odwołaniu w dniu wizyty zaliczka przepada.", "Przy odwołaniu w dniu wizyty zaliczki nie zwracamy.", False),
    ("If you cancel on the day, the deposit is lost.", "If you cancel on the day, we don't refund the deposit.", False),
    ("При отмене в день визита предоплата сгорает.", "При отмене в день визита предоплату не возвращаем.", False),
    ("If you cancel on the day, the deposit is lost.", "If you cancel on the day, it isn't lost, we refund it.", True),
    ("Przy odwołaniu w dniu wizyty zaliczka przepada.", "Przy odwołaniu w dniu wizyty zaliczka nie przepada.", True),
]


@pytest.mark.parametrize(("line", "heard", "negated"), _RESTATED)
def test_a_bound_an_exception_and_a_refund_refused_restate_the_line(line: str, heard: str, negated: bool) -> None:
    assert _negated(line, heard) is negated


@pytest.mark.parametrize(
    ("heard", "other"),
    [
        ("Сеансы в десять, в четырнадцать и в шестнадцать, каждый по часу.", False),
        ("Сеансы в десять, в пятнадцать и в шестнадцать, каждый по часу.", True),
        ("Сеансы в десять, в два и в пять, каждый по часу.", True),
    ],
)
def test_an_afternoon_hour_on_the_24_hour_dial_is_the_line_s_hour(heard: str, other: bool) -> None:
    # "в четырнадцать" is the line's "в два"; a listed hour said as another is another figure
    line = "Сеансы идут в десять, в два и в четыре, каждый длится час."
    assert changed(tokens(line), tokens(heard)) is other


def test_listed_hours_with_one_o_clock() -> None:
    line = "Zajęcia są o dziewiątej, a w soboty też w południe."  # no hour placed with digits: nothing to compare
    assert not changed(tokens(line), tokens("Zajęcia są o dziewiątej, w soboty też w południe."))
    line = "Рейсы в десять, в час и в пять."
    assert not changed(tokens(line), tokens("Рейсы в десять, в тринадцать и в семнадцать."))
    assert changed(tokens(line), tokens("Рейсы в десять, в четырнадцать и в семнадцать."))


def test_a_thing_the_only_allows_denied_beside_another_still_denies() -> None:
    # "only in a helmet and gloves": the gloves denied beside the helmet said is no restatement
    line = "Na tor wjeżdża się wyłącznie w kasku i rękawicach."
    assert _negated(line, "Na tor wjeżdża się w kasku, rękawice nie są potrzebne.")
    assert not _negated(line, "Bez kasku i rękawic nie wjeżdża się na tor.")
