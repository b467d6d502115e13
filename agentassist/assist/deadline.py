"""The compliance decision at its deadline: a line not surely said is *unsure*, never a silent tick.

A compliance step still pending when its alert is due (``compliance_pending`` near the end of the
handle time, ``compliance_missed`` at the end of the call) is judged again, before the alert fires,
on every sentence the agent said in the call. A line said in other words often scores lower than
the online rule asks ("so you're aware, we tape everything said on this line so we can get better at
what we do" for "this conversation is recorded to improve our service": cosine 0.87), and a false
"missed" alert costs a supervisor's trust in every number on the page. But the embedding cannot
tell such a paraphrase from a sentence in the line's frame about something else ("это надо
уточнить" for "наш разговор записывается": 0.89), and a tick on such a guess silences a real miss,
the worst error of a compliance checklist. Over benchmarks/assist_cases, v2-v5, no
rule on the cosine, the margin and the share of the line's words heard ticked a single paraphrase
at the deadline without also ticking a real miss (a funcwords trap: 0.919, margin 0.06, 43 % of the
line's words) that the online rule had left alone.

So the deadline ticks nothing. When a sentence of the call is near one of the step's lines (cosine
``UNSURE`` or more) and not clearly another line's (``UNSURE_MARGIN``: its cosine with the script's
nearest other line at most 0.05 higher), the step is left ``unsure`` with that sentence as evidence,
and a ``compliance_unsure`` alert ("said in other words?") asks the agent now, and the checker
later, to judge; the agent saying the line after it still ticks it. A sentence with a negation at
the line's words is judged too: "once the booking's changed it can't be refunded" says "the booking
becomes non-refundable", and the checker tells which. Without such a sentence the step stays pending
and its alert fires as before (``missed`` at the end of the call). No tick waits for this: the
decision on each utterance is unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from agentassist.assist.decide import SURE, Decision, Heard, Window, negated_anywhere
from agentassist.assist.matcher import NEGATIONS, fill, tokens, weight
from agentassist.assist.negation import BAN, DUTY, clause_starts, sentence_starts
from agentassist.assist.script import Step
from agentassist.assist.semantic import Coverage, E5Embedder, cosine, coverage, must_hear_missing
from agentassist.assist.slots import replaced_slot
from agentassist.assist.specifics import agreeing_words, figures, missing
from agentassist.assist.words import same_word

# Fitted on benchmarks/assist_cases, v2-v5 (the session-15 tuning): each of the 44 compliance lines said
# that the online rule left open has a sentence at 0.834 or more with a margin of -0.039 or more (no
# false "missed"); of the 111 real misses, the nearest sentence of 56 is another line's (the
# greeting, the goodbye: margins down to -0.17) or far, and they stay "missed"; 55 are "unsure".
UNSURE = 0.82
UNSURE_MARGIN = -0.05
KEPT = 400  # final agent utterances kept for the deadline: a 15-minute call has about 150


@dataclass(frozen=True, slots=True)
class Candidate:
    """One sentence of the call against one of the step's lines, with what the deadline judges it on."""

    window: Window
    line: str
    similarity: float  # embedding cosine of the sentence and the line
    margin: float  # similarity minus the sentence's cosine with the script's nearest other line
    cov: Coverage  # the line's words heard in the sentence
    negated: bool  # a negation at the line's words (or, sharing none, anywhere in the sentence)

    def decision(self) -> Decision:
        """The evidence of an ``unsure`` step (docs/api.md): the sentence, never a tick."""
        cov = self.cov
        extra: dict[str, object] = {
            "matched": " ".join(self.window.tokens[cov.first : cov.last + 1]) if cov.words else self.window.text,
            "similarity": round(self.similarity, 3),
            "content": round(cov.content, 3),
            "margin": round(self.margin, 3),
            "line": self.line,
            "deadline": True,
            "unsure": True,
        }
        if self.negated:
            extra["negated"] = True
        extra["near"] = self.near
        return Decision("meaning", self.similarity, self.window, cov.first, cov.words, extra)

    @property
    def near(self) -> bool:
        """The sentence is evidence a checker can judge: nearer this line than any other of the script, or
        it has one of the line's words. Else it is only the least far of the call (e5 puts most sentences
        at 0.80-0.85 from any line: "Да, верно." for a recording notice), not worth showing."""
        return self.margin > 0 or bool(self.cov.words)


