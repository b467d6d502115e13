"""Collection mode: while the call collects card data, every number the customer says is masked, whether the
number readers (:mod:`agentassist.privacy.said`) read it or not.

The readers find card data by its words: a card number in digits or in number words they know, an expiry and a
code by their cues and shapes. Each new blind set of cases met spoken forms they did not read ("six twice",
"niner", "fifty-one hundred", digit words joined by hyphens), and a card said so went unmasked: rules driven by
words keep missing the next form. This mode decides by the call's state instead. Once the agent asks for card data
(the number, the expiry or the code) or the customer starts a card (card data the readers found, or the customer's
own cue for it: "my card", "номер карты", the code named; from there on in that final, and on past it where card
data was given in it or the final ends announcing it: "the code is, um,"), the call is collecting, and the
customer's numbers in any form (digits; number words of en, ru, uk and pl, hyphen-joined or not; "double", "twice",
"niner", a digit's noun; tens and hundreds) are masked until the exchange closes:

- the card's parts are all given (a card number, its expiry and its code);
- the agent moves on: asks for another thing (an order's or a phone's number, a date, an amount:
  :func:`~agentassist.privacy.detect.asks`), or asks a question that names no number and holds none;
- the customer names another thing in a number's sentence ("and my phone is ..."): that number stays, the window
  closes;
- nothing of card data was said or asked for in the last :data:`WINDOW_S`.

A number the agent says is not the customer's: the agent's finals are never masked here (a read-back is
:mod:`agentassist.privacy.readback`'s). Card data the readers found keeps its span; a number adjoining it (only
separators between) joins that span where the span is short of its kind's digits (a card's groups said partly in
a form the readers do not know); any other number takes the kind still owed: what the agent asked for, else a
card's, an expiry's and a code's in the order they are said (a number as long as a card is a card's, one with a
month in it an expiry's, three digits after a card a code's; a group named by its place or the digits still to
come a card's). What stays even in the window: a quantity ("16 digits"), a time ("4:30"), an amount (a currency or
its unit named with it, a decimal as written), a number after words that name a thing ("Pitch 12"), one as long as a
card written in digits that no scheme issues with a valid check digit (the readers read it whole and said no), and
one of two digits or fewer said alone.

The spans are kept apart from the readers' (:attr:`~agentassist.privacy.held.Said.collected`, shown by
:func:`~agentassist.privacy.held.shown`): a span the mode put among theirs would stop a later final from showing
them what a number was (a card's groups said over two finals, taken for an expiry and a code in the first).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from agentassist.assist.numbers import NUMBER_WORDS, is_number_word
from agentassist.events import Channel
from agentassist.privacy.cues import (
    CARD,
    CVV,
    DOCUMENT,
    EXPIRY,
    FILLER,
    MONTH,
    MONTHS,
    OTHER,
    code_cues_named,
    cues,
    says_nothing,
)
from agentassist.privacy.detect import KINDS, asks, written_amount
from agentassist.privacy.expiry import counts
from agentassist.privacy.held import Said, add_spans, card_digits_of, recent_finals
from agentassist.privacy.memo import remembered
from agentassist.privacy.restarts import THEN
from agentassist.privacy.said import DIGIT_NOUNS, JOIN, NUMBER_PARTS, REPEAT_WORDS, TOKEN, Span, fold, items, luhn
from agentassist.privacy.schemes import CARD_DIGITS, issued

WINDOW_S = 30.0  # card data neither said nor asked for this long: the exchange is over (a card, expiry, code: ~20 s)
_FRESH_DIGITS = 3  # a number of two digits said alone says too little to be card data ("no, 09, sorry, 10/28": a month)
_CODE_DIGITS = (3, 4)
_EXPIRY_DIGITS = 6  # "09 2028"

_STOP = re.compile(r"[.;!?]\s")  # a sentence's end (not a decimal point: "64.90")
# a group's place before the count of its digits ("the third four", "the last four", "первые восемь", "ostatnie cztery")
_PLACE = re.compile(
    r"\b(?:last|final|first|second|third|next|последн\w*|перв\w*|втор\w*|трет\w*|останн\w*|перш\w*|друг\w*"
    r"|ostatni\w*|pierwsz\w*|drug\w*|trzec\w*"
    r"|ещ[её]|ще|jeszcze)\s+$"  # ... or how many more come ("там ещё три: 165"; English says "three more")
)
# a card's part named before its digits: a group by its place ("no, the second group is 7283", "вторая группа"), or
# the digits still to come ("there are three more: 165", "там ещё три", "są jeszcze trzy"): the card's digits
_CARD_PART = re.compile(r"\b(?:group|groups|групп\w*|груп\w*|grup\w*|more|ещ[её]|ще|jeszcze)\b")
# a code named by how many digits it has, and where they are ("the three-digit number in the white box is 214",
# "trzy cyfry w białym okienku to 214"): what the number is, whatever the words after name
_NUMBER_NAMED = re.compile(
    r"\b(?:number|номер\w*|numer\w*|digits?|цифр\w*|cyfr\w*|cards?|карт\w*|kart\w*|karcie|expiry|срок|термін|строк"
    r"|wazn\w*|code|cvv|cvc|код|kod)\b"
)
_DIGITS_NAMED = re.compile(r"\b(?:three|four|три|четыре|чотири|trzy|cztery|3|4)[\s-]+(?:digits?|цифр\w*|cyfr\w*)\b")
_CLOCK = re.compile(r"\d:\d\d")  # "4:30", "16:30": a time of day
_DATE = re.compile(r"\d{1,2}[./-]\d{1,2}[./-]\d{2,4}")  # "31.12.2026": a day's date (an expiry names no day)
_GAP = re.compile(r"[\s,.\-–—/:;]*")  # between the parts of one number as written: "4539-1488", "oh-nine, 28"
# a part of a number only inside one: "twice" after a digit, "oh", "for" as four; "niner" is the radio's nine
_MONTHS = {w for w in MONTHS if MONTH.fullmatch(w)}  # a month's name, not a short form that is a word too ("sie")
_INNER = NUMBER_PARTS | {"twice", "thrice", "times"} | _MONTHS
_EDGE = {"for", "fore", "to", "too", "ate", "za", "o", "times"}  # ... and none at a number's edge
_REPEATS = REPEAT_WORDS | {"twice", "thrice"}  # each says a digit once more: one more digit
# an amount: a currency's sign before the number, or a currency or a percent named after it
_CURRENCY = re.compile(r"[$€£¥₴₽]\s*$")
_UNIT = re.compile(
    r"\s*(?:[%€₴₽]|(?:dollars?|euros?|pounds?|cents?|percent|zl|zlot\w*|groszy|pln|usd|eur|uah|руб\w*|грн|гривен\w*"
    r"|гривн\w*|копе\w*|евро|євро|доллар\w*|долар\w*|процент\w*|відсот\w*|procent\w*)(?![^\W\d_]))"
)


@dataclass(frozen=True, slots=True)
class Run:
    """A number as said, in any form: where it is in the text, how many digits it says (near enough: "fifty" 2,
    "double seven" 2), and whether it names a month."""

    start: int
    end: int
    digits: int
    month: bool


@dataclass
class Window:
    """The card data being collected: since when (the last card data said or asked for), what the agent asked
    for last and what the customer gave since."""

    last_s: float
    asked: frozenset[str] = frozenset()
    given: set[str] = field(default_factory=set)

    def owed(self, run: Run) -> str:
        """The kind of card data ``run`` is, by what is still owed."""
        if run.digits >= CARD_DIGITS[0]:
            return CARD
        for kind in KINDS:
            if kind in self.asked and kind not in self.given:
                return kind
        if CARD not in self.given and not run.month:
            return CARD
        if EXPIRY not in self.given and (run.month or run.digits not in _CODE_DIGITS or CVV in self.given):
            return EXPIRY
        return CVV


def _parts() -> dict[str, int]:
    """Each word that is a number's part and how many digits it says in one (0: a part that says none itself; a
    hundred or a thousand 2: "fifty-one hundred"), built once: a word's lookup is a dict's."""
    out = dict.fromkeys(_INNER - _EDGE, 1) | dict.fromkeys(_EDGE, 0) | {"o": 1} | dict.fromkeys(_MONTHS, 2)
    out |= dict.fromkeys(DIGIT_NOUNS | _REPEATS | {"niner"}, 1)
    return out | {word: min(len(str(value)), 3) if value < 100 else 2 for word, value in NUMBER_WORDS.items()}


_PARTS = _parts()


def _part(word: str) -> int:
    """How many digits ``word`` says inside a number (-1: no part of one; 0: a part that says none itself)."""
    if word.isdigit():
        return len(word)
    return _PARTS.get(word, 0 if FILLER.fullmatch(word) else -1)


@remembered("collection")
def runs(folded: str) -> tuple[Run, ...]:
    """The numbers said in ``folded`` in any form: number words and digits with only separators (or fillers)
    between (no sentence's end), each with a word that says a digit on its own (a number word, a digit, a digit's
    noun), at neither edge a word that is a number's only inside one ("for", "um")."""
    out: list[Run] = []
    words: list[tuple[re.Match[str], int]] = []
    for m in TOKEN.finditer(folded):
        part = _part(m.group())
        if part < 0 and words and THEN.fullmatch(f" {m.group()} "):
            continue  # "then" between digits: the gap joins them if it is all it holds
        gap = folded[words[-1][0].end() : m.start()] if words else ""
        apart = _GAP.fullmatch(gap) or JOIN.fullmatch(gap) or THEN.fullmatch(gap)  # "6, then 2, then 2"
        joined = bool(words) and bool(apart) and not _STOP.search(gap)
        if part < 0 or not joined:
            out += _run_of(folded, words)
            words = []
        if part >= 0:
            words.append((m, part))
    return tuple(out + _run_of(folded, words))


