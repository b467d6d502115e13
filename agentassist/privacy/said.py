"""Numbers as said, found in one utterance's text: the pieces every card data rule reads.

Whisper writes numbers as digits ("4111 1111 1111 1111", "12/27", "4-5-3-9") and sometimes as words
("four one one one ...", "forty five thirty two", "oh nine twenty eight", "double seven", "double 7",
"сорок пять", "п'ять", "pięć", "две двойки", "dwa razy siedem", "тысяча восемьсот", a year's
"двадцать седьмого"); both become :class:`Item` s with their character offsets, and items
separated by nothing but spaces, commas, dots, dashes, slashes or a said "slash" form a chain (a number
said in groups: :func:`chains`). Text is read :func:`fold` ed: lowercase, Polish diacritics and ё folded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from itertools import pairwise

from agentassist.assist.numbers import is_number_word, number_runs
from agentassist.privacy.memo import remembered

_FOLD = str.maketrans("ąćęłńóśźżё’ʼ`", "acelnoszzе'''")
TOKEN = re.compile(r"\d+|[^\W\d_]+(?:'[^\W\d_]+)*")
# the spoken names of the slash, the dash and the space said between two groups of one number (Polish "łamane przez" and
# "ukośnik", British "stroke", "oblique", the Russian and Ukrainian "косая (черта)", "скісна (риска)", the signs' own
# names), as folded: one list, read as phrases by JOIN and word by word after a code (expiry.counts)
_JOIN_NAMES_SAID = (
    "slash|dash|stroke|oblique|forward slash|дробь|слеш|слэш|тире|дефис|косая черта|косая|дріб|дефіс|скісна риска"
    "|скісна|коса риска|lamane przez|lamane na|lamane|przez|ukosnik|myslnik|kreska"
    # ... in the instrumental, or after "через" ("10 дробью 28", "10 дробом 28", "10 через дробь 28", "через слеш")
    "|дробью|дробом|слешем|слэшем|через дробь|через дріб|через слеш|через слэш|через косую|через скісну"
    # ... and the space bar's name, as a number is dictated to be typed ("4716 space 2893", "пробел", "spacja")
    "|space|пробел|пробіл|spacja"
)
JOIN_NAMES = tuple(_JOIN_NAMES_SAID.split("|"))
JOIN_WORDS = frozenset(word for name in JOIN_NAMES for word in name.split())
# between two groups of one number: "4111 1111", "12/27", "45, 32", "twelve slash twenty seven" (JOIN is only
# ever matched whole, so the order of the names is no matter)
JOIN = re.compile(r"[\s,.\-–—/']{0,4}|\s+(?:" + "|".join(JOIN_NAMES) + r")\s+")
_GROUP_END = re.compile(r"[,./]")  # words said apart by a comma are two numbers, not one ("five thousand, ...")
_ZERO = {"oh", "o", "nil"}  # "oh nine", "nil two" (British): English says zero so inside a number
_REPEAT = {"double": 2, "triple": 3, "treble": 3, "дважды": 2, "трижды": 3, "двічі": 2, "тричі": 3}
_REPEAT |= {"quadruple": 4, "четырежды": 4, "чотирічі": 4}  # "quadruple eight": 8888, a card's whole group
# "podwójne osiem": 88; an adjective in every case and gender ("podwójną ósemkę", "двойная семёрка", "подвійну
# сімку"), as folded
_REPEAT |= {
    stem + ending: count
    for stem, count, endings in (
        ("podwojn", 2, "e a y ie ej ego ym emu ych"),
        ("potrojn", 3, "e a y ie ej ego ym emu ych"),
        ("двойн", 2, "ая ую ой ое ые ого ым"),
        ("тройн", 3, "ая ую ой ое ые ого ым"),
        ("подвійн", 2, "а у ий е і ої ого им"),
        ("потрійн", 3, "а у ий е і ої ого им"),
    )
    for ending in endings.split()
}
REPEAT_WORDS = frozenset(_REPEAT)  # the words that say the next digit more than once ("double", "трижды", "podwójne")
# Whisper's spellings of a digit said alone ("five for to three"): read as digits where a card is said digit by digit
_HOMOPHONES = {"for": "four", "fore": "four", "to": "two", "too": "two", "ate": "eight"}
# ... and in Russian, Ukrainian and Polish: "два", "dwa" said fast inside digits is written "за", "za"
_HOMOPHONES |= {"за": "два", "za": "dwa"}
# a security code's length, and the English words naming one that its digits may follow ("the code is for to nine")
_CODE_LEAST, _CODE_MOST = 3, 4
_CODE_NAMES = {"code", "cvv", "cvc", "cvn", "cid", "csc", "cvv2", "cvc2", "cvn2"}
_CARD_LEAST = 13  # the fewest digits a card number has (an old Visa's)
_CARD_MOST = 19  # the most (a Maestro's, a UnionPay's)
_PIECE_LEAST = 6  # a card's piece said digit by digit over finals, a homophone among them ("five to oh nine")
# "a pair of sevens" (77), "пара семёрок", "пара сімок", "para siódemek": the word, and how many words after it
# the digit's noun comes
_PAIR = {"pair": 1, "пара": 0, "para": 0}
_TIMES = {"razy", "раза", "рази"}  # "dwa razy siedem", "четыре раза восемь", "чотири рази вісім": the digit so often
# a digit's name as a noun, said after how many times it comes ("две двойки": 22, "чотири п'ятірки": 5555,
# "dwa zera": 00) or after "double" ("podwójna ósemka": 88): in every case, singular and plural, as folded (ё to е,
# Polish diacritics off); a stem and the endings of its declension
_NOUN_ENDINGS = {
    "pl": "a i e ce om ami ach",  # ósemka, ósemki, ósemkę, ósemce, ...; the genitive plural is the stem's own
    "ru": "а и е у ой ою ам ами ах",
    "uk": "а и у ою ам ами ах ці",  # двійка, двійки, двійці (its "к" turns "ц"), ...
}
# each digit's noun from 1 to 9 in each language, for ``_NOUN_ENDINGS``: its stem and its genitive plural
_NOUN_STEMS = {
    "pl": "jedyn/jedynek dwoj/dwojek troj/trojek czwor/czworek piat/piatek szost/szostek siodem/siodemek osem/osemek"
    " dziewiat/dziewiatek",
    "ru": "единичк/единичек двойк/двоек тройк/троек четверк/четверок пятерк/пятерок шестерк/шестерок семерк/семерок"
    " восьмерк/восьмерок девятк/девяток",
    "uk": "одиничк/одиничок двійк/двійок трійк/трійок четвірк/четвірок п'ятірк/п'ятірок шістк/шісток сімк/сімок"
    " вісімк/вісімок дев'ятк/дев'яток",
}


def _noun_form(lang: str, stem: str, ending: str) -> str:
    """A digit noun's form: its stem with ``ending``; Polish "ósem|k|a" but "ósem|c|e", Ukrainian "двій|к|а" but
    "двій|ц|і"."""
    if lang == "pl":
        return stem + ("" if ending == "ce" else "k") + ending
    return stem[:-1] + ending if ending == "ці" else stem + ending


def _digit_nouns() -> dict[str, int]:
    """Each form of each digit's noun (:data:`_NOUN_STEMS`), and the digit it names."""
    out = {"нуля": 0, "нули": 0, "нулей": 0, "нулі": 0, "нулів": 0, "zera": 0, "zer": 0}
    out |= {"ноля": 0, "ноли": 0, "нолей": 0}  # "два ноля": the spoken Russian of "два нуля"
    out |= {"единицы": 1, "единица": 1, "единицу": 1, "одиниці": 1, "одиниця": 1, "одиницю": 1}
    for lang, stems in _NOUN_STEMS.items():
        for value, forms in enumerate(stems.split(), start=1):
            stem, plural = forms.split("/")
            out |= {_noun_form(lang, stem, ending): value for ending in _NOUN_ENDINGS[lang].split()}
            out[plural] = value
    return out


