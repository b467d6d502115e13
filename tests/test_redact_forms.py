"""Card data in the forms people say it that the first detector missed (issue 19, session 15): a digit's
name with how many times it comes, ordinals and "тысяча" in years and groups, a card number with a pause or
a correction inside, a year alone as an expiry, an expiry said again, an American Express code on the front;
and the codes of other things that stay. Sentences of our own, not the benchmark's cases."""

from __future__ import annotations

import pytest

from agentassist.privacy.detect import find_spans, mask
from agentassist.privacy.kinds import Rules
from agentassist.privacy.redactor import Redactor
from agentassist.privacy.said import items


def masked(text: str) -> str:
    return mask(text, find_spans(text))


@pytest.mark.parametrize(
    ("said", "digits"),
    [
        ("три семёрки, два нуля", ["7", "7", "7", "0", "0"]),  # a digit's name, how many times it comes
        ("дві вісімки і п'ять", ["8", "8", "5"]),
        ("trzy razy zero", ["0", "0", "0"]),
        ("dwa razy dziennie", ["2"]),  # twice a day: no digit follows
        ("dwa razy tysiące", ["2"]),  # no digit either (a thousand alone was an IndexError)
        ("тысяча триста, две тысячи сорок", ["1300", "2040"]),  # "тысяча" is 1000; a second thousands is apart
        ("do końca dwa tysiące trzydziestego roku", ["2030"]),  # a year said as an ordinal
        ("до конца тридцатого года", ["30"]),
        ("первого марта", []),  # an ordinal alone is a word (a date's day)
        ("a funny one, two three", ["2", "3"]),  # "one" after "a": no number
        ("it's a Visa, one four one one", ["1", "4", "1", "1"]),
        ("the last 4 digits are 1234", ["1234"]),  # how many digits: no number said
        ("four thousand five hundred and thirty-nine", ["4539"]),  # English "and" inside a number
        ("a hundred and twelve, nought four", ["112", "0", "4"]),
        ("four thousand, twelve hundred", ["4000", "1200"]),  # a comma ends a number said in words
        ("потом тысячу триста", ["1300"]),
    ],
)
def test_numbers_said_in_words_are_read(said: str, digits: list[str]) -> None:
    assert [i.digits for i in items(said)] == digits


def test_a_year_s_ending_is_part_of_its_number() -> None:
    (year,) = items("до конца 29-го")
    assert "до конца 29-го"[year.start : year.end] == "29-го"


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        # a pause, a filler or a correction between a card number's groups: Luhn-valid together
        ("Okay, 4152 7834, wait a second, 0012 3450.", "Okay, [CARD], wait a second, [CARD]."),
        ("Номер 4152 7834 0021, ой, нет, 0012 3450", "Номер [CARD], ой, нет, [CARD]"),  # the retracted part too
        ("п'ять три один нуль, сім сім вісім вісім і один два три чотири, п'ять шість сім один", "[CARD]"),
        ("пять два, две пятерки, ноль ноль семь, две четверки, сорок четыре, ноль ноль, сто один", "[CARD]"),
        # an expiry said again, as a year alone, with a year said as an ordinal, "March of '29"
        ("it expires oh three twenty-nine, no, sorry, oh four twenty-nine", "it expires [EXPIRY], no, sorry, [EXPIRY]"),
        ("karta 4111 1111 1111 1111, ważna do końca 2029 roku", "karta [CARD], ważna do końca [EXPIRY]"),
        ("срок действия до конца 29-го", "срок действия до конца [EXPIRY]"),
        ("термін дії: травень двадцять дев'ятого", "термін дії: [EXPIRY]"),
        ("and it runs out March of '29", "and it runs out [EXPIRY]"),
        ("data ważności: maj dwa tysiące trzydziestego", "data ważności: [EXPIRY]"),
        ("It expires December of twenty twenty-seven", "It expires [EXPIRY]"),
        ("Expiry date: 09 dash 28.", "Expiry date: [EXPIRY]."),
        ("Срок действия: в сентябре двадцать восьмого.", "Срок действия: в [EXPIRY]."),  # "in September"
        ("Карта 4111 1111 1111 1111, действует до 29 года", "Карта [CARD], действует до [EXPIRY]"),
        # a code named so, or on the front of an American Express card
        ("Amex 3782 822463 10005, four digits on the front: 4410", "Amex [CARD], four digits on the front: [CVV]"),
        ("Код безпеки 517", "Код безпеки [CVV]"),
        ("kod z przodu 4410", "kod z przodu [CVV]"),
        ("Three digits at the back: 7 3 7", "Three digits at the back: [CVV]"),
        ("CVV тричі сім", "CVV [CVV]"),
        ("Картка 4111 1111 1111 1111, тризначний код сім три сім.", "Картка [CARD], тризначний код [CVV]."),
    ],
)  # fmt: skip
def test_card_data_said_with_pauses_corrections_and_years_is_masked(said: str, expected: str) -> None:
    found = find_spans(said)
    assert mask(said, found) == expected and all(s.kind in ("card", "expiry", "cvv") for s in found)


