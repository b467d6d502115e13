"""The specifics of a line: its numbers, its units of time and its months, in en, ru, uk and pl.

A compliance line's point is often a figure: "you must not drive for four hours", "the prepayment is
fifty percent", "applications are accepted until the thirtieth of April", "a cancellation less than a
day before is not refunded". A sentence that keeps the line's frame and changes one of these ("for an
hour", "thirty percent", "of May", "less than three hours before") scores as a paraphrase on every
other measure (its words heard in order: 0.85-0.97; its cosine: 0.94-0.97), yet it says something else,
and a checker marks the line not said. Figures are read from normalized tokens (matcher.tokens, whose
number words are digits already), so "four", "четыре", "чотири" and "cztery" are all ``4``.

A period is compared by its length, whatever its unit ("seven days" is "a week", "дві доби" is "сорок
вісім годин"); a unit said without a number ("an hour", "сутки", "року") is one of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

from agentassist.assist.matcher import is_decimal
from agentassist.assist.numbers import words_to_digits
from agentassist.assist.ordinals import genitive_ordinal, ordinal_days, ordinal_hours

# Forms of each unit of time, normalized (casefolded, Polish diacritics folded, "ё" as "е"): listed, not
# matched by prefix, since the prefixes collide ("год" is a Russian year and a Ukrainian hour's root;
# "час" begins "часто", "часть").
_UNITS: dict[str, str] = {
    "minute": "minute minutes min mins минута минуты минут минуту минутами хвилина хвилини хвилин хвилину "
    "minuta minuty minut minute",
    "hour": "hour hours hrs час часа часов часу часам часами година години годин годину годинами "
    "godzina godziny godzin godzine godzinami",
    "day": "day days день дня дней дни днем дням днями сутки суток суткам доба доби діб добу днів дні "
    "dzien dni dnia dniu dniach dniami doba doby dob dobe",
    "week": "week weeks неделя недели недель неделю неделями тиждень тижні тижня тижнів тижнями "
    "tydzien tygodnie tygodnia tygodni tygodniu",
    "month": "month months месяц месяца месяцев месяцы месяцу місяць місяці місяця місяців місяцями "
    "miesiac miesiace miesiaca miesiecy miesiacu",
    "year": "year years год года лет году годы рік року роки років рокiв rok roku lata lat latach",
}
# Month names, in the forms a date takes ("the thirtieth of April", "до тридцатого апреля", "до
# тридцятого квітня", "do trzydziestego kwietnia") and the bare name.
_MONTHS: tuple[str, ...] = (
    "january jan январь января январе січень січня styczen stycznia",
    "february feb февраль февраля феврале лютий лютого luty lutego",
    "march mar март марта марте березень березня marzec marca",
    "april apr апрель апреля апреле квітень квітня kwiecien kwietnia",
    "may май мая мае травень травня maj maja",
    "june jun июнь июня июне червень червня czerwiec czerwca",
    "july jul июль июля июле липень липня lipiec lipca",
    "august aug август августа августе серпень серпня sierpien sierpnia",
    "september sep sept сентябрь сентября сентябре вересень вересня wrzesien wrzesnia",
    "october oct октябрь октября октябре жовтень жовтня pazdziernik pazdziernika",
    "november nov ноябрь ноября ноябре листопад листопада listopad listopada",
    "december dec декабрь декабря декабре грудень грудня grudzien grudnia",
)
# A cardinal hour said with the part of the day is a clock time, not a period or a bare number: "six pm",
# "seven in the evening", "до восьми часов вечера" (which was read as eight hours long), "до дев'яти
# вечора"; the ordinal hours ("o szóstej wieczorem", "о сьомій вечора") are read by ordinals.py. The
# number, at most one unit of hours ("часов", "годин", "o'clock"), then one of these words. "дня" is the
# afternoon only after the hour's unit ("в три часа дня"): alone, "два дня" are two days.
_DAY_PARTS = frozenset(
    ("am", "pm", "утра", "вечера", "ночи", "ранку", "вечора", "ночі", "rano", "wieczorem", "wieczor", "nocy")
)
_DAY_PARTS_AFTER_HOURS = frozenset(("дня", "morning", "evening", "afternoon", "night"))
# English says a clock hour with "o'clock", never with "hours": "a four-hour morning trip" is a trip four hours
# long (read as "four hours in the morning" it was 4 a.m., and the line's "at five" was another figure).
_ENGLISH_HOURS = frozenset(("hour", "hours", "hrs"))
# An hour of the 24-hour clock (13-23) with its unit after a word that places a time ("в шестнадцать часов",
# "до восемнадцати часов"), or closing a span from one hour to another ("с десяти до четырнадцати", "from ten
# to fourteen"): a clock time, which the speaker may give on the 12-hour dial ("в четыре часа дня", "с десяти
# до двух"). Read as a period, "в шестнадцать часов" was sixteen hours long and "в четыре часа дня" another
# figure; read as a bare number, "до четырнадцати" was not "до двух". Without its unit or its span ("детям до
# четырнадцати") the number may be an age or a count, and stays a number.
_AT_TIME = frozenset(
    ("в", "во", "к", "до", "с", "со", "после", "о", "об", "від", "з", "із", "після", "at", "from", "until", "till",
     "after", "before", "od", "do", "po", "przed")
)  # fmt: skip
_SPAN_FROM = frozenset(("с", "со", "від", "з", "із", "from", "od"))
_SPAN_TO = frozenset(("до", "to", "till", "until", "do", "по"))
# A clock hour said "eighteen hundred" or "восемнадцать ноль-ноль" (the tokens "18", "0", "0" or "18", "00"):
# its minutes, after it
_ZERO_MINUTES = (("0", "0"), ("00",))
# Noon said as a word: twelve o'clock ("в полдень" for "в двенадцать")
_NOON = frozenset(
    ("noon", "midday", "полдень", "полудня", "полудню", "опівдні", "полудень", "poludnie", "poludniu")
)  # fmt: skip
# Russian says one o'clock without its number: "в час ночи", "к часу дня" (not "две тысячи в час": a rate, which
# no part of the day follows)
_ONE_OCLOCK = frozenset(("час", "часу"))
_NIGHT_OR_DAY = frozenset(("ночи", "дня"))
# "half past five", "quarter to six": the hour of a clock time said with its minutes in words
_PAST = frozenset(("past", "to"))
_QUARTERS = frozenset(("half", "quarter"))
_UNIT = {form: unit for unit, forms in _UNITS.items() for form in forms.split()}
_MONTH = {form: i + 1 for i, forms in enumerate(_MONTHS) for form in forms.split()}
# short English forms that are everyday words too ("may", "mar", "sep"): a month only after a number or
# "of" ("the 30th of May", "until 30 May"), never alone ("you may", "it may"), nor after an age's number
# ("nobody under sixteen may use": v26, v27 held such lines unsure for a missing "month 5")
_AMBIGUOUS = frozenset(("may", "mar", "jan", "feb", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"))
_AGE_BOUND = frozenset(("under", "over", "above", "below", "than", "least", "aged"))
# Each unit in minutes, so that a period said in another unit is the same period: "seven days" is "a week",
# "дві доби" is "сорок вісім годин", "пів року" is "шість місяців" (a month counted as 30 days, a year as
# twelve of them: what a speaker means by "half a year").
_MINUTES = {"minute": 1, "hour": 60, "day": 1440, "week": 10080, "month": 43200, "year": 518400}
# "half" before a unit ("half an hour", "пів року", "pół roku"), and the one-word halves
_HALF = frozenset(("half", "пол", "пів", "pol"))
_HALVES = {"полчаса": "hour", "півгодини": "hour", "полгода": "year", "півроку": "year", "полдня": "day"}
# a quarter before a unit ("a quarter of an hour", "четверть часа", "чверть години", "ćwierć godziny") and
# Polish's one word for a quarter of an hour ("kwadrans"): fifteen minutes, where "години" alone was an hour
_QUARTER = frozenset(("quarter", "четверть", "чверть", "cwierc"))
_QUARTER_HOUR = frozenset(("kwadrans", "kwadransa", "kwadransie", "kwadranse", "kwadransow"))
# Ukrainian's hour of the clock, "о другій годині": no period ("година" is), and "дня" after it is the afternoon
_CLOCK_HOUR = frozenset(("годині",))
# Quarters counted: "three quarters of an hour", "три четверти часа", "три чверті години", "trzy kwadranse" are
# forty-five minutes (read alone, "3" was a bare number and "of an hour" an hour named, another figure than a
# line's "forty-five minutes")
_QUARTERS_COUNTED = frozenset(("quarters", "четверти", "чверті", "cwierci")) | _QUARTER_HOUR
# "дві години і ще півгодини", "two hours and another half hour": one period said in two, its half added
_MORE = frozenset(("ще", "еще", "ещё", "another", "a", "jeszcze"))
# "half" said of an amount ("half the price", "половину суммы", "połowę kwoty") is fifty per cent: a line's
# "50 %" said as a half keeps its figure, and a line's "30 %" said as a half changes it. Not before a unit
# (a period: "half an hour", "пів року"), a number or "past" (a clock time: "half two", "half past two"), or
# an ordinal ("половина второго": half past one), nor after a unit ("an hour and a half").
_HALF_AMOUNT = frozenset(
    ("half", "половина", "половину", "половины", "половиной", "половини", "половиною", "polowa", "polowe",
     "polowy", "polowie")
)  # fmt: skip
_AND = frozenset(("and", "с", "и", "з", "і", "й", "i"))
_ORDINAL_ENDINGS = ("ого", "ої", "ой", "ей")
# collective numerals, said of days and people ("двое суток", "troje dzieci"), which numbers.py leaves as words
_COLLECTIVE = {"двое": 2, "трое": 3, "четверо": 4, "двоє": 2, "троє": 3, "dwoje": 2, "troje": 3, "czworo": 4}
# A vague count makes its unit a vague span, no figure: "на пару часов", "через несколько дней", "za kilka dni", "a
# few hours". Read as the unit alone after "на", "через" or "za", it was one hour or one day, and "на пару часов" was
# another figure than a line's "два часа".
_VAGUE = frozenset(
    ("пару", "несколько", "нескольких", "кілька", "кількох", "pare", "kilka", "kilku", "couple", "few", "several")
)  # fmt: skip
# Colloquial fives, tens, fifties, hundreds and thousands, which numbers.py does not read: "sześć dych" is 60, "dwie
# stówy" 200, "две тыщи" 2000, "two grand" 2000; said alone ("stówa", "dycha", "a tenner", "по полсотни"), one of them.
_TIMES = {
    "dycha": 10, "dyche": 10, "dychy": 10, "dych": 10, "dyszka": 10, "dyszke": 10, "dyszki": 10, "dyszek": 10,
    "stowa": 100, "stowy": 100, "stow": 100, "stowka": 100, "stowke": 100, "сотни": 100, "сотен": 100,
    "сотню": 100, "сотні": 100, "сотень": 100, "тыща": 1000, "тыщи": 1000, "тыщ": 1000,
    "grand": 1000, "fiver": 5, "fivers": 5, "tenner": 10, "tenners": 10, "полсотни": 50, "полсотню": 50,
    "полтинник": 50, "півсотні": 50,
}  # fmt: skip
# An age said as one word: "siedmiolatki", "семилетки", "семирічки" (seven-year-olds), "under-twelves": its number
# is the word's first part ("siedmio" read as "siedmiu", "семи", "twelve"); the stems numbers.py does not read are
# listed. A stem must be a number word: "zapłata", "билет", "поріч" are no ages.
_AGE_NOUNS = ("lat", "лет", "річ")
_AGE_STEMS = {"dwu": 2, "cztero": 4, "дво": 2}
_AGE_PLURAL_AFTER = frozenset(("under", "over"))
# A price with its thousands left unnamed: "две пятьсот", "дві чотириста", "девять шестьсот" (the tokens
# "2", "500") is 2500, as Russian and Ukrainian speakers say prices. A number of thousands (1-99) followed
# at once by a round hundred says nothing else: a count and a hundred apart would be "two, five hundred".
_ROUND_HUNDREDS = frozenset(range(100, 1000, 100))
# "две с половиной тысячи", "дві з половиною тисячі", "dwa i pół tysiąca", "two and a half thousand", and
# "полторы тысячи" (one and a half): a number, "and", a half, the thousand word. Read word by word, the half
# was fifty per cent (``_HALF_AMOUNT``) beside a bare 2, and a line's "две тысячи пятьсот" was changed.
_THOUSAND_WORDS = frozenset(
    ("thousand", "тысяча", "тысячи", "тысяч", "тыщи", "тыщ", "тисяча", "тисячі", "тисяч", "tysiac", "tysiace",
     "tysiecy", "tysiaca")
)  # fmt: skip
_ONE_AND_A_HALF = frozenset(("полторы", "полтора", "півтори", "півтора", "poltora", "poltorej"))
# "seven days a week", "siedem dni w tygodniu", "семь дней в неделю", "сім днів на тиждень" say how often (every
# day), not how long: read as a period of seven days, "open seven days a week, from ten" was another figure than
# a line's "every day from ten, sessions of sixty minutes"
_WEEK = frozenset(("week", "tygodniu", "tydzien", "неделю", "неделе", "тиждень"))


def _thousands_unnamed(toks: Sequence[str], i: int) -> bool:
    """``toks[i]`` and ``toks[i + 1]`` are a price with its thousands left unnamed ("2", "500")."""
    if i + 1 >= len(toks) or not toks[i].isdigit() or not toks[i + 1].isdigit():
        return False
    if i and toks[i - 1].isdigit():
        return False  # a run of groups, as a number read digit by digit
    after = toks[i + 2] if i + 2 < len(toks) else ""
    return 1 <= int(toks[i]) <= 99 and int(toks[i + 1]) in _ROUND_HUNDREDS and not after.isdigit()


def _and_a_half_thousand(toks: Sequence[str], i: int) -> int:
    """How many tokens from ``i`` say a number of thousands and a half, or 0."""
    if toks[i] in _ONE_AND_A_HALF:
        return 2 if i + 1 < len(toks) and toks[i + 1] in _THOUSAND_WORDS else 0
    if not toks[i].isdigit() or i + 1 >= len(toks) or toks[i + 1] not in _AND:
        return 0
    j = i + 2 + (i + 2 < len(toks) and toks[i + 2] == "a")
    if j + 1 < len(toks) and (toks[j] in _HALF_AMOUNT or toks[j] in _HALF) and toks[j + 1] in _THOUSAND_WORDS:
        return j + 2 - i
    return 0


# A word such as "working", "business" or "рабочих" may stand between a number and its unit; a preposition
# may not ("пять тысяч за час" is a price per hour, not five thousand hours).
# A unit said without a number is one of it only after an article or a preposition of time ("for an hour",
# "меньше чем за сутки", "протягом року", "w ciągu dnia"): alone it is a greeting ("хорошего дня", "dzień
# dobry"), a day named ("the day before") or a vague span ("a couple of minutes").
_SPAN = frozenset(
    ("a", "an", "for", "within", "per", "за", "через", "течение", "протягом", "впродовж", "на", "przez", "ciagu",
     "za", "na", "po")
)  # fmt: skip
# A rate's unit: "две тысячи в час", "сто гривень у день", "dwieście złotych w tygodniu" are a price per hour, not
# two thousand hours.
_PER = frozenset(("в", "во", "у", "w", "per", "each", "every"))
# "one of" is a choice, not a count: "лише у присутності одного з батьків" (one of the parents), "jedna z
# tych opcji", "one of our engineers". Read as the figure 1, a line saying it was heard without its figure
# whenever the sentence said "with a parent" instead, and a compliance line said whole was left unsure.
_PARTITIVE = frozenset(("of", "из", "изо", "з", "із", "зі", "серед", "среди", "z", "ze", "sposrod"))
# "an hour and a half", "час с половиной", "годину з половиною", "godzinę i pół"
_AND_A_HALF = frozenset(("half", "половиной", "половиною", "pol"))
# A quantity said between a number and a unit is the unit's own ("в четырнадцать, полтора часа", "o 14, pół
# godziny", "at 2, 1.5 hours"): the number before it is another figure (here a clock hour), not the count of
# fourteen hours. The recognizer's comma is gone from the tokens.
_AMOUNTS = _HALF | _QUARTER | _QUARTERS_COUNTED | _ONE_AND_A_HALF
# Polish says an age with its count after "lat": "dzieci do lat sześciu" is "do sześciu lat", "powyżej lat 18"
# "powyżej 18 lat". Read as a year named alone and a bare number, "do lat sześciu" was changed by "do sześciu lat".
# Only "lat": after another unit a number is a price or a date ("Абонемент на месяц — четыре с половиной тысячи",
# "dnia 15 maja"), and English puts one after "day" or "year" only to name it ("day 3").
_AGE_BEFORE_COUNT = "lat"
# An age said as the year of life the child is in: "do szóstego roku życia", "до шостого року життя", "до шестого
# года жизни" is "under six" ("do lat sześciu"), not a sixth day of the month and a year named alone.
_LIFE = frozenset(("zycia", "життя", "жизни"))


@dataclass(frozen=True, slots=True)
class Figures:
    """The figures of a text: bare numbers, periods (in minutes, with the number they were said with, or
    None for a unit said alone: "an hour", "сутки") and months (1-12)."""

    numbers: frozenset[int]
    periods: frozenset[tuple[float, int | None]]
    months: frozenset[int]
    hours: frozenset[int] = frozenset()  # clock hours said as ordinals, on a 12-hour dial (0-11)
    named: frozenset[float] = frozenset()  # units of time said alone, a day named ("on the day"), in minutes
    days: frozenset[int] = frozenset()  # days of the month said as ordinals ("do dziesiątego", "by the 25th")

    def said(self) -> frozenset[int]:
        """Every number said, bare or as a period's."""
        return self.numbers | {n for _, n in self.periods if n is not None}

    def lengths(self) -> frozenset[float]:
        return frozenset(length for length, _ in self.periods)


