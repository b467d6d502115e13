"""One call's redaction state: what was just said, so that a card number said in two pieces (two
utterances of one speaker) is still found, and a code answered to the agent's question is a code.

:class:`Redactor` works on text (pure, no I/O): :meth:`Redactor.final` returns the spans of the new
final utterance and of any earlier one that a new span reaches back into (the caller stores and
publishes that one again, revised); :meth:`Redactor.partial` masks a partial more eagerly, since
its digits may yet become a card number.

A card number read group by group ("my card number is 4539" / "1488" / ...) is masked from its first
group: a group ending a final after a card's cue (or the question for one) is an open piece, masked at
once, and the next finals' first numbers go on with it up to 16 digits (19 where the 16 fail the Luhn
check); what follows a whole card is read as its expiry date and code, whatever words the recognizer made
of their cues.

With each new final the finals held are read again, in four steps (:meth:`Redactor._read_all`):

1. each final in its place in time (:meth:`Redactor._read`): its card data by its words and the words before
   it, and a number going on from the speaker's last finals;
2. a number said again, read back or confirmed, where another final holds it as card data (:func:`_read_back`);
3. each speaker's finals together (:func:`_card_window`): a card's groups said one per final, dictated digit by
   digit or passing the check together (:func:`_groups_over`); then the card window (:func:`_window`), the card's
   pieces said around a final with card data, a card begun and said again from its start included (by the digits
   test one final is read with: :func:`agentassist.privacy.detect.restarts`);
4. an amount as a recognizer writes it taken off (:func:`_amounts_kept`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import pairwise

from agentassist.privacy.cues import (
    CARD,
    CORRECTION,
    CVV,
    EXPIRY,
    LAST_FOUR,
    OTHER,
    SENTENCE_END,
    cues,
    fillers_only,
    says_apart,
    words_said,
)
from agentassist.privacy.detect import (
    CARD_DIGITS,
    GROUP_NAMED,
    KINDS,
    THEN,
    UNCHECKED_DIGITS,
    amount,
    announced,
    asks,
    card_windows,
    find_spans,
    heard_twice,
    homophone_opened,
    issued,
    issued_length,
    last_four,
    named_before,
    numbers_said,
    ordinary,
    paid,
    restarts,
    unchecked_window,
    written_amount,
)
from agentassist.privacy.expiry import CODE_AFTER, CORRECTION_WORDS, LONG_DIGITS, by_shape, code_items, started
from agentassist.privacy.kinds import IBAN, Rules
from agentassist.privacy.memo import Memo, reading
from agentassist.privacy.said import NOTHING, Before, Item, Span, chains, cue_before, fold, items, luhn, words_between

CONTEXT_S = 15.0  # an utterance further back than this does not carry a number or a question on
LEAD_WORDS = 3  # "and then 8317 1080": a number going on may follow this many words
OPEN_LEAD_WORDS = 6  # after a card's first groups named so ("my card is 4539"): "sorry, I lost my place. 1488";
# after any groups where the pieces pass the Luhn check together
PARTIAL_RUN_DIGITS = 7  # a partial with this many digits in a row may be part of a card: masked (PCI DSS: six show)
CODE_DIGITS = 4  # a security code's most digits (an Amex's four on the front)
READ_BACK_DIGITS = 4  # a card number's piece said again ("5163 1557, yes"): as long as a group at least
REVISION_RUN_DIGITS = 12  # a revision merges a turn's pieces: this many digits in a row are most of a card
_BEGUN_DIGITS = 8  # digits a speaker said in the last finals, with nothing said of card data: a card begun maybe
WINDOW_S = 30.0  # a card window stays open this long after the last final with card data (a payment's pause)
WINDOW_GROUPS = 3  # ... takes at most this many groups of four in a row: a piece of a card, not a whole one
_LETTERS_BEFORE = re.compile(r"\b[A-ZА-ЯІЇЄҐ]{1,3}\s*$")  # "BA 2491", "LO 3921", "PS 9012": a flight's, a plate's
WINDOW_GAP_S = 6.0  # ... and reaches back into the speaker's final just before, this close before the card data
_ON_MOST_DIGITS = 24  # a card's groups said on bare (:func:`_groups_said_on`): 19 digits and a group misheard at most
_ON_SHORT_DIGITS = 13  # ... where this many are said, a group of three digits or fewer said last is left to the codes
_NAMED_ALONE_WORDS = 5  # a code's or an expiry's final said before the card: its cue and its number, a few words
_CARD_YEARS = (15, 49)  # the years (two digits) a card's expiry may have
_CARD_FIRST = "234569"  # a card's first digit: Mir, Amex/JCB, Visa, Mastercard, Discover, national schemes (9)


@dataclass(eq=False)  # one final is one object: hashed by identity
class _Said:
    key: str
    channel: str
    text: str
    start_s: float
    end_s: float
    spans: list[Span] = field(default_factory=list)  # masked so far: a span once masked stays masked
    open: list[Span] = field(default_factory=list)  # a card number's first piece it ended with, masked at once
    echo: int = 0  # the digits of a number being said that it read back ("4539 1488" then "4539 1488, yes")
    paused: bool = False  # it went on with a number and ended on an acknowledgement ("2614 6915... так")


def _in_order(folded: str, prev: list[Item], chain: list[Item], before: Before) -> bool:
    """Whether a partial's ``chain`` goes on with ``prev`` as the next group of one number, so that their digits
    count as one run: said after "then" ("6011, then 4820, then 7739"; not amounts: "4 500, then 12 000"), or
    both bare groups (:func:`_bare_group`) with a single word between in one sentence ("4012, and 8888"), the
    later not named as another number ("4829, order 3377"). A card read a group at a time shows no run of
    digits in a row, but its groups together are more than PCI DSS lets show. A partial is replaced by its
    final within a second: masking ordinary numbers said so for that second costs little, showing a card's
    digits on a wall cannot be taken back."""
    gap = folded[prev[-1].end : chain[0].start]
    if THEN.fullmatch(gap) or GROUP_NAMED.fullmatch(gap):  # "..., group two 3390": the next group named by its place
        return not amount(prev) and not amount(chain)
    return (
        len(_words(gap)) <= 1
        and not SENTENCE_END.search(gap)
        and _bare_group(folded, prev)
        and _bare_group(folded, chain)
        and not _other_number(folded, chain, before)
    )


def _bare_group(folded: str, chain: list[Item]) -> bool:
    """Whether ``chain`` is said as a card's group may be: 3-6 digits, not an amount ("10 790", "350 zł") nor
    part of a date, a time, a postal code, a decimal or a percentage."""
    digits = sum(len(i.digits) for i in chain)
    start, end = chain[0].start, chain[-1].end
    return (
        3 <= digits <= 6
        and not amount(chain)
        and not paid(folded, chain)
        and not _GLUED_INSIDE.search(folded, start, end)
        and not _GLUED_BEFORE.search(folded[:start])
        and not _GLUED_AFTER.match(folded, end)
    )


_GLUED_INSIDE = re.compile(r"\d[.,:/-]\d")  # 30.06, 249,50, 11:20, 30-512
_GLUED_BEFORE = re.compile(r"\d[.:/,]$")
_GLUED_AFTER = re.compile(r"\s*%|[.:/,]\d")


class Redactor:
    """Card data spans for the finals and partials of one call, both speakers.

    Finals may come in out of their order in time (each is decoded on a pool thread), so each new one
    is placed by its start and the last ``keep`` finals of each channel are read again in time order: the
    customer's "737" that came in before the agent's "the security code is" is still a code."""

    def __init__(self, context_s: float = CONTEXT_S, keep: int = 8, rules: Rules | None = None) -> None:
        self.context_s = context_s
        self.rules = rules or Rules()  # the campaign's kinds beyond card data
        self._keep = keep
        self._said: list[_Said] = []  # the last finals of each channel, by start time
        self._revised: dict[str, tuple[str, float, float]] = {}  # of those, the revised: text, start, end
        self._shown: dict[str, list[Span]] = {}  # of those not revised, the spans only their revised neighbours show
        self.whole: dict[str, list[Span]] = {}  # the spans of each final held as :meth:`revised` last read them all
        self.memo = Memo()  # what this call's texts were read as: this call's only, gone with it

    def held(self) -> set[str]:
        """The keys of the finals read again with each new one (each channel's last ``keep``): the only
        finals a later one may mask back into."""
        return {s.key for s in self._said}

    def _context(self, before: list[_Said], start_s: float, channel: str = "") -> Before:
        """What the last final of either speaker before ``start_s`` asked for, and the card data the
        latest of them held (a code said right after a card number and its expiry is a code); a final of
        ``channel``'s with no number in it is passed over ("Сок яйство": an expiry's cue misheard), and
        so is one of either speaker's with no number and no question ("Так." "Хорошо." between "Срок
        действия" and "1, 2, 2, 8": the cue a few utterances back still says what the number is)."""
        recent = _recent(before, start_s, self.context_s)
        quiet = {s: not s.spans and not items(s.text) and not asks(s.text) for s in recent}
        last = {s.channel: s for s in recent if not quiet[s]}
        latest = None
        for s in reversed(recent):
            latest = s
            if not quiet[s] and (s.channel != channel or s.spans or items(s.text)):
                break
        said = frozenset(x.kind for x in latest.spans if x.kind in KINDS) if latest is not None else frozenset()
        carded = any(s.spans or cues(CARD, fold(s.text)) for s in recent)  # "which card?" ... "the Visa" ...
        return Before(frozenset().union(*(asks(s.text) for s in last.values())), said, carded)

    def partial(
        self, channel: str, text: str, start_s: float, run_digits: int = PARTIAL_RUN_DIGITS, said: bool = False
    ) -> list[Span]:
        with reading(self.memo):
            return self._partial(channel, text, start_s, run_digits, said)

    def _partial(self, channel: str, text: str, start_s: float, run_digits: int, said: bool) -> list[Span]:
        """The spans of a partial: those of a final, and any run of ``run_digits`` digits or more (part of
        a card number, maybe), counting the digits this speaker's last final ended with or the card
        number it ended with ("4539 1488" then a partial "0343": masked); but not a run that the words
        before it say is another number ("order 4829 3377", "+48 600 123 456"). A number still being said
        (the partial's last words) after a card data cue is masked whatever its length ("card number 453"),
        and so is any number of 2 digits or more while the customer is reading card data (:meth:`_reading`):
        what the final will make of it is not known yet, and a partial shown unmasked cannot be taken back.
        ``said``: the text is all said (a revision), none of it still being said."""
        before = self._context(self._said, start_s, channel)
        eager = not said and self._reading(channel, start_s)
        spans = _merged(find_spans(text, before), self.rules.find(text))
        folded = fold(text)
        carried = self._carried(channel, start_s)
        found = chains(folded, items(text))
        first = 0  # the first of the groups said in order up to this one ("6011, then 4820, then 7739"): one run
        for n, chain in enumerate(found):
            if not (n and _in_order(folded, found[n - 1], chain, before)):
                first = n
            digits = "".join(i.digits for c in found[first : n + 1] for i in c)
            lead = first == 0 and len(_words(folded[: found[0][0].start])) <= LEAD_WORDS
            whole = Span(CARD, chain[0].start, chain[-1].end)
            if _overlaps(whole, spans):
                continue
            # the number still being said, after its cue: masked as what it will be, from its first digit;
            # any number while card data is being given (the last final held some): the words may be misheard
            kind = _announced(folded, chain, before) if chain is found[-1] and not said else ""
            if kind and not _words(folded[chain[-1].end :]):
                spans.append(Span(kind, whole.start, whole.end))
            elif before.said and len(digits) >= 2 and not said:
                spans.append(Span(by_shape(chain, before.said), whole.start, whole.end))
            elif len(digits) + (carried if lead else 0) >= run_digits and not (
                _other_number(folded, found[first], before) and not (lead and carried)
            ):
                run = Span(CARD, found[first][0].start, whole.end)
                spans = [x for x in spans if not (run.start <= x.start and x.end <= run.end)] + [run]
            elif len(digits) >= run_digits and (chosen := self.rules.named(folded, chain[0].start)):
                spans.append(Span(chosen, whole.start, whole.end))  # an account or a phone the script masks
            elif eager and len(digits) >= 2:
                spans.append(Span(by_shape(chain, before.said), whole.start, whole.end))
        return sorted(spans, key=lambda s: s.start)

    def _code_given(self, said: _Said, after: list[_Said]) -> bool:
        """Whether one of the next two finals after ``said``, a little after it, gives a security code (its cue
        and its digits: "Kod z tyłu 519.")."""
        near = [s for s in after[:2] if s.start_s - said.end_s <= self.context_s]
        return any(x.kind == CVV for s in near for x in find_spans(s.text))

    def _reading(self, channel: str, start_s: float) -> bool:
        """Whether card data is being read as ``start_s`` begins: the latest final within ``context_s`` that
        has to do with card data (a span of it, its cue, a question for it) is no security code (the code is
        said last), or ``channel`` has said a card's first digits in the finals since (a card begun and not
        complete: "4 5 5 6" | "0, 8, 1, 2," | "3, 4," with its cue misheard)."""
        recent = _recent(self._said, start_s, self.context_s)
        begun = 0
        for s in reversed(recent):
            kinds = {x.kind for x in s.spans if x.kind in KINDS}
            if kinds:
                return CVV not in kinds
            if asks(s.text) & set(KINDS) or any(cues(k, fold(s.text)) for k in KINDS):
                return True
            if s.channel == channel:
                begun += sum(len(i.digits) for i in items(s.text))
        return begun >= _BEGUN_DIGITS

    def _carried(self, channel: str, start_s: float) -> int:
        """How many digits this speaker's last final ended with (a card number counts as all of one)."""
        last = [s for s in self._said if s.channel == channel and s.start_s < start_s]
        if not last or start_s - last[-1].end_s > self.context_s:
            return 0
        said = last[-1]
        if said.echo:  # the number being said was read back: it goes on
            return said.echo
        folded = fold(said.text)
        if said.spans and said.spans[-1].kind == CARD and not _words(folded[said.spans[-1].end :]):
            return CARD_DIGITS[1]
        found = chains(folded, items(said.text))
        # words after it end the number, unless the speaker paused on them inside a card's digits (:func:`_paused`)
        if not found or (_words(folded[found[-1][-1].end :]) and not said.paused):
            return 0
        return sum(len(i.digits) for i in found[-1])

    def final(self, key: str, channel: str, text: str, start_s: float, end_s: float) -> dict[str, list[Span]]:
        """Spans of the final ``key`` and of the earlier finals that gained one, by key (all spans of each)."""
        with reading(self.memo):
            return self._final(key, channel, text, start_s, end_s)

    def revise(self, key: str, channel: str, text: str, start_s: float, end_s: float) -> dict[str, list[Span]]:
        """The final ``key`` revised (its turn decoded again: "4" | "5 5 6" | "0 8 1 2 3" where the live
        finals lost digits): :meth:`revised` with it; nothing where the final is no longer held."""
        if key not in {s.key for s in self._said}:
            return {}
        self._revised[key] = (text, start_s, end_s)
        return self.revised()

    def revised(self, latest: str = "") -> dict[str, list[Span]]:
        """The finals held read again afresh, in time order as :meth:`final` reads them, with each revision
        in place of its final's words (none of the spans the finals were given as they came: a card's first
        groups taken for a whole card once, the next groups were read as its expiry and code): the spans
        of each revised final (of its revision's text), and all those of each final
        not revised that gained one, by key; nothing where no final held was revised. ``latest``: the final
        just heard, whose spans in the view are given whole (read after the revised turns, it is read
        better so: "1, 2, 2, 8" after a card the revision heard whole, that the finals lost digits of, is
        its expiry, not the card's end).

        The finals themselves stay as they were heard for what comes next (their spans, the context of
        later finals and partials): a revision read with its neighbours still unrevised may take a card's
        last group for a code, and the expiry said next would then be read as no card data."""
        held = {s.key for s in self._said}
        self._revised = {k: v for k, v in self._revised.items() if k in held}
        if not self._revised:
            return {}
        with reading(self.memo):
            view = sorted(
                (
                    _Said(s.key, s.channel, *self._revised[s.key])
                    if s.key in self._revised
                    else _Said(s.key, s.channel, s.text, s.start_s, s.end_s)
                    for s in self._said
                ),
                key=lambda s: s.start_s,
            )
            self._read_all(view)
        self.whole = {s.key: list(s.spans) for s in view}  # a revision's where one came, else its final's
        # a final not revised keeps what the revisions around it showed it held, apart from its own spans:
        # a view with only some of a turn's revisions in may read its digits as no final did (a card's group
        # as a code), and what is read after the finals must not take that for what was said
        kept = {s.key: s for s in self._said}
        self._shown = {k: v for k, v in self._shown.items() if k in held}
        out: dict[str, list[Span]] = {}
        for s in view:
            if s.key in self._revised or s.key == latest:
                out[s.key] = list(s.spans)
                continue
            shown = self._shown.setdefault(s.key, [])
            gained = [x for x in s.spans if not _overlaps(x, [*kept[s.key].spans, *shown])]
            if gained:
                shown += gained
                out[s.key] = sorted([*kept[s.key].spans, *shown], key=lambda x: x.start)
        return out

    def _final(self, key: str, channel: str, text: str, start_s: float, end_s: float) -> dict[str, list[Span]]:
        said = _Said(key, channel, text, start_s, end_s)
        self._said = _last_of_each(sorted([*self._said, said], key=lambda s: s.start_s), self._keep)
        before = {s: list(s.spans) for s in self._said}
        self._read_all(self._said)
        return {s.key: list(s.spans) for s in self._said if s is said or s.spans != before[s]}

    def _read_all(self, finals: list[_Said]) -> None:
        """The finals held read in time order, each in its place (:meth:`_read`), then read together: a number
        said again, the card window of each speaker, and amounts taken off."""
        pending: dict[str, list[tuple[_Said, Item]]] = {}
        for n, said in enumerate(finals):
            self._read(said, finals[:n], pending, finals[n + 1 :])
        _named_before_card(finals, self.context_s)
        _read_back(finals)
        _card_window(finals, self.context_s)
        _groups_said_on(finals, self.context_s)
        _pieces_completed(finals, self.context_s)
        _amounts_kept(finals)

    def _read(
        self,
        said: _Said,
        before: list[_Said],
        pending: dict[str, list[tuple[_Said, Item]]],
        after: list[_Said] | None = None,
    ) -> None:
        """One final read in its place in time: its spans added to those it had. ``after``: the finals held
        that came after it (a security code given in one tells the card's last digits from a code)."""
        mine = pending.get(said.channel, [])
        if mine and said.start_s - mine[-1][0].end_s > self.context_s:
            mine = []
        context = self._context(before, said.start_s, said.channel)
        folded = fold(said.text)
        found = chains(folded, numbers_said(said.text, folded))
        # "What? 8628? Okay, 8628 4471": the card goes on from the last of the numbers said again
        found = found[len(_echoed(folded, found)) :]
        opened = bool(mine) and all(any(s.start <= i.start < s.end for s in owner.open) for owner, i in mine)
        reach = OPEN_LEAD_WORDS if opened else LEAD_WORDS
        lead = found[0] if found and len(_words(folded[: found[0][0].start])) <= reach else []
        # "expires 12/27", "code 412", "12/27" after a card's pieces, or a number named as another thing ("and call
        # me back on 882 ..."): the card is over
        over = bool(found) and bool(mine) and _not_going_on(folded, found[0], context)
        over = over or (bool(found) and bool(mine) and _named_other(folded, found[0], context))
        # after a pause on words, a phone or a date ("Мой номер +7 916 ...") is no card's next piece either
        over = over or (bool(found) and any(o.paused for o, _ in mine) and _plainly_other(folded, found[0]))
        # "The card's 5599, hmm" | "wait, sorry, 5599 7302 2804 6742": the card said again whole from its start
        over = over or (bool(found) and bool(mine) and _said_again_whole(mine, found[0]))
        lead = [] if over else lead
        said.echo = _digits(mine) if mine and lead and _echoes(lead, mine) else 0
        if said.echo:  # "1234 5678" then "1234 5678, yes": read back, it goes on after
            _add(said, _merged(find_spans(said.text, context), self.rules.find(said.text)))
            pending[said.channel] = mine
            return
        first = mine[0][0] if mine else said  # where a number said across finals began: its context
        # a card's 16 digits said that fail the check may be the first of a 19-digit one's: only a Luhn-valid
        # number goes on from them (the next final's "737" is its code more likely than 3 digits misheard)
        # a number that went on past an acknowledgement ("2614 6915... так" | "2794") is a card's only where it
        # passes the check: nothing else tells it from an order's or an account's number said in pieces
        paused = any(owner.paused for owner, _ in mine)
        whole = _digits(mine) >= UNCHECKED_DIGITS[0] or paused
        context_first = self._context(before, first.start_s, said.channel)
        # a code named after the number, in this final or a next one ("0284 7006 718." | "Kod z tyłu 519."): a
        # 19-digit card passing the check is the card, its last three digits no code (one card has one code)
        coded = (
            bool(lead)
            and bool(mine)
            and (any(a >= lead[-1].end for a, _ in cues(CVV, folded)) or self._code_given(said, after or []))
        )
        across = _across(mine, said, lead, context_first, checked=whole, opened=opened or paused, coded_after=coded)
        # "Hold on, let me look. 0343 6467"; after a pause on words, any words that say nothing of the number
        leading = folded[: found[0][0].start] if found else ""
        near = len(_words(leading)) <= OPEN_LEAD_WORDS or (paused and not says_apart(leading))
        if not lead and not over and found and near:
            across = _across(mine, said, found[0], Before(), checked=True, opened=paused)
        for owner, spans in across.items():
            if coded:  # its last digits read as a code before the code was given: the card's
                owner.spans = [x for x in owner.spans if x.kind != CVV or not _overlaps(x, spans)]
            _add(owner, spans)
        if across:
            context = Before(context.asked, context.said | {CARD}, True)
        going_on = [] if across else _going_on(mine, lead)
        taken = (Span(CARD, going_on[0].start, going_on[-1].end),) if going_on else tuple(across.get(said, []))
        if not taken and (again := _last_four_again(said, before, folded, found, self.context_s)):
            taken = (again,)
        corrected = _corrected(said, before, folded, found, context, self.context_s) if not taken else None
        if corrected is not None and corrected.kind == CARD:
            taken = (corrected,)
        said.open += [t for t in taken if going_on and t not in said.open]
        _add(said, _merged(find_spans(said.text, context, taken), self.rules.find(said.text)))
        coded_apart = any(a.kind == CARD and b.kind == CVV for a, b in pairwise(said.spans))
        if coded_apart and self._code_given(said, after or []):  # the next finals read only where it may matter
            _nineteen_coded(said)
        if (last_digits := _coded_next(said, before, folded, found, self.context_s)) is not None:
            said.spans = [x for x in said.spans if x.start != last_digits.start]
            _add(said, [last_digits])
        if corrected is not None and corrected.kind != CARD:  # an expiry or a code said again: that kind again
            said.spans = [x for x in said.spans if not _overlaps(x, [corrected])]
            _add(said, [corrected])
        # what is left said last may be the start of a card number said on in the next utterance; after a
        # card's cue ("my card number is 4539") it is masked now, and still joins the next piece; after an
        # expiry's or a code's cue it is masked as one
        tail = found[-1] if found and fillers_only(folded[found[-1][-1].end :]) else []  # "..., um": said on
        said_on = bool(tail) and bool(lead) and tail[0] is lead[0] and len(tail) == len(lead)  # all it said goes on
        misheard = said_on and _misheard_16([i for _, i in mine] + lead)
        tail = [i for i in tail if not any(s.start <= i.start < s.end for s in said.spans if s not in said.open)]
        kind = _announced(folded, tail, context) if tail else ""
        if kind == EXPIRY and started(
            folded,
            cue_before(cues(EXPIRY, folded), folded, tail[0].start),
            set(context.said) | {x.kind for x in said.spans},
            said.spans,
        ):
            kind = ""  # "... и он действует с 01.03?" after the card's expiry: another thing's first day
        piece = Span(kind, tail[0].start, tail[-1].end) if tail else None
        if kind and piece and not _overlaps(piece, said.spans):  # an expiry or code cut short ("1, 2, 2." "8.")
            said.open += [piece] if kind == CARD else []
            _add(said, [piece])
        if misheard and (across or going_on == lead):
            pending[said.channel] = _trim(mine + [(said, i) for i in lead])  # 16 digits failing: 19 maybe
            return
        if across:
            mine = []
        if going_on and (len(going_on) < len(lead) or _digits(mine) + _digits(going_on) >= UNCHECKED_DIGITS[0]):
            pending[said.channel] = []  # the card number is whole: what follows is its expiry or code
        elif _digits(tail) > CARD_DIGITS[1]:  # "Numer konta 19 1592 ... 7851": longer than a card, none's start
            pending[said.channel] = []
        elif tail and lead and tail[0] is lead[0] and len(tail) == len(lead):
            pending[said.channel] = _trim(mine + [(said, i) for i in tail])
        elif lead and _paused(mine, said, folded, found, context_first):
            said.paused = True
            pending[said.channel] = _trim(mine + [(said, i) for i in found[-1]])
        elif all(_digits(c) < 2 for c in found):  # no number ("Hold on, one moment", "Секундочку"): it goes on after
            pending[said.channel] = mine
        elif not tail and (opening := _first_piece(said, folded, found, context)):
            said.paused = True  # "My card is 4649 2614, let me find my glasses" | "6915 2794.": joined if a card
            pending[said.channel] = _trim([(said, i) for i in opening])
        else:
            pending[said.channel] = _trim([(said, i) for i in tail])


