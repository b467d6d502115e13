"""Cardinal numbers said as words become digits, in en, ru, uk and pl.

Works on normalized tokens (casefolded, ё→е, Polish diacritics folded), so
"thirty euros", "тридцать евро", "тридцять євро" and "trzydziesci euro" all
read "30 ...". Common inflected forms are listed ("пяти", "двадцати",
"piecdziesieciu"); ordinals (dates: "third", "третье") are left alone.
"""

from __future__ import annotations

_UNITS: dict[int, str] = {
    0: "zero ноль нуль нуля zero",
    1: "one один одна одно одного одну одной один одна одне одного одну jeden jedna jedno jednego",
    2: "two два две двух двум два дві двох двом dwa dwie dwoch dwoma",
    3: "three три трех трем три трьох трьом trzy trzech trzema",
    4: "four четыре четырех четырем чотири чотирьох cztery czterech",
    5: "five пять пяти пятью п'ять п'яти п'ятьох piec pieciu",
    6: "six шесть шести шість шести szesc szesciu",
    7: "seven семь семи сім семи siedem siedmiu",
    8: "eight восемь восьми вісім восьми osiem osmiu",
    9: "nine девять девяти дев'ять дев'яти dziewiec dziewieciu",
    10: "ten десять десяти десять десяти dziesiec dziesieciu",
    11: "eleven одиннадцать одиннадцати одинадцять jedenascie",
    12: "twelve двенадцать двенадцати дванадцять dwanascie",
    13: "thirteen тринадцать тринадцять trzynascie",
    14: "fourteen четырнадцать чотирнадцять czternascie",
    15: "fifteen пятнадцать пятнадцати п'ятнадцять pietnascie pietnastu",
    16: "sixteen шестнадцать шістнадцять szesnascie",
    17: "seventeen семнадцать сімнадцять siedemnascie",
    18: "eighteen восемнадцать вісімнадцять osiemnascie",
    19: "nineteen девятнадцать дев'ятнадцять dziewietnascie",
}
_TENS: dict[int, str] = {
    20: "twenty двадцать двадцати двадцять двадцяти dwadziescia dwudziestu",
    30: "thirty тридцать тридцати тридцять тридцяти trzydziesci trzydziestu",
    40: "forty сорок сорока сорок czterdziesci czterdziestu",
    50: "fifty пятьдесят пятидесяти п'ятдесят п'ятдесяти piecdziesiat piecdziesieciu",
    60: "sixty шестьдесят шестидесяти шістдесят шістдесяти szescdziesiat szescdziesieciu",
    70: "seventy семьдесят семидесяти сімдесят сімдесяти siedemdziesiat siedemdziesieciu",
    80: "eighty восемьдесят восьмидесяти вісімдесят вісімдесяти osiemdziesiat osiemdziesieciu",
    90: "ninety девяносто девяноста дев'яносто dziewiecdziesiat dziewiecdziesieciu",
}
_HUNDREDS: dict[int, str] = {
    100: "сто ста сотня sto stu",
    200: "двести двухсот двісті двохсот dwiescie dwustu",
    300: "триста трехсот триста трьохсот trzysta trzystu",
    400: "четыреста четырехсот чотириста czterysta",
    500: "пятьсот пятисот п'ятсот п'ятисот piecset pieciuset",
    600: "шестьсот шестисот шістсот szescset",
    700: "семьсот семисот сімсот siedemset",
    800: "восемьсот восьмисот вісімсот osiemset",
    900: "девятьсот девятисот дев'ятсот dziewiecset",
}
_HUNDRED = {"hundred"}  # "three hundred": a multiplier in English
_THOUSAND = {"thousand", "тысяча", "тысячи", "тысяч", "тисяча", "тисячі", "тисяч", "tysiac", "tysiace", "tysiecy"}


def _table(groups: dict[int, str]) -> dict[str, int]:
    return {word: value for value, words in groups.items() for word in words.split()}


# The teens' oblique forms, made from the nominatives ("до восемнадцати лет", "до вісімнадцяти років",
# "od osiemnastu lat"): unlisted, "вісімнадцяти" stayed a word and was no figure at all.
_TEEN_CASES = (("надцать", ("надцати", "надцатью")), ("надцять", ("надцяти", "надцятьох")), ("nascie", ("nastu",)))


def _with_teen_cases(table: dict[str, int]) -> dict[str, int]:
    out = dict(table)
    for word, number in table.items():
        for ending, forms in _TEEN_CASES:
            if word.endswith(ending):
                out.update((word[: -len(ending)] + form, number) for form in forms)
    return out


_SMALL = _with_teen_cases(_table(_UNITS))
_TEN = _table(_TENS)
_HUND = _table(_HUNDREDS)


def _value(token: str) -> tuple[str, int] | None:
    if token in _SMALL:
        return "unit", _SMALL[token]
    if token in _TEN:
        return "ten", _TEN[token]
    if token in _HUND:
        return "hundreds", _HUND[token]
    if token in _HUNDRED:
        return "hundred", 100
    if token in _THOUSAND:
        return "thousand", 1000
    return None


def _fits(kind: str, value: int, current: int, last_kind: str) -> bool:
    """Whether a hundreds/ten/unit word continues the number read so far ("twenty" + "five")."""
    if kind == "hundreds":
        return current % 1000 == 0 and last_kind not in ("hundreds", "ten", "unit")
    if kind == "ten":
        return current % 100 == 0 and last_kind not in ("ten", "unit")
    return current % 10 == 0 and last_kind != "unit" and not (value >= 10 and current % 100)


def is_number_word(token: str) -> bool:
    return _value(token) is not None


def words_to_digits(tokens: list[str]) -> list[str]:
    """Replace each run of number words with its value in digits; other tokens pass unchanged."""
    out: list[str] = []
    i = 0
    for first, end, value in number_runs(tokens):
        out += tokens[i:first]
        out.append(str(value))
        i = end
    return out + tokens[i:]


def number_runs(tokens: list[str]) -> list[tuple[int, int, int]]:
    """Each run of number words as (first token, end token, value): "forty five thirty two" is two
    runs, 45 and 32; "two three" is two (digit by digit, as in a spelled-out card number)."""
    runs: list[tuple[int, int, int]] = []
    i = 0
    while i < len(tokens):
        if _value(tokens[i]) is None or tokens[i] in _THOUSAND or tokens[i] in _HUNDRED:
            i += 1
            continue
        total, current, last_kind = 0, 0, ""
        j = i
        while j < len(tokens):
            v = _value(tokens[j])
            if v is None:
                break
            kind, value = v
            if kind == "hundred":
                current = max(current, 1) * 100
            elif kind == "thousand":
                total += max(current, 1) * 1000
                current = 0
            elif _fits(kind, value, current, last_kind):
                current += value
            else:
                break  # "two three": two numbers, as in a spelled-out account number
            last_kind = kind
            j += 1
        runs.append((i, j, total + current))
        i = j
    return runs