def figures(toks: Sequence[str]) -> Figures:
    """The figures of a normalized token list (matcher.tokens: number words are digits already)."""
    numbers: set[int] = set()
    periods: set[tuple[float, int | None]] = set()
    months: set[int] = set()
    named: set[float] = set()
    taken: set[int] = set()  # numbers read as a period's or a clock time's
    aged: set[int] = set()  # ordinals read as an age ("do szóstego roku życia")
    toks = _colloquial([str(_COLLECTIVE[t]) if t in _COLLECTIVE else t for t in _ages(toks)])
    clock = _clock_times(toks)
    ordinal = ordinal_hours(toks)
    taken.update(clock)
    taken.update(ordinal)
    of_clock: set[int] = set()  # units read as a clock time's ("годині" in "о другій годині дня")
    for i, tok in enumerate(toks):
        unit = _UNIT.get(tok)
        after_clock = i - 1 in clock or i - 1 in ordinal or i - 1 in of_clock
        if i in taken or ((unit is not None or tok in _CLOCK_HOUR) and after_clock):
            # a unit just after a clock time is its part of the day ("в четыре часа дня", "до першої години"), and
            # so is "дня" after it ("о другій годині дня")
            of_clock.add(i)
            continue
        quarters = _quarters(toks, i, taken)
        if quarters is not None:
            periods.add((quarters * _MINUTES[unit or "hour"] / 4, None))
        elif tok in _HALVES:
            periods.add((_MINUTES[_HALVES[tok]] / 2 + _added_to(toks, i, periods), None))
        elif tok in _QUARTER_HOUR:
            periods.add((_MINUTES["hour"] / 4, None))
        elif unit is not None and _VAGUE.intersection(toks[max(0, i - 2) : i]):
            continue  # "на пару часов", "a couple of minutes": a vague span
        elif unit == "day" and i and toks[i - 1].isdigit() and _WEEK.intersection(toks[i + 1 : i + 3]):
            # "7 days a week": how often; its count and its week are no figures either
            taken.update((i - 1, next(k for k in (i + 1, i + 2) if toks[k] in _WEEK)))
        elif unit is not None:
            size = _MINUTES[unit]
            half = size / 2 if _AND_A_HALF.intersection(toks[i + 1 : i + 4]) else 0
            before = _and_a_half_before(toks, i, taken)
            if before is not None:  # "дві з половиною години", "two and a half hours", "dwie i pół godziny"
                n = int(toks[before])
                taken.add(before)
                half = size / 2
            elif i and toks[i - 1].isdigit() and i - 1 not in taken:
                n = int(toks[i - 1])
                taken.add(i - 1)
            elif (
                i >= 2
                and toks[i - 2].isdigit()
                and toks[i - 1] not in _SPAN | _PER | _MONEY | _AMOUNTS
                and not is_decimal(toks[i - 1])
                and i - 2 not in taken
            ):
                n = int(toks[i - 2])
                taken.add(i - 2)
            elif _count_after(toks, i, taken):
                n = int(toks[i + 1])
                taken.add(i + 1)
            elif (age := _year_of_life(toks, i)) is not None:
                n = age
                aged.add(i - 1)
            elif i and is_decimal(toks[i - 1]):  # "1,5 години"
                periods.add((float(toks[i - 1]) * size, None))
                continue
            elif _QUARTER.intersection(toks[max(0, i - 3) : i]):
                periods.add((size / 4, None))
                continue
            elif _HALF.intersection(toks[max(0, i - 2) : i]):
                periods.add((size / 2, None))
                continue
            elif i and toks[i - 1] in _ONE_AND_A_HALF:  # "півтори години" is ninety minutes
                periods.add((size * 1.5, None))
                continue
            elif _SPAN.intersection(toks[max(0, i - 2) : i]):
                periods.add((size + half, None))
                continue
            elif not any(t.isdigit() for t in toks[max(0, i - 3) : i]):
                named.add(size)  # a day named, not a rate's ("восемь тысяч рублей в сутки")
                continue
            else:
                continue
            periods.add((n * size + half, n))
        elif tok in _MONTH:
            previous = toks[i - 1] if i else ""
            an_age = i > 1 and toks[i - 2] in _AGE_BOUND
            if tok not in _AMBIGUOUS or (previous.isdigit() and not an_age) or previous == "of":
                months.add(_MONTH[tok])
    numbers.update(
        int(t)
        for j, t in enumerate(toks)
        if t.isdigit() and j not in taken and not (t == "1" and toks[j + 1 : j + 2] and toks[j + 1] in _PARTITIVE)
    )
    if any(_half_amount(toks, i) for i, t in enumerate(toks) if t in _HALF_AMOUNT):
        numbers.add(50)
    return Figures(
        frozenset(numbers),
        frozenset(periods),
        frozenset(months),
        frozenset(ordinal.values()) | set(clock.values()),
        frozenset(named),
        ordinal_days(toks, frozenset(ordinal) | aged),
    )