def _run_of(folded: str, words: list[tuple[re.Match[str], int]]) -> list[Run]:
    if words and not words[0][0].group().isdigit() and _PLACE.search(folded, 0, words[0][0].start()):
        words = words[1:]  # "the third four, 0429", "последние четыре": how many digits come, no digit
    while words and (words[0][0].group() in _EDGE or FILLER.fullmatch(words[0][0].group())):
        words = words[1:]
    while words and (words[-1][0].group() in _EDGE - {"times"} or FILLER.fullmatch(words[-1][0].group())):
        words = words[:-1]
    # "the 4821 one", "ten 058": a number word that is another word too, beside digits, is that word
    if len(words) > 1 and _pronoun(words[-1][0].group()) and words[-2][0].group().isdigit():
        words = words[:-1]
    if len(words) > 1 and _pronoun(words[0][0].group()) and words[1][0].group().isdigit():
        words = words[1:]
    if not any(_said_alone(m.group()) for m, _ in words):
        return []
    month = any(m.group() in _MONTHS for m, _ in words)
    return [Run(words[0][0].start(), words[-1][0].end(), sum(p for _, p in words), month)]


def _pronoun(word: str) -> bool:
    return not word.isdigit() and says_nothing([word])


def _said_alone(word: str) -> bool:
    """Whether ``word`` says a digit on its own: a digit, a digit's noun, a number word that is no other word too
    (Polish "ten" is "this")."""
    if word.isdigit() or word in DIGIT_NOUNS or word == "niner":
        return True
    return is_number_word(word) and not _pronoun(word)