def _named_before_card(finals: list[_Said], context_s: float) -> None:
    """A code or an expiry named by its cue in a final before any card data, the card said in the speaker's next
    final ("The code's 318." | "And it runs out in March 2028. The card is 4532 ..."; "Код 318." | "Карта ..."): read
    again as said where card data is about, its cued code or expiry masked. Read alone, a bare "code" or "date" is a
    door's or a delivery's as often (a code's cue is weak with no card about)."""
    for mine in _by_speaker(finals):
        for said, then in pairwise(mine):
            folded = fold(said.text)
            if any(x.kind in KINDS for x in said.spans) or then.start_s - said.end_s > context_s:
                continue
            if not any(x.kind == CARD for x in then.spans) or not (cues(CVV, folded) or cues(EXPIRY, folded)):
                continue
            # only the cue and its number ("The code's 318.", "Код 318."): a longer final with a code in it is a
            # locker's, a gate's or a voucher's as often ("код воріт 4471, цілодобово", "the locker pickup code is 604
            # 221, locker 17"), whatever is said after it
            if (
                words_said(folded) > _NAMED_ALONE_WORDS
                or len(chains(folded, items(said.text))) != 1
                or cues(OTHER, folded)
            ):
                continue
            about = find_spans(said.text, Before(frozenset(), frozenset({CARD}), True))
            _add(said, [x for x in about if x.kind in (CVV, EXPIRY)])