def _quarters(toks: Sequence[str], i: int, taken: set[int]) -> int | None:
    """The count of quarters the unit at ``i`` is said in ("3 quarters of an hour", "3 четверти часа"; Polish
    "3 kwadranse" is its own unit), taking the count's index, or None."""
    if toks[i] in _QUARTER_HOUR:
        at = i
    elif _UNIT.get(toks[i]) is not None:
        at = next((k for k in range(i - 1, max(-1, i - 4), -1) if toks[k] in _QUARTERS_COUNTED), -1)
    else:
        return None
    if at < 1 or not toks[at - 1].isdigit() or at - 1 in taken or not 1 <= int(toks[at - 1]) <= 11:
        return None
    taken.add(at - 1)
    return int(toks[at - 1])


def _and_a_half_before(toks: Sequence[str], i: int, taken: set[int]) -> int | None:
    """The index of the count of a period said "N and a half" before its unit at ``i`` ("2 з половиною години",
    "2 and a half hours", "2 i pol godziny", "2 с половиной часа"), or None."""
    k = i - 1
    if k < 0 or toks[k] not in _AND_A_HALF:
        return None
    k -= 1 + (k >= 1 and toks[k - 1] == "a")
    if k < 1 or toks[k] not in _AND or not toks[k - 1].isdigit() or k - 1 in taken:
        return None
    return k - 1