def collect(finals: list[Said]) -> None:
    """Each customer final said while card data was being collected is given, as its ``collected``, a span over
    every number in it the readers did not mask (finals held, in time order)."""
    if not any(s.channel == Channel.AGENT.value or _opening(s) is not None for s in finals):
        for said in finals:  # nothing opens a window: no card data found or named, no agent to ask for it
            said.collected = []
        return
    state: _State | None = None
    for said in finals:
        if state is not None and said.start_s - state[0] > WINDOW_S:
            state = None
        collected, state = _read(said.channel, said.text, said.start_s, said.end_s, tuple(said.spans), state)
        if said.channel != Channel.AGENT.value:
            said.collected = list(collected)


# a window as a key: when card data was last said or asked for, what was asked for, what was given
_State = tuple[float, frozenset[str], frozenset[str]]


@remembered("collection-final")
def _read(
    channel: str, text: str, start_s: float, end_s: float, spans: tuple[Span, ...], state: _State | None
) -> tuple[tuple[Span, ...], _State | None]:
    """One final read in the window open before it (``state``): what it collects and the window after it. Each
    new final reads the finals held again; one whose spans and window before it are as they were reads as it did
    (remembered), so a final costs the finals its spans changed and those after them, not all those held."""
    window = None if state is None else Window(state[0], state[1], set(state[2]))
    if channel == Channel.AGENT.value:
        window = _agent_said(Said("", channel, text, start_s, end_s), window)
        return (), _state(window)
    work = Said("", channel, text, start_s, end_s, list(spans))
    window = _customer_said(work, window)
    return tuple(x for x in work.spans if x not in spans), _state(window)