def _echoed(folded: str, found: list[list[Item]]) -> list[list[Item]]:
    """The numbers a final opens with that the number said right after them begins with ("What? 8628? Okay, 8628
    4471", a caller repeating a group someone else reads, then it with the next): each an echo of the next, said
    again from its start; the number that goes on is the one after them (the digits decide, not the words)."""
    out: list[list[Item]] = []
    for first, then in pairwise(found):
        head, whole = _joined(first), _joined(then)
        if len(head) < READ_BACK_DIGITS or len(whole) <= len(head) or not whole.startswith(head):
            break
        if words_between(folded, first[-1].end, then[0].start) > LEAD_WORDS:
            break
        out.append(first)
    return out


def _amounts_kept(finals: list[_Said]) -> None:
    """An amount as a recognizer writes it ("74,99 zł", "45.51", "£9.90") is no card data, whatever the call's rules
    read it as: a card's last four said before it ("the last four are 4551", then "it came to 45.51") or a code still
    owed. Its span is taken off each final (:func:`agentassist.privacy.detect.written_amount`)."""
    for said in finals:
        if said.spans:
            folded, found = fold(said.text), items(said.text)
            said.spans = [x for x in said.spans if not written_amount(folded, found, x)]


def _by_speaker(finals: list[_Said]) -> list[list[_Said]]:
    """The finals of each speaker, in time order."""
    by_channel: dict[str, list[_Said]] = {}
    for final in finals:
        by_channel.setdefault(final.channel, []).append(final)
    return list(by_channel.values())