# English says a digit's plural after its count ("four eights": 8888, "two sevens": 77), as the nouns above are said
_DIGIT_NOUNS = _digit_nouns() | {
    word: value
    for value, words in enumerate(
        ("zeros zeroes ohs", "ones", "twos", "threes", "fours", "fives", "sixes", "sevens", "eights", "nines")
    )
    for word in words.split()
}
_COUNTS = {"два": 2, "две": 2, "дві": 2, "dwa": 2, "dwie": 2, "три": 3, "trzy": 3}
_COUNTS |= {"четыре": 4, "чотири": 4, "cztery": 4, "two": 2, "three": 3, "four": 4}
_DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
# an ordinal read as its number where it ends a number said in words: a year, "двадцать седьмого" (27),
# "dwa tysiące dwudziestego siódmego" (2027); one alone ("первого декабря") stays a word
_ORDINALS = {
    word: value
    for value, words in {
        1: "первого першого pierwszego",
        2: "второго другого drugiego",
        3: "третьего третього trzeciego",
        4: "четвертого четвертого czwartego",
        5: "пятого п'ятого piatego",
        6: "шестого шостого szostego",
        7: "седьмого сьомого siodmego",
        8: "восьмого восьмого osmego",
        9: "девятого дев'ятого dziewiatego",
        10: "десятого dziesiatego",
        11: "одиннадцатого одинадцятого jedenastego",
        12: "двенадцатого дванадцятого dwunastego",
        20: "двадцатого двадцятого dwudziestego",
        30: "тридцатого тридцятого trzydziestego",
    }.items()
    for word in words.split()
}
# the same as said of a year named before ("рік — тридцятий", "год двадцать девятый", "rok trzydziesty")
_ORDINALS |= {
    word: value
    for value, words in {
        1: "первый перший pierwszy",
        2: "второй другий drugi",
        3: "третий третій trzeci",
        4: "четвертый четвертий czwarty",
        5: "пятый п'ятий piaty",
        6: "шестой шостий szosty",
        7: "седьмой сьомий siodmy",
        8: "восьмой восьмий osmy",
        9: "девятый дев'ятий dziewiaty",
        10: "десятый десятий dziesiaty",
        11: "одиннадцатый одинадцятий jedenasty",
        12: "двенадцатый дванадцятий dwunasty",
        20: "двадцатый двадцятий dwudziesty",
        30: "тридцатый тридцятий trzydziesty",
    }.items()
    for word in words.split()
}
_CARDINAL_OF = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight", 9: "nine"}
_CARDINAL_OF |= {10: "ten", 11: "eleven", 12: "twelve", 20: "twenty", 30: "thirty"}
# "a funny one", "my old one": a word
_ONE_BEFORE = {"a", "an", "the", "this", "that", "another", "which", "each", "every", "any"}
_ONE_BEFORE |= {"my", "your", "his", "her", "our", "their", "its"}
_SUFFIX = re.compile(r"-(?:го|ого|его|й|ий|ый|ой|я|е)(?![^\W\d_])")  # "до конца 27-го", "2029-го"
_QUANTITY = re.compile(
    r"[\s-]*(?:digits?|numbers|цифр\w*|циферк\w*|цифірк\w*|cyfr\w*|cyferk\w*)(?![^\W\d_])"
)  # "three digits": how many, no number
_MORE = re.compile(r"\s+more(?![^\W\d_])")  # "three more" said in words: how many more digits come, no number
# "the four on the front are 8812", "три на обороте": a count of the digits printed there (a security code's), no
# number; only one digit said alone (a number's last digit before them is said so rarely as to be taken for one)
_PRINTED_THERE = re.compile(
    r"\s+(?:(?:on|at) the (?:front|back)|спереди|сзади|на обороте|на лицевой стороне|спереду|ззаду|на звороті"
    r"|на лицьовому боці|z przodu|z tylu|na odwrocie)(?![^\W\d_])"
)
# "последние четыре 7782", "the last four 9156", "первые восемь 2200 1813": how many digits follow (a card's end
# or its first half), no number; or the next group's ("next four 0411", "следующие четыре", "następne cztery")
_LAST = re.compile(
    r"\b(?:last|final|first|next|последн\w*|перв\w*|следующ\w*|останн\w*|перш\w*|наступн\w*|ostatni\w*|pierwsz\w*"
    r"|nastepn\w*|kolejn\w*)\s+$"
)
# "the last four are 9156", "последние четыре ещё раз: 3498": the count, then "again" or a verb
_NAMING = re.compile(
    r"(?:,?\s+(?:again|once more|еще раз|ще раз|jeszcze raz|raz jeszcze))?(?:\s+(?:are|is|were|это|це|to))?[\s:,\-–—]*"
)
_YEAR = {"year", "года", "году", "року", "roku"}  # "до конца тридцатого года": an ordinal said as a year
_YEAR_BEFORE = {"year", "год", "рік", "rok"}  # "рік — тридцятий": an ordinal said after the word is a year
# "Місяць четвертий", "miesiąc piąty": an ordinal said after the word "month" is the month's number (1-12)
_MONTH_BEFORE = {"month", "месяц", "місяць", "miesiac"}
# "март тридцатого", "березень двадцять дев'ятого": an ordinal said after a month named alone (the nominative; a date
# names its day first, "тридцатого марта") is the year's
_MONTH_ALONE = {
    word
    for words in (
        "январь февраль март апрель май июнь июль август сентябрь октябрь ноябрь декабрь",
        "січень лютий березень квітень травень червень липень серпень вересень жовтень листопад грудень",
        "styczen luty marzec kwiecien maj czerwiec lipiec sierpien wrzesien pazdziernik listopad grudzien",
        # ... or in the genitive after "until" ("до февраля тридцатого", "do lutego trzydziestego"): the year's too
        "января февраля марта апреля мая июня июля августа сентября октября ноября декабря",
        "січня лютого березня квітня травня червня липня серпня вересня жовтня листопада грудня",
        "stycznia lutego marca kwietnia maja czerwca lipca sierpnia wrzesnia pazdziernika listopada grudnia",
    )
    for word in words.split()
}
_HUNDREDS = {"hundred", "thousand"}  # English says "and" after them inside a number
_NOUGHT = {"nought", "naught"}
_THOUSANDS = {"thousand", "тысяча", "тысячи", "тысяч", "тисяча", "тисячі", "тисяч", "tysiac", "tysiace", "tysiecy"}
_A_THOUSAND = {"тысяча", "тисяча", "tysiac"}  # one thousand, said without "one": "тысяча восемьсот" (1800)
_ONE = {"one", "один", "одна", "одну", "jeden"}
_MOMENT = {"moment", "sec", "second", "minute"}  # "one moment", "one sec": a pause, no digit
CUE_WORDS = 3  # a cue reaches a number this many words after it ("the CVV is 123")
CONTEXT_WORDS = 2  # an answer to a cue said before ("318", "it's 318"), or going on after card data ("and 737")