def _added_to(toks: Sequence[str], i: int, periods: set[tuple[float, int | None]]) -> float:
    """A half said after a period and "and" ("2 години і ще півгодини", "2 hours and another half hour"): the
    period it adds to, taken out of ``periods`` (its length is returned, for the half to add it), or 0."""
    k = i - 1
    while k >= 0 and toks[k] in _MORE:
        k -= 1
    if k < 2 or toks[k] not in _AND or _UNIT.get(toks[k - 1]) is None or not toks[k - 2].isdigit():
        return 0
    n, size = int(toks[k - 2]), _MINUTES[_UNIT[toks[k - 1]]]
    if (n * size, n) not in periods:
        return 0
    periods.discard((n * size, n))
    return n * size


def _year_of_life(toks: Sequence[str], i: int) -> int | None:
    """The age the unit at ``i`` says as a year of life, an ordinal before it ("do szóstego roku życia"), or None."""
    if not i or _UNIT.get(toks[i]) != "year" or i + 1 >= len(toks) or toks[i + 1] not in _LIFE:
        return None
    return genitive_ordinal(toks[i - 1])


def _count_after(toks: Sequence[str], i: int, taken: set[int]) -> bool:
    """The unit at ``i`` is Polish "lat" with its count right after it ("do lat sześciu"): a number not taken,
    followed by no unit or month of its own."""
    if toks[i] != _AGE_BEFORE_COUNT:
        return False
    count = toks[i + 1] if i + 1 < len(toks) else ""
    after = toks[i + 2] if i + 2 < len(toks) else ""
    return count.isdigit() and i + 1 not in taken and after not in _UNIT and after not in _MONTH