def _card_window(finals: list[_Said], context_s: float) -> None:
    """A card said over a speaker's finals, read with the finals around it, each speaker apart (the other's words
    between are no break): its groups said one per final (:func:`_groups_over`), then the card window
    (:func:`_window`): its pieces said around a final with card data, a restart included."""
    for mine in _by_speaker(finals):
        _groups_over(mine, context_s)
        _window(mine, context_s)


def _groups_over(mine: list[_Said], context_s: float) -> None:
    """A card read out group by group over a speaker's finals in a row, whatever is said between the groups: each
    group card data where the finals hold two or more of them (a few at most between them). Two ways of saying
    groups make such a run, and each is judged by what tells it from another number:

    - said digit by digit at the start of each final ("Four seven five seven, one one six one, okay." "Seven nine
      three seven, got it": a speaker taking down or reading back a card), one group or more per final: the way of
      saying is the evidence; the run begins as an issued card does, 19 digits at most, and is not a number named
      as another thing first ("Номер заказа: четыре два три четыре, так, ...");
    - said alone as numbers, one per number said (an elderly caller's asides: "The first lot is 4531, the light
      isn't good." | "Then it's 6807. ... Then 0444." | "And the very last ones are 5781."): only the check digit
      tells a card from a flight's or a PIN's, so the groups must together pass the Luhn check at a length their
      scheme issues, beginning as an issued card does. A number named as another thing, an amount, a date or years
      break the run."""
    dictated: list[tuple[_Said, list[Item]]] = []  # the finals in a row beginning with groups said digit by digit
    alone: list[tuple[_Said, list[Item]]] = []  # the groups said alone, in order, over finals near each other
    for said in mine:
        folded = fold(said.text)
        found = chains(folded, items(said.text))
        groups = _dictated_groups(folded, found)
        if dictated and (not groups or said.start_s - dictated[-1][0].end_s > context_s):
            _card_dictated(dictated)
            dictated = []
        if groups:
            dictated.append((said, groups))
        if alone and said.start_s - alone[-1][0].end_s > context_s:
            _card_checked(alone)
            alone = []
        for chain in found:
            group = len(chain) == 1 and len(chain[0].digits) == READ_BACK_DIGITS
            if not group or _other_number(folded, chain, NOTHING) or paid(folded, chain):
                _card_checked(alone)
                alone = []
                continue
            alone.append((said, chain))
    _card_dictated(dictated)
    _card_checked(alone)


def _groups_said_on(finals: list[_Said], context_s: float) -> None:
    """A card named (or asked for) and begun, then said on in bare groups, each in a final of its own with nothing
    but its digits ("My card number is..." | "Four, five, 5, 6, 5, 6, 6, 5, 6" | "0 8 1 2" | "3 4 5 8." | "9 0 1 8"):
    every such group is the card's until the card is whole (a length its scheme issues, passing the check) or a
    final of either speaker names something else (an expiry, a code, another number). A recognizer under load hears
    a group's length wrong (a first group of nine digits): the groups' length is not what tells them from a code,
    their being said on, bare, after the card's first digits is. A group of three digits or fewer said last, once
    most of a card was said, is left to the rules that read codes: one card has one code, and a code kept as a card's
    digits would show its original to a role allowed to see cards'."""
    for mine in _by_speaker(finals):
        card: str | None = None  # the card's digits said so far, while its groups may go on
        last: _Said | None = None
        for n, said in enumerate(mine):
            found = items(said.text)
            digits = _joined(found)
            kinds = {x.kind for x in said.spans if x.kind in KINDS}
            # a final other rules read as the card's end and its code ("6, 4, 6, 7, 6, 4, 6, 7, 6," as [CARD], [CVV])
            # keeps their reading: the card's groups were not said one a final there
            ended = CARD in kinds and len(kinds) > 1
            if card is not None and last is not None and not ended and _said_on(finals, last, said, context_s):
                joined = card + digits
                whole, completes = _card_whole(card), _card_whole(joined)
                nxt = mine[n + 1] if n + 1 < len(mine) else None
                last_said = nxt is None or not _said_on(finals, said, nxt, context_s)
                short = len(digits) < READ_BACK_DIGITS and len(card) >= _ON_SHORT_DIGITS and last_said and not completes
                # a card's length said, then a month and a year a card has ("1 2 2 8", "0429 715"): its expiry, its cue
                # unsaid
                dated = len(card) >= CARD_DIGITS[0] + 3 and _dated(found)
                if not (whole or short or dated) and len(joined) <= _ON_MOST_DIGITS:
                    span = Span(CARD, found[0].start, found[-1].end)
                    said.spans = sorted(
                        [*(x for x in said.spans if not _overlaps(span, [x])), span], key=lambda x: x.start
                    )
                    card, last = joined, said
                    continue
            if card is not None and last is not None and not ended:
                _card_ends_then_more(finals, last, said, card, context_s)
            card, last = _card_begun(finals, said, context_s), said


def _card_ends_then_more(
    finals: list[_Said], last: _Said, said: _Said, card: str, context_s: float, named: bool = True
) -> None:
    """The group that ends a card said on in bare groups, opening a final that goes on with its expiry or code
    ("Double eight one seven, and 05/28, 264." after "For five double five six." | "Double seven one two." | ...):
    read alone, the final took that group for the code and left the code after the expiry unmasked. The group is
    the card's where the card's digits with it pass the check at a length its scheme issues, or where it is a whole
    group of four more of a card not yet whole; the rest of the final is read again as what follows a card."""
    folded = fold(said.text)
    head = _head(folded, chains(folded, items(said.text)))
    if not head or said.start_s - last.end_s > context_s:
        return
    digits = _joined(head)
    joined = card + digits
    # or a whole group more of a card not yet whole (a digit misheard or doubled on the way: "For five double five
    # six" is five digits), as the groups said bare go on; where the card was not named, only its check says
    goes_on = named and len(digits) == READ_BACK_DIGITS and not _card_whole(card) and len(joined) <= CARD_DIGITS[1]
    if len(digits) > READ_BACK_DIGITS or not fillers_only(folded[: head[0].start]):
        return
    if not (_card_whole(joined) or goes_on) or _named_between(finals, last, said):
        return
    if any(x.kind == CARD for x in said.spans if _overlaps(Span(CARD, head[0].start, head[-1].end), [x])):
        return  # read so already
    end = head[-1].end
    rest = find_spans(" " * end + said.text[end:], Before(frozenset(), frozenset({CARD}), True))
    said.spans = [Span(CARD, head[0].start, end), *(x for x in rest if x.start >= end)]


def _head(folded: str, found: list[list[Item]]) -> list[Item]:
    """The number a final opens with where more numbers follow it: its first chain where another follows ("Double eight
    one seven, and 05/28, 264."), or the first chain's items before a comma where it goes on after one ("Пять шесть
    шесть, десять двадцать восемь, сто двадцать один": a group, then the expiry and the code); else []."""
    if len(found) > 1:
        return found[0]
    chain = found[0] if found else []
    cut = next((n for n, (a, b) in enumerate(pairwise(chain), 1) if "," in folded[a.end : b.start]), 0)
    return chain[:cut]


