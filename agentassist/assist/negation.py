"""Whether a line heard is denied: the negation rules of the meaning matcher.

A line's content words heard with a negation at them ("this call is not recorded") say its opposite, as a
negative line's words heard without one do ("the modem is connected" for "your modem is not connected"). Many
negations deny nothing the line says: a polite request ("не могли бы вы"), a bound ("no later than"), a
condition or a requirement restated ("without the card we can't take him" for "only with the card"), a
negated payment for a free thing. Token indices count :func:`agentassist.assist.matcher.tokens`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from agentassist.assist.matcher import NEGATIONS, tokens, weight
from agentassist.assist.words import ONLY, same_word

# a negation followed by these is a polite request, not a denial ("не могли бы вы назвать ...")
# ("не мог бы"); "не могу" is a denial
_POLITE = ("могл", "змогл", "хотел", "хотіл")
# a negation in an indirect question asks, it denies nothing: "перевірити, чи нема алергії" (check whether
# there is an allergy), "sprawdzić, czy nie ma uczulenia", "узнать, нет ли аллергии"
_WHETHER = frozenset(("чи", "czy"))
# a negation before a comparative is a bound, not a denial: "не пізніше ніж за десять днів" is "within
# ten days", "no later than", "nie później niż", "не более" (uk-20 in assist_cases_v2 lost its term step)
# ("не младше десяти", "не старше", "nie młodsze niż", "no younger than": an age's bound)
_BOUND = (
    "later", "more", "less", "earlier", "longer", "позднее", "позже", "пізніше", "більше", "более", "больше",
    "менее", "меньше", "менше", "раньше", "раніше", "pozniej", "wczesniej", "wiecej", "mniej", "dluzej", "further",
    "farther", "closer", "дальше", "далее", "ближе", "далі", "ближче", "dalej", "blizej", "younger", "older", "младше",
    "старше", "молодше", "молодший", "mlodsze", "mlodszy", "mlodsza", "starsze", "starszy", "starsza",
)  # fmt: skip
# a negation before a preposition negates a place or state ("not at their desk", "нет на месте"),
# which a line may say in other words ("stepped away from the desk"); it denies the line only when the
# line itself puts the same preposition there ("the manager is at the desk")
_PREPOSITIONS = frozenset(("at", "in", "on", "на", "в", "у", "w", "na", "przy"))
# a negation just after "otherwise", "without" or "if" in its clause states what follows when a condition
# is not met, which restates the condition as a requirement ("bring the card, otherwise we can't take him"
# says "we only take him with the card"; "без этого путёвку не оформим"; "jeśli nie chce Pan kolejnego roku,
# trzeba zrezygnować"), not a denial of the line
_CONDITION = frozenset(
    ("otherwise", "else", "иначе", "інакше", "inaczej", "without", "без", "bez", "if", "если", "якщо", "jesli",
     "jezeli")
)  # fmt: skip
# a negation with "otherwise" after it in its clause states the same ("we can't go up over it otherwise"), as
# does one in a clause of "who" ("kto nie skończył osiemnastu lat, przychodzi z rodzicem", "тех, кому ещё нет
# десяти лет, мы не берём"): whoever does not meet a condition
_OTHERWISE_AFTER = frozenset(("otherwise",))
_WHO = frozenset(("who", "whoever", "кто", "кому", "хто", "kto", "komu"))
# "can't change it until we have the letter" is "the letter before it is changed": a requirement
_UNTIL = frozenset(("until", "till", "пока", "поки", "доки", "dopoki", "zanim"))
# "don't forget your passport" asks for the passport; "вы не против?", "ви не заперечуєте?" ask for consent
# "don't worry", "не волнуйтесь", "nie martw się" reassure, and deny nothing a line says either
_AFFIRMING = (
    "forget", "забуд", "забыв", "забув", "zapomn", "против", "проти", "заперечу", "возража", "mind", "worr",
    "волну", "пережива", "хвилю", "турбу", "martw", "przejm",
)  # fmt: skip
# Neither-nor: "ні віск, ні епілятор не підходять", "ни воском, ни эпилятором нельзя" deny once, with the
# verb's "не" (or none: "ни ... ни ..." alone); each "ні"/"ни" before another negation is no denial of its own.
_NEITHER = frozenset(("ни", "ні"))
_CONCORD_REACH = 6
# A negated payment says a thing is free or included: "you won't pay anything for the quote" for "the quote
# is free", "за выезд ничего не берём" for "выезд бесплатный", "переноску окремо не оплачуєте" for
# "переноска входить у вартість". Such a negation denies nothing of a line that says the thing is free.
_PAY = (
    "pay", "paid", "charg", "cost", "плат", "оплач", "доплач", "берем", "беру", "возьм", "беремо", "візьм",
    "стяг", "plac", "zaplac", "doplac", "pobier", "bierz", "wezm", "liczy", "buy", "bought", "докуп", "покуп",
    "купи", "купу", "kupi", "kupow", "dokup", "koszt", "стоит", "стоят", "стоить", "коштує", "коштують",
)  # fmt: skip
# (a price's verb: "parking nic nie kosztuje", "парковка ничего не стоит", "паркування нічого не коштує")
_FREE = (
    "free", "includ", "бесплат", "безплат", "включ", "входит", "входят", "безкоштовн", "входить", "входять",
    "bezplat", "gratis", "darmo", "wliczon", "cenie",
)  # fmt: skip
_PAY_REACH = 3
_NEED = frozenset(("need", "надо", "нужно", "треба", "потрібно", "trzeba", "musisz", "musi"))
# A line's negation need not be "не" or "not": "no", "nothing", "никаких", "жодних", "żadnych", and a ban
# said as one word ("нельзя", "заборонено", "zakaz", "forbidden"). Counted as the line's own, a sentence
# that says the line with "не" keeps its negation; a ban word heard keeps a negative line's negation.
_DENYING_WORDS = frozenset(
    ("no", "none", "nothing", "nobody", "никаких", "никакой", "никакого", "ничего", "нельзя", "жодних", "жодного",
     "жодної", "жоден", "нічого", "zadnych", "zadnego", "zadnej", "zaden", "zadna", "nic")
)  # fmt: skip
_FORFEIT = ("forfeit", "lose", "lost", "gone", "пропада", "пропаде", "сгора", "згора", "przepad", "przepadn")
# "dżinsy są niedozwolone", "недопустимо", "неприпустимо" ban in one word, as "zakaz" does
BAN = (
    "заборон", "запрещ", "запрет", "zakaz", "zabron", "forbid", "prohibit", "banned", "нельзя", "niedozwol",
    "недопуст", "неприпуст", "недозвол",
)  # fmt: skip


def line_negations(line: Sequence[str]) -> int:
    """How many negations a line has: "не", "not", and the negations said by a determiner or a ban
    (``_DENYING_WORDS``, ``BAN``)."""
    return sum(1 for t in line if t in NEGATIONS or t in _DENYING_WORDS or t.startswith(BAN))


# English denies a noun with "no" ("no driving for four hours" for "you must not drive for four hours"): it
# keeps a negative line's negation, though it is no negation of a verb (and "No, that's fine" denies nothing
# a line says, so it is counted only here)
_NO = frozenset(("no", "nobody", "nothing", "none"))
_NEGATION_BEFORE = 5  # "I cannot tell you if this call is recorded": the negation 5 words before the content
_NEGATION_AFTER = 2  # "номер договора назвать не могу"


def negated_at(
    heard: list[str],
    first: int,
    last: int,
    in_line: int = 0,
    clauses: tuple[int, ...] = (),
    line: Sequence[str] = (),
    breaks: tuple[int, ...] = (),
) -> bool:
    """More negations than the line itself has ("нет, карта не заблокирована" against "карта
    заблокирована, операции больше не пройдут") among the matched words, or up to 5 words before them
    or 2 after ("назвать не могу") within their clauses (``clauses``: the token indices where clauses
    start): "авария не числится, давайте так, выключите роутер" is no negation of the last clause.
    Not counted: a polite request ("не могли бы вы"), a bound ("не пізніше ніж"), and a negated place
    ("not at their desk") unless the line (``line``: its tokens) has that preposition too."""
    # a line with its own negation: one after its words starts another instruction ("proszę nie otwierać
    # skrzynki z licznikiem i nie ruszać kabli"), it does not deny this one
    reach = 0 if in_line else _NEGATION_AFTER
    return negations_at(heard, first, last, clauses, line, reach, True, breaks or clauses) > in_line


def affirmed_at(heard: list[str], first: int, last: int, line: list[str], clauses: tuple[int, ...] = ()) -> bool:
    """A negative line said without its negation: fewer negations at the matched words than the line has
    ("модем сейчас подключён к сети" against "ваш модем сейчас не подключён к сети") says its opposite.
    The line's own are counted by the same rule ("не могли бы вы" is no negation in either); a negated
    place counts here ("не в сети" keeps the negation of "не подключён к сети")."""
    own = negations_at(line, 0, len(line) - 1) if NEGATIONS.intersection(line) else 0
    if own == 0:
        return False
    # The line's negation may come in a later clause of the heard sentence ("если отмените позже чем за
    # сутки, вернуть её мы не сможем" for "при отмене меньше чем за сутки она не возвращается"), and a
    # line of several negated clauses may be said with some of them left out ("речі, які не забрали за
    # три місяці, ми не зберігаємо" for "..., ми не зберігаємо і не відповідаємо за них"): the line is
    # said without its negation only when none is heard from its words to the end of the window.
    start = max([0, first - _NEGATION_BEFORE] + [c for c in clauses if c <= first])
    kept = negations_at(heard, first, last, (), reach=len(heard))
    # a ban said as one word ("під забороною" for "не можна"), a thing said to be free for a negated
    # payment ("the quote is free" for "you don't pay for the quote") keep the line's negation
    kept += sum(1 for t in heard[start:] if t.startswith(BAN) or t in _DENYING_WORDS)
    # money said to be lost keeps a negated refund ("гроші пропадають" for "оплата не повертається", "we keep
    # the fee" for "the fee is not refunded"), and a "without" the line lacks keeps its negation ("хто без
    # жилета, той без дошки" for "без жилета дошку не видаємо"); a word the line says itself keeps nothing ("we're
    # responsible for any data lost" says the opposite of "we are not responsible for any data lost")
    kept += max(
        0, sum(1 for t in heard[start:] if t.startswith(_FORFEIT)) - sum(1 for t in line if t.startswith(_FORFEIT))
    )
    own_without = sum(1 for t in line if t in _WITHOUT)
    if own_without:  # "bez problemu" denies nothing: only a line that itself says "without" is kept by one
        kept += max(0, sum(1 for t in heard[start:] if t in _WITHOUT) - own_without)
    # a line's "nothing but" is an "only" ("nie karmimy niczym poza sianem" said as "karmimy wyłącznie sianem")
    if _EXCEPT.intersection(line) and ONLY.intersection(heard[start:]):
        kept += 1
    paid = any(t in NEGATIONS and _pays(line, k + 1, k + 1 + _PAY_REACH) for k, t in enumerate(line))
    if paid and any(t.startswith(_FREE) for t in heard[start:]):
        kept += 1
    return kept + sum(1 for t in heard[start:] if t in _NO) == 0


def negations_at(
    heard: list[str],
    first: int,
    last: int,
    clauses: tuple[int, ...] = (),
    line: Sequence[str] = (),
    reach: int = _NEGATION_AFTER,
    conditions: bool = False,
    breaks: tuple[int, ...] = (),
) -> int:
    """The negations that deny something at the matched words ``first..last``, from 5 words before them
    to ``reach`` words after (see :func:`negated_at`). ``conditions``: leave out the negations of a
    condition or a reminder (``_CONDITION``, ``_UNTIL``, ``_AFFIRMING``), which deny nothing the line says;
    :func:`affirmed_at` counts them, since a line's own negation is often one ("если вы не заберёте шины")."""
    start = max([0, first - _NEGATION_BEFORE] + [c for c in clauses if c <= first])
    end = min([len(heard), last + 1 + reach] + [c for c in clauses if c > last])
    found = 0
    for j in range(start, end):
        after = heard[j + 1] if j + 1 < len(heard) else ""
        if heard[j] not in NEGATIONS or _request_or_bound(heard, j):
            continue
        if (j and heard[j - 1] in _WHETHER) or after == "ли":
            continue
        if conditions and (_condition(heard, j, clauses) or _restates(heard, j, clauses, line, breaks)):
            continue
        if _coordinated(heard, j, breaks or clauses):
            continue
        # each "ні" of a chain before the next one ("ні в хаті, ні в гаражі його не заводьте") denies with it
        if heard[j] in _NEITHER and NEGATIONS.intersection(heard[j + 1 : j + 1 + _CONCORD_REACH]):
            continue
        if line and any(t.startswith(_FREE) for t in line) and _pays(heard, j + 1, j + 1 + _PAY_REACH):
            continue
        if line and _loses(line) and _money_denied(heard, j) == _LOST:
            continue  # "zaliczki nie zwracamy" for "zaliczka przepada": the line's own statement
        if after in _PREPOSITIONS and line and after not in line:
            continue
        found += 1
    return found


def _request_or_bound(heard: Sequence[str], j: int) -> bool:
    """The negation at ``j`` makes a polite request ("не могли бы вы", ``_POLITE``) or a bound ("не менше",
    ``_BOUND``): it denies nothing."""
    after = heard[j + 1] if j + 1 < len(heard) else ""
    return after.startswith(_POLITE) or after == "мог" or after in _BOUND


def _pays(toks: Sequence[str], start: int, end: int) -> bool:
    """A verb of paying, charging or buying, or a "need", among ``toks[start:end]``: "you won't need your own
    shoes", "ничего докупать не надо" say a thing is included as "you won't pay for it" does."""
    return any(t.startswith(_PAY) or t in _NEED for t in toks[start:end])


# money given back, the opposite of a line's money lost (``_FORFEIT``)
_REFUND = ("refund", "return", "возвра", "вернем", "поверта", "поверн", "zwrac", "zwroc", "oddajemy")
# What a sentence says of the customer's money, read one way: the money lost ("zaliczka przepada") and a refund
# denied ("zaliczki nie zwracamy", "the deposit isn't refunded") are one statement, as the money given back
# ("ale opłatę zwracamy") is its opposite. A line that says the money is lost is said by a refund denied (no
# denial of it: :func:`negations_at`) and reversed by a refund (:func:`reversed_at`).
_LOST, _BACK = "lost", "back"


def _money_at(toks: Sequence[str], k: int) -> str | None:
    """What the word at ``k`` says of the money (``_LOST``, ``_BACK``), a negation in the two words before it
    turning it round; None for a word that says nothing of it."""
    if toks[k].startswith(_FORFEIT):
        lost = True
    elif toks[k].startswith(_REFUND):
        lost = False
    else:
        return None
    if NEGATIONS.intersection(toks[max(0, k - 2) : k]):
        lost = not lost
    return _LOST if lost else _BACK


def _loses(line: Sequence[str]) -> bool:
    """The line says the money is lost, with a word of ``_FORFEIT``, and nowhere that it is given back. Not a
    line that says it with a refund denied ("збір не повертається"): that is a negative line, whose negation the
    rules count as its own (``negated_at``'s ``in_line``, :func:`affirmed_at`); read as "lost" here too, it would
    be counted twice (v9's uk cake and concert lines: their own words heard would deny them)."""
    statements = [(t, _money_at(line, k)) for k, t in enumerate(line)]
    return any(t.startswith(_FORFEIT) and m == _LOST for t, m in statements) and all(m != _BACK for _, m in statements)


def _money_denied(heard: Sequence[str], j: int) -> str | None:
    """What the negation at ``j`` says of the money: the statement of the first money word in the two words
    after it ("nie zwracamy": lost; "nie przepada": given back)."""
    return next((m for k in range(j + 1, min(len(heard), j + 3)) if (m := _money_at(heard, k)) is not None), None)


def _refunded(toks: Sequence[str]) -> bool:
    """A refund said, not denied: the money given back ("ale opłatę zwracamy")."""
    return any(t.startswith(_REFUND) and _money_at(toks, k) == _BACK for k, t in enumerate(toks))


# "It must never be left without an adult" is "an adult at all times"; "без дорослого поруч стрибати не можна"
# is "only with an adult": a negation with "without" in its clause states a requirement, as a line's "only
# with", "at all times" or "must" does.
_WITHOUT = frozenset(("without", "без", "bez"))
# "Only tennis shoes; in other shoes we won't let you on the court" says a line's "only tennis shoes": a
# negation about the others (``_OTHER``) restates a line's "only" (``ONLY``).
_OTHER = frozenset(
    ("other", "others", "else", "другой", "другие", "других", "другом", "другими", "другого", "иначе", "інших",
     "інші", "інший", "іншому", "іншими", "іншого", "інакше", "inne", "innych", "innym", "inny", "innej", "innego",
     "inaczej")
)  # fmt: skip
# "Dziecka nie wydamy nikomu poza rodzicem", "никого не пускаем, кроме инструктора" say a line's "only the
# parent", "only the instructor": a negation with "except" after it (``_EXCEPT``) restates a line's "only".
_EXCEPT = frozenset(("except", "besides", "кроме", "помимо", "крім", "окрім", "poza", "oprocz", "procz"))
_RESTATE_REACH = 6
# "Стёкла не опускать и машину не мыть" denies twice what "нельзя опускать стёкла и мыть машину" denies once:
# a negation after a coordinating conjunction, with another negation shortly before it, repeats that one
# (neither-nor, "ни ... ни ...", is ``_NEITHER``'s).
COORDINATING = frozenset(
    ("and", "or", "nor", "и", "или", "і", "й", "або", "i", "lub", "albo")
)  # fmt: skip
_COORDINATED_REACH = 6
_LISTED_REACH = 3  # "гілки не трусимо": a listed negation this near its clause's start


def _restates(
    heard: list[str], j: int, clauses: tuple[int, ...], line: Sequence[str], breaks: tuple[int, ...] = ()
) -> bool:
    """The negation at ``j`` restates a requirement: "without" near it in its clause (``_WITHOUT``), or, for
    a line with "only" (``ONLY``), a word for the others before it in its clause (``_OTHER``), or the next
    clause (``breaks``: the token indices where the text's clauses start) opening with "only" and the line's
    words."""
    opening, clause_end = _clause(heard, j, clauses)
    start, end = max(opening, j - _RESTATE_REACH), min(clause_end, j + 4)
    # a clause that opens with what it cannot do without says the requirement however long that is ("Без
    # наших защитных очков и перчаток к работе в кузнице никого не пускаем", "Bez pisemnej zgody rodziców
    # żadnych zdjęć nie publikujemy"): "without" is looked for back to the clause's start
    if _WITHOUT.intersection(heard[opening:end]) or _not_yet(heard, j):
        return True
    if line and _below(heard, j) and not any(t.startswith(_BELOW) for t in line):
        return True
    if not line or not ONLY.intersection(line):
        return False
    if _OTHER.intersection(heard[start:j]) or _EXCEPT.intersection(heard[j + 1 : j + 1 + _RESTATE_REACH]):
        return True
    # "окрему дошку не даємо, тільки разом із дорослим" for "тільки з дорослим": the negation, then a clause
    # that opens with "only" and the line's own words; "nie kartą, tylko gotówką" (another thing after "only")
    # and "nie przetwarzamy wyłącznie w celu umowy" (the "only" itself denied, in the negation's clause) still
    # deny the line
    only = next((k for k in range(j + 1, min(len(heard), j + 1 + _RESTATE_REACH)) if k in breaks), None)
    only = only if only is not None and heard[only] in ONLY else None
    if only is not None and any(
        weight(h) == 1.0 and h not in ONLY and any(same_word(h, t) for t in line) for h in heard[only + 1 : only + 4]
    ):
        return True
    return _only_beside(heard, j, line, breaks)


def _only_beside(heard: list[str], j: int, line: Sequence[str], breaks: tuple[int, ...]) -> bool:
    """The negation at ``j`` denies the thing to someone else while the clause before or after it says the one
    the line allows it to: "Верблюда ведёт погонщик, повод вам не даём", "You don't hold the lead, the handler
    does" for "the lead is held only by the handler". The words just after the line's "only" (``ONLY``) are in
    that clause, with no negation or contrast there, and not in the negation's own clause ("повод держит не
    только погонщик", "погонщика нет, повод держите сами" still deny)."""
    allowed = _only_phrase(line)
    lo, hi = _clause(heard, j, breaks)
    if not allowed or _has(heard[lo:hi], allowed) or heard[lo] in CONTRAST:
        return False
    before = heard[_clause(heard, lo - 1, breaks)[0] : lo] if lo else []
    after = heard[hi : _clause(heard, hi, breaks)[1]]
    return any(
        side and side[0] not in CONTRAST and not NEGATIONS.intersection(side) and _has(side, allowed)
        for side in (before, after)
    )


def _only_phrase(line: Sequence[str]) -> list[str]:
    """The content words the line's "only" allows, up to two words after it and on past "and"/"or": "wyłącznie w
    masce i kurtce ochronnej" (the mask and the jacket), "тільки з дорослим"."""
    out: list[str] = []
    reach = -1
    for k, t in enumerate(line):
        if t in ONLY or (out and t in COORDINATING and k <= reach + 1):
            reach = k + 2
        elif k <= reach and weight(t) == 1.0:
            out.append(t)
    return out


def _has(heard: Sequence[str], words: Sequence[str]) -> bool:
    """One of ``words`` is in ``heard``, in any of its forms."""
    return any(same_word(h, t) for h in heard for t in words)


# "Младше шести лет, к сожалению, в группы не берём", "Poniżej czterdziestu kilo nie przyjmujemy" for "В группы
# принимаем детей только с шести лет", "Kursant musi ważyć co najmniej czterdzieści kilogramów": a negation after
# a word of the lower side ("younger", "under", "less", "нижчих", "менше", "poniżej") denies the others, the
# ones under the line's minimum, which restates the minimum. Not for a line that says such a word itself
# ("children under six go free": "under six they don't go free" denies it). Prefixes: the words decline.
_BELOW = (
    "under", "below", "younger", "less", "fewer", "shorter", "lighter", "младш", "молож", "меньш", "менее", "ниже",
    "легче", "молодш", "менш", "нижч", "легш", "ponizej", "mlodsz", "mniej", "nizsz", "lzejsz",
)  # fmt: skip
_BELOW_REACH = 10
# Contrastive conjunctions: the clause one opens is another statement than the one before it ("I'm not sure,
# but the full valet is ninety-five pounds"), so a negation before one is not the line's.
CONTRAST = frozenset(("but", "however", "though", "но", "однако", "але", "однак", "проте", "ale", "jednak"))


# "Дитина, якій ще немає дванадцяти", "kto nie ma jeszcze osiemnastu lat", "not yet ten": an age not reached
# is a word of the lower side ("under twelve"), not a denial. Only the negations of having ("нет", "немає",
# "nie ma") and "not yet" directly before a number: "не 40 минут, а час" still denies the figure.
_LACKS = frozenset(("нет", "немає", "нема", "нету"))
_LACKS_TWO = frozenset((("nie", "ma"), ("not", "yet")))
_YET = frozenset(("yet", "ещё", "еще", "ще", "jeszcze"))
# the verbs of an age reached, denied before its number: "кому не исполнилось десять", "якій не виповнилося
# дванадцять", "które nie skończyły dziesięciu lat", "nie mają jeszcze ośmiu lat", "who haven't turned ten"
_REACHED = ("исполн", "виповн", "сповн", "skoncz", "ukoncz", "turned", "reached")
_HAVE = frozenset(("maja", "mam", "masz", "macie", "mamy"))


def _not_yet(heard: list[str], j: int) -> bool:
    """The negation at ``j`` says an age or amount not yet reached: "нет/немає (ещё) N", "nie ma (jeszcze) N",
    "not yet N", "не исполнилось N", "nie skończył N" (``_REACHED``)."""
    k = j + 1
    if k < len(heard) and ((heard[j], heard[k]) in _LACKS_TWO or heard[k].startswith(_REACHED) or heard[k] in _HAVE):
        k += 1
    elif heard[j] not in _LACKS:
        return False
    if k < len(heard) and heard[k] in _YET:
        k += 1
    return k < len(heard) and heard[k].isdigit()


def _below(heard: list[str], j: int) -> bool:
    """A word of the lower side (``_BELOW``) up to ``_BELOW_REACH`` words before the negation at ``j``, past
    commas ("Якщо зріст менше метра двадцяти, на великі гірки дитину не пустять") but not past a contrastive
    conjunction (``CONTRAST``)."""
    for k in range(j - 1, max(-1, j - 1 - _BELOW_REACH), -1):
        if heard[k] in CONTRAST:
            return False
        if heard[k].startswith(_BELOW):
            return True
    return False


def _coordinated(heard: list[str], j: int, breaks: tuple[int, ...] = ()) -> bool:
    """The negation at ``j`` follows a coordinating conjunction (within ``_COORDINATED_REACH`` words) that
    follows another negation (within as many words of the conjunction): "не опускать и машину не мыть" denies
    once. Both reaches count from the conjunction, since each verb may come after its object or place, as
    Slavic word order puts it ("Ryb nie karmimy i od strony wody do nich nie podchodzimy": seven words between
    the two negations). A bound or a request before it is no denial to repeat ("чотири години, не менше, дітей і
    тварин не пускайте" denies once). A comma joins them as "and" does ("На лід не виходимо, човни не
    відв'язуємо": ``breaks``, the clauses' starts) when the negation is near its clause's start and the one
    before denies a verb of its own clause (not a "Нет," alone)."""
    joins = [k for k in range(max(0, j - _COORDINATED_REACH), j) if heard[k] in COORDINATING]
    listed = [c for c in breaks if 0 < j - c <= _LISTED_REACH]
    if listed and not joins:
        c = listed[-1]
        return any(
            heard[k] in NEGATIONS and k + 1 < c and heard[k] not in _NEITHER and not _request_or_bound(heard, k)
            for k in range(max(0, c - _COORDINATED_REACH), c)
        )
    if not joins:
        return False
    return any(
        heard[k] in NEGATIONS and heard[k] not in _NEITHER and not _request_or_bound(heard, k)
        for k in range(max(0, joins[-1] - _COORDINATED_REACH), joins[-1])
    )


def _condition(heard: list[str], j: int, clauses: tuple[int, ...]) -> bool:
    """The negation at ``j`` is a condition's or a reminder's, by a word in its own clause."""
    opening, clause_end = _clause(heard, j, clauses)
    start, end = max(opening, j - 3), min(clause_end, j + 5)
    after = heard[j + 1] if j + 1 < len(heard) else ""
    return (
        after.startswith(_AFFIRMING)
        or bool(_UNTIL.intersection(heard[start:j]))  # "пока (диван) не высохнет": until it is dry
        or bool(_UNTIL.intersection(heard[j + 1 : end]))
        or bool(_CONDITION.intersection(heard[start:j]))
        or bool(_WHO.intersection(heard[start:j]))
        or bool(_OTHERWISE_AFTER.intersection(heard[j + 1 : clause_end]))
    )


# (not a decimal's comma or point: matcher.tokens reads "1,5" as one token)
_CLAUSE = re.compile(r"(?<!\d)[,.]|[,.](?!\d)|[;:!?()\u2013\u2014]")


def clause_starts(text: str) -> tuple[int, ...]:
    """The token indices (of :func:`tokens`) where the clauses of ``text`` start, after the first."""
    out: list[int] = []
    at = 0
    for piece in _CLAUSE.split(text)[:-1]:
        at += len(tokens(piece))
        out.append(at)
    return tuple(out)


def sentence_starts(text: str) -> tuple[int, ...]:
    """The token indices (of :func:`tokens`) where the sentences of ``text`` start, after the first."""
    out: list[int] = []
    at = 0
    for piece in re.split(r"(?<!\d)\.|\.(?!\d)|[!?;]", text)[:-1]:
        at += len(tokens(piece))
        out.append(at)
    return tuple(out)


# A line's duty said reversed: "Довідка від лікаря не потрібна" for "на перше заняття обов'язково потрібна довідка,
# без неї ... не допускаємо", "Prysznic nie jest potrzebny" for "obowiązkowo bierzemy prysznic, bez tego nie
# wpuszczamy": the line's own negation restates its duty ("without it, no"), so counting negations takes the
# heard one for the line's; a need denied denies the duty itself. Prefixes: the words decline.
DUTY = (
    "must", "need", "required", "mandatory", "compulsory", "обязательн", "нужн", "надо", "необходим", "обов'язков",
    "потрібн", "треба", "необхідн", "obowiazk", "trzeba", "musi", "wymagan", "potrzebn", "konieczn",
)  # fmt: skip
# and its ban said as a permission: "В вольеры можно заходить" for "в вольеры заходить запрещено"
_PERMIT = frozenset(
    ("allowed", "permitted", "можно", "разрешено", "разрешается", "можна", "дозволено", "дозволяється", "wolno",
     "mozna", "dozwolone", "dozwolony")
)  # fmt: skip
_DUTY_REACH = 3  # "nie jest potrzebny", "не обязательно", "брати не треба": the need this near the negation
# and a line's "only" (``ONLY``: "tylko z rodzicem", "лише під наглядом майстра") widened into leave to do it alone:
# "Osoby poniżej osiemnastu lat mogą grać same", "Діти можуть самі брати віск" (v19 pl-23, v21 uk-23: silent misses)
# (permission is leave too: ``_PERMIT``'s words, "wolno", "можно", are its impersonal forms)
_MAY = _PERMIT.union(
    ("can", "may", "могут", "может", "можете", "можуть", "може", "moga", "moze", "mozecie")
)  # fmt: skip
_ALONE = frozenset(
    ("alone", "unaccompanied", "unsupervised", "сам", "сама", "сами", "самі", "одни", "самостоятельно", "самостійно",
     "sam", "sama", "same", "sami", "samodzielnie")
)  # fmt: skip
_BAN_NEAR = 4  # the line's words this near its ban word are the banned thing ("заходить запрещено")
# A duty or a ban turned into an option: "Шлем по желанию", "the helmet is optional", "you're welcome to film",
# "nothing terrible if you're late": words that leave it to the customer (prefixes, the words decline)
_OPTION = (
    "optional", "welcome", "желани", "необязательн", "добровольн", "страшного", "бажанн", "необов'язков",
    "добровільн", "opcjonaln", "zyczeni", "nieobowiazkow", "dobrowoln", "strasznego",
)  # fmt: skip
# a negation in these words binds the line like a negation does: "nobody may dig", "никто не", "nikt"
_NOBODY = ("nobody", "nothing", "никто", "ничего", "ніхто", "нічого", "nikt", "nic")
# leave given for a purpose or in what is said is no option: "so we can cancel it", "что ей можно заниматься"
_PURPOSE = frozenset(("so", "that", "чтобы", "чтоб", "что", "щоб", "що", "zeby", "aby", "ze"))


def reversed_at(heard: list[str], first: int, last: int, line: Sequence[str], clauses: tuple[int, ...] = ()) -> bool:
    """The line's duty or ban said the other way round in the words ``first..last`` (the clauses around
    them): a need denied ("не потрібна", "not required") where the line requires without a negation at its
    duty word, or a permission ("можно", "można") in a clause with a word the line bans ("запрещено",
    "нельзя": ``BAN``). Not a negation of a condition (``_CONDITION``, "without"): that restates a duty."""
    start = max([0, first - _NEGATION_BEFORE] + [c for c in clauses if c <= first])
    end = min([len(heard), last + 1 + _NEGATION_AFTER] + [c for c in clauses if c > last])
    if _says(line, DUTY) and any(_need_denied(heard, j, clauses) for j in range(start, end)):
        return True
    if _loses(line) and _refunded(heard[start:end]):
        return True  # "ale opłatę zwracamy" for "a opłata przepada": the money given back, not lost
    if _alone_allowed(heard, start, end, line) or option_given(heard, start, end, line, clauses):
        return True
    banned = _near(line, lambda t: t.startswith(BAN), _PERMIT.__contains__)
    permitted = _near(line, _PERMIT.__contains__, lambda t: t.startswith(BAN))
    for j in range(start, end):
        if heard[j] in _PERMIT and not (j and heard[j - 1] in NEGATIONS):
            lo, hi = _clause(heard, j, clauses)
            # the clause is about what the line bans, more than about what the line itself permits
            if _shared(heard[lo:hi], banned) > _shared(heard[lo:hi], permitted):
                return True
    return False


def option_given(heard: list[str], start: int, end: int, line: Sequence[str], clauses: tuple[int, ...] = ()) -> bool:
    """A line that binds (a duty, a ban, a negation, an "only") left to the customer in ``heard[start:end]``: a
    word of ``_OPTION`` ("по желанию", "optional"), "don't have to", "feel free to", or, against a duty or a
    ban, leave (``_MAY``: "can", "можете") that shares a content word with the line after it, with no
    negation, "nobody" or purpose before it in its clause ("You can keep your shoes on" for "Riders must take
    off shoes"; the thing before the leave: "Коробки можете открыть" for "Коробки не вскрывайте"). A paraphrase of
    a ban keeps its negation or its "only" ("Nobody can dig without the guide", "dogs can only come on a lead");
    leave against a line's "only" is :func:`_alone_allowed`'s, but the "only" said as not needed is here
    ("opiekun nie jest potrzebny" for "tylko z opiekunem")."""
    if ONLY.intersection(line) and not ONLY.intersection(heard) and _only_unneeded(heard, start, end, clauses):
        return True
    if not _binds(line):
        return False
    said = heard[start:end]
    if any(t.startswith(_OPTION) for t in said) or _have_to_denied(said):
        return True
    if not _binds(line, frozenset()) or ONLY.intersection(heard):
        return False  # "можна від 12 років, і тільки з екскурсоводом"
    if _gives_leave(line):
        return False
    things = {t for t in line if t not in _MAY}
    # the thing may stand before the leave ("Коробки можете спокойно открыть", "Гриби можна куштувати"): then
    # only the line's words at its own duty, ban or negation count ("Коробки не вскрывайте"), not another
    # clause's (v2 ru-08: "ваша карта заблокирована, ... не пройдут" beside "новую карту можно получить")
    held = _near(line, lambda t: _binds([t], frozenset()), _MAY.__contains__)
    for j in range(start, end):
        if heard[j] in _MAY:
            lo, hi = _clause(heard, j, clauses)
            if not _leave_bound(heard, start, lo, j, hi) and (
                _shared(heard[j + 1 : hi], things) or _shared(heard[lo:j], held)
            ):
                return True
    return False


def _gives_leave(line: Sequence[str]) -> bool:
    """The line gives leave itself ("Играть можно с четырнадцати"): a word of ``_MAY`` with no duty, ban or
    negation in the two words before it, none just after it ("Guests may not bring", "We can't valet") and no
    "nobody" before it ("Nobody who is driving home may drink")."""
    return any(
        t in _MAY
        and not _binds(line[max(0, k - 2) : k])
        and not NEGATIONS.intersection(line[k + 1 : k + 2])
        and not any(w.startswith(_NOBODY) for w in line[:k])
        for k, t in enumerate(line)
    )


def _leave_bound(heard: list[str], start: int, lo: int, j: int, hi: int) -> bool:
    """The leave at ``heard[j]`` (its clause ``lo..hi``) is no option: a duty, ban, negation, purpose ("so we can
    cancel it") or condition ("back up your files if you can") before it in its clause, a negation after it,
    or a "nobody" before it in what was heard ("Nobody with a heart condition, ... may jump")."""
    before = heard[lo:j]
    return (
        any(_binds([t]) or t in _PURPOSE or t in _CONDITION for t in before)
        or bool(NEGATIONS.intersection(heard[j:hi]))
        or any(t.startswith(_NOBODY) for t in heard[start:j])
    )


def _binds(toks: Sequence[str], only: frozenset[str] = ONLY) -> bool:
    """A duty, a ban, a negation, a "nobody" or an "only" (``only``) in ``toks``."""
    return (
        _says(toks, DUTY)
        or bool((NEGATIONS | only).intersection(toks))
        or any(t.startswith(BAN + _NOBODY) for t in toks)
    )


def _only_unneeded(heard: list[str], start: int, end: int, clauses: tuple[int, ...]) -> bool:
    """A need denied in ``heard[start:end]``, its duty word in the negation's own clause: "специальная обувь не
    нужна" for "только в специальной обуви", "opiekun nie jest potrzebny" for "tylko z opiekunem". (A need
    denied is no option against a ban: "садиться на него не надо" restates "садиться раньше нельзя".)"""
    for j in range(start, end):
        hi = _clause(heard, j, clauses)[1]
        if any(t.startswith(DUTY) for t in heard[j + 1 : min(hi, j + 1 + _DUTY_REACH)]) and _need_denied(
            heard, j, clauses
        ):
            return True
    return False


def _have_to_denied(said: list[str]) -> bool:
    """ "don't have to", "do not need to", "no need to", "feel free to", "are free to": an English duty denied or
    left free (the Slavic words are ``DUTY`` and ``_OPTION``)."""
    denied = any(
        (t in NEGATIONS or t == "no") and said[k + 1 : k + 3] in (["have", "to"], ["need", "to"])
        for k, t in enumerate(said)
    )
    return denied or any(t == "free" and said[k + 1 : k + 2] == ["to"] for k, t in enumerate(said))


def _alone_allowed(heard: list[str], start: int, end: int, line: Sequence[str]) -> bool:
    """Leave to do it alone (``_MAY`` and ``_ALONE`` in ``heard[start:end]``, not denied) where the line allows it
    only with someone or something (``ONLY``), and no "only" anywhere in what was heard: "Dzieci od dziesięciu lat
    mogą zjeżdżać same, młodsze tylko z dorosłym" keeps the line's "only" for the younger ones."""
    if not ONLY.intersection(line) or ONLY.intersection(heard):
        return False
    said = heard[start:end]
    may = any(t in _MAY and not NEGATIONS.intersection(said[max(0, k - 2) : k]) for k, t in enumerate(said))
    return may and bool(_ALONE.intersection(said))


def _clause(heard: list[str], j: int, clauses: tuple[int, ...]) -> tuple[int, int]:
    """The bounds of the clause word ``j`` is in (``clauses``: the clauses' starts)."""
    return max([0] + [c for c in clauses if c <= j]), min([len(heard)] + [c for c in clauses if c > j])


def _says(toks: Sequence[str], stems: tuple[str, ...]) -> bool:
    """A word of ``stems`` with no negation in the two words before it."""
    return any(t.startswith(stems) and not NEGATIONS.intersection(toks[max(0, k - 2) : k]) for k, t in enumerate(toks))


def _need_denied(heard: list[str], j: int, clauses: tuple[int, ...]) -> bool:
    """A negation at ``j`` with a duty word just after it, not a condition's or a requirement's restated."""
    if heard[j] not in NEGATIONS or not any(t.startswith(DUTY) for t in heard[j + 1 : j + 1 + _DUTY_REACH]):
        return False
    # "you don't need anything else, only the ticket" restates a duty of the ticket
    lo, hi = _clause(heard, j, clauses)
    others = _OTHER.intersection(heard[lo:hi]) or ONLY.intersection(heard[j:hi])
    return not others and not _condition(heard, j, clauses) and not _restates(heard, j, clauses, ())


def _near(line: Sequence[str], at: Callable[[str], bool], other: Callable[[str], bool]) -> set[str]:
    """The content words near the line's words that ``at`` picks (a ban word, ``BAN``; a permission,
    ``_PERMIT``): the things it bans or permits. A side of the word with a word of the ``other`` kind on it
    is another clause's ("заходить запрещено, кормить их можно только через сетку": feeding is permitted)."""
    near: set[str] = set()
    for k, t in enumerate(line):
        if at(t):
            for side in (line[max(0, k - _BAN_NEAR) : k], line[k + 1 : k + 1 + _BAN_NEAR]):
                if not any(other(w) for w in side):
                    near.update(w for w in side if weight(w) == 1.0)
    return near


def _shared(heard: Sequence[str], words: set[str]) -> int:
    """How many of ``heard``'s content words are one of ``words``."""
    return sum(1 for h in heard if weight(h) == 1.0 and any(same_word(h, t) for t in words))