def _clock_times(toks: Sequence[str]) -> dict[int, int]:
    """The cardinal hours said with a part of the day (``_DAY_PARTS``), by the index of each token they
    take (the number and its unit), as hours on a 12-hour dial."""
    out: dict[int, int] = {}
    for i, tok in enumerate(toks):
        if tok in _NOON:
            out[i] = 0
            continue
        if (
            tok in _ONE_OCLOCK
            and i
            and toks[i - 1] in _AT_TIME
            and toks[i + 1 : i + 2]
            and toks[i + 1] in _NIGHT_OR_DAY
        ):
            out[i] = 1  # "в час ночи", "в час дня": one o'clock, said without its number
            continue
        if not tok.isdigit() or not 1 <= int(tok) <= 24:
            continue
        nxt = toks[i + 1] if i + 1 < len(toks) else ""
        unit = nxt == "o'clock" or (_UNIT.get(nxt) == "hour" and nxt not in _ENGLISH_HOURS)
        if i >= 2 and toks[i - 1] in _PAST and toks[i - 2] in _QUARTERS:  # "half past five", "quarter to six"
            out[i] = int(tok) % 12
            continue
        zeros = next((len(z) for z in _ZERO_MINUTES if tuple(toks[i + 1 : i + 1 + len(z)]) == z), 0)
        if zeros and ((i and toks[i - 1].isdigit()) or toks[i + 1 + zeros : i + 2 + zeros][:1] in (["0"], ["00"])):
            zeros = 0  # digits read one by one ("1 0 0 5"), not a clock time
        if zeros and i + 1 + zeros < len(toks) and toks[i + 1 + zeros].isdigit():
            zeros = 0
        if zeros or (13 <= int(tok) <= 23 and i and toks[i - 1] in _AT_TIME and unit) or _at_oclock(toks, i, unit):
            out[i] = int(tok) % 12
            for k in range(i + 1, i + 1 + max(zeros, unit)):
                out[k] = int(tok) % 12
            continue
        start = _span_start(toks, i)
        if start is not None:
            out[start] = int(toks[start]) % 12
            out[i] = int(tok) % 12
            continue
        after = [t for t in toks[i + 2 if unit else i + 1 :][:3] if t not in ("in", "the")][:2]
        if after in (["a", "m"], ["p", "m"]):  # "a.m.", "p.m."
            after = ["am"]
        after = after[:1]
        part = bool(after) and (
            after[0] in _DAY_PARTS
            or (after[0] in _DAY_PARTS_AFTER_HOURS and (unit or after[0] != "дня" or _span_end(toks, i, out)))
        )
        if part:
            out[i] = int(tok) % 12
            if unit:
                out[i + 1] = int(tok) % 12
    for i in sorted(out, reverse=True):
        out.update(_listed_hours(toks, i))
    return out


def _listed_hours(toks: Sequence[str], i: int) -> dict[int, int]:
    """The hours listed before the clock hour at ``i`` with its placing word, which only the last one says with
    its unit: "в одиннадцать, в тринадцать и в шестнадцать часов", "at 10 and at 2 pm" are all clock hours (read alone,
    the first ones were bare numbers, and "в час дня" for the line's "в тринадцать" was another figure)."""
    out: dict[int, int] = {}
    if i < 1 or toks[i - 1] not in _AT_TIME:
        return out
    placing = toks[i - 1]
    j = i - 2
    while j >= 1:
        if toks[j] in _AND:
            j -= 1
        if j < 1 or not toks[j].isdigit() or not 1 <= int(toks[j]) <= 24 or toks[j - 1] != placing:
            break
        out[j] = int(toks[j]) % 12
        j -= 2
    return out