def candidates(
    step: Step,
    said: Iterable[Heard],
    variables: dict[str, str],
    rivals: tuple[str, ...],
    embedder: E5Embedder,
    least: float = -1.0,
    least_margin: float = -2.0,
) -> Iterator[Candidate]:
    """Every embedded sentence of the call against each of ``step``'s lines at a cosine of ``least`` or
    more and a margin of ``least_margin`` or more, less those without a ``must_hear`` word (the script
    says the step is not said without it).

    Only sentences already embedded are judged (a pending step has every sentence embedded while it
    waits), so the deadline costs cosines, not new embeddings: one matrix product for the whole call
    (400 finals of two sentences against 20 lines: under a millisecond, where a Python loop of cosines
    took a third of a second)."""
    import numpy as np  # here, not at the top: the desk's phone imports the tracker's module tree and no numpy

    lines = [fill(line, variables) for line in step.say]
    windows = [(window, vector) for heard in said for window, vector in heard.embedded()]
    if not windows or not lines:
        return
    names = frozenset(t for value in variables.values() for t in tokens(value))
    spoken = np.stack([np.frombuffer(vector, dtype=np.float32) for _, vector in windows])
    own = spoken @ np.array([embedder.line(line) for line in lines], dtype=np.float32).T
    other = spoken @ np.array([embedder.line(r) for r in rivals], dtype=np.float32).T if rivals else None
    nearest_other = other.max(axis=1) if other is not None else np.zeros(len(windows), dtype=np.float32)
    keep = (own >= least) & (own - nearest_other[:, None] >= least_margin)
    for i, j in zip(*np.nonzero(keep), strict=True):
        window = windows[i][0]
        if must_hear_missing(step.must_hear, window.tokens):
            continue
        want = tokens(lines[j])
        cov = coverage(want, window.tokens, names, window.clauses)
        negated = cov.negated or (not cov.words and negated_anywhere(want, window, cov))
        similarity = float(own[i, j])
        yield Candidate(window, lines[j], similarity, similarity - float(nearest_other[i]), cov, negated)


def settle(
    step: Step,
    said: Iterable[Heard],
    variables: dict[str, str],
    rivals: tuple[str, ...],
    embedder: E5Embedder | None,
) -> Decision | None:
    """The sentence of the call nearest to ``step``'s lines, as the evidence of an ``unsure`` step, or None
    when none is near (``UNSURE``) and more this line's than another's (``UNSURE_MARGIN``). A sentence
    that is evidence (``Candidate.near``) goes before a nearer one that is not; the evidence says which
    (``near``), and the pages show the sentence only when it is."""
    if embedder is None:
        return None
    nearest: Candidate | None = None
    for c in candidates(step, said, variables, rivals, embedder, UNSURE, UNSURE_MARGIN):
        close = c.similarity >= UNSURE and c.margin >= UNSURE_MARGIN
        if close and (nearest is None or (c.near, c.similarity) > (nearest.near, nearest.similarity)):
            nearest = c  # a sentence that is evidence first, then the nearest
    return nearest.decision() if nearest is not None else None


# A compliance line heard barely in order (under this share of its words; the lexical threshold is
# 0.7) is a guess too when its sentence is not sure by meaning (cosine under decide.SURE): "Багаж
# можна здати не пізніше ніж за годину до відправлення" shares 0.72 of "Квиток можна повернути не
# пізніше ніж за шість годин до відправлення" (the frame and the bound, not the ticket or the refund;
# cosine 0.917), while compliance lines said in other words that tick lexically under 0.75 are at
# 0.92-0.98 on v2-v5. Such a tick leaves the step unsure at once, not done.
WEAK_LEXICAL = 0.75