def _state(window: Window | None) -> _State | None:
    return None if window is None else (window.last_s, window.asked, frozenset(window.given))


def collecting(finals: list[Said], channel: str, start_s: float) -> Window | None:
    """The window open as ``channel`` begins to speak at ``start_s`` (a partial's), if any."""
    if channel == Channel.AGENT.value:
        return None
    window: Window | None = None
    for said in recent_finals(finals, start_s, WINDOW_S):
        if window is not None and said.start_s - window.last_s > WINDOW_S:
            window = None
        window = _agent_said(said, window) if said.channel == Channel.AGENT.value else _opened(said, window)
    return window if window is not None and start_s - window.last_s <= WINDOW_S else None


def in_partial(text: str, window: Window, spans: list[Span]) -> list[Span]:
    """``spans`` of a partial said while ``window`` is open, with its numbers they do not hold: a number none holds
    a span of the kind still owed, one they hold in part (the readers' "seven seven" of "seven seven twice") the span
    of their kind over all of it. What the final will make of a form the readers do not know is not known yet, and a
    partial shown unmasked cannot be taken back."""
    folded = fold(text)
    out = list(spans)
    for run in runs(folded):
        inside = [x for x in out if x.start < run.end and run.start < x.end]
        if not inside and not (_other(folded, run, out) or _amount(folded, run)):
            out.append(Span(window.owed(run), run.start, run.end))
        elif inside and all(x.kind == inside[0].kind for x in inside):
            whole = Span(inside[0].kind, min(run.start, inside[0].start), max(run.end, inside[-1].end))
            out = [x for x in out if x not in inside] + [whole]
    return sorted(out, key=lambda x: x.start)


def _agent_said(said: Said, window: Window | None) -> Window | None:
    """The window after the agent's final: opened on a question for card data, closed on one for another thing
    (or on any question that names no number and holds none: "Anything else?"; not "Is that the whole number?")."""
    asked = asks(said.text)
    if asked & set(KINDS):  # asked again, it is owed again
        return Window(said.end_s, asked & frozenset(KINDS), window.given - asked if window is not None else set())
    folded = fold(said.text)
    if window is not None and (
        asked & {OTHER, DOCUMENT} or ("?" in said.text and not items(said.text) and not _NUMBER_NAMED.search(folded))
    ):
        return None
    return window


def _opened(said: Said, window: Window | None) -> Window | None:
    """The window after the customer's final ``said`` as it stands (its spans as found)."""
    if window is None and _opening(said) is None:
        return None
    given = {x.kind for x in said.spans if x.kind in KINDS}
    if window is None and not given:
        return _pending(said)  # a cue with no card data after it opens no window beyond it, unless it is to come
    window = window or Window(said.end_s)
    window.given |= given
    window.last_s = said.end_s if given else window.last_s
    return None if window.given >= set(KINDS) else window


