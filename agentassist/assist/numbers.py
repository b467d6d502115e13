"""Cardinal numbers said as words become digits, in en, ru, uk and pl.

Works on normalized tokens (casefolded, ё→е, Polish diacritics folded), so
"thirty euros", "тридцать евро", "тридцять євро" and "trzydziesci euro" all
read "30 ...". Common inflected forms are listed ("пяти", "двадцати",
"piecdziesieciu"); ordinals (dates: "third", "третье") are left alone.
"""

from __future__ import annotations

_UNITS: dict[int, str] = {
    0: "zero ноль нуль нуля zero нолик нулик",  # "нолик", "нулик": zero as said fondly, inside a number
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
    12: "twelve двенадцать двенадцати дванадцять dwanascie dwunastu",  # "dwunastu": its stem changes, see _TEEN_CASES
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
_THOUSAND = {
    "thousand", "тысяча", "тысячи", "тысяч", "тысячу", "тысячей", "тисяча", "тисячі", "тисяч", "тисячу", "тисячею",
    "tysiac", "tysiace", "tysiecy", "tysiaca",
}  # fmt: skip
# the forms of one thousand: said alone they are 1000 ("тысяча пятьсот", "в размере тысячи двухсот": "тысячи" and
# "тисячі" are one thousand's genitive too); the forms that are only plural ("тысяч", "tysiące") need their count
_ONE_THOUSAND = frozenset(
    ("thousand", "тысяча", "тысячу", "тысячи", "тысячей", "тисяча", "тисячу", "тисячі", "тисячею", "tysiac", "tysiaca")
)
# A thousand after a half ("полторы тысячи", "дві з половиною тисячі", "półtora tysiąca", "two and a half
# thousand") is left a word: specifics reads the number and its half together (1500, 2500).
_HALF_BEFORE = frozenset(
    ("полторы", "полтора", "півтори", "півтора", "poltora", "poltorej", "половиной", "половиною", "pol", "half")
)
# English joins a hundred or a thousand to the rest with "and": "two hundred and fifty", "a thousand and fifty"
_AND = "and"


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


# every number word and its value ("fifty": 50, "сто": 100, "thousand": 1000): what a number said in words is made of
NUMBER_WORDS: dict[str, int] = {w: 1000 for w in _THOUSAND} | dict.fromkeys(_HUNDRED, 100) | _HUND | _TEN | _SMALL


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


def is_thousand(token: str) -> bool:
    return token in _THOUSAND


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
        start = _run_start(tokens, i)
        if start is None:
            i += 1
            continue
        first, current = start
        total, last_kind = 0, ""
        j = i
        while j < len(tokens):
            if tokens[j] == _AND and last_kind in ("hundred", "thousand") and _continues(tokens, j + 1, current):
                j += 1  # "two hundred and fifty": the "and" is part of the number
                continue
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
        runs.append((first, j, total + current))
        i = j
    return runs


def _run_start(tokens: list[str], i: int) -> tuple[int, int] | None:
    """Where a run of number words at ``tokens[i]`` starts, and the number it starts from, or None when no
    run starts there. A thousand said without its count is one thousand ("тысяча пятьсот", "тисячу
    двісті", "tysiąc pięćset", "a thousand five hundred" are 1500 and 1200, not 500 and 200), and a count
    written in digits before it is its count ("5 тысяч" is 5000); "a hundred" is one hundred. A bare
    "hundred" after anything else starts nothing."""
    tok = tokens[i]
    if _value(tok) is None:
        return None
    if tok in _THOUSAND:
        if i and tokens[i - 1] in _HALF_BEFORE:
            return None
        if i and tokens[i - 1].isdigit():
            return i - 1, int(tokens[i - 1])
        return (i, 1) if tok in _ONE_THOUSAND else None  # "тысячи", "tysiące" alone: thousands, no number
    if tok in _HUNDRED:
        return (i, 1) if i and tokens[i - 1] == "a" else None
    return i, 0


def _continues(tokens: list[str], j: int, current: int) -> bool:
    """A ten or a unit word at ``tokens[j]`` that continues the number read so far (what may follow
    "hundred and", "thousand and")."""
    v = _value(tokens[j]) if j < len(tokens) else None
    return v is not None and v[0] in ("ten", "unit") and _fits(v[0], v[1], current, "hundred")