def weak(
    decision: Decision, heard: Heard, embedder: E5Embedder | None, names: frozenset[str] = frozenset()
) -> float | None:
    """The score to show when ``decision`` is too weak to tick a compliance step, or None when the tick
    stands: a lexical tick barely in order and not sure by meaning (``WEAK_LEXICAL``; its sentence
    cosine), or a line whose ending was said in other words (:func:`other_ending`; the decision's
    cosine, or its lexical share without the embedder), or whose middle was (:func:`other_middle`),
    or whose condition was widened (:func:`conceded`). A line cut short is judged apart
    (:func:`cut_short`). Embeds the utterance's sentences when needed."""
    line = str(decision.extra["line"])
    want = tokens(line)
    reworded = (
        other_ending(want, decision.window, names, clause_starts(line))
        or other_middle(want, decision.window, names)
        or conceded(want, decision.window.tokens)
        or replaced_slot(want, decision.window.tokens, names)
        or other_clause(line, decision.window, names)
        or deferred(want, decision.window.tokens)
    )
    if not reworded and (embedder is None or decision.method != "lexical" or decision.score >= WEAK_LEXICAL):
        return None
    if embedder is None or decision.method != "lexical":
        return decision.score
    vector = embedder.line(line)
    similarity = max((cosine(vector, heard.vector(i)) for i in range(len(heard.meaning))), default=0.0)
    return similarity if reworded or similarity < SURE else None


# "До практичного водіння вас допустять тільки після іспиту з теорії" for "... тільки після медичної
# довідки": the line's opening heard word for word, its ending (the point: what is required, what is
# withheld) replaced by other words. The lexical share (0.74) and the cosine (0.93-0.94) of such a
# sentence are those of a paraphrase; what gives it away is where the line's words stop. v2-v6
# (the session-16 tuning): of the compliance lines ticked, the 2 traps and no line said were heard as a run
# of the line's content words followed by 2 or more of its own unheard and 2 or more other words.
ENDING_WORDS = 2


def other_ending(line: list[str], window: Window, names: frozenset[str], line_clauses: tuple[int, ...] = ()) -> bool:
    """The line's content words heard as one run (at least two, in the line's order of content words,
    none of it skipped), then at least ``ENDING_WORDS`` of its content words not heard, and in their
    place, in the same sentence of ``window``, at least ``ENDING_WORDS`` content words the line lacks,
    the first of them in the frame's own clause. ``line_clauses``: where the line's own clauses start
    (negation.clause_starts of its text): a clause break the line itself has just after the frame is no
    end of the frame's clause in ``window`` either."""
    heard = window.tokens
    figure = agreeing_words(line, heard)  # a figure said in other units is no other word

    def content(t: str) -> bool:
        return weight(t) == 1.0 and t not in names and t not in figure

    own = [t for t in line if content(t)]
    hits = [i for i, t in enumerate(own) if any(same_word(t, h) for h in heard)]
    if len(hits) < 2 or hits[-1] - hits[0] + 1 != len(hits) or len(own) - hits[-1] - 1 < ENDING_WORDS:
        return False
    frame = [j for j, h in enumerate(heard) if content(h) and any(same_word(t, h) for t in own[: hits[-1] + 1])]
    # a subject the line sets off with a comma ("Wysokie auta, busy i SUV-y, parkują tylko w ostatnim rzędzie"):
    # heard with its comma, the words after it are still the frame's clause ("..., wjeżdżają bramą od strony
    # parkingu": the line's point swapped), not another remark
    # (heard in the line's order, up to the same last word: "Їздити після заміни не можна дві години, а ..." for
    # "Після заміни дві години не можна їздити, а ..." moves the line's words round its comma)
    at = [k for k, t in enumerate(line) if content(t)]
    set_off = same_word(own[hits[-1]], heard[frame[-1]]) and any(
        at[hits[-1]] < c <= at[hits[-1] + 1] for c in line_clauses
    )

    def other(bounds: tuple[int, ...], own_break: bool = False) -> int:
        ends = [b for b in bounds if b > frame[-1]]
        if own_break and ends and not any(content(h) for h in heard[frame[-1] + 1 : ends[0]]):
            ends = ends[1:]  # the break just after the frame (past light words: "SUV-y,") is the line's own
        end = min([len(heard), *ends])
        return sum(1 for h in heard[frame[-1] + 1 : end] if content(h) and not any(same_word(h, t) for t in line))

    # the ending's place: the frame's own clause goes on with other words ("..., so keep them safe" after a
    # shortened line is another remark)
    return other(window.clauses, set_off) >= 1 and other(sentence_starts(window.text)) >= ENDING_WORDS