@dataclass(frozen=True, slots=True)
class Item:
    """One number as said: its digits and where it is in the text (``end`` exclusive)."""

    start: int
    end: int
    digits: str
    joined: bool = False  # said in words right after the one before, one group with it ("thirty seven | fifty")
    spoken: bool = False  # said in words ("forty two thousand one hundred"), not written in digits


@dataclass(frozen=True, slots=True)
class Span:
    kind: str  # card | expiry | cvv
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Before:
    """What was said just before an utterance: what a final of either speaker ended asking for (``card``,
    ``expiry``, ``cvv``, or ``other``: an order or phone number), the card data kinds the last final held, and
    whether a card came up a little before (``carded``: evidence for a number that fails the Luhn check)."""

    asked: frozenset[str] = frozenset()
    said: frozenset[str] = frozenset()
    carded: bool = False  # a payment card named, or card data said, in the call's last finals (either speaker)


NOTHING = Before()


@remembered("fold")  # a call's last finals are read again with each new one: the same texts
def fold(text: str) -> str:
    """Lowercase, Polish diacritics and ё folded, apostrophes unified: the same length as ``text``."""
    lowered = text.lower()
    if len(lowered) != len(text):  # a letter that lowercases to two ("İ"): kept as it is
        lowered = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
    return lowered.translate(_FOLD)


def items(text: str) -> list[Item]:
    """Every number in ``text``, digits and number words alike, in order."""
    return list(_items(text))


@remembered("items")
def _items(text: str) -> tuple[Item, ...]:
    folded = fold(text)
    tokens = [(m.group(), m.start(), m.end()) for m in TOKEN.finditer(folded)]
    out: list[Item] = []
    words: list[tuple[str, int, int]] = []  # a run of number words, joined only by separators

    def flush() -> None:
        for run in _thousands_apart(words):
            last = -1
            for first, end, value in number_runs([w for w, _, _ in run]):
                start = run[first][1]
                joined = last >= 0 and (start <= last or folded[last:start].isspace())
                out.append(Item(start, run[end - 1][2], str(value), joined, spoken=True))
                last = run[end - 1][2]
        words.clear()

    repeat, repeat_start, skip, joint = 0, 0, -1, -1
    for n, (tok, start, end) in enumerate(tokens):
        if n == skip:  # "razy" of "dwa razy siedem"
            continue
        gap = folded[max(words[-1][2], joint) : repeat_start if repeat else start] if words else ""
        if words and (not JOIN.fullmatch(gap) or _GROUP_END.search(gap)):  # "four thousand, twelve hundred": two
            flush()
        joint = -1
        if tok == "and" and words and words[-1][0] in _HUNDREDS and _number_after(tokens, n):
            joint = end  # "four thousand five hundred and thirty-nine": one number
            continue
        if tok.isdigit():
            flush()
            end = suffix.end() if (suffix := _SUFFIX.match(folded, end)) else end  # "27-го": the year's ending too
            # "double 7": Whisper writes the digit, the word stays
            out.append(Item(repeat_start, end, tok * repeat) if repeat and len(tok) == 1 else Item(start, end, tok))
        elif count := _repeat(tokens, n):
            repeat, repeat_start = count, start  # "double seven": 77, masked from "double"
            skip = n + 1 if tokens[n + 1][0] in _TIMES or _PAIR.get(tok) else -1  # "razy", "of"
            if tok in _PAIR and n and tokens[n - 1][0] == "a" and folded[tokens[n - 1][2] : start] == " ":
                repeat_start = tokens[n - 1][1]  # "a pair of sevens": masked from "a"
            continue
        elif (twice := _group_twice(tokens, n, folded, out)) and not words:
            last = out[-1]  # "4716 twice, then 8803": the group said twice, 4716 4716
            out[-1] = Item(last.start, twice, last.digits * 2, last.joined, last.spoken)
            skip = n + 1 if twice > end else -1
            continue
        elif repeat and tok in _DIGIT_NOUNS:
            words.extend([(_DIGIT_WORDS[_DIGIT_NOUNS[tok]], repeat_start, end)] * repeat)
        elif tok in _DIGIT_NOUNS and _nouns_in_a_row(tokens, n, folded):
            words.append((_DIGIT_WORDS[_DIGIT_NOUNS[tok]], start, end))  # "пятёрка, девятка, единица": 5, 9, 1
        elif word := _number_word(tokens, n, repeat, folded):
            words.extend([(word, repeat_start if repeat else start, end)] * max(repeat, 1))
        else:
            flush()
        repeat = 0
    flush()
    out = [
        i
        for i in out
        if i.digits
        and not _QUANTITY.match(folded, i.end)
        and not (i.spoken and _MORE.match(folded, i.end))
        and not _count_printed(folded, i)
        and not _group_numbered(folded, i)
    ]
    counting = _group_counts(folded, out)
    return tuple(i for n, i in enumerate(out) if not _count_of_last(folded, i, out[n + 1 :]) and n not in counting)