def _opening(said: Said) -> int | None:
    """Where the customer starts card data in ``said``, with no window open (None: nowhere): the first card data the
    readers found, or the end of the customer's own cue for it ("my card", "номер карты", "numer karty", the expiry
    or the code named; not a bare "code", a door's or an error's may be), whichever comes first. A number after the
    cue is read as the window reads one: a number named as another thing ("the SIM number printed on the card holder
    is ..."), an amount, a quantity, one after words that name a thing ("key card for room 314") stays."""
    folded = fold(said.text)
    named = [b for kind in (CARD, EXPIRY) for _, b in cues(kind, folded)] + [b for _, b in code_cues_named(folded)]
    return min([x.start for x in said.spans if x.kind in KINDS] + named, default=None)


def _customer_said(said: Said, window: Window | None) -> Window | None:
    opening = 0 if window is not None else _opening(said)
    if opening is None:
        return None
    opened = window is None
    window = window or Window(said.end_s)
    folded = fold(said.text)
    for run in runs(folded):
        if run.end <= opening:
            continue
        inside = [x for x in said.spans if x.start < run.end and run.start < x.end]
        if not inside and _other(folded, run, said.spans):
            window = Window(window.last_s, given=set(KINDS))  # another thing named: the exchange is over
            continue
        if not inside and window.given >= set(KINDS):
            continue
        if not (len(inside) == 1 and inside[0].start <= run.start and run.end <= inside[0].end):
            _mask(said, run, inside, window)  # (a run a span holds whole, as most are, has nothing left to mask)
        window.given |= {x.kind for x in said.spans if x.start < run.end and run.start < x.end and x.kind in KINDS}
        window.last_s = said.end_s
    if opened and not window.given:
        # a cue with no card data after it in its final ("that was my old card number"): no window on, unless the
        # final ends announcing it ("my card number is, um")
        return _pending(said)
    return None if window.given >= set(KINDS) else window


# what a final ends on after a cue when the card data is still to come: a verb that introduces it ("my card number
# is", "номер карты такой", "numer karty to"), a colon, a dash or an ellipsis, and fillers ("the code is, um")
_INTRODUCING = frozenset({"is", "are", "it's", "это", "такой", "будет", "це", "такий", "буде", "to", "jest", "bedzie"})
_PAUSED = re.compile(r"[:\-–—…]|\.\.")


def _pending(said: Said) -> Window | None:
    """The window a final with no card data opens past itself: where it ends on the customer's own cue and what
    introduces the data ("My card number is, um," | "four nine one six ..."), the kind that cue names owed; else None
    ("that was my old card number." names one said before)."""
    folded = fold(said.text)
    named = [(b, kind) for kind in (CARD, EXPIRY) for _, b in cues(kind, folded)]
    named += [(b, CVV) for _, b in code_cues_named(folded)]
    if not named:
        return None
    end, kind = max(named)
    words = [w for w in TOKEN.findall(folded, end) if not FILLER.fullmatch(w)]
    if not all(w in _INTRODUCING for w in words) or not (words or _PAUSED.search(folded, end)):
        return None
    return Window(said.end_s, asked=frozenset({kind}))


def _mask(said: Said, run: Run, inside: list[Span], window: Window) -> None:
    """``run`` masked: the part of it no span holds joins the span it adjoins, where that span is short of its
    kind's digits, and the parts between spans of one kind join them; a run no span holds is a span of its own, of
    the kind still owed."""
    folded = fold(said.text)
    whole = Span(CARD, run.start, run.end)
    if counts(folded, run.end) or _CLOCK.search(folded, run.start, run.end) or _amount(folded, run):
        return  # a quantity ("16 digits", "12 bottles"), a time ("at 4:30") or an amount, whatever was said before it
    if _DATE.fullmatch(folded, run.start, run.end) or folded[: run.start].endswith("+"):
        return  # a day's date ("valid until 31.12.2026") or a phone's number said with its country ("+7 916 ...")
    if written_amount(folded, items(said.text), whole):
        return  # "289.40", "12,50": an amount as the recognizer writes it
    if not inside:
        if run.digits >= _FRESH_DIGITS and _bare(folded, run, said.spans) and not _no_card(folded, run):
            kind = CARD if _CARD_PART.search(folded, _sentence(folded, run), run.start) else _named(folded, run)
            kind = kind or window.owed(run)
            add_spans(said, [Span(kind, run.start, run.end)])
        return
    first, last = inside[0], inside[-1]
    start = run.start if run.start < first.start and _short(said, first, run) else first.start
    end = run.end if last.end < run.end and _short(said, last, run) else last.end
    if all(x.kind == first.kind for x in inside):  # its groups apart, a form between them the readers do not know
        add_spans(said, [Span(first.kind, start, end)])
    else:
        add_spans(said, [Span(first.kind, start, first.end), Span(last.kind, last.start, end)])