# "Any allergy or special diet can be mentioned to the class teacher, and the kitchen will try to change
# the menu" for "Any allergy or special diet has to be confirmed in writing by a doctor before the kitchen
# can change the menu": the line's opening and its ending heard, its middle (the duty, who confirms it)
# replaced by other words. The cosine (0.93) is that of a paraphrase; the shape gives it away as for an
# ending said otherwise, with the line's words picking up again after the replaced stretch. A middle
# takes 4 or more of the line's content words unheard in a row: a line said whole in other words loses
# a few of its words to synonyms, and at 3 "здати квиток можна, але тільки якщо до відправлення
# залишається шість годин" (for "... можна повернути не пізніше ніж за шість годин ...") was caught.
# benchmarks.assist v1-v7: the two compliance lines ticked with their middle replaced (6 words each) are
# unsure; one compliance line said, its middle given as an example ("змінилися доходи, хтось виписався
# чи прописався" for "про зміну доходів чи складу сім'ї"), is unsure too (a checker judges it).
MIDDLE_WORDS = 4


def other_middle(line: list[str], window: Window, names: frozenset[str]) -> bool:
    """The line's content words heard as an opening run (at least two, in the line's order, none of it
    skipped), then at least ``MIDDLE_WORDS`` of its content words not heard, then one of its later content
    words heard again after the run in ``window``; and between the run and that word, in the window, at
    least ``ENDING_WORDS`` content words the line lacks (the middle said with another meaning)."""
    heard = window.tokens
    figure = agreeing_words(line, heard)

    def content(t: str) -> bool:
        return weight(t) == 1.0 and t not in names and t not in figure

    own = [t for t in line if content(t)]
    hits = [i for i, t in enumerate(own) if any(same_word(t, h) for h in heard)]
    run = next((k for k in range(1, len(hits)) if hits[k] != hits[0] + k), len(hits))
    if run < 2 or run == len(hits) or hits[run] - (hits[0] + run) < MIDDLE_WORDS:
        return False
    frame = [j for j, h in enumerate(heard) if content(h) and any(same_word(t, h) for t in own[: hits[0] + run])]
    if not frame:  # the opening heard only as light words or names ("please" for "pleased"): no frame to leave
        return False
    again = next((j for j in range(frame[-1] + 1, len(heard)) if same_word(own[hits[run]], heard[j])), None)
    if again is None:
        return False
    between = heard[frame[-1] + 1 : again]
    return sum(1 for h in between if content(h) and not any(same_word(h, t) for t in line)) >= ENDING_WORDS


# "Если антенна ставится на фасад или крышу, кронштейн и крепёж мы привозим свои" for "..., разрешение
# управляющей компании получаете вы сами": the line's first clause heard whole, its last clause (the duty, the
# consequence) not heard by a single word, and other words in its place in the sentence, in a clause of their
# own. other_ending asks for the other words in the frame's own clause, since a line said shortened may go on
# with a remark; here the whole opening is heard, so the sentence is the line's frame with its point changed.
def other_clause(line: str, window: Window, names: frozenset[str]) -> bool:
    """The line's content words before its last clause all heard in ``window``, none of its last clause's (at
    least ``ENDING_WORDS``) nor its figures, and at least ``ENDING_WORDS`` content words the line lacks after
    the last of them in the same sentence."""
    want = tokens(line)
    starts = [at for at in clause_starts(line) if 0 < at < len(want)]
    if not starts:
        return False
    heard = window.tokens
    figure = agreeing_words(want, heard)

    def content(t: str) -> bool:
        return weight(t) == 1.0 and t not in names and t not in figure

    head = [t for t in want[: starts[-1]] if content(t)]
    tail = want[starts[-1] :]
    if len(head) < 2 or sum(1 for t in tail if content(t)) < ENDING_WORDS:
        return False
    if any(same_word(t, h) for t in tail if weight(t) == 1.0 for h in heard):
        return False
    if figures(tail).said() & figures(heard).said() or figures(tail).lengths() & figures(heard).lengths():
        return False
    at = [next((j for j, h in enumerate(heard) if same_word(t, h)), None) for t in head]
    if None in at:
        return False
    last = max(j for j in at if j is not None)  # where the head ends: each of its words where first heard
    end = min([len(heard)] + [b for b in sentence_starts(window.text) if b > last])
    other = [h for h in heard[last + 1 : end] if content(h) and not any(same_word(h, t) for t in want)]
    return len(other) >= ENDING_WORDS