@pytest.mark.parametrize(
    "said",
    [
        "the alarm code is 4417, then the gate code 2290",  # a bare "code" without card data about
        "код домофона 1290",
        "kod do bramy 4410",
        "HS code 8471 30",
        "код подъезда 3312",
        "Номер відправлення 2055 0012 3456 8",  # Luhn-valid, named, and no card scheme begins so
        "DHL tracking 1234 5678 9012 3452",
        "We sold 4152 units in March and 7834 in April",
        "Срок действия договора до 2029 года.",  # another thing's expiry
        "Your verification code is 4829, it's valid for 5 minutes.",  # a one-time code, no card's
        "Код подтверждения 4829.",
        "Заплатил пять тысяч, потом ещё четыре тысячи двести, потом тысячу триста, потом две тысячи.",  # amounts
        "We paid 4 500, then 12 000, and then 1 250, and 7 300 more.",
        "Срок действия договора до 12.2029.",
    ],
)
def test_other_codes_and_numbers_stay(said: str) -> None:
    assert masked(said) == said
    assert Redactor().partial("customer", said, 0.0) == []


def test_a_card_number_resumed_after_an_apology_goes_on() -> None:
    r = Redactor()
    assert [s.kind for s in r.final("c1", "customer", "my card number is 4152 7834 0012", 0.0, 3.0)["c1"]] == ["card"]
    said = "sorry, where was I, yes, 3450"
    assert mask(said, r.final("c2", "customer", said, 4.0, 6.0)["c2"]) == "sorry, where was I, yes, [CARD]"
    r = Redactor()  # no cue: the pieces pass the Luhn check together
    assert r.final("c1", "customer", "okay, it's 4152 7834", 0.0, 2.0) == {"c1": []}
    changed = r.final("c2", "customer", "hold on, let me look again, 0012 3450", 3.0, 5.0)
    assert {k: [s.kind for s in v] for k, v in changed.items()} == {"c1": ["card"], "c2": ["card"]}


def test_a_partial_of_a_customs_code_or_a_cell_number_is_not_masked() -> None:
    for said in ("the customs code is 8517 1200", "my cell is 415 555 0132"):
        assert Redactor().partial("customer", said, 0.0) == [], said


def test_a_partial_of_an_account_or_a_phone_the_script_masks_is_masked_while_said() -> None:
    r = Redactor(rules=Rules.of(("iban", "phone")))
    said = "my account is 6110 9010 1400 0007 1219"  # 20 digits of 26, named an account: no card
    assert mask(said, r.partial("customer", said, 0.0)) == "my account is [IBAN]"
    assert mask("call me on 600 123 4", r.partial("customer", "call me on 600 123 4", 0.0)) == "call me on [PHONE]"
    assert Redactor().partial("customer", said, 0.0) == []  # card data only: another number
    full = said + " 8128 74"
    assert masked(full) == full  # no Luhn-valid piece of it read as a card


def test_a_card_number_goes_on_after_an_utterance_without_a_number() -> None:
    said = ["so, 4149 5000", "hold on, one moment", "1234 5677"]  # Luhn-valid whole
    r, found = Redactor(), {}
    for n, text in enumerate(said):
        found.update(r.final(str(n), "customer", text, 2.0 * n, 2.0 * n + 1.5))
    assert [[s.kind for s in found.get(str(n), [])] for n in range(3)] == [["card"], [], ["card"]]