_COLON = re.compile(r"\s*:")
_GROUP_LEAST = 3  # a card's group counted by its place: three digits or more after its count


def _group_counts(folded: str, said: list[Item]) -> set[int]:
    """Which of ``said`` count a card's groups as they come ("one: 4921, two: 8830, three: 1174", "раз: 4921, два:
    8830", "dwa: 8830, trzy: 1174"): one digit said in words before a colon and a group, each one more than the one
    before it; how many groups so far, no digit of the card."""
    if ":" not in folded:  # most texts: read at once
        return set()
    labels = [
        n
        for n, i in enumerate(said[:-1])
        if i.spoken and len(i.digits) == 1 and _COLON.match(folded, i.end) and len(said[n + 1].digits) >= _GROUP_LEAST
    ]
    return {n for a, b in pairwise(labels) if int(said[b].digits) == int(said[a].digits) + 1 for n in (a, b)}


def _count_printed(folded: str, item: Item) -> bool:
    """Whether ``item`` is one digit said in words that counts the digits printed on a side of the card ("the
    four on the front", "три на обороте"): how many, no number; not the last of digits said one by one ("Three four
    six on the back": the code, its place after it)."""
    return item.spoken and not item.joined and len(item.digits) == 1 and bool(_PRINTED_THERE.match(folded, item.end))


# a card's group named by its number before its digits ("group two 3390", "группа 2 3390", "grupa 2: 3390")
_GROUP_BEFORE = re.compile(r"\b(?:group|block|группа|група|grupa|блок|blok)\s+$")
_GROUP_WORD_CHARS = 8  # "группа ": the longest of those words, and the space after it


def _group_numbered(folded: str, item: Item) -> bool:
    """Whether ``item`` is one digit that numbers the group said after it ("group two 3390"), no digit of it."""
    if len(item.digits) != 1:
        return False
    return bool(_GROUP_BEFORE.search(folded, max(0, item.start - _GROUP_WORD_CHARS), item.start))


def _count_of_last(folded: str, item: Item, after: list[Item]) -> bool:
    """Whether ``item`` says how many digits follow, after "last" or "first", not a digit of them ("последние
    четыре 7782", "the last four 9156", "the last four are 9156", "ostatnie cztery to 9930", "первые восемь 2200
    1813"): one digit said in words, a number right after it or after a verb that names it, and as many digits
    as it says after it, in one group or in the number they make. A word that says another count is the
    number's first digit ("И последние два четыре три три": 2433, the last group; "ostatnie siedem cztery jeden
    siedem": 7417). A count the final ends on counts digits said before it."""
    if not (item.spoken and len(item.digits) == 1 and _LAST.search(folded, 0, item.start)):
        return False
    if not after:  # the final ends on the count ("so the code's the last three."): what it counts was said before
        # ... or on its verb ("and the last four are", "a ostatnie cztery to"): what it counts comes next
        return _NAMING.fullmatch(folded.rstrip(" .…"), item.end) is not None
    if not (JOIN.fullmatch(folded, item.end, after[0].start) or _NAMING.fullmatch(folded, item.end, after[0].start)):
        return False
    count = int(item.digits)
    return count in (_said_after(folded, after, whole=False), _said_after(folded, after, whole=True))


def _said_after(folded: str, after: list[Item], whole: bool) -> int:
    """How many digits the items from ``after[0]`` say: in its group (only spaces between them: "2200 1813",
    "четыре три три"), or with ``whole`` in the number they make (any separator between: "77, 82")."""
    digits = len(after[0].digits)
    for a, b in pairwise(after):
        gap = folded[a.end : b.start]
        if not (JOIN.fullmatch(gap) if whole else gap.isspace()):
            break
        digits += len(b.digits)
    return digits


_NOUN_GAP = re.compile(r"[\s,.\-–—]*")  # between digits' nouns said one after another
_NOUNS_LEAST = 3  # a code's digits, the fewest said as their nouns in a row
_NOUN_RUN = frozenset(_DIGIT_NOUNS) | {"ноль", "нуль", "zero"}  # zero has no noun: its name said among them