def cut_short(
    decision: Decision, heard: Heard, embedder: E5Embedder | None, names: frozenset[str] = frozenset()
) -> float | None:
    """The score to show when ``decision`` heard a compliance line without one of its figures
    (specifics.missing: "for four hours", "fifty zloty") or without its last clause (:func:`left_out`) or its
    point (:func:`point_unheard`), or None. Unlike a reworded line, such a sentence may be the line's first
    half, the recognizer having cut it at a pause: the tracker waits for the agent's next final (which the
    line, joined across the cut, may tick) before it leaves the step unsure. Embeds every sentence of
    ``heard``, so that the deadline can judge them if no final completes the line."""
    line = str(decision.extra["line"])
    # The rest of the utterance (and the agent's previous one, joined) may say what the window lacks: "A
    # hundred pounds is held as a deposit; if the tub's undamaged ..., it's in your account again within
    # five days" has the line's figure in the sentence before the one that says its words.
    context = heard.lexical[-1].tokens
    want = tokens(line)
    if not (
        missing(want, context)
        or left_out(line, decision.window, names, context)
        or point_unheard(want, decision.window.tokens, names, context)
    ):
        return None
    if embedder is None:
        return decision.score
    heard.embed_all()
    vector = embedder.line(line)
    return max((cosine(vector, v) for _, v in heard.embedded()), default=decision.score)


# "The tuning is guaranteed for three months." for "The tuning is guaranteed for three months, unless the
# piano is moved during that time": a compliance line's last clause is most often its condition, its
# exception or its consequence ("..., later we charge fifty zloty", "..., before opening the door"), and a
# sentence that stops before it keeps the cosine of a shortened line (0.93-0.94) while the duty it states
# has changed. Left out, not replaced: a clause said in other words brings words of its own ("при отмене
# деньги не возвращаются" as "если передумаете лететь, стоимость не компенсируется"), which
# :func:`other_ending` judges. A clause counts as heard when one of its content words is, or one of its
# figures ("за добу" as "за день"). benchmarks.assist v1-v8: the three compliance lines said up to their
# last clause were ticked; no line said whole in other words was caught.
LEFT_OUT_WORDS = 2


def left_out(line: str, window: Window, names: frozenset[str], context: Sequence[str] = ()) -> bool:
    """The line's last clause (after its first; at least ``LEFT_OUT_WORDS`` content words) not heard in
    ``window`` nor in ``context`` (the rest of its utterance: the clause said in the next sentence, "...
    ten metres away; we can't run it off an extension cable"), by a word or a figure, and fewer than
    ``LEFT_OUT_WORDS`` content words that the line lacks heard after the last of its words in ``window``:
    the sentence stops, or goes on with a remark, where the clause was."""
    want = tokens(line)
    starts = [at for at in clause_starts(line) if 0 < at < len(want)]
    if not starts:
        return False
    heard = window.tokens

    def content(t: str) -> bool:
        return weight(t) == 1.0 and t not in names

    clause = want[starts[-1] :]
    own = [t for t in clause if content(t)]
    if len(own) < LEFT_OUT_WORDS:
        return False
    for said in (heard, context):
        if any(same_word(t, h) for t in own for h in said):
            return False
        if figures(clause).said() & figures(said).said() or figures(clause).lengths() & figures(said).lengths():
            return False
    at = [j for j, h in enumerate(heard) if any(same_word(t, h) for t in want if content(t))]
    if not at:
        return False
    rest = [h for h in heard[at[-1] + 1 :] if content(h) and not any(same_word(h, t) for t in want)]
    return len(rest) < LEFT_OUT_WORDS


# "The tuning is guaranteed for three months." for "..., unless the piano is moved", "Zadatek wynosi pięć
# tysięcy złotych." for "Zadatek w wysokości pięciu tysięcy złotych nie podlega zwrotowi": the line's frame
# heard nearly word for word, then the sentence stops where the line's point begins. :func:`left_out` judges a
# last clause left out after a comma; this is the point with no comma before it. The point is the line's words
# after the last one heard, and only a point that binds or conditions counts (a negation, a ban, "unless",
# "later", "otherwise"): a line shortened by its purpose ("..., it's for training" for "recorded for training
# and quality purposes") is said. On match21's 1008 compliance steps left unsure: 10 not said, 1 said.
_POINT = frozenset(
    ("unless", "until", "if", "later", "otherwise", "chyba", "jesli", "jezeli", "pozniej", "inaczej", "если", "пока",
     "позже", "иначе", "якщо", "поки", "пізніше", "інакше")
)  # fmt: skip
FRAME_SHARE = 0.75  # of the line's content words up to the last one heard, this share heard: its frame word for word