# Russian places an hour of the clock with "в" or "к" and its unit: "в двенадцать часов", "к двум часам" are twelve
# and two o'clock on any dial, where "на двенадцать часов" and "двенадцать часов" are periods. Not after "раз" ("раз
# в два часа": every two hours), and not the Latin "w" ("w dwie godziny" is Polish for "within two hours").
_AT_OCLOCK = frozenset(("в", "во", "к", "ко"))
_EVERY = frozenset(("раз", "раза"))


def _at_oclock(toks: Sequence[str], i: int, unit: bool) -> bool:
    """``toks[i]`` (1-12, with its hour unit after it) is an hour of the clock placed by ``_AT_OCLOCK``."""
    return (
        unit
        and 1 <= int(toks[i]) <= 12
        and i >= 1
        and toks[i - 1] in _AT_OCLOCK
        and (i < 2 or toks[i - 2] not in _EVERY)
    )


def _span_start(toks: Sequence[str], i: int) -> int | None:
    """The index of the first hour of a span of the clock that ``toks[i]`` closes ("с 10 до 14"), when one of
    its two hours is past noon on the 24-hour clock (13-23), or None."""
    if i < 3 or toks[i - 1] not in _SPAN_TO or toks[i - 3] not in _SPAN_FROM or not toks[i - 2].isdigit():
        return None
    hours = (int(toks[i - 2]), int(toks[i]))
    if not all(0 <= h <= 24 for h in hours) or not any(13 <= h <= 23 for h in hours):
        return None
    return i - 2


def _span_end(toks: Sequence[str], i: int, clock: dict[int, int]) -> bool:
    """``toks[i]`` closes a span of the clock whose first hour is a clock time already read: "с одиннадцати утра
    до двух дня" ends at two in the afternoon, where "два дня" alone are two days."""
    return (
        i >= 3
        and toks[i - 1] in _SPAN_TO
        and any(j in clock and toks[j - 1] in _SPAN_FROM for j in range(max(1, i - 3), i - 1))
    )


def _half_amount(toks: Sequence[str], i: int) -> bool:
    """The half at ``i`` is of an amount (fifty per cent), not of a period or a clock time."""
    after = toks[i + 1 : i + 3]
    before = [t for t in toks[max(0, i - 3) : i] if t != "a"]
    if len(before) >= 2 and before[-1] in _AND and before[-2] in _UNIT:
        return False  # "an hour and a half", "час с половиной": the period's
    if any(t in _UNIT or t.isdigit() for t in after) or (after and (after[0] == "past" or after[0] in _AND_A_HALF)):
        return False
    return not (after and after[0].endswith(_ORDINAL_ENDINGS))


def _ages(toks: Sequence[str]) -> list[str]:
    """``toks`` with each age said as one word (``_AGE_NOUNS``: "siedmiolatki", "десятилетних", "under-twelves")
    read as its number."""
    out: list[str] = []
    for i, tok in enumerate(toks):
        number = None
        if i and toks[i - 1] in _AGE_PLURAL_AFTER and tok.endswith("s"):
            number = _number(tok[:-1])
        for noun in _AGE_NOUNS:
            at = tok.find(noun)
            if number is None and at > 1:
                stem = tok[:at]
                number = _AGE_STEMS.get(stem) or _number(stem) or _number(stem[:-1] + "u")
        out.append(str(number) if number is not None else tok)
    return out


def _number(word: str) -> int | None:
    """The number a single word says (numbers.py's reading), or None."""
    digits = words_to_digits([word])
    return int(digits[0]) if len(digits) == 1 and digits[0].isdigit() else None


def _colloquial(toks: list[str]) -> list[str]:
    """``toks`` with each colloquial hundred or thousand (``_TIMES``) multiplied into its number, a price
    said with its thousands left unnamed ("две пятьсот" is 2500) and a thousand and a half ("две с
    половиной тысячи" is 2500) read as one number."""
    out: list[str] = []
    i = 0
    while i < len(toks):
        tok = toks[i]
        size = _and_a_half_thousand(toks, i)
        if size:
            out.append(str((int(tok) if tok.isdigit() else 1) * 1000 + 500))
            i += size
            continue
        if _thousands_unnamed(toks, i):
            out.append(str(int(tok) * 1000 + int(toks[i + 1])))
            i += 2
            continue
        i += 1
        if tok not in _TIMES:
            out.append(tok)
        elif out and out[-1].isdigit():
            out[-1] = str(int(out[-1]) * _TIMES[tok])
        else:
            out.append(str(_TIMES[tok]))
    return out


@lru_cache(maxsize=4096)
def _line_figures(line: tuple[str, ...]) -> Figures:
    """A say-line's figures, cached: the same lines are read on every final of every call."""
    return figures(line)


def clock_hours(toks: Sequence[str]) -> dict[int, int]:
    """The clock hours of ``toks`` by token index, on a 12-hour dial: the ordinals (ordinals.ordinal_hours) and
    the cardinals said as times ("в двадцать три ноль-ноль", "до восьми вечера")."""
    return {**_clock_times(toks), **ordinal_hours(toks)}


@lru_cache(maxsize=4096)
def line_hours(line: tuple[str, ...]) -> dict[int, int]:
    """A say-line's clock hours (:func:`clock_hours`), cached as ``_line_figures``."""
    return clock_hours(line)


def heard_hours(heard: Sequence[str]) -> dict[int, int]:
    """The clock hours ``heard`` may say, by token index, on a 12-hour dial: those :func:`clock_hours` reads,
    and each bare number of the clock (1-24) not followed by a unit ("Працюємо з 10:00 до 21:00", "четвер,
    17:30": the recognizer writes the hours of the clock in digits); not a round hour's minutes ("00")."""
    bare = {
        j: int(t) % 12
        for j, t in enumerate(heard)
        if t.isdigit() and 1 <= int(t) <= 24 and (j + 1 == len(heard) or heard[j + 1] not in _UNIT)
    }
    return {j: h for j, h in (bare | clock_hours(heard)).items() if heard[j] not in ("0", "00")}


