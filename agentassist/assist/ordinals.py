"""Clock hours and days of the month said as ordinals, read from normalized tokens (matcher.tokens).

Polish and Ukrainian name an hour of the clock with an ordinal ("do osiemnastej", "o ósmej", "przed
dwunastą", "до вісімнадцятої", "о восьмій", "між восьмою"); the hours past the twentieth take two words
("do dwudziestej pierwszej", "до двадцять першої", whose "двадцять" the number reader has made "20"); and
the half hour is named by the hour it leads to ("o wpół do dziesiątej" is half past nine, "о пів на шосту"
and "в половине шестого" half past five). A clock time is no period and no bare number ("do osiemnastej" is
six in the evening, not 18 of anything): specifics compares it only with another clock time, on a 12-hour
dial ("do szóstej wieczorem" is "do osiemnastej").

A date names its day with an ordinal in the genitive ("do dziesiątego dnia", "до десятого числа", "до двадцять
п'ятого") or, in English, "the tenth", "the 25th": specifics compares it with the day a sentence says.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# the stems of the first to the twentieth, normalized (Polish diacritics folded)
_PL_HOURS = (
    "pierwsz drug trzeci czwart piat szost siodm osm dziewiat dziesiat jedenast dwunast trzynast czternast "
    "pietnast szesnast siedemnast osiemnast dziewietnast dwudziest"
)
_UK_HOURS = (
    "перш друг треть четверт п'ят шост сьом восьм дев'ят десят одинадцят дванадцят тринадцят чотирнадцят "
    "п'ятнадцят шістнадцят сімнадцят вісімнадцят дев'ятнадцят двадцят"
)
# Russian names the half hour with an ordinal ("половина шестого"), and the day of a date
_RU_ORDINALS = (
    "перв втор трет четверт пят шест седьм восьм девят десят одиннадцат двенадцат тринадцат четырнадцат пятнадцат "
    "шестнадцат семнадцат восемнадцат девятнадцат двадцат"
)
# which endings make a clock hour after which words: the genitive and locative after "until", "at",
# "from", "after" (Polish "-ej", Ukrainian "-ої", "-ій"), the instrumental after "before", "between" and
# "and" (Polish "-ą", folded "-a", which alone is also an adjective: "druga rata"; Ukrainian "-ою")
_HOUR_AFTER: dict[str, frozenset[str]] = {
    "ej": frozenset(("do", "o", "od", "po", "okolo")),
    "a": frozenset(("przed", "miedzy", "a")),
    "ої": frozenset(("до", "з", "від", "після")),
    "ій": frozenset(("о", "об")),
    "ою": frozenset(("перед", "між", "і", "та")),
}
HOUR_FORMS: dict[str, tuple[int, str]] = {}
for _i, _stem in enumerate(_PL_HOURS.split()):
    HOUR_FORMS[("drugi" if _stem == "drug" else _stem) + "ej"] = (_i + 1, "ej")
    HOUR_FORMS[_stem + "a"] = (_i + 1, "a")
for _i, _stem in enumerate(_UK_HOURS.split()):
    for _ending in ("ої", "ій", "ою"):
        # "третьої", "третьою", but "о третій": the soft sign goes before "і"
        _form = _stem[:-1] + _ending if _stem.endswith("ь") and _ending == "ій" else _stem + _ending
        HOUR_FORMS[_form] = (_i + 1, _ending)
        HOUR_FORMS[_form.replace("'", "")] = (_i + 1, _ending)
_RU_GENITIVE = {s + ("ьего" if s == "трет" else "ого"): i + 1 for i, s in enumerate(_RU_ORDINALS.split()[:12])}
# Ukrainian's accusative hours ("на п'яту", "пів на третю"), the first to the twelfth
_UK_ACCUSATIVE = {
    (s[:-1] + "ю" if s.endswith("ь") else s + "у").replace("'", q): i + 1
    for i, s in enumerate(_UK_HOURS.split()[:12])
    for q in ("'", "")
}
# an accusative hour after "на" is one of the clock with the part of the day after it: "на п'яту вечора" (but
# "на п'яту" alone may be a floor or a place in a queue)
_UK_DAY_PARTS = frozenset(("ранку", "вечора", "ночі", "дня"))
# The hour a half hour leads to, after the words that say "half to": Polish "wpół do" with the genitive
# ("wpół do dziesiątej"), Ukrainian "пів на" with the accusative ("пів на шосту", "пів на третю"), Russian
# "половина" with the genitive ("половина шестого", "в половине третьего").
_HALF_TO: dict[tuple[str, ...], dict[str, int]] = {
    ("wpol", "do"): {form: hour for form, (hour, ending) in HOUR_FORMS.items() if ending == "ej"},
    ("w", "pol", "do"): {form: hour for form, (hour, ending) in HOUR_FORMS.items() if ending == "ej"},
    ("пів", "на"): _UK_ACCUSATIVE,
    ("половина",): _RU_GENITIVE,
    ("половине",): _RU_GENITIVE,
}  # fmt: skip
_TWENTY = frozenset(("20", "dwudziestej", "dwudziesta"))


def ordinal_hours(toks: Sequence[str]) -> dict[int, int]:
    """The clock hours ``toks`` says as ordinals, on a 12-hour dial (0-11), by the index of each token they
    take: the ordinal, and the "twenty" of an hour past the twentieth."""
    out: dict[int, int] = {}
    for i, tok in enumerate(toks):
        half = _half_to(toks, i)
        if half is not None:
            out[i] = (half - 1) % 12
            continue
        if tok in _UK_ACCUSATIVE and i and toks[i - 1] == "на" and toks[i + 1 : i + 2] and toks[i + 1] in _UK_DAY_PARTS:
            out[i] = _UK_ACCUSATIVE[tok] % 12  # "на п'яту вечора"
            continue
        form = HOUR_FORMS.get(tok)
        if form is None or not i or i in out:
            continue
        hour, ending = form
        if toks[i - 1] in _HOUR_AFTER[ending]:
            out[i] = hour % 12
        elif hour <= 3 and toks[i - 1] in _TWENTY and i >= 2 and toks[i - 2] in _HOUR_AFTER[ending]:
            out[i - 1] = out[i] = (20 + hour) % 12  # "до двадцять першої", "do dwudziestej pierwszej"
    return out


def _half_to(toks: Sequence[str], i: int) -> int | None:
    """The hour the half hour said at ``toks[i]`` leads to (1-12), or None."""
    for before, forms in _HALF_TO.items():
        if toks[i] in forms and tuple(toks[max(0, i - len(before)) : i]) == before:
            return forms[toks[i]]
    return None


# the days of the month in the genitive: the stems of the first to the twentieth (as the hours'), and the thirtieth
_DAY_STEMS = (
    [(stem, i + 1) for i, stem in enumerate(_PL_HOURS.split())]
    + [(stem, i + 1) for i, stem in enumerate(_UK_HOURS.split())]
    + [(stem, i + 1) for i, stem in enumerate(_RU_ORDINALS.split())]
    + [("trzydziest", 30), ("тридцят", 30), ("тридцат", 30)]
)
_DAY_FORMS: dict[str, int] = {}
for _stem, _day in _DAY_STEMS:
    _DAY_FORMS[_stem + ("iego" if _stem == "drug" else "ego")] = _day  # "drugiego", "trzeciego"
    _DAY_FORMS[_stem + ("ьего" if _stem == "трет" else "ого")] = _day
    _DAY_FORMS[_stem.replace("'", "") + "ого"] = _day
# English ordinals but "first" and "second" ("first of all", "just a second"), and the written ones ("25th")
_EN_DAYS = (
    "third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth fourteenth fifteenth "
    "sixteenth seventeenth eighteenth nineteenth twentieth"
)
_DAY_FORMS.update((word, i + 3) for i, word in enumerate(_EN_DAYS.split()))
_DAY_FORMS["thirtieth"] = 30
_WRITTEN = re.compile(r"(\d{1,2})(st|nd|rd|th)")
_TENS = {"20": 20, "30": 30, "dwudziestego": 20, "двадцятого": 20, "двадцатого": 20, "trzydziestego": 30}


def genitive_ordinal(tok: str) -> int | None:
    """The number a one-word ordinal in the genitive says ("szóstego", "шостого", "шестого", "tenth"), or None."""
    return _DAY_FORMS.get(tok)


def ordinal_days(toks: Sequence[str], taken: frozenset[int] = frozenset()) -> frozenset[int]:
    """The days of the month ``toks`` says as ordinals (1-31), the tokens at ``taken`` (clock hours) left out:
    "do dwudziestego piątego" and "до двадцять п'ятого" are 25."""
    out: set[int] = set()
    for i, tok in enumerate(toks):
        written = _WRITTEN.fullmatch(tok)
        day = int(written.group(1)) if written else _DAY_FORMS.get(tok)
        if day is None or i in taken:
            continue
        before = toks[i - 1] if i else ""
        if day < 10 and before in _TENS:
            out.discard(_TENS[before])
            day += _TENS[before]
        if 1 <= day <= 31:
            out.add(day)
    return frozenset(out)