def point_unheard(line: list[str], heard: list[str], names: frozenset[str], context: Sequence[str] = ()) -> bool:
    """At least three of the line's content words heard, ``FRAME_SHARE`` of those up to the last heard, two or more
    after it unheard (nor in ``context``, the rest of the utterance) with a negation, a ban or a ``_POINT`` word
    among them and no more of those heard than the frame has, and fewer than two content words of the sentence's
    own: the sentence ends where the point was (a paraphrase that moves the point brings words of its own, or its
    negation: "а на мийку не заїжджайте три дні", "a tego zadatku nie zwracamy")."""

    def content(t: str) -> bool:
        return weight(t) == 1.0 and t not in names

    words = [k for k, t in enumerate(line) if content(t)]
    got = [k for k in words if any(same_word(line[k], h) for h in heard)]
    if len(got) < 3 or len(got) < FRAME_SHARE * len([k for k in words if k <= got[-1]]):
        return False
    point = line[got[-1] + 1 :]
    said = [t for t in point if content(t)]
    if len(said) < 2 or any(same_word(t, h) for t in said for h in context):
        return False

    def binding(toks: Sequence[str]) -> int:
        return sum(1 for t in toks if t in NEGATIONS or t in _POINT or t.startswith(BAN))

    own = [h for h in heard if content(h) and not any(same_word(h, t) for t in line)]
    frame = binding(line[: got[-1] + 1])
    return binding(point) > 0 and binding(heard) <= frame and len(own) < 2


# "It's all in the terms on our website", "the office will go through the payment terms with you", "to
# wszystko jest w regulaminie", "администратор вам на месте расскажет": a compliance line's topic handed to a
# document or a person, its point never said. The sentence names the topic (the cosine of such a sentence is a
# paraphrase's) and binds nothing; a line said in other words keeps its duty or its negation. On match21's 1008
# compliance steps left unsure (default, v2-v25) these words with no negation and no duty heard are in 73 not
# said and in none said. A document the line itself names ("при подписании договора") is no deferral.
_DOCUMENTS = (
    "contract", "terms", "website", "pack", "email", "leaflet", "umow", "regulamin", "stronie", "договор", "оферт",
    "сайте", "правилах", "сайті", "договорі", "умовах",
)  # fmt: skip
_WILL_TELL = frozenset(
    ("расскажет", "расскажут", "объяснит", "объяснят", "розкаже", "розкажуть", "пояснить", "powie", "powiedza",
     "wyjasni", "opowie")
)  # fmt: skip
_TELL = frozenset(("tell", "explain", "go", "cover", "talk"))  # after "will", "'ll": "will go through it"


def deferred(line: list[str], heard: list[str]) -> bool:
    """``heard`` hands the line's topic to a document (``_DOCUMENTS``, one the line does not name) or to a person
    who will tell it (``_WILL_TELL``, "will"/"'ll" then ``_TELL``), with no negation and no duty heard, and fewer
    than half the line's content words: "...processed in line with our privacy policy, it's on the website" says
    the line, then points to more."""
    if NEGATIONS.intersection(heard) or any(h.startswith(DUTY) for h in heard):
        return False
    own = [t for t in line if weight(t) == 1.0]
    if 2 * sum(1 for t in own if any(same_word(t, h) for h in heard)) >= len(own):
        return False
    document = any(h.startswith(_DOCUMENTS) and not any(t.startswith(h[:4]) for t in line) for h in heard)
    told = any(h in ("will", "ll") and _TELL.intersection(heard[k + 1 : k + 3]) for k, h in enumerate(heard))
    return document or told or bool(_WILL_TELL.intersection(heard))


# "even if you move the piano" for "unless the piano is moved", "на будь-які деталі, навіть якщо ви купили
# їх самі" for "тільки на деталі, які ставив наш майстер": a concession heard where the line has none
# turns its condition or exception into its opposite, with the line's words all there.
CONCESSIVE = frozenset(("even", "даже", "навіть", "nawet"))


def conceded(line: list[str], heard: list[str]) -> bool:
    """A concessive word ("even if", "даже если", "навіть якщо", "nawet jeśli") heard that the line lacks."""
    return bool(CONCESSIVE.intersection(heard)) and not CONCESSIVE.intersection(line)