def figure_words(toks: Sequence[str]) -> frozenset[str]:
    """The tokens of ``toks`` that say its figures: numbers, units of time, halves and month names."""
    return frozenset(
        t
        for t in toks
        if t.isdigit()
        or t in _UNIT
        or t in _MONTH
        or t in _HALF
        or t in _HALVES
        or t in _QUARTER
        or t in _QUARTER_HOUR
        or t in _COLLECTIVE
        or t in _TIMES
    )


def agreeing_words(line: Sequence[str], heard: Sequence[str]) -> frozenset[str]:
    """The figure words of both, when ``heard`` says every figure of the line and none other in its place
    (:func:`missing`, :func:`changed`): "сорок восемь часов" for "двух суток" is the line's period in
    other words, not words of another meaning. Empty when the figures disagree or the line has none."""
    own = figure_words(line)
    if not own or missing(line, heard) or changed(line, heard):
        return frozenset()
    return own | figure_words(heard)


def missing(line: Sequence[str], heard: Sequence[str]) -> list[str]:
    """The line's figures that ``heard`` does not say, as text for the evidence: each number (bare, or
    a period's: heard as the same period in any unit, or as the number alone: "старше восемнадцати" for
    "старше восемнадцати лет"), and each month. A unit the line says alone is not required ("bring the
    card on the day", "per month": rarely a period)."""
    want, got = figures(line), figures(heard)
    # a number heard as a clock hour is said ("at five" as "the five o'clock", "в двенадцать" as "в полдень")
    short = _shortened(want, heard)
    out = [
        str(n) for n in sorted(want.numbers) if n not in got.said() and n not in short and not _heard_as_hour(n, got)
    ]
    out += [
        f"{n} ({length:g} min)"
        for length, n in sorted(want.periods, key=str)
        if n is not None and length not in got.lengths() and n not in got.said()
    ]
    return out + [f"month {m}" for m in sorted(want.months - got.months)]


def _heard_as_hour(n: int, got: Figures) -> bool:
    """Whether the line's number ``n`` is heard as a clock hour ("at five" as "the five o'clock", "в двенадцать"
    as "в полдень")."""
    return n <= 12 and n % 12 in got.hours


def _shortened(want: Figures, heard: Sequence[str]) -> frozenset[int]:
    """The line's prices that ``heard`` says the way a price is said short, its hundreds or its thousands left
    unnamed: "four fifty" for 450, "шесть с половиной" for 6500, "cztery i pół" for 4500. Said alone, "four
    fifty" may be a price in pence or a clock time and "шесть с половиной" six and a half of anything, so they
    are read as the line's number only beside a line that says it."""
    out: set[int] = set()
    # a price list said in hundreds ("взрослым шесть сотен, детям три", "dwie stówy dorośli, dzieci jedna"): its
    # other prices' hundreds left unnamed
    in_hundreds = any(_TIMES.get(t) == 100 for t in heard)
    out.update(int(t) * 100 for t in heard if in_hundreds and t.isdigit() and 1 <= int(t) <= 9)
    # a colloquial hundred or thousand going on with its tens ("stówka czterdzieści" for 140, "две тыщи пятьсот"
    # for 2500); alone, "двенадцать тыщ, три метра" are 12000 and three metres
    for i, tok in enumerate(heard[:-1]):
        size, nxt = _TIMES.get(tok, 0), heard[i + 1]
        if size >= 100 and nxt.isdigit() and int(nxt) < size:
            out.add((int(heard[i - 1]) if i and heard[i - 1].isdigit() else 1) * size + int(nxt))
    out &= want.numbers
    for i, tok in enumerate(heard[:-1]):
        if not tok.isdigit() or not 1 <= int(tok) <= 99 or (i and heard[i - 1].isdigit()):
            continue
        nxt = heard[i + 1]
        if nxt.isdigit() and 10 <= int(nxt) <= 99 and int(tok) * 100 + int(nxt) in want.numbers:
            out.add(int(tok) * 100 + int(nxt))
        j = i + 2 + (heard[i + 2 : i + 3] == ["a"])
        if nxt in _AND and heard[j : j + 1] and heard[j] in _AND_A_HALF | _HALF_AMOUNT:
            out.update({int(tok) * 1000 + 500} & want.numbers)
    return frozenset(out)


# Words of money after a number ("three pounds", "шістсот гривень", "250 złotych", normalized): the number
# before one is a price.
_MONEY = frozenset(
    ("pounds", "pound", "quid", "pence", "euros", "euro", "dollars", "dollar", "рублей", "рубля", "рубль",
     "рублів", "гривень", "гривні", "гривня", "гривню", "grn", "zlotych", "zlote", "zloty", "zlotego", "groszy")
)  # fmt: skip


def numbers_said(line: Sequence[str], heard: Sequence[str]) -> frozenset[int]:
    """The numbers ``heard`` says, bare or as a period's, with those said the colloquial way read as one
    ("три с половиной тысячи" 3500, "три двести" 3200) and the line's prices said short ("four fifty" for
    450): what a line's number token is heard as when no heard token spells it."""
    return figures(heard).said() | _shortened(_line_figures(tuple(line)), heard)


