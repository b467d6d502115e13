"""A line's frame heard with one slot said as something else: the profile of a sentence about another thing.

"If you have a favourite colour or pattern, please tell the stylist before the treatment" for "If you
have an allergy to acrylic or varnish, please tell the stylist before the treatment": every content word
of the line heard, in its order, but one short stretch (the slot: what the line is about), and in that
stretch's place words the line does not have. The embedding puts such a sentence as near its line as a
paraphrase (it shares the frame), and the share of the line's words it hears is high. A line said in
other words does not look like that: its words are replaced all over (other verbs, another order), so
either much more than one stretch is unheard, or the heard words run out of order.

The check counts only content words (function_words.py): with pronouns, auxiliaries and particles counted,
a paraphrase that says "если у кого-то" or "можно" in the slot's place would look like a frame with its
slot replaced.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from agentassist.assist.matcher import NEGATIONS, weight
from agentassist.assist.negation import COORDINATING
from agentassist.assist.specifics import agreeing_words
from agentassist.assist.words import same_word

# The longest slot: a thing named in one to three content words ("alergię na akryl lub lakiery" is three).
# A longer stretch unheard is a middle said in other words, which deadline.other_middle judges.
SLOT_WORDS = 3
# In the slot's place, at least this many content words the line does not have. With one, a slot said
# in other words was doubted as often as a slot said as another thing (v11: "з кимось із батьків" for "у
# присутності одного з батьків", in six said compliance lines); two ("ulubiony kolor albo wzór" for
# "alergię na akryl lub lakiery") is the shape of another thing named.
SLOT_OTHER = 2
# The frame: content words of the line heard around the slot, at least this many.
FRAME_WORDS = 2


def replaced_slot(line: Sequence[str], heard: Sequence[str], names: frozenset[str] = frozenset()) -> bool:
    """The line's content words heard in ``heard`` in the line's order, except one stretch of one to
    ``SLOT_WORDS`` of them that has heard words of the line on both sides (its frame, ``FRAME_WORDS`` or
    more), and between those two neighbours at least ``SLOT_OTHER`` content words the line does not have."""
    content, at = _places(line, heard, names)
    own = [t for t in line if content(t)]
    unheard = [i for i, j in enumerate(at) if j is None]
    if not unheard or len(unheard) > SLOT_WORDS or unheard[-1] - unheard[0] + 1 != len(unheard):
        return False
    before, after = unheard[0] - 1, unheard[-1] + 1
    if before < 0 or after >= len(own) or len(own) - len(unheard) < FRAME_WORDS:
        return False
    frame = [j for j in at if j is not None]
    if frame != sorted(frame):
        return False
    left, right = at[before], at[after]
    if left is None or right is None:  # never: the slot is the only stretch unheard
        return False
    others = [h for h in heard[left + 1 : right] if content(h) and not any(same_word(h, t) for t in line)]
    return len(others) >= SLOT_OTHER


# The frame of a line said word for word, function words included, around its slot: at least this many of
# its words. "Could you read me your flight number, please?" for "Could you read me your booking reference,
# please?" hears six.
FRAME_TOKENS = 4


def framed_slot(line: Sequence[str], heard: Sequence[str], names: frozenset[str] = frozenset()) -> bool:
    """The line heard word for word and in order, its function words too (``FRAME_TOKENS`` or more of
    them), but for one stretch of one to ``SLOT_WORDS`` of its content words with words of the line
    heard on both sides, and in that stretch's place at least one content word the line does not have:
    "Could you read me your flight number, please?" for "Could you read me your booking reference,
    please?". Its content words alone are too few to show the frame (one, "read"), and the share of
    them heard is that of a line said in other words."""
    content, _ = _places(line, heard, names)
    seq: list[tuple[str, int | None]] = []
    last = -1
    for t in line:
        j = next((j for j in range(last + 1, len(heard)) if same_word(t, heard[j])), None)
        if j is not None:
            last = j
            seq.append((t, j))
        elif content(t):
            seq.append((t, None))  # an unheard function word or name is no part of a slot
    unheard = [i for i, (_, j) in enumerate(seq) if j is None]
    if not unheard or len(unheard) > SLOT_WORDS or unheard[-1] - unheard[0] + 1 != len(unheard):
        return False
    if unheard[0] == 0 or unheard[-1] == len(seq) - 1 or len(seq) - len(unheard) < FRAME_TOKENS:
        return False
    left, right = seq[unheard[0] - 1][1], seq[unheard[-1] + 1][1]
    if left is None or right is None:  # never: the slot is the only stretch unheard
        return False
    return any(content(h) and not any(same_word(h, t) for t in line) for h in heard[left + 1 : right])


def other_slots(line: Sequence[str], heard: Sequence[str], names: frozenset[str] = frozenset()) -> bool:
    """The line's frame (``FRAME_WORDS`` or more of its content words, heard in its order) with every
    stretch of its unheard content words said as other content words in its place: between the stretch's
    heard neighbours, or before the first or after the last heard word for a stretch that opens or closes
    the line. "And how many candles on the birthday cake?" for "How many guests are coming to the
    birthday party?" is the frame "how many ... birthday" about other
    things; "Зріст, вага, розмір взуття?" for "Назвіть, будь ласка, зріст, вагу і розмір взуття кожного"
    leaves the line's opening and ending out, with nothing in their place: a shortened line."""
    content, at = _places(line, heard, names)
    own = [t for t in line if content(t)]
    frame = [j for j in at if j is not None]
    if len(frame) == len(own) or len(frame) < FRAME_WORDS or frame != sorted(frame):
        return False
    i = 0
    while i < len(own):
        if at[i] is not None:
            i += 1
            continue
        end = next((k for k in range(i, len(own)) if at[k] is not None), len(own))
        before = at[i - 1] if i > 0 else None  # heard: a gap starts after a heard word or at the start
        left = before if before is not None else -1
        right = at[end] if end < len(own) else len(heard)
        if not any(content(h) and not any(same_word(h, t) for t in line) for h in heard[left + 1 : right]):
            return False
        i = end
    return True