def _pieces_completed(finals: list[_Said], context_s: float) -> None:
    """A card said in pieces over a speaker's finals with no card named ("Четыре четыре один." | "Две девятки три
    тройки." | "Три ноля две семёрки." | "Пять шесть шесть, десять двадцать восемь, сто двадцать один."): the pieces
    masked as a card's, each ending its final, and a final that opens with the card's last group and goes on with the
    expiry and the code (:func:`_card_ends_then_more`, where the group makes the card whole, its check passing)."""
    for mine in _by_speaker(finals):
        card, last = "", None
        for said in mine:
            cards = [x for x in said.spans if x.kind == CARD]
            ends = bool(cards) and said.spans[-1] is cards[-1] and fillers_only(fold(said.text)[cards[-1].end :])
            if ends and last is not None and len(said.spans) == 1 and not _words(said.text[: cards[0].start]):
                card, last = card + _card_digits(said, cards[0]), said  # a piece said on, a final of its own
                continue
            if last is not None and card and not _card_whole(card):
                _card_ends_then_more(finals, last, said, card, context_s, named=False)
            card, last = (_card_digits(said, cards[-1]), said) if ends else ("", None)


def _dated(found: list[Item]) -> bool:
    """Whether a final's digits open with a month and a year a card has, said as a group of four ("0429") or digit
    by digit ("1 2 2 8")."""
    head = found[0].digits if len(found[0].digits) == READ_BACK_DIGITS else ""
    if not head and all(len(i.digits) == 1 for i in found[:READ_BACK_DIGITS]):
        head = _joined(found[:READ_BACK_DIGITS])
    return (
        len(head) == READ_BACK_DIGITS and 1 <= int(head[:2]) <= 12 and _CARD_YEARS[0] <= int(head[2:]) <= _CARD_YEARS[1]
    )


def _card_begun(finals: list[_Said], said: _Said, context_s: float) -> str | None:
    """The digits of the card ``said`` ends on, where a card is named or asked for in it or a little before it and
    only fillers follow the card's span; else None."""
    cards = [x for x in said.spans if x.kind == CARD]
    folded = fold(said.text)
    if not cards or not fillers_only(folded[cards[-1].end :]) or said.spans[-1] is not cards[-1]:
        return None
    named = any(a < cards[0].start for a, _ in cues(CARD, folded))
    recent = _recent(finals, said.start_s, context_s)
    named = named or any(cues(CARD, fold(s.text)) or CARD in asks(s.text) for s in recent[-3:])
    if not named:
        return None
    return _joined([i for i in items(said.text) if any(x.start <= i.start < x.end for x in cards)])


def _said_on(finals: list[_Said], last: _Said, said: _Said, context_s: float) -> bool:
    """Whether ``said`` is a bare group said on after ``last`` by its speaker: only digits and fillers in it, a little
    after ``last``, and no final of either speaker between them names or asks for another thing."""
    found = items(said.text)
    folded = fold(said.text)
    if not found or said.start_s - last.end_s > context_s:
        return False
    # a group or a card's groups: one number, digits said one by one ("0 8 1 2", "3, 4, 5, 8."), numbers of three
    # digits or more ("0343 6468"); not a month and a year and the code ("12 27, 737.")
    if len(found) > 1 and not all(len(i.digits) == 1 for i in found) and any(len(i.digits) < 3 for i in found):
        return False
    rest = "".join(folded[a.end : b.start] for a, b in pairwise(found)) + folded[: found[0].start]
    if not fillers_only(rest + " " + folded[found[-1].end :]):
        return False
    return not _named_between(finals, last, said, asked=True)


def _card_whole(digits: str) -> bool:
    """Whether ``digits`` are a whole card: 15 digits or more (a 13-digit Visa is rare, and a 12-digit Maestro's
    length is a card's first groups' as often), a length its scheme issues, passing the check."""
    return len(digits) >= CARD_DIGITS[0] + 2 and issued_length(digits) and luhn(digits)


def _named_between(finals: list[_Said], last: _Said, said: _Said, asked: bool = False) -> bool:
    """Whether a final of either speaker between ``last`` and ``said`` names an expiry, a code or another number by
    its cue (or, ``asked``, asks for one)."""
    kinds = (EXPIRY, CVV, OTHER)
    return any(
        any(cues(k, fold(s.text)) for k in kinds) or (asked and bool(asks(s.text) & set(kinds)))
        for s in finals
        if last.start_s < s.start_s < said.start_s
    )


def _dictated_groups(folded: str, found: list[list[Item]]) -> list[Item]:
    """The items of the groups of four digits said one by one (in words) that a final begins with, or []."""
    if not found or len(_words(folded[: found[0][0].start])) > LEAD_WORDS:
        return []
    chain = found[0]
    one_by_one = all(i.spoken and len(i.digits) == 1 for i in chain)
    return chain if one_by_one and all(len(g) == READ_BACK_DIGITS for g in _said_groups(chain)) else []


def _card_dictated(run: list[tuple[_Said, list[Item]]]) -> None:
    """The groups of :func:`_groups_over` said digit by digit, masked as a card's pieces where they make one."""
    digits = "".join(i.digits for _, g in run for i in g)
    named = run and named_before(fold(run[0][0].text), run[0][1][0].start) == OTHER
    if len(run) < 2 or len(digits) > CARD_DIGITS[1] or not issued(digits) or named:
        return
    for owner, group in run:
        whole = _whole_of(group)
        if not any(x.kind == CARD for x in owner.spans if _overlaps(whole, [x])):
            owner.spans = [x for x in owner.spans if not _overlaps(whole, [x])]
            owner.open.append(whole)  # a piece of a card being said: the next piece goes on with it
            _add(owner, [whole])