def _named(folded: str, run: Run) -> str | None:
    """The card data that ``run``'s clause names before it ("the card code, seven seven twice": a code's), the cue
    nearest it (of two ending together, the longer: "card code" over "card"), or None: none named."""
    sentence = _sentence(folded, run)
    named = [(b, -a, kind) for kind in KINDS for a, b in cues(kind, folded) if sentence <= a and b <= run.start]
    return max(named, default=(0, 0, None))[2]


def _no_card(folded: str, run: Run) -> bool:
    """Whether ``run`` is as long as a card, written in digits, and no card: the readers read it whole and found
    no scheme that issues it with a valid check digit (a loyalty card's, a SIM's number)."""
    said = TOKEN.findall(folded, run.start, run.end)
    digits = "".join(said)
    return run.digits >= CARD_DIGITS[0] and digits.isdigit() and not (luhn(digits) and issued(digits))


def _bare(folded: str, run: Run, spans: list[Span]) -> bool:
    """Whether ``run`` is said bare in its clause: nothing but words that name nothing ("yes, it's", "так, это")
    between it and the sentence's start, card data said before it, or a card data cue ("the code is ..."); or its
    sentence names it as card data's part (:data:`_CARD_PART`, :data:`_DIGITS_NAMED`). A number after words that
    name a thing is that thing's ("the lessons are Thursdays at 4", "Pitch 12")."""
    sentence = _sentence(folded, run)
    if _CARD_PART.search(folded, sentence, run.start) or _DIGITS_NAMED.search(folded, sentence, run.start):
        return True
    start = max([sentence, *(x.end for x in spans if x.end <= run.start)])
    start = max([start, *(end for kind in KINDS for _, end in cues(kind, folded) if end <= run.start)])
    return says_nothing(TOKEN.findall(folded, start, run.start))


def _sentence(folded: str, run: Run) -> int:
    """Where the sentence of ``run`` begins."""
    return max((m.end() for m in _STOP.finditer(folded, 0, run.start)), default=0)


def _short(said: Said, span: Span, run: Run) -> bool:
    """Whether ``span`` may hold more of ``run``: a card's digits failing the check, an expiry's or a code's fewer
    than their kind has."""
    digits = card_digits_of(said, span)
    if span.kind == CARD:
        return not (CARD_DIGITS[0] <= len(digits) <= CARD_DIGITS[1] and luhn(digits))
    most = _EXPIRY_DIGITS if span.kind == EXPIRY else _CODE_DIGITS[0]
    return len(digits) < most and run.digits <= _EXPIRY_DIGITS + len(digits)


def _other(folded: str, run: Run, spans: list[Span]) -> bool:
    """Whether the run's sentence names another thing than card data before it, with no card data said between
    ("and my phone is ...", "and add the points, the card number is ...": a loyalty card's)."""
    start = max(
        [0, *(m.end() for m in _STOP.finditer(folded, 0, run.start)), *(x.end for x in spans if x.end <= run.start)]
    )
    return any(start <= a and end <= run.start for kind in (OTHER, DOCUMENT) for a, end in cues(kind, folded))


def _amount(folded: str, run: Run) -> bool:
    return bool(_CURRENCY.search(folded, 0, run.start) or _UNIT.match(folded, run.end))