def _nouns_in_a_row(tokens: list[tuple[str, int, int]], n: int, folded: str) -> bool:
    """Whether the digit's noun at ``tokens[n]`` is one of at least three said in a row with only separators
    between them ("пятёрка, пятёрка, девятка", "п'ятірка, двійка, сімка", "piątka, dwójka, siódemka"): each of them
    one digit, as a card or a code is read back; a noun alone ("получил пятёрку", "tramwaj trójka") is no number."""

    def reach(k: int, step: int) -> int:
        while 0 <= k + step < len(tokens) and tokens[k + step][0] in _NOUN_RUN:
            a, b = (tokens[k], tokens[k + step]) if step > 0 else (tokens[k + step], tokens[k])
            if not _NOUN_GAP.fullmatch(folded, a[2], b[1]):
                break
            k += step
        return k

    return reach(n, 1) - reach(n, -1) + 1 >= _NOUNS_LEAST


_TWICE = {"twice", "дважды", "двічі", "dwukrotnie"}  # a group said twice, said after it ("4716 twice")
_TWICE_SAID = {("two", "times"), ("два", "раза"), ("два", "рази"), ("dwa", "razy")}  # ... in two words
_NEXT_GROUP = re.compile(
    r",?\s+(?:(?:and |и |і |i )?(?:then|next|потом|затем|дальше|потім|далі|potem|dalej)\b|\d{4}(?!\d))"
)
_GROUP_DIGITS = 4


def _group_twice(tokens: list[tuple[str, int, int]], n: int, folded: str, out: list[Item]) -> int:
    """Where the words at ``tokens[n]`` end that say the card's group written right before them twice ("4716
    twice, then 8803", "4716 два раза, потом", "4716 двічі, потім", "4716 dwa razy, potem"): four digits, the
    next group after them (not "charged 299 twice", "paid 1200 twice on the 14th"); 0: none."""
    tok, start, end = tokens[n]
    if tok not in _TWICE:
        if n + 1 >= len(tokens) or (tok, tokens[n + 1][0]) not in _TWICE_SAID:
            return 0
        end = tokens[n + 1][2]
    if not out or out[-1].spoken or len(out[-1].digits) != _GROUP_DIGITS or folded[out[-1].end : start] != " ":
        return 0
    return end if _NEXT_GROUP.match(folded, end) else 0


def _number_after(tokens: list[tuple[str, int, int]], n: int) -> bool:
    return n + 1 < len(tokens) and is_number_word(tokens[n + 1][0])


def _repeat(tokens: list[tuple[str, int, int]], n: int) -> int:
    """How many times the digit after ``tokens[n]`` comes: "double seven", "две двойки", "dwa razy siedem" (0: no
    repeat)."""
    tok, after = tokens[n][0], [t for t, _, _ in tokens[n + 1 : n + 3]]
    if tok in _REPEAT and after and (_repeatable(after[0]) or after[0] in _DIGIT_NOUNS):
        return _REPEAT[tok]
    if tok in _PAIR and len(after) > _PAIR[tok] and after[_PAIR[tok]] in _DIGIT_NOUNS:
        return 2  # "a pair of sevens", "пара семёрок", "para siódemek": the digit twice
    if (
        tok in _COUNTS
        and after
        and (after[0] in _DIGIT_NOUNS or (after[0] in _TIMES and after[1:] and _digit(after[1])))
    ):
        return _COUNTS[tok]
    return 0


def _number_word(tokens: list[tuple[str, int, int]], n: int, repeat: int, folded: str) -> str:
    """The number word ``tokens[n]`` is read as ("oh" as zero, an ordinal as its cardinal), or ""."""
    tok = tokens[n][0]
    if tok == "one" and any(
        t in _ONE_BEFORE and re.fullmatch(r"[^\W\d_\s]*\s[^\W\d_\s]*\s?", folded[end : tokens[n][1]])
        for t, _, end in tokens[max(0, n - 2) : n]
    ):
        return ""  # "it's a funny one", "the new one" (not "it's a Visa, one four ..."): no number
    if (
        tok == "one"
        and any(
            t in _ONE_BEFORE and re.fullmatch(r"\s\d+\s", folded[end : tokens[n][1]])
            for t, _, end in tokens[max(0, n - 2) : n]
        )
        and re.match(r"\s*(?:[.,;!?]|$)", folded[tokens[n][2] :])
    ):
        return ""  # "the 1140 one.": a thing named by its number, the sentence ending on "one"
    if tok == "one" and tokens[n + 1 : n + 2] and tokens[n + 1][0] in _MOMENT:
        return ""  # "1909 0964, one moment": an aside about time, the number goes on after it
    if tok in ("a", "an"):  # "a hundred and twelve"
        return "one" if n + 1 < len(tokens) and tokens[n + 1][0] in _HUNDREDS else ""
    if tok in _NOUGHT:
        return "zero"
    if tok == "niner":  # the radio's nine, as some read a number back ("five five niner one")
        return "nine"
    if tok in _HOMOPHONES and _among_digits(tokens, n, folded):
        return _HOMOPHONES[tok]
    if tok in _HOMOPHONES and _coded(tokens, n, folded):
        return _HOMOPHONES[tok]
    if tok == "for" and _four(tokens, n):
        return "four"
    if tok == "to" and _two(tokens, n, folded):
        return "two"
    if tok in ("тысячу", "тисячу"):  # "потом тысячу триста": the accusative of "тысяча", 1000
        return "тысяча"
    if tok in _ZERO:
        return "zero" if repeat or _beside_number(tokens, n, folded) else ""
    if tok in _ORDINALS:
        return _CARDINAL_OF[_ORDINALS[tok]] if _in_number(tokens, n) else ""
    return tok if is_number_word(tok) else ""


