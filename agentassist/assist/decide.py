"""Whether a final agent utterance says a step: the lexical matcher first, then meaning.

A step ticks on the lexical path when a say-line's words are heard in order
(``match_threshold``, as before), or on the meaning path when the line's
sentence embedding is close to a window of what was heard
(``similarity_threshold``) and enough of the line's content words are heard in
it (``content_threshold``), with no negation at them, or, sharing no content
word, when it is clearly closer to this line than to any other (``BARE``,
``BARE_MARGIN``), with no negation in it. Either way every
``must_hear`` word of the step must be heard. The decision carries its
evidence: which utterances, which window, the score, and the heard words that
carried it.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from agentassist.assist.matcher import Match, fill, score_line, tokens, weight
from agentassist.assist.negation import CONTRAST, affirmed_at, clause_starts, line_negations, negated_at, reversed_at
from agentassist.assist.script import Step
from agentassist.assist.semantic import Coverage, E5Embedder, cosine, coverage, must_hear_missing, sentences
from agentassist.assist.slots import framed_slot, other_pair, other_slots, other_thing
from agentassist.assist.specifics import changed, unpriced
from agentassist.assist.words import same_word
from agentassist.events import Utterance

# The meaning rule, fitted on benchmarks/assist_cases_v2/tune (scores: RESULTS.md, session 12). The embedding alone
# puts lines that share a frame but not the point ("we can offer you delivery by post" for "we can
# offer you a payment plan": 0.927) as close as true paraphrases (0.90-0.93), so below SURE the share
# of the line's content words heard must make up for it: cosine + CONTENT_WEIGHT * content >= COMBINED
# (paraphrases 1.05-1.16, such traps 1.03-1.04), or the window says nothing but the line's own words
# (a shortened line, "Разговоры записываются." for "Обратите внимание, все разговоры записываются").
SURE = 0.93
CONTENT_WEIGHT = 0.2
COMBINED = 1.04
# Refitted in session 21 on v1-v9 and v13, with function words no longer counted as content (which raised
# every sentence's share): for a step that is not a compliance line the combined score ticks from 1.02,
# when the sentence is clearly nearer this line than any other (``BARE_MARGIN``: "Thank you for your
# patience, my colleague will call you" is 1.02-1.04 from "Thank you for calling Acme, my name is Alex",
# 0.03 above the nearest other line) and no negation stands in the line's part of the sentence
# (``negated_anywhere``: in "Номер договора я вам назвать не могу" for "Назовите ... номер договора" the
# negation is past the reach of the check at the line's words). A compliance line keeps 1.04: at 1.02
# "we do ask for twenty-four hours' notice if you need to cancel" ticked "cancellations with less than
# twenty-four hours' notice are charged in full", a real miss made silent.
COMBINED_STEP = 1.02
SUBSET = 0.88
# The margin: how much closer the sentence is to this line than to the script's nearest other line. A
# paraphrase is near its own line and clearly nearer it than to any other. Added to the combined score
# it bought recall only with false ticks (on v2's tune half: it does not tell "назовите ваш город" from
# "назовите кодовое слово"), so it serves one rule: a sentence that shares no content word with the
# line ticks when cosine >= BARE and margin >= BARE_MARGIN ("Благодарю за звонок, до свидания." for
# "Спасибо за обращение, всего доброго."), with no negation in it and no filled name (a name
# heard lifts the cosine: "Acme Telecom, Alex speaking" is 0.943 from "Thank you for calling Acme
# Telecom, my name is Alex", and a checker does not count it as that line).
# BARE was 0.92 (v2's tune half); on v1-v10 (session 19) 0.90 ticks 5 said steps more and nothing
# wrong, 0.88 ticks two goodbyes a compliance-missed case never said (v1).
BARE = 0.90
BARE_MARGIN = 0.04
# A greeting said with the names: "Hello there, Brightwater, Sam speaking" for "Good morning, you are
# speaking with Brightwater Energy, this is Sam". A name heard lifts the cosine by itself, and a bare
# "Acme Telecom, Alex speaking" is no greeting (benchmarks/assist_cases' off-script traps), so the names
# count only beside a salutation.
GREETING = 0.88
# The call answered with the names: "Горводоканал, Ольга." or "Dzień dobry, Fala, słucham." for a greeting
# line ("Dzień dobry, Fala Net, nazywam się Kasia, w czym mogę pomóc?"): the agent's first words, a
# name of the line and at most one other word ("słucham", "speaking"). Only for a line that itself
# greets (a salutation in it): "Acme Telecom, Alex speaking" does not say "Thank you for calling Acme
# Telecom, my name is Alex", whose thanks it leaves out (benchmarks/assist_cases' off-script traps).
# On v2-v6 such answers sit at cosine 0.86-0.94 from their line.
ANSWER = 0.85
# The step the script expects next is likelier: a sentence clearly nearest its line (margin 0.06 or more
# over every other line) ticks it at a cosine of 0.88, under the combined rule, unless it shares 40 % or
# more of the line's content words: that is the profile of a sentence in the line's frame about something
# else ("Could you read me your flight number" for "... your booking reference": 0.926, 50 %), while
# lines said in other words share few ("Скільки ви готові платити за місяць" for "Який у вас бюджет на
# оренду на місяць?"). On v2-v6: 7 said steps more ticked, no false tick; at a margin of
# 0.05, 11 and 1; without the share rule, 11 and 4 (same-frame traps). Not for compliance lines, whose
# misses must never be silent.
EXPECTED = 0.88
EXPECTED_MARGIN = 0.06
EXPECTED_CONTENT = 0.4
# A sentence clearly nearest its line ticks it whichever step the script expects: the EXPECTED rule's
# two signals agreeing (the cosine, and the margin over the script's nearest other line) and its profile
# (under 40 % of the line's content words: a line said in other words shares few, a sentence in the line's
# frame about something else shares many), for a sentence that hears at least one of the line's content
# words and not only its opening ones (its frame: "Могу предложить отель у моря" for "Могу предложить рейс
# в четверг"). On v1-v10 (session 19): 23 said steps more ticked, no false tick; at a margin of 0.04, 58
# and 2 (funcwords traps: "We will add a note ... for next time" for "We will add a credit ... to your next
# bill", margin 0.059). Not for compliance lines: at 0.04 it silenced 4 real misses (3 with both halves of
# the line's words required), which stay unsure instead.
NEAREST = 0.88
NEAREST_MARGIN = 0.06
NEAREST_CONTENT = 0.4
SALUTATIONS = frozenset(
    ("hi", "hello", "hiya", "hey", "morning", "afternoon", "evening", "здравствуйте", "здрасьте", "алло",
     "добрый", "доброе", "вітаю", "добрий", "доброго", "привіт", "dzien", "halo", "witam", "czesc")
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Window:
    """A stretch of speech a line may be in, made of parts of one or two utterances."""

    text: str
    tokens: list[str]
    parts: tuple[tuple[Utterance, int, int], ...]  # (utterance, offset of its first token here, token count)
    clauses: tuple[int, ...]  # token indices where its clauses start (negation.clause_starts)

    @property
    def utterances(self) -> tuple[Utterance, ...]:
        return tuple(p[0] for p in self.parts)

    def time(self, index: int) -> float:
        """Start time of the window's ``index``-th token, from its utterance's word timings."""
        for u, offset, count in self.parts:
            if index < count:
                return token_time(u, offset + index if index >= 0 else -1)
            index -= count
        return self.parts[-1][0].start_s


def _window(pieces: list[tuple[Utterance, int, str]]) -> Window:
    parts: list[tuple[Utterance, int, int]] = []
    toks: list[str] = []
    for u, offset, text in pieces:
        t = tokens(text)
        parts.append((u, offset, len(t)))
        toks += t
    text = " ".join(text for _, _, text in pieces)
    return Window(text, toks, tuple(parts), clause_starts(text))


def _sentence_pieces(u: Utterance) -> list[tuple[Utterance, int, str]]:
    out: list[tuple[Utterance, int, str]] = []
    offset = 0
    for sentence in sentences(u.text) or [u.text]:
        out.append((u, offset, sentence))
        offset += len(tokens(sentence))
    return out


@dataclass(frozen=True, slots=True)
class Decision:
    method: str  # "lexical" | "meaning"
    score: float  # the lexical share heard in order, or the embedding cosine
    window: Window  # the speech the line was found in
    first: int  # index of the first matched token in the window, -1 if unknown
    words: tuple[str, ...]  # heard words that carried the decision
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def t(self) -> float:
        return self.window.time(self.first)

    def evidence(self) -> dict[str, Any]:
        out: dict[str, Any] = {"method": self.method, "words": list(self.words), "window": self.window.text}
        out.update(self.extra)
        us = self.window.utterances
        if len(us) > 1:
            out["utterances"] = [
                {"id": u.id, "text": u.text, "start": round(u.start_s, 3), "end": round(u.end_s, 3)} for u in us
            ]
        return out


class Heard:
    """One final agent utterance (and the agent's previous one, when a line may run across the two) as
    the windows a line may be in. Lexical: the utterance, and both utterances joined. Meaning: each
    sentence of the utterance, and the previous one's last sentence joined to this one's first. An
    embedding costs in proportion to its tokens (~28 ms for a short sentence on one core), so a
    window is embedded on first need (a pending step the lexical path left open), once for all steps."""

    def __init__(self, u: Utterance, previous: Utterance | None, embedder: E5Embedder | None) -> None:
        self.lexical = [_window([(u, 0, u.text)])]
        pieces = _sentence_pieces(u)
        self.meaning = [_window([p]) for p in pieces]
        if previous is not None:
            self.lexical.append(_window([(previous, 0, previous.text), (u, 0, u.text)]))
            self.meaning.append(_window([_sentence_pieces(previous)[-1], pieces[0]]))
        self._embedder = embedder
        # float32 arrays: a call keeps its finals' vectors for the compliance deadline (1.5 KB each, where
        # a list of Python floats takes 12 KB)
        self._vectors: dict[int, array[float]] = {}
        self._similarities: dict[tuple[int, str], float] = {}

    def vector(self, index: int) -> Sequence[float]:
        """The embedding of meaning window ``index``, computed on first need."""
        hit = self._vectors.get(index)
        if hit is None and self._embedder is not None:
            hit = self._vectors[index] = array("f", self._embedder.embed([self.meaning[index].text])[0])
        return hit if hit is not None else []

    def similarity(self, index: int, line: str, embedder: E5Embedder) -> float:
        """Meaning window ``index``'s cosine to a say-line, once a line: each pending step's decision sets
        its line against every other (``rivals``), so the same pairs come up once for every pending step."""
        key = (index, line)
        hit = self._similarities.get(key)
        if hit is None:
            hit = self._similarities[key] = cosine(embedder.line(line), self.vector(index))
        return hit

    def settle(self) -> None:
        """The decisions on this utterance are made: its cosines go, its vectors stay (a call keeps its
        finals for the compliance deadline, and a line's cosines to them would be most of their size)."""
        self._similarities.clear()

    def embed_all(self) -> None:
        """Embed every meaning window now (a compliance line heard cut short: the deadline judges them)."""
        for i in range(len(self.meaning)):
            self.vector(i)

    def embedded(self) -> list[tuple[Window, array[float]]]:
        """The meaning windows embedded so far, with their vectors (no new embedding)."""
        return [(self.meaning[i], v) for i, v in sorted(self._vectors.items())]


def decide(
    step: Step,
    heard: Heard,
    variables: dict[str, str],
    match_threshold: float,
    similarity_threshold: float,
    content_threshold: float,
    embedder: E5Embedder | None,
    rivals: tuple[str, ...] = (),
    answering: bool = False,
    expected: bool = False,
    expected_margin: float = EXPECTED_MARGIN,
) -> Decision | None:
    """``rivals``: the other steps' say-lines (filled). A sentence ticks a step on meaning only when its
    line is the script's closest to it among the lines with a content word in it: "назовите ваше имя и
    номер договора" is near "подтвердите дату рождения владельца договора" (0.93), but nearer its own.
    ``answering``: the utterance is the agent's first in the call (see ``ANSWER``); ``expected``: the step
    is the one the script expects next (see ``EXPECTED``), its line nearer than any other by ``expected_margin``
    (less for a step said in the script's order between two ticks: order.py)."""
    lines = [fill(line, variables) for line in step.say]
    names = frozenset(t for value in variables.values() for t in tokens(value))
    # A line's price may be said in the sentence before the one that says its words ("A hundred pounds is held
    # as a deposit; if the tub's undamaged ..."): it is looked for in the utterance (and the previous one, joined).
    utterance = heard.lexical[-1].tokens
    lexical = _lexical(lines, heard, match_threshold)
    if lexical is not None:
        return lexical if not must_hear_missing(step.must_hear, lexical.window.tokens) else None
    if embedder is None:
        return None
    best: Decision | None = None
    for line in lines:
        want = tokens(line)
        own_names = names.intersection(want)
        line_clauses = clause_starts(line) if step.compliance else ()
        for i, window in enumerate(heard.meaning):
            cov = coverage(want, window.tokens, names, window.clauses)
            if must_hear_missing(step.must_hear, window.tokens):
                continue
            if cov.negated or changed(want, window.tokens) or unpriced(want, utterance):
                if step.compliance:
                    # The deadline judges only embedded sentences, and a negation at a compliance line's
                    # words may say it in other words ("otherwise we can't take him" for "we can only take
                    # dogs whose ..."): embedded here, it can leave the step unsure, not a plain "missed". So is
                    # a figure said as another ("for an hour" for "for four hours").
                    heard.vector(i)
                continue
            if step.compliance and other_pair(want, window.tokens, names, line_clauses, window.clauses):
                # the line's two things said as two others ("сумки и рюкзаки заносить нельзя" for "кисти и краски
                # выносить нельзя": 0.936): the rule's frame about other things, near as a paraphrase. The deadline
                # judges it (unsure), never a silent tick.
                heard.vector(i)
                continue
            greeting = bool(own_names.intersection(window.tokens) and SALUTATIONS.intersection(window.tokens))
            answer = answering and _answer(want, window.tokens, own_names, names)
            named = not greeting and any(t in names for t in window.tokens)
            if not cov.words and not answer and (named or negated_anywhere(want, window)):
                continue
            similarity = heard.similarity(i, line, embedder)
            if best is not None and similarity <= best.score:
                continue
            near = [(heard.similarity(i, r, embedder), r) for r in rivals]
            margin = similarity - max((c for c, _ in near), default=0.0)
            if (
                (greeting and margin > 0 and similarity >= GREETING)
                or (answer and similarity >= ANSWER)
                or (
                    expected
                    and not named
                    and similarity >= EXPECTED
                    and margin >= expected_margin
                    and (cov.content < EXPECTED_CONTENT or _not_another_thing(want, window, names, cov))
                    and not framed_slot(want, window.tokens, names)
                )
            ):
                pass
            elif cov.words:
                sure = similarity >= SURE
                # the line's frame with its other words said as other things is no paraphrase, however many
                # of the line's words it shares ("Новий договір надішлемо на пошту протягом трьох днів"
                # for "Виписку надішлемо на пошту протягом трьох днів": 0.916, 62 %)
                combined = similarity + CONTENT_WEIGHT * cov.content
                close = (
                    similarity >= similarity_threshold
                    and (
                        combined >= COMBINED
                        or (
                            not step.compliance
                            and combined >= COMBINED_STEP
                            and margin >= BARE_MARGIN
                            and not negated_anywhere(want, window, cov)
                        )
                    )
                    and not other_thing(want, window.tokens, names)
                )
                shortened = cov.subset and similarity >= SUBSET and cov.content >= content_threshold
                nearest = (
                    not step.compliance
                    and not cov.opening
                    and similarity >= NEAREST
                    and margin >= NEAREST_MARGIN
                    and (cov.content < NEAREST_CONTENT or _not_another_thing(want, window, names, cov))
                    and not framed_slot(want, window.tokens, names)
                )
                if not (sure or close or shortened or nearest) or any(
                    c > similarity and coverage(tokens(r), window.tokens, names).words for c, r in near
                ):
                    continue
            elif similarity < BARE or margin < BARE_MARGIN:
                continue
            matched = " ".join(window.tokens[cov.first : cov.last + 1]) if cov.words else window.text
            extra = {
                "similarity": round(similarity, 3),
                "content": round(cov.content, 3),
                "margin": round(margin, 3),
                "line": line,
            }
            best = Decision("meaning", similarity, window, cov.first, cov.words, {"matched": matched, **extra})
    return best


def _not_another_thing(line: list[str], window: Window, names: frozenset[str], cov: Coverage) -> bool:
    """A sentence sharing ``EXPECTED_CONTENT``/``NEAREST_CONTENT`` or more of the line's content words that
    is still the line said in other words: not the line's frame with its other words said as other
    things (slots.other_slots: "which part of town do you have in mind for the rent?" for "what monthly
    budget do you have in mind for the rent?"), and no negation anywhere in it that the line lacks ("в
    субботу замерщик, к сожалению, не выезжает" for "замерщик приедет в субботу": the negation is past
    the reach of the check at the line's words). Until session 20 such a sentence never ticked on these
    rules; counted with the function-word lists, the shares of paraphrases rose past 40 %."""
    return not other_slots(line, window.tokens, names) and not negated_anywhere(line, window, cov)


def _answer(line: list[str], heard: list[str], own_names: frozenset[str], names: frozenset[str]) -> bool:
    """A greeting line answered with its names: the line has a salutation, the window one of the line's
    names and at most one content word that is neither a name, a salutation nor a word of the line."""
    if not SALUTATIONS.intersection(line) or not own_names.intersection(heard):
        return False
    others = [
        h
        for h in heard
        if weight(h) == 1.0 and h not in names and h not in SALUTATIONS and not any(same_word(h, t) for t in line)
    ]
    return len(others) <= 1


def negated_anywhere(line: list[str], window: Window, cov: Coverage | None = None) -> bool:
    """A negation in the window that the line does not have (its own: "we do not store card data", or
    "no", "жодних", "żadnych", "нельзя": ``negation.line_negations``), in the line's part of the window
    (:func:`line_scope`). Counted by the rules of ``negation.negated_at``."""
    lo, hi = line_scope(window, cov)
    return negated_at(
        window.tokens, lo, hi, line_negations(line), (lo, hi + 1), tuple(line), window.clauses
    ) or reversed_at(window.tokens, lo, hi, line, window.clauses)


def line_scope(window: Window, cov: Coverage | None = None) -> tuple[int, int]:
    """The token span of ``window`` that a line heard in it is said in: the window is cut where an
    utterance ends (a window of two) and before a contrastive conjunction (``CONTRAST``). With the
    line's content words heard (``cov``), the pieces from the one holding the first to the one holding
    the last ("I'm not sure, but <line>": a negation in the first piece denies the speaker's knowledge,
    not the line; one at the line's own verb, in its piece, denies the line). With none, the window from
    its last contrastive conjunction on: what was conceded before "but" is not what the sentence says."""
    toks = window.tokens
    cuts = sorted({k for k, t in enumerate(toks) if k and t in CONTRAST} | {window.parts[0][2]} - {0, len(toks)})
    if cov is None or not cov.words:
        contrast = [k for k in cuts if toks[k] in CONTRAST]
        return (contrast[-1] if contrast else 0), len(toks) - 1
    lo = max([0] + [k for k in cuts if k <= cov.first])
    hi = min([len(toks)] + [k for k in cuts if k > cov.last]) - 1
    return lo, hi


def _lexical(lines: list[str], heard: Heard, threshold: float) -> Decision | None:
    """The best in-order match over the lexical windows (the utterance alone wins a tie)."""
    best: tuple[Match, Window, str] | None = None
    for window in heard.lexical:
        for line in lines:
            m = score_line(line, window.text)
            if m.score < threshold or (best is not None and m.score <= best[0].score):
                continue
            want = tokens(line)
            negations = line_negations(want)
            if negated_at(window.tokens, m.first, m.last, negations, window.clauses, tuple(want)):
                continue  # "we don't record this call ...", "I cannot tell you if this call is recorded"
            if affirmed_at(window.tokens, m.first, m.last, want, window.clauses):
                continue  # "ваш роутер в сети" for "ваш роутер не в сети": the opposite
            if reversed_at(window.tokens, m.first, m.last, want, window.clauses):
                continue  # "справка не нужна" for "справка обязательна", "можно заходить" for "заходить запрещено"
            if changed(want, window.tokens) or unpriced(want, window.tokens):
                continue  # "thirty percent" for "fifty percent", "of May" for "of April": another figure
            if len(window.parts) > 1 and (m.first >= window.parts[0][2] or m.last - m.first > 2 * len(want) + 2):
                continue  # joined, the line must run across the cut, close together (not across a topic)
            best = (m, window, line)
    if best is None:
        return None
    m, window, line = best
    cov = coverage(tokens(line), window.tokens[m.first : m.last + 1])
    words = cov.words or tuple(m.matched.split())
    return Decision("lexical", m.score, window, m.first, words, {"matched": m.matched, "line": line})


def token_time(u: Utterance, token_index: int) -> float:
    """Start time of the utterance's ``token_index``-th normalized token, from word timings."""
    if token_index < 0 or not u.words:
        return u.start_s
    seen = 0
    for w in u.words:
        n = len(tokens(w.text))
        if token_index < seen + n:
            return w.start_s
        seen += n
    return u.start_s


def evidence_of(u: Utterance, best: Match | Decision) -> tuple[float, dict[str, Any]]:
    """When the step's words began, and the evidence of ``best`` heard in ``u`` (docs/api.md)."""
    if isinstance(best, Match):
        t = round(token_time(u, best.first), 3)
        extra: dict[str, Any] = {"matched": best.matched, "method": "lexical", "words": best.matched.split()}
    else:
        t = round(best.t, 3)
        extra = {"matched": best.extra.get("matched", " ".join(best.words)), **best.evidence()}
    return t, {"utterance_id": u.id, "text": u.text, "score": round(best.score, 3), "t": t, **extra}