# The combined rule's guard: the line's frame about one other thing, in one stretch of at least this many of
# the line's content words unheard ("Новий договір ... надішлемо на пошту" for "Виписку з вашого пенсійного
# рахунку надішлемо на пошту"). With one word, the guard (match12's, every frame about other things) refused
# a line with one word said another way as often as another thing ("Який у вас номер поліса?" for "Назвіть,
# будь ласка, номер вашого поліса": "назвіть" is the one word unheard), and a line said in other words
# replaces words all over it, in two stretches or more. On v1-v13 the frames about another thing that the
# combined score reaches all replace one stretch of two or more of the line's words.
OTHER_THING_WORDS = 2


def other_thing(line: Sequence[str], heard: Sequence[str], names: frozenset[str] = frozenset()) -> bool:
    """:func:`other_slots` with one stretch of ``OTHER_THING_WORDS`` or more of the line's content words
    unheard: the line's frame about another thing, not the line with one word said another way nor a
    line reworded all over."""
    if not other_slots(line, heard, names):
        return False
    _, at = _places(line, heard, names)
    stretches = sum(1 for i, j in enumerate(at) if j is None and (i == 0 or at[i - 1] is not None))
    return stretches == 1 and sum(1 for j in at if j is None) >= OTHER_THING_WORDS


# The words that join two things into a pair: the coordinating conjunctions, and Ukrainian "та" and Polish
# "oraz" ("and"), which negation.py's lists leave out.
PAIR_JOINS = COORDINATING | frozenset(("та", "oraz"))


def other_pair(
    line: Sequence[str],
    heard: Sequence[str],
    names: frozenset[str] = frozenset(),
    line_clauses: tuple[int, ...] = (),
    heard_clauses: tuple[int, ...] = (),
) -> bool:
    """A pair of things the line names, two content words joined in one clause ("кисти и краски", "bags and
    backpacks"), neither of them heard (nor a short word of theirs with another ending: "еды" for "еду"), and
    in the sentence two other content words joined in one clause, neither a word of the line: "сумки и
    рюкзаки заносить нельзя" for "кисти и краски выносить нельзя". The rule's frame about two other things. A
    paraphrase keeps one of a pair at least, or says the pair as one word ("your belongings"), not as two
    others joined. ``line_clauses``, ``heard_clauses``: the token indices where their clauses start
    (negation.clause_starts): "and" after a comma joins two clauses ("may climb the scaffold, and children
    must"), not two things."""
    content, _ = _places(line, heard, names)

    def pairs(words: Sequence[str], clauses: tuple[int, ...]) -> list[tuple[str, str]]:
        return [
            (words[k - 1], words[k + 1])
            for k in range(1, len(words) - 1)
            if words[k] in PAIR_JOINS
            and content(words[k - 1])
            and content(words[k + 1])
            and not any(k - 1 < c <= k + 1 for c in clauses)
        ]

    def of_line(w: str, among: Sequence[str]) -> bool:
        return any(_kin(w, t) for t in among if content(t))

    theirs = [p for p in pairs(heard, heard_clauses) if not of_line(p[0], line) and not of_line(p[1], line)]
    return bool(theirs) and any(not of_line(a, heard) and not of_line(b, heard) for a, b in pairs(line, line_clauses))


def _kin(a: str, b: str) -> bool:
    """:func:`same_word`, or a short word with another ending: all but the last letter of the shorter one
    shared, of three letters or more ("еду"/"еды", "bag"/"bags")."""
    if same_word(a, b):
        return True
    common = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    return min(len(a), len(b)) >= 3 and common >= min(len(a), len(b)) - 1


def _places(
    line: Sequence[str], heard: Sequence[str], names: frozenset[str]
) -> tuple[Callable[[str], bool], list[int | None]]:
    """Which tokens are content here (not a function word, a name, a negation, or a figure the sentence
    says in other units: no other word), and where in ``heard`` each of the line's content words is
    heard (each heard token used once), None where it is not."""
    figure = agreeing_words(line, heard)

    def content(t: str) -> bool:
        return weight(t) == 1.0 and t not in names and t not in figure and t not in NEGATIONS

    at: list[int | None] = []
    used: set[int] = set()
    for t in (t for t in line if content(t)):
        j = next((j for j, h in enumerate(heard) if j not in used and same_word(t, h)), None)
        at.append(j)
        if j is not None:
            used.add(j)
    return content, at