def _among_digits(tokens: list[tuple[str, int, int]], n: int, folded: str) -> bool:
    """Whether the homophone of a digit at ``n`` ("for", "to", "too", "ate") is one of a card number's digits said
    one by one: inside a run of at least a card's 13 digits said singly with only separators between them (a
    digit said twice or thrice, "double five", "triple zero", counts as its digits), where the homophones are
    at most a third of the run ("five for to three for nine for six five seven ..."); at its first or last place
    only where the run passes the Luhn check with it read as its digit and fails it without ("for nine nine four
    nine ...", "for triple five double zero ...": a Visa's first 4 as Whisper writes it, not Polish "to" (it is)
    before a card that passes the check alone)."""

    first, last = _digit_run(tokens, n, folded)
    # one at either end is no digit: Polish "to" (it is) before a card said digit by digit, "for" after one
    while first < n and tokens[first][0] in _HOMOPHONES:
        first += 1
    while last > n and tokens[last][0] in _HOMOPHONES:
        last -= 1
    words = [t for t, _, _ in tokens[first : last + 1]]
    digits = _run_digits(words)
    size = len(digits)
    homophones = sum(tokens[k][0] in _HOMOPHONES for k in range(first, last + 1))
    if 3 * homophones > size:
        return False
    # inside a piece of a card said over finals ("four four five four five five to oh nine eight, um", "Five three
    # one oh to six, expires ..."): digits said singly on both sides of it, 6 or more in all (a range is "two to
    # three", a digit each side)
    if n not in (first, last) and size >= _PIECE_LEAST:
        return True
    if size < _CARD_LEAST:
        return False
    if n not in (first, last):
        return True
    without = _run_digits(
        [t for t, _, _ in tokens[first + 1 : last + 1]] if n == first else [t for t, _, _ in tokens[first:last]]
    )
    return size <= _CARD_MOST and luhn(digits) and not luhn(without)


def _digit_run(tokens: list[tuple[str, int, int]], n: int, folded: str) -> tuple[int, int]:
    """The first and last token of the digits said one by one around ``tokens[n]`` (a digit's name, "oh", a
    homophone, "double" before a digit), with only separators between them."""

    def digit(k: int) -> bool:
        tok = tokens[k][0]
        repeat = tok in _REPEAT and k + 1 < len(tokens) and _digit_of_word(tokens[k + 1][0]) != ""
        return tok in _ZERO or _digit(tok) or tok in _HOMOPHONES or repeat

    def joined(k: int) -> bool:  # tokens k and k + 1 said one after the other
        return bool(JOIN.fullmatch(folded, tokens[k][2], tokens[k + 1][1]))

    first = last = n
    while first > 0 and digit(first - 1) and joined(first - 1):
        first -= 1
    while last + 1 < len(tokens) and digit(last + 1) and joined(last):
        last += 1
    return first, last


def _run_digits(words: list[str]) -> str:
    """The digits of words said one by one, a digit said twice or thrice as many ("triple five": 555)."""
    out, times = "", 1
    for word in words:
        if word in _REPEAT:
            times = _REPEAT[word]
            continue
        out += _digit_of(word) * times
        times = 1
    return out


def _digit_of_word(tok: str) -> str:
    """The digit a word said alone is, or "" where it is none."""
    return _digit_of(tok) if tok in _ZERO or tok in _HOMOPHONES or _digit(tok) else ""


@cache  # a word's digit: the same few words, read for each homophone's run
def _digit_of(tok: str) -> str:
    """The digit a word said alone is: a digit's name, "oh", or a homophone of one ("for")."""
    tok = _HOMOPHONES.get(tok, tok)
    if tok in _ZERO:
        return "0"
    return tok if tok.isdigit() else str(number_runs([tok])[0][2])


# a homophone of a digit opening a sentence or a clause, right before a number ("Yes. For four one.")
_HOMOPHONE_OPENING = re.compile(r"(?:^|[.!?,]\s+)(" + "|".join(_HOMOPHONES) + r")\s*$")


def homophone_before(folded: str, at: int) -> Item | None:
    """The homophone of a digit ("for", "to", "ate") that opens a sentence or a clause right before the number at
    ``at``, as the item of its digit, or None: a card's first digit as Whisper may write it where the card goes on
    over finals (whether it is one only the digits of the whole card can tell: :func:`luhn`)."""
    m = _HOMOPHONE_OPENING.search(folded, 0, at)
    return Item(m.start(1), m.end(1), _digit_of(m.group(1)), spoken=True) if m else None


def luhn(digits: str) -> bool:
    """Whether ``digits`` pass the Luhn check, as every payment card number does."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def _coded(tokens: list[tuple[str, int, int]], n: int, folded: str) -> bool:
    """Whether the homophone of a digit at ``n`` is one of a security code's digits said one by one right after an
    English code's name ("the code is for to nine", "CVV, seven to for"): three or four digits, homophones among
    them, with at least one digit's own name, the run ending there (not "the code is to be sent")."""

    first, last = _digit_run(tokens, n, folded)
    run = [t for t, _, _ in tokens[first : last + 1]]
    if not _CODE_LEAST <= len(run) <= _CODE_MOST or all(t in _HOMOPHONES for t in run):
        return False
    named = [t for t, _, _ in tokens[max(0, first - 2) : first]]
    return any(t in _CODE_NAMES for t in named) and (not named or named[-1] in _CODE_NAMES | {"is", "are"})


def _four(tokens: list[tuple[str, int, int]], n: int) -> bool:
    """Whether "for" at ``n`` is Whisper's spelling of four among digits said one by one: digits on both sides
    ("five two eight five, for oh seven one"), or three after it ("it's for one one eight"; not "for two
    three weeks"); a digit said twice or thrice counts ("For seven double one oh ...", "for double five two"; not
    "for two double rooms")."""

    def digit(k: int) -> bool:
        if not 0 <= k < len(tokens):
            return False
        tok = tokens[k][0]
        repeat = tok in _REPEAT and k + 1 < len(tokens) and _digit_of_word(tokens[k + 1][0]) != ""
        return tok in _ZERO or _digit(tok) or repeat

    return digit(n + 1) and (digit(n - 1) or (digit(n + 2) and digit(n + 3)))


def _two(tokens: list[tuple[str, int, int]], n: int, folded: str) -> bool:
    """Whether "to" at ``n`` is Whisper's spelling of two: the first of a group of four digits said one by one
    (a card's group: three single digits after it), where a group begins: the utterance's first word (a card
    number said on from the final before: "to three four one"), or after a comma that ends a group of four
    said so ("four six one two, to eight ..."); not "from nine to five", "at five to three", "put me through
    to three one four" (a room)."""

    def digit(k: int) -> bool:
        return 0 <= k < len(tokens) and (tokens[k][0] in _ZERO or _digit(tokens[k][0]))

    if not all(digit(n + k) for k in (1, 2, 3)):
        return False
    after_group = n >= 4 and all(digit(n - k) for k in (1, 2, 3, 4)) and "," in folded[tokens[n - 1][2] : tokens[n][1]]
    return n == 0 or after_group