def _card_checked(groups: list[tuple[_Said, list[Item]]]) -> None:
    """The groups of :func:`_groups_over` said alone that make a card, masked as its data (each run of them from its
    first)."""
    n = 0
    while n < len(groups):
        digits, end = "", 0
        for m in range(n, min(len(groups), n + CARD_DIGITS[1] // READ_BACK_DIGITS)):
            digits += groups[m][1][0].digits
            owners = {id(o) for o, _ in groups[n : m + 1]}
            if len(owners) >= 2 and issued(digits) and issued_length(digits) and luhn(digits):
                end = m + 1
        if not end:
            n += 1
            continue
        for owner, chain in groups[n:end]:
            whole = _whole_of(chain)
            if not _overlaps(whole, owner.spans):
                _add(owner, [whole])
        n = end


def _window(mine: list[_Said], context_s: float) -> None:
    """The card window: once a speaker said card data in a final (a card, its expiry or its code found by any rule),
    the pieces of a card that speaker says around it while the payment goes on are the card's, whatever words are
    between them (a swap put right: "1971, oh hang on, I've swapped those round, 1791 6112 ..."; a resumption:
    "where was I, 2837, then 6428 ..."). The window covers the final with card data itself, the speaker's final just
    before it where that one ended on its digits (only fillers after: "5167 2837, uh,"), and the finals after it
    until the card, the expiry and the code have all been given and a final with none of them follows, or
    :data:`WINDOW_S` pass with no card data.

    What is taken is a card's piece: two to three groups of four digits in a row, or one group of four that repeats a
    group of the card said in the window (a resumption from the group said last). One group of four alone otherwise
    is a flight's, a PIN's, a count's as often as a card's (random pairings of a card call and an ordinary sentence
    showed it): it is left to the rules that read groups over finals with their check digit. A number named as
    another thing (an order, a phone, a reference), an amount, a date or years is never taken.

    A card begun, broken off and said again from its start is taken too, by its digits, whether in one final
    (:func:`_echo_restarted`) or from the speaker's final before (:func:`_reached_back`, the one place the window
    reaches back into a final before the card data)."""
    last_data: float | None = None  # when the window was last fed: the end of the last final with card data
    given: set[str] = set()
    groups: set[str] = set()  # the groups of four of the card said in the window
    for n, said in enumerate(mine):
        _echo_restarted(said)
        kinds = {x.kind for x in said.spans if x.kind in KINDS}
        if kinds:
            opening = last_data is None or said.start_s - last_data > WINDOW_S
            if opening:
                given, groups = set(), set()
            if n:
                groups |= _reached_back(mine[n - 1], said, groups, opening, context_s)
            given |= kinds
            last_data = said.end_s
            groups |= _card_groups(said)
            groups |= _window_groups(said, groups)
        elif last_data is not None and said.start_s - last_data <= WINDOW_S:
            if {CARD, EXPIRY, CVV} <= given:
                last_data = None  # all of it given and the talk moved on: the window closes
                continue
            groups |= _window_groups(said, groups)


def _reached_back(prev: _Said, said: _Said, groups: set[str], opening: bool, context_s: float) -> set[str]:
    """The number ``prev``, the speaker's final just before ``said`` (a final with card data), ends on: the card's
    where the card ``said`` holds near its start begins with it (a card broken off and said again from its start:
    "4916 33, sorry," | "from the top, 4916 3385 ...": :func:`_begun`), or, where ``said`` opens the window, where it
    is a piece of a card with only fillers after it ("5167 2837, uh,"). The groups of four masked as pieces."""
    gap_s = said.start_s - prev.end_s
    card = next((x for x in said.spans if x.kind == CARD), None)
    if card is not None and gap_s <= context_s:
        near = words_between(fold(said.text), 0, card.start) <= LEAD_WORDS + OPEN_LEAD_WORDS
        folded = fold(prev.text)
        found = chains(folded, items(prev.text))
        if near and found and len(_words(folded[found[-1][-1].end :])) <= LEAD_WORDS:
            number = _joined([i for i in items(said.text) if card.start <= i.start < card.end])
            _begun(prev, folded, found[-1], number)
    return _window_groups(prev, groups, tail_only=True) if opening and gap_s <= WINDOW_GAP_S else set()


def _echo_restarted(said: _Said) -> None:
    """A card begun and said again from its start in one final, a few words between ("What? 8628? Okay, 8628 4471",
    "he says four nine two nine, yeah, 4929 0312"), once the card said again is masked (by any rule): the number said
    just before it is that card's data too (:func:`_begun`)."""
    folded = fold(said.text)
    for first, card in pairwise(chains(folded, items(said.text))):
        carded = any(x.kind == CARD for x in said.spans if _overlaps(_whole_of(card), [x]))
        if carded and words_between(folded, first[-1].end, card[0].start) <= LEAD_WORDS:
            _begun(said, folded, first, _joined(card))


def _begun(said: _Said, folded: str, chain: list[Item], card: str) -> None:
    """``chain`` masked as the card ``card`` begun where it restarts it (:func:`agentassist.privacy.detect.restarts`,
    the rule one final is read with), unless masked already or plainly no card's (an amount, a phone, a date)."""
    whole = _whole_of(chain)
    if restarts(_joined(chain), card) and not _overlaps(whole, said.spans) and not ordinary(folded, chain):
        _add(said, [whole])


def _card_groups(said: _Said) -> set[str]:
    """The groups of four digits of the card spans ``said`` holds."""
    return {
        i.digits
        for i in items(said.text)
        if len(i.digits) == READ_BACK_DIGITS and any(x.kind == CARD and x.start <= i.start < x.end for x in said.spans)
    }


def _window_groups(said: _Said, groups: set[str], tail_only: bool = False) -> set[str]:
    """Mask as card data the card's pieces in ``said`` that no span holds yet (:func:`_card_window`); ``tail_only``:
    only a number the final ends on, with nothing but fillers after it. The groups of four masked so."""
    folded = fold(said.text)
    found = chains(folded, items(said.text))
    if tail_only:
        if not found or not fillers_only(folded[found[-1][-1].end :]):
            return set()
        found = found[-1:]
    taken: set[str] = set()
    for chain in found:
        # a filler heard as a digit after written groups ("5598 1971, oh hang on": "oh" read as 0) is no part of them
        while len(chain) > 1 and chain[-1].spoken and not chain[-2].spoken:
            chain = chain[:-1]
        while len(chain) > 1 and chain[0].spoken and not chain[1].spoken:
            chain = chain[1:]  # a group's name said as a number before it ("third four, 0429")
        whole = _whole_of(chain)
        if len(chain) == 1 and chain[0].digits in groups and not chain[0].spoken:
            # a group of the card said again, read as a month and a year ("third group, 0298"): the card's
            said.spans = [
                Span(CARD, x.start, x.end) if x == Span(EXPIRY, whole.start, whole.end) else x for x in said.spans
            ]
        if _overlaps(whole, said.spans) or not _card_piece(said.text, folded, chain, groups):
            continue
        _add(said, [Span(CARD, whole.start, whole.end)])
        taken |= {i.digits for i in chain}
    return taken


def _card_piece(text: str, folded: str, chain: list[Item], groups: set[str]) -> bool:
    """Whether ``chain`` reads as a piece of a card: two or three groups of four digits, or one that repeats a group
    of the card (``groups``); not named as another thing, an amount, a date, years, nor after letters (a flight's
    "BA 2491", a plate's "WX 4729")."""
    if not all(len(i.digits) == READ_BACK_DIGITS and not i.spoken for i in chain) or len(chain) > WINDOW_GROUPS:
        return False  # a whole card's digits are for the card rules to judge (its scheme, its check digit)
    if len(chain) == 1 and chain[0].digits not in groups:
        return False
    whole = _whole_of(chain)
    if "/" in folded[whole.start : whole.end] or _LETTERS_BEFORE.search(text, 0, chain[0].start):
        return False  # "04/28" heard as one number: a month and a year, never a card's group
    # one group alone beginning "00" is no phone (ordinary() reads a run so): "where was I, 0032, then ..."
    other = named_before(folded, chain[0].start, NOTHING) == OTHER
    other = other or (len(chain) > 1 and _other_number(folded, chain, NOTHING))
    return not (other or paid(folded, chain) or amount(chain))


def _first_piece(said: _Said, folded: str, found: list[list[Item]], before: Before) -> list[Item]:
    """The number a final ends with, followed by words that say nothing of it (:func:`says_apart`), where it may be a
    card's first piece said on in the next final: 4 digits or more, fewer than a card's, beginning as an issued card
    does, not masked yet, not named as another thing nor plainly no card's (a phone, a date, an amount). The next
    final's digits join it only where together they pass the Luhn check at a length their scheme issues."""
    last = found[-1] if found else []
    digits = _joined(last)
    if not last or not 4 <= len(digits) < CARD_DIGITS[0] or not issued(digits) or says_apart(folded[last[-1].end :]):
        return []
    if _overlaps(Span(CARD, last[0].start, last[-1].end), said.spans) or _other_number(folded, last, before):
        return []
    if LAST_FOUR.search(folded, 0, last[0].start):  # "the card ending in 4821": a card's end, not its first piece
        return []
    return [] if paid(folded, last) else last


def _coded_next(
    said: _Said, before: list[_Said], folded: str, found: list[list[Item]], context_s: float
) -> Span | None:
    """A card's last digits said on in a final that names another number its code after them ("6763 3051" |
    "4320 8529" | "526, and then 955 is the code"), where the card said in this speaker's finals before passed the
    check at 16 digits by chance: the first number, read as a code, is the card's end where the card with it
    passes the check at a length its scheme issues (one card has one code, and the code is the one named)."""
    spans = [x for x in said.spans if x.kind == CVV]
    if len(spans) < 2 or not found or spans[0].start != found[0][0].start:
        return None
    named = spans[1]
    if not (CODE_AFTER.match(folded, named.end) or any(spans[0].end <= a < named.start for a, _ in cues(CVV, folded))):
        return None
    recent = [s for s in _recent(before, said.start_s, context_s) if s.channel == said.channel]
    card = "".join(
        i.digits for s in recent for x in s.spans if x.kind == CARD for i in items(s.text) if x.start <= i.start < x.end
    )[-UNCHECKED_DIGITS[0] :]
    number = card + _joined(found[0])
    if len(card) == UNCHECKED_DIGITS[0] and luhn(number) and issued_length(number) and len(number) <= CARD_DIGITS[1]:
        return Span(CARD, found[0][0].start, found[0][-1].end)
    return None


def _not_going_on(folded: str, lead: list[Item], before: Before) -> bool:
    """Whether the number a final begins with is announced as an expiry or a code ("expires 12/27", "the code
    is 412") or written as a month and a year ("12/27"): not a card's next piece, however few digits it had."""
    if announced(folded, lead[0].start, before) in (EXPIRY, CVV):
        return True
    return len(lead) == 2 and by_shape(lead, frozenset()) == EXPIRY and folded[lead[0].end : lead[1].start] == "/"


def _last_four_again(
    said: _Said, before: list[_Said], folded: str, found: list[list[Item]], context_s: float
) -> Span | None:
    """A card's last four said again, named so, in a final after one where either speaker said the card, a
    little before ("Sorry, the last four are 5578", "Извините, последние четыре 0142", "ostatnie cztery to
    9930", after the expiry was said in between, or the agent's "so the last four are 5578?"): the card's
    data (a correction or a repeat of its end), not a security code. Not a card's last four named with no
    card said just before ("the card ending in 4821": PCI DSS lets those show)."""
    recent = _recent(before, said.start_s, context_s)
    if not any(x.kind == CARD for s in recent for x in s.spans):
        return None
    if named := next((span for chain in found if (span := last_four(folded, chain))), None):
        return named
    # or with no cue, the card's own last four said alone as one number ("it's the debit one, the 1140 one", "та,
    # что на 1140"): one in ten thousand numbers is so by chance, and a number said a few seconds after the card
    # (or the card named before them, "карта на 0154, 10/32": the expiry said on after a comma is no part of them)
    ends = {_card_digits(s, x)[-READ_BACK_DIGITS:] for s in recent for x in s.spans if x.kind == CARD}
    return next(
        (
            Span(CARD, chain[0].start, chain[0].end)
            for chain in found
            if (len(chain) == 1 or folded[chain[0].end : chain[1].start].startswith(","))
            and len(chain[0].digits) == READ_BACK_DIGITS
            and chain[0].digits in ends
            # not where a cue names it another kind ("the CVV is 9083": a code that is one of the card's groups)
            and announced(folded, chain[0].start) in ("", CARD)
        ),
        None,
    )


def _card_digits(said: _Said, span: Span) -> str:
    """The digits of the card span ``span`` of ``said``."""
    return "".join(i.digits for i in items(said.text) if span.start <= i.start < span.end)


def _corrected(
    said: _Said, before: list[_Said], folded: str, found: list[list[Item]], context: Before, context_s: float
) -> Span | None:
    """A number said again after a correction in a final of its own: it takes the kind of what it corrects, the
    card data of the last final a little before that held some (either speaker's), its latest span the number fits
    first (:func:`_fits`): a card number's group ("no sorry, 4023" after the agent read the card back with that
    group wrong; "ой, нет, 4120"; "nie, przepraszam, 5230"), an expiry date, a security code ("The code is 418."
    "No, sorry, 481."). Not a number announced as another kind ("no, sorry, the code is 412": its cue says)."""
    if not found or words_between(folded, 0, found[0][0].start) > CORRECTION_WORDS:
        return None
    chain = found[0]
    if not CORRECTION.search(folded, 0, chain[0].start) or announced(folded, chain[0].start, context):
        return None
    recent = _recent(before, said.start_s, context_s)
    last = next((s for s in reversed(recent) if any(x.kind in KINDS for x in s.spans)), None)
    if last is None or ordinary(folded, chain):
        return None
    spans = sorted((x for x in last.spans if x.kind in KINDS), key=lambda x: x.end, reverse=True)
    # a card's group that makes the number pass the check in its place is the likeliest ("0315" fits as a date too)
    checked = any(x.kind == CARD and _fits(chain, x, last.text, checked=True) for x in spans)
    kind = CARD if checked else next((x.kind for x in spans if _fits(chain, x, last.text)), "")
    return Span(kind, chain[0].start, chain[-1].end) if kind else None


def _fits(chain: list[Item], span: Span, text: str, checked: bool = False) -> bool:
    """Whether ``chain`` (a number said after a correction) may say again the card data ``span`` of ``text`` holds:
    an expiry date as one; a code of as many digits; a card number's group as long as it, a digit or two apart
    from it or, put in its place, making the number pass the Luhn check (with ``checked``: that only)."""
    digits = _joined(chain)
    said = [i for i in items(text) if span.start <= i.start < span.end]
    if span.kind == EXPIRY:
        return by_shape(chain, frozenset()) == EXPIRY
    if span.kind == CVV:
        return code_items(chain) == len(chain) and len(digits) == len(_joined(said))
    groups = [_joined(g) for g in _said_groups(said)]
    for n, group in enumerate(groups):
        if len(group) != len(digits) or group == digits:
            continue
        number = "".join([*groups[:n], digits, *groups[n + 1 :]])
        if luhn(number) or (not checked and sum(a != b for a, b in zip(group, digits, strict=True)) <= 2):
            return True
    return False


def _said_groups(number: list[Item]) -> list[list[Item]]:
    """The groups of a number as said, each beginning at an item said apart from the one before (digits said as words
    with only spaces between are one group: "four four five three")."""
    starts = [n for n, i in enumerate(number) if n == 0 or not i.joined]
    return [number[a:b] for a, b in pairwise([*starts, len(number)])]


def _misheard_16(number: list[Item]) -> bool:
    """Whether ``number`` is 16 digits that fail the Luhn check: a misheard card's, or the first 16 of a
    19-digit one's still being said ("... nine two five five," "and then zero three six")."""
    return _digits(number) == UNCHECKED_DIGITS[0] and not luhn(_joined(number))


def _echoes(lead: list[Item], pending: list[tuple[_Said, Item]]) -> bool:
    """Whether ``lead`` says again the last digits said before (4 or more): a read-back, not the number going on."""
    digits, before = _joined(lead), "".join(i.digits for _, i in pending)
    return len(digits) >= READ_BACK_DIGITS and before.endswith(digits)


def _read_back(finals: list[_Said]) -> None:
    """A number said again (read back by the agent, or repeated) where another final has it as card data: a
    card span's digits, one of its groups of 4 or more ("Повторите последние четыре?" "9084"), or 8 and more
    of its digits in a row, is card data too."""
    cards = [
        (s, [i.digits for i in items(s.text) if span.start <= i.start < span.end])
        for s in finals
        for span in s.spans
        if span.kind == CARD
    ]
    for n, said in enumerate(finals):
        folded = fold(said.text)
        for chain in chains(folded, items(said.text)):
            whole, digits = _whole_of(chain), _joined(chain)
            inside = [x for x in said.spans if _overlaps(whole, [x])]
            if inside and all(x.kind == CVV for x in inside) and _group_again(said, finals[:n], folded, chain):
                said.spans = [x for x in said.spans if x not in inside]
                _add(said, [whole])
                continue
            # a code (never kept as an original: PCI DSS) is not taken for a card's group said again
            if len(digits) < READ_BACK_DIGITS or any(x.kind == CARD for x in inside) or (inside and len(digits) < 8):
                continue
            if any(o is not said and _repeats(digits, groups) for o, groups in cards):
                # read as a code or an expiry after card data ("So that's 1815 9083?"): the card's, whole
                said.spans = [x for x in said.spans if x not in inside]
                _add(said, [whole])


def _group_again(said: _Said, before: list[_Said], folded: str, chain: list[Item]) -> bool:
    """Whether ``chain``, read as a code, is a group of four of a card said in an earlier final, said again with no
    code asked for or named before it ("Is that the card ending 5019?" "Yes, 5019."; "no, the third group is 7730";
    "the one that ends one two nine eight"; its last four where it was read digit by digit): the card's data,
    confirmed or corrected. A code said after its cue ("the code is 5019") or asked for stays one: PCI DSS lets no
    code be kept, and a four-digit code equal to a group of its card is one in thousands. One read as an expiry
    stays one (a month and a year equal to a group)."""
    digits = _joined(chain)
    if len(digits) != READ_BACK_DIGITS or any(x.kind == CARD for x in said.spans if _overlaps(_whole_of(chain), [x])):
        return False
    if cue_before(cues(CVV, folded), folded, chain[0].start) >= 0 or (before and CVV in asks(before[-1].text)):
        return False
    for other in before:
        for span in other.spans:
            if span.kind != CARD:
                continue
            number = [i for i in items(other.text) if span.start <= i.start < span.end]
            groups = [_joined(g) for g in _said_groups(number)]
            # or the card's last four, said digit by digit ("... пять пять семь ноль" | "карта на 5570")
            if digits in groups or digits in (i.digits for i in number) or _joined(number).endswith(digits):
                return True
    return False


def _recent(finals: list[_Said], start_s: float, context_s: float) -> list[_Said]:
    """The finals that began before ``start_s`` and ended ``context_s`` at most before it: what it is read after."""
    return [s for s in finals if s.start_s < start_s and start_s - s.end_s <= context_s]


def _whole_of(chain: list[Item]) -> Span:
    return Span(CARD, chain[0].start, chain[-1].end)


def _last_of_each(finals: list[_Said], keep: int) -> list[_Said]:
    """The last ``keep`` finals of each channel, in order: an agent saying "yes", "ok" after each group the
    customer reads must not push the card's first groups out of what the detector sees."""
    seen: dict[str, int] = {}
    kept: list[_Said] = []
    for said in reversed(finals):
        if seen.get(said.channel, 0) < keep:
            seen[said.channel] = seen.get(said.channel, 0) + 1
            kept.append(said)
    return kept[::-1]


def _repeats(digits: str, groups: list[str]) -> bool:
    number = "".join(groups)
    return digits == number or digits in groups or (len(digits) >= 8 and digits in number)


def _joined(found: list[Item]) -> str:
    return "".join(i.digits for i in found)


def _announced(folded: str, chain: list[Item], before: Before) -> str:
    """What the cue before ``chain`` announces it is (:func:`announced`), but no card's first group where it
    is a round amount ("лимит 50 000") or begins as no card does ("привязанный к карте: 8 916 ...")."""
    kind = announced(folded, chain[0].start, before)
    round_sum = amount(chain) and chain[-1].digits.endswith("00")  # not "Карта 4 044 ..." (a card written so)
    if kind == CARD and (round_sum or chain[0].digits[0] not in _CARD_FIRST or paid(folded, chain)):  # "for $59"
        return ""
    if kind != CARD and _digits(chain) >= LONG_DIGITS:  # "the SIM card number on the back is 8944 ...": no code
        return ""
    if kind != CARD and ordinary(folded, chain):  # "скидка действует до 31.12.2026": a day's date, an amount
        return ""
    if kind == CVV and _digits(chain) > CODE_DIGITS:  # "dostawa na kod 02-495": a postcode; a code cut short has fewer
        return ""
    return kind


def _merged(card: list[Span], other: list[Span]) -> list[Span]:
    """Card data first (PCI DSS), then the campaign's kinds where they do not overlap it; but an IBAN
    (mod-97 checked) that holds a Luhn-valid run of its digits is the IBAN, masked whole."""
    ibans = [s for s in other if s.kind == IBAN]
    card = [c for c in card if not any(i.start <= c.start and c.end <= i.end for i in ibans)]
    return sorted([*card, *(s for s in other if not _overlaps(s, card))], key=lambda s: s.start)


def _nineteen_coded(said: _Said) -> None:
    """A 19-digit card whose first 16 digits pass the check too, read as 16 and a code ("Картка UnionPay, 6217 5143
    0553 5664 490."), where a next final gives the code ("Дійсна до 08/30, код 551."): one card has one code, so the
    19 digits said as one number are the card."""
    for card, code in pairwise(list(said.spans)):
        if card.kind != CARD or code.kind != CVV or said.text[card.end : code.start].strip():
            continue
        whole = Span(CARD, card.start, code.end)
        digits = _card_digits(said, whole)
        if len(digits) == CARD_DIGITS[1] and luhn(digits) and issued_length(digits):
            said.spans = sorted([*(x for x in said.spans if x not in (card, code)), whole], key=lambda x: x.start)


def _add(said: _Said, spans: list[Span]) -> None:
    """``spans`` added to those ``said`` has: one that overlaps none, or one of the same kind that holds all
    it overlaps (a piece masked before, now one span with the rest of its number: "1 | 8" as "1 8")."""
    for s in spans:
        inside = [x for x in said.spans if _overlaps(s, [x])]
        if inside and not all(x.kind == s.kind and s.start <= x.start and x.end <= s.end for x in inside):
            continue
        said.spans = sorted([*(x for x in said.spans if x not in inside), s], key=lambda x: x.start)


def _across(
    pending: list[tuple[_Said, Item]],
    said: _Said,
    lead: list[Item],
    before: Before,
    checked: bool = False,
    opened: bool = False,
    coded_after: bool = False,
) -> dict[_Said, list[Span]]:
    """Card numbers that begin in earlier finals and end in this one: their spans, by final (one failing
    the Luhn check where the words before its first piece, or ``before`` them, say it is a card; not with
    ``checked``: Luhn-valid ones only). With ``opened`` (the pieces before were masked as a card's as they
    came, or went on past an acknowledgement), none of a length its scheme issues no card of: the number goes
    on in the next final. With ``coded_after`` (a security code is given after), a 19-digit card first."""
    if not pending or not lead:
        return {}
    owners = [p for p, _ in pending] + [said] * len(lead)
    chain = [i for _, i in pending] + lead
    spans: dict[_Said, list[Span]] = {}
    windows = card_windows(chain, across=len(pending), coded_after=coded_after)
    # "Yes. For four one." | "Double nine triple three." | ...: a homophone opening the first piece, where the card
    # passes the check from it and not from the digits after it
    if not (windows and windows[0][0] == 0) and (
        opened_by := homophone_opened(fold(owners[0].text), chain, len(pending), coded_after)
    ):
        first, windows = opened_by
        owners, chain = [owners[0], *owners], [first, *chain]
    unchecked = not windows and not checked
    if unchecked:
        windows = unchecked_window(chain, fold(owners[0].text), before, across=len(pending))
    if opened:  # "Card 4738" | "2829" | "0654" | "30": 14 digits of a Visa passing by chance, the rest to come
        windows = [(i, j) for i, j in windows if issued_length(_joined(chain[:j]))]
    if opened and unchecked:  # "Card 4539" | "1488" | "00343" (a digit heard twice) | "6467": the rest to come
        windows = [
            (i, j) for i, j in windows if _digits(chain[:j]) >= UNCHECKED_DIGITS[0] or not heard_twice(chain[:j])
        ]
    if windows:  # the digits said before the first (a digit heard twice, a misheard start) are the number's too
        windows = [(0, windows[0][1]), *windows[1:]]
    for i, j in windows:
        for owner in dict.fromkeys(owners[i:j]):
            mine = [chain[k] for k in range(i, j) if owners[k] is owner]
            spans.setdefault(owner, []).append(Span(CARD, mine[0].start, mine[-1].end))
    return spans


def _digits(found: list[Item] | list[tuple[_Said, Item]]) -> int:
    return sum(len(x.digits if isinstance(x, Item) else x[1].digits) for x in found)


def _going_on(pending: list[tuple[_Said, Item]], lead: list[Item]) -> list[Item]:
    """The first numbers of an utterance that go on with a card number begun in the finals before and not
    yet whole (its pieces masked as they came: "my card number is 4539" then "1488"), up to 16 digits; 17 where
    a group of five is said (a group of four with a digit heard twice: "0343" | "64677")."""
    if not pending or not all(any(s.start <= i.start < s.end for s in owner.open) for owner, i in pending):
        return []
    digits = _digits(pending)
    out: list[Item] = []
    for item in lead:
        digits += len(item.digits)
        if digits > UNCHECKED_DIGITS[0] + heard_twice([i for _, i in pending] + [*out, item]):
            break
        out.append(item)
    return out


def _said_again_whole(pending: list[tuple[_Said, Item]], chain: list[Item]) -> bool:
    """Whether ``chain`` is a whole card (a length its scheme issues, passing the check) that the digits said before
    it in the speaker's last finals begin (:func:`agentassist.privacy.detect.restarts`): the card begun, broken off
    and said again from its start, not its rest (joined to them, its last group was taken for a code)."""
    digits = _joined(chain)
    return issued_length(digits) and luhn(digits) and restarts("".join(i.digits for _, i in pending), digits)


def _paused(
    pending: list[tuple[_Said, Item]], said: _Said, folded: str, found: list[list[Item]], before: Before
) -> bool:
    """Whether a final that goes on with a number begun before ends on words that say nothing of it (:func:`says_apart`:
    "так", "okay", "um, let me see", "hold on, my glasses"), all its digits one run after the pieces said ("Э-э,
    4649, э-э" | "2614 6915... так" | "И 2794."): the speaker pauses inside the number, which may go on in the
    next final (joined only where the pieces pass the Luhn check at a length their scheme issues: the words do not
    tell it from an order's number said in pieces). Not a number named as another thing or plainly no card's (a
    phone, a date), nor one already longer than a card."""
    if not pending or len(found) != 1 or says_apart(folded[found[0][-1].end :]):
        return False
    if _digits(pending) + _digits(found[0]) >= CARD_DIGITS[1]:
        return False
    first, chain = pending[0][0], [i for owner, i in pending if owner is pending[0][0]]
    return not _other_number(fold(first.text), chain, before) and not _plainly_other(folded, found[0])


def _plainly_other(folded: str, piece: list[Item]) -> bool:
    """Whether ``piece``, said on after a pause inside a number, is plainly no card's (:func:`ordinary`: a phone, a
    date, an amount, years); but not one group of four alone that reads as a year ("2720 3136, um" | "2082."): a
    card's group begins so as often, and only the digits together passing the Luhn check join it."""
    year_alone = len(piece) == 1 and len(piece[0].digits) == READ_BACK_DIGITS and piece[0].digits[:2] in ("19", "20")
    return ordinary(folded, piece) and not (year_alone and not paid(folded, piece))


def _other_number(folded: str, chain: list[Item], before: Before) -> bool:
    """Whether a run is plainly no card number: the words before it say so ("order 4829 3377"), or it is
    a phone or a date ("+48 600 123 456", "12.03.2024")."""
    return ordinary(folded, chain) or named_before(folded, chain[0].start, before) == OTHER


def _named_other(folded: str, chain: list[Item], before: Before) -> bool:
    """Whether ``chain`` is named as another thing's number (a phone to call back, a request) in a final that
    names no card and answers no question for one: it does not go on with a card begun before."""
    named = named_before(folded, chain[0].start, before) == OTHER  # not a year-like group alone ("Then 1944.")
    return named and not cues(CARD, folded) and CARD not in before.asked


def _words(text: str) -> list[str]:
    return [w for w in text.split() if any(c.isalpha() for c in w)]


def _overlaps(span: Span, others: list[Span]) -> bool:
    return any(span.start < o.end and o.start < span.end for o in others)


def _trim(pending: list[tuple[_Said, Item]]) -> list[tuple[_Said, Item]]:
    """Keep the last digits said, no more than a card number less its last group."""
    while pending and sum(len(i.digits) for _, i in pending) > CARD_DIGITS[1] - 1:
        pending = pending[1:]
    return pending