def unpriced(line: Sequence[str], heard: Sequence[str]) -> bool:
    """The line states a price (a number before a word of money, ``_MONEY``) and ``heard`` says no such number:
    not as a number (a period's or a clock time's is no price: "It takes about three hours" for "It's three
    pounds per square metre"), nor said short ("four fifty" for 450). A sentence in the line's frame that
    leaves out its price ("Оренда генератора ... мінімум на одну добу, пальне окремо" for "Оренда генератора
    ... коштує шістсот гривень на добу, пальне окремо") says something else about the thing priced."""
    want = _line_figures(tuple(line))
    # a price the line's own reading takes for a period's count is no price to look for: read the same way in
    # the line said word for word ("Година коштує сто двадцять гривень, доба — вісімсот": 120 read with "доба"),
    # it would never be heard
    prices = {int(t) for t, after in pairwise(line) if t.isdigit() and after in _MONEY} & want.numbers
    if not prices:
        return False
    got = figures(heard)
    return bool(prices - got.numbers - _shortened(want, heard))


_LISTED_REACH = 4  # a bare "час" is one o'clock with another placed hour this many words either side


def _placed_hours(toks: Sequence[str]) -> dict[int, int]:
    """The hours of the clock listed with a placing word (``_AT_TIME``), by token index: "в одиннадцать, в час и
    в три" (11, 1, 3), "о 10 і о 14". A bare "час" is one o'clock only beside another placed hour ("в час" alone
    may be "per hour")."""
    out = {
        k: int(t)
        for k, t in enumerate(toks)
        if k
        and toks[k - 1] in _AT_TIME
        and t.isdigit()
        and 1 <= int(t) <= 23
        and _UNIT.get(toks[k + 1] if k + 1 < len(toks) else "", "hour") == "hour"
    }
    for k, t in enumerate(toks):
        near = range(k - _LISTED_REACH, k + _LISTED_REACH + 1)
        if t in _ONE_OCLOCK and k and toks[k - 1] in _AT_TIME and any(j in out for j in near):
            out[k] = 1
    return out


def _end_hours(want: Figures) -> frozenset[int]:
    """The hours on a 12-hour dial at which the line's span ends, when it says a clock hour and how long from it
    in whole hours: "o jedenastej i trwają dwie godziny" ends at one, so "kończymy o pierwszej", "od jedenastej do
    trzynastej", "с одиннадцати утра до двух дня" say its length as the hour it ends (and the end hour heard is no
    other clock hour). A line with no clock hour, or two of them, has no one span to end."""
    if len(want.hours) != 1:
        return frozenset()
    start = next(iter(want.hours))
    return frozenset(
        (start + int(length // 60)) % 12 for length, n in want.periods if n is not None and 60 <= length <= 720
    )


def changed(line: Sequence[str], heard: Sequence[str]) -> bool:
    """``heard`` says one of the line's figures as another of its kind: a number, a period or a month
    that the line lacks, where one of the line's own of that kind is not heard ("thirty percent" for
    "fifty percent", "within three hours" for "within a day", "of May" for "of April")."""
    want = _line_figures(tuple(line))
    if not (want.numbers or want.periods or want.months or want.hours or want.named or want.days):
        return False  # most lines: nothing to change, and this runs for every window against every line
    got = figures(heard)
    # A day named by a line that says no period ("payment is due on the day the work is finished", "повертаємо
    # її в день повернення") is changed by a period heard in its place ("within thirty days of", "протягом
    # місяця після"), unless the period is that one unit ("within a day", "24 hours before" for "the day
    # before").
    if not want.periods and want.named and got.lengths() - want.named:
        return True
    # a number heard at one of the line's clock hours is that hour ("from six a.m." for "from six in the
    # morning"), unless the sentence says a clock hour of its own that the line lacks ("с девяти до двенадцати
    # утра" for "с шести до девяти вечера": its nine is the morning's)
    at_hour = set() if got.hours - want.hours else {n for n in got.numbers if n % 12 in want.hours}
    # an afternoon hour said on the 24-hour dial where the line placed it on the 12-hour one ("в тринадцать и в
    # пятнадцать" for "в час и в три")
    own_placed = _placed_hours(line)
    placed = _placed_hours(heard)
    afternoon = {h for h in placed.values() if h >= 13 and h - 12 in own_placed.values()}
    at_hour |= afternoon
    # and a list of such hours said with one of them another ("в одиннадцать, в четырнадцать" for "в
    # одиннадцать, в час")
    # (an hour that the other says anywhere, placed or not, is no other: "six till nine" for "from six to nine")
    own_dial, dial_heard = {h % 12 for h in own_placed.values()}, {h % 12 for h in placed.values()}
    own_said, heard_said = {n % 12 for n in want.said()} | want.hours, {n % 12 for n in got.said()} | got.hours
    listed = (
        len(own_placed) >= 2 and bool(own_dial - dial_heard - heard_said) and bool(dial_heard - own_dial - own_said)
    )
    # and a number of the line heard as a clock hour is that hour ("at five" for "the five o'clock")
    unsaid = {n for n in want.numbers - got.said() if not _heard_as_hour(n, got)} - _shortened(want, heard)
    unsaid -= {n for n in unsaid if n + 12 in afternoon}
    numbers = bool(unsaid) and bool(got.numbers - want.said() - at_hour)
    periods = bool(want.lengths() - got.lengths()) and bool(got.lengths() - want.lengths())
    months = bool(want.months - got.months) and bool(got.months - want.months)
    # a clock hour of the line heard as another ("do dwudziestej" for "do osiemnastej"); one heard as a
    # number ("do osiemnastej" as "do 18") is the same hour
    dial = got.hours | {n % 12 for n in got.numbers}
    ends = _end_hours(want)
    hours = bool(want.hours - dial) and bool(got.hours - want.hours - ends)
    # the line's start heard with another end and no length ("od czternastej do siedemnastej" for "o czternastej i
    # trwa dwie godziny"): its length said as another
    ended = bool(ends) and not got.lengths() and want.hours <= dial and bool(got.hours - want.hours - ends)
    # a day of the month said as another ("do dwudziestego dnia" for "do dziesiątego dnia"); one heard in digits
    # ("до 10 числа") is the same day
    days = bool(want.days - got.days - got.numbers) and bool(got.days - want.days)
    return numbers or periods or months or hours or days or listed or ended