def _in_number(tokens: list[tuple[str, int, int]], n: int) -> bool:
    """Whether the ordinal ``tokens[n]`` ends a number said in words ("двадцать шестого", "dwudziestego siódmego")."""
    before = tokens[n - 1][0] if n else ""
    after = tokens[n + 1][0] if n + 1 < len(tokens) else ""
    if _ORDINALS.get(before, 0) >= 20 or (before not in _ORDINALS and is_number_word(before)) or after in _YEAR:
        return True
    if before in _YEAR_BEFORE and _ORDINALS[tokens[n][0]] >= 20:
        return True
    if after in _YEAR_BEFORE and _ORDINALS[tokens[n][0]] >= 20:
        return True  # "тридцатый год, март", "тридцятий рік", "trzydziesty rok": a year said by its ordinal
    if before in _MONTH_BEFORE and _ORDINALS[tokens[n][0]] <= 12:
        return True
    if before in _MONTH_ALONE and _ORDINALS[tokens[n][0]] >= 20:
        return True
    return _ORDINALS[tokens[n][0]] >= 20 and 0 < _ORDINALS.get(after, 0) < 10


def _thousands_apart(words: list[tuple[str, int, int]]) -> list[list[tuple[str, int, int]]]:
    """A run of number words cut where a new number begins that :func:`number_runs` would take on: before the
    multiplier of a second "thousand" ("две тысячи триста, восемь тысяч ...": 2300, 8000 ..., not 2308000), and
    at a "тысяча" said without "one" (1000, not skipped: "тысяча восемьсот" is 1800)."""
    if not any(word in _THOUSANDS for word, _, _ in words):
        return [words]
    runs: list[list[tuple[str, int, int]]] = [[]]
    thousands = False
    for k, word in enumerate(words):
        following = words[k + 1][0] if k + 1 < len(words) else ""
        if word[0] in _A_THOUSAND and not (runs[-1] and runs[-1][-1][0] in _ONE):
            runs.append([("one", word[1], word[1])])
        elif thousands and following in _THOUSANDS - _A_THOUSAND and word[0] not in _THOUSANDS:
            runs.append([])
            thousands = False
        runs[-1].append(word)
        thousands = thousands or word[0] in _THOUSANDS
    return [run for run in runs if run]


def _repeatable(tok: str) -> bool:
    return is_number_word(tok) or tok in _ZERO or (tok.isdigit() and len(tok) == 1)


def _beside_number(tokens: list[tuple[str, int, int]], n: int, folded: str) -> bool:
    """Whether the "oh" or "o" at ``n`` is a zero: a number beside it, or beside the run of "oh"s said one after the
    other with only spaces between that it is in ("... eight oh oh", "nine oh oh oh five": each of them a zero, the
    last before a comma too)."""
    if tokens[n][0] == "o":  # Polish "o 10:30" (at half past ten) is no zero: an English "o" comes before a digit
        return n + 1 < len(tokens) and _digit(tokens[n + 1][0])

    def ohs(k: int, step: int) -> int:  # the last "oh" of the run from ``k`` on, going ``step``
        while 0 <= k + step < len(tokens) and tokens[k + step][0] == "oh":
            left, right = sorted((k, k + step))
            if not folded[tokens[left][2] : tokens[right][1]].isspace():
                break
            k += step
        return k

    near = [k for k in (ohs(n, -1) - 1, ohs(n, 1) + 1) if 0 <= k < len(tokens)]
    if any(tokens[k][0] in _HOMOPHONES and _among_digits(tokens, k, folded) for k in near):
        return True  # "seven to oh oh one": the "to" is a card's digit
    if near and near[-1] > n and _repeats_digit(tokens, near[-1]):
        return True  # "triple 1 oh, oh double 7 2": a digit said twice after it
    return any(tokens[k][0].isdigit() or (tokens[k][0] not in _ZERO and is_number_word(tokens[k][0])) for k in near)


def _repeats_digit(tokens: list[tuple[str, int, int]], k: int) -> bool:
    """``tokens[k]`` says the digit after it more than once ("double 7", "triple one")."""
    return tokens[k][0] in _REPEAT and k + 1 < len(tokens) and _digit(tokens[k + 1][0])


def _digit(tok: str) -> bool:
    runs = number_runs([tok]) if is_number_word(tok) else []  # none for "thousand" alone
    return (tok.isdigit() and len(tok) == 1) or (bool(runs) and len(str(runs[0][2])) == 1)


# a sum named by what it is paid for or how it is counted ("Задаток за банкетный зал 150 000.", "Zaliczka za salę
# 6000.", "two tickets at 64 each", "разом 2 580.")
_SUM_BEFORE = re.compile(
    r"\b(?:for|at|each|total|price|costs?|за|по|итого|всего|стоит|цена|разом|всього|коштує|ціна|za|po|razem|kosztuje"
    r"|cena)(?:\s+[^\W\d_]+){0,3}\s+$"
)


def _sum_ended(text: str, chain: list[Item], at: int) -> bool:
    """Whether ``chain`` is a sum that a sentence ends ("Задаток за банкетный зал 150 000. 5321 0955 ..."): written in
    thousands apart or with its cents ("Flea drops, 12.99. 4 5 3 9 ..."), or named by what it is paid for, then a full
    stop before the number at ``at``; the next number begins anew (a card's groups a pause splits are read on by the
    card rules, which join pieces said apart)."""
    gap = text[chain[-1].end : at]
    if "." not in gap or not gap.endswith(" "):
        return False
    thousands = len(chain) > 1 and all(len(i.digits) == 3 and not i.spoken for i in chain[1:])
    return thousands or _cents(text, chain) or bool(_SUM_BEFORE.search(text, 0, chain[0].start))


def _cents(text: str, chain: list[Item]) -> bool:
    """``chain`` is an amount written with its cents ("12.99", "249,50"): two numbers in digits, a point or a comma and
    no space between them, two digits after it (a card's groups are written four apart, or with spaces)."""
    return (
        len(chain) == 2
        and text[chain[0].end : chain[1].start] in (".", ",")
        and len(chain[1].digits) == 2
        and not (chain[0].spoken or chain[1].spoken)
    )


_COUNT_OPENS = re.compile(r" ([^\W\d_]+)")  # "6 people", "500 cards", "Twelve cartridges", "6 osób"
_COUNT_DIGITS = 3
# a number written with a point or a colon inside it (a date, a time, an amount: "22.08", "7:30", "12.50"): a
# recognizer writes no card data's group so
_POINTED = re.compile(r"[.:]\d")
_THOUSANDS_COMMA = re.compile(r",\d{3}(?!\d)")  # "2,500": a number's thousands written so
PHONE_PREFIX = re.compile(r"(?:\+|\bplus|\bплюс)\s*$")  # "+48 600 ...", "plus 44 ...": a phone's country code follows
_SENTENCE_ENDED = re.compile(r"\.\s+$")  # a full stop and a space: a sentence ended (not a decimal point: "249.50")


def _count_opens(text: str, at: int, item: Item) -> bool:
    """Whether a new sentence opens at ``at`` with ``item``, a count of up to three digits (written or said) and the
    word it counts right after it ("..., 05/29, 678. 6 people at 22 each", "..., 713. Двенадцать штук"), or a number
    written with a point or a colon inside ("..., 653. 22.08 is the wedding"), or its thousands after a comma ("...,
    code 709. 2,500 gallons"): no card's data goes on so (a card's group, an expiry's year go on in digits), the
    number before the full stop is done."""
    if _SENTENCE_ENDED.search(text, 0, at) is None:
        return False
    if _POINTED.match(text, item.end):  # "..., 653. 22.08 is the wedding", "471. 7:30 on Tuesdays": a date, a time
        return True
    if len(item.digits) <= _COUNT_DIGITS and _THOUSANDS_COMMA.match(text, item.end):
        return True  # "709. 2,500 gallons": a count or an amount as an English recognizer writes it
    counted = _COUNT_OPENS.match(text, item.end)
    return len(item.digits) <= _COUNT_DIGITS and counted is not None and not is_number_word(counted.group(1))


def _form_changes(text: str, last: Item, item: Item) -> bool:
    """Whether a new sentence opens with ``item`` said in words after ``last`` written in digits, or the other way
    ("End of August 2028. Three four six on the back."): a recognizer writes one number's groups alike across a
    full stop ("4175. 0062. 9843."), so the number before it is done."""
    return last.spoken != item.spoken and _SENTENCE_ENDED.search(text, 0, item.start) is not None


# the words that are a number's part in the forms the readers above know, other than a number word itself: a digit's
# noun ("двойка", "eights"), "double" and its kin, "razy", a year's ordinal, a homophone of a digit, "oh" and "nought"
# (:mod:`agentassist.privacy.collection` masks them with the numbers around them while card data is collected)
NUMBER_PARTS = frozenset([*_DIGIT_NOUNS, *_REPEAT, *_TIMES, *_ORDINALS, *_HOMOPHONES, *_ZERO, *_NOUGHT])
DIGIT_NOUNS = frozenset(_DIGIT_NOUNS)  # of those, the words that say a digit alone


def chains(text: str, found: list[Item]) -> list[list[Item]]:
    """Items said as one number: adjacent, with only separators between them."""
    out: list[list[Item]] = []
    for item in found:
        if (
            out
            and (JOIN.fullmatch(text[out[-1][-1].end : item.start]) or _last_digit_after_and(text, out[-1], item))
            and not _sum_ended(text, out[-1], item.start)
            and not _count_opens(text, item.start, item)
            and not _form_changes(text, out[-1][-1], item)
        ):
            out[-1].append(item)
        else:
            out.append([item])
    return out


_AND_LAST = re.compile(r",?\s+(?:and|и|і|й|та|i|oraz)\s+")  # "four, two and nine": the last digit said after "and"
# ... where a code is named just before them ("code four, two and nine", "CVC: seven and one and three", "the digits on
# the back are 4, 2 and 9"), not a list of rooms or counts ("rooms three, four and five")
_CODE_BEFORE = re.compile(
    r"(?:code|cvv2?|cvc2?|cvn|cid|csc|код\w*|kod\w*|digits|numbers|цифр\w*|cyfr\w*|back|обороте|звороті|tylu)"
    r"(?:'s)?(?:[\s:,\-–—]+[^\W\d_]+){0,2}[\s:,\-–—]*$"
)


def _last_digit_after_and(text: str, chain: list[Item], item: Item) -> bool:
    """Whether ``item`` is the last of digits said one by one, set apart by commas or "and", said after "and"
    ("four, two and nine", "seven and one and three", "4, 2 and 9", "четыре, два и девять", "cztery, dwa i
    dziewięć"): one number, as a code is read digit by digit (a count after it is read so by the code's rules)."""
    return (
        all(len(i.digits) == 1 for i in [*chain, item])
        and _CODE_BEFORE.search(text, max(0, chain[0].start - 40), chain[0].start) is not None
        and all(
            text[a.end : b.start].strip() == "," or _AND_LAST.fullmatch(text, a.end, b.start)
            for a, b in pairwise(chain)
        )
        and _AND_LAST.fullmatch(text, chain[-1].end, item.start) is not None
    )


def last_cue(found: list[tuple[int, int]], at: int) -> int:
    """Where the last cue before ``at`` ends (-1: none)."""
    return max((end for _, end in found if end <= at), default=-1)


def words_between(folded: str, start: int, end: int) -> int:
    return len(TOKEN.findall(folded[start:end]))


def cue_before(found: list[tuple[int, int]], folded: str, at: int) -> int:
    """Where the nearest cue before ``at`` ends, if it is near enough (-1: none)."""
    return max((end for _, end in found if end <= at and words_between(folded, end, at) <= CUE_WORDS), default=-1)
