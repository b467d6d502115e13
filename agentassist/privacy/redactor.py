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

With each new final the finals held are read again, in four steps (:meth:`Redactor._read_all`), each a module
of its own:

1. each final in its place in time (:meth:`Redactor._read`): its card data by its words and the words before
   it (:mod:`agentassist.privacy.detect`), and a number going on from the speaker's last finals
   (:mod:`agentassist.privacy.pieces`);
2. a number said again, read back or confirmed, where another final holds it as card data
   (:mod:`agentassist.privacy.readback`);
3. each speaker's finals together: a card's groups said one per final and the card window, the card's pieces said
   around a final with card data (:mod:`agentassist.privacy.window`); groups said on bare and pieces completed
   (:mod:`agentassist.privacy.said_on`);
4. an amount as a recognizer writes it taken off (:func:`_amounts_kept`);
5. collection mode: while card data is being collected, every number the customer says, in any form, masked
   whether the steps above read it or not (:mod:`agentassist.privacy.collection`; kept apart from their spans, so
   that a later final still reads the number as they would).

A partial's groups said in order count as one run (:mod:`agentassist.privacy.partials`); the finals held and the
readings the steps share are :mod:`agentassist.privacy.held`'s.
"""

from __future__ import annotations

from itertools import pairwise

from agentassist.privacy.collection import collect, collecting, in_partial
from agentassist.privacy.cues import (
    CARD,
    CVV,
    EXPIRY,
    cues,
    fillers_only,
    says_apart,
)
from agentassist.privacy.detect import KINDS, asks, find_spans, numbers_said, written_amount
from agentassist.privacy.expiry import by_shape, started
from agentassist.privacy.held import (
    LEAD_WORDS,
    OPEN_LEAD_WORDS,
    Said,
    add_spans,
    digit_count,
    last_of_each,
    merged_spans,
    other_number,
    overlaps,
    put_span,
    recent_finals,
    shown,
    trimmed,
    words_in,
)
from agentassist.privacy.kinds import Rules
from agentassist.privacy.memo import Memo, reading
from agentassist.privacy.partials import in_order
from agentassist.privacy.pieces import (
    across_finals,
    announced_as,
    coded_next,
    echoes,
    first_piece,
    going_on_from,
    misheard_16,
    named_other,
    nineteen_coded,
    not_going_on,
    paused_on,
    plainly_other,
    said_again_whole,
)
from agentassist.privacy.readback import alternatives, corrected_before, echoed, last_four_again, read_back
from agentassist.privacy.said import Before, Item, Span, chains, cue_before, fold, items
from agentassist.privacy.said_on import groups_said_on, named_before_card, pieces_completed
from agentassist.privacy.schemes import CARD_DIGITS, UNCHECKED_DIGITS
from agentassist.privacy.window import card_window

CONTEXT_S = 15.0  # an utterance further back than this does not carry a number or a question on
PARTIAL_RUN_DIGITS = 7  # a partial with this many digits in a row may be part of a card: masked (PCI DSS: six show)
REVISION_RUN_DIGITS = 12  # a revision merges a turn's pieces: this many digits in a row are most of a card
_BEGUN_DIGITS = 8  # digits a speaker said in the last finals, with nothing said of card data: a card begun maybe


class Redactor:
    """Card data spans for the finals and partials of one call, both speakers.

    Finals may come in out of their order in time (each is decoded on a pool thread), so each new one
    is placed by its start and the last ``keep`` finals of each channel are read again in time order: the
    customer's "737" that came in before the agent's "the security code is" is still a code."""

    def __init__(self, context_s: float = CONTEXT_S, keep: int = 8, rules: Rules | None = None) -> None:
        self.context_s = context_s
        self.rules = rules or Rules()  # the campaign's kinds beyond card data
        self._keep = keep
        self._said: list[Said] = []  # the last finals of each channel, by start time
        self._revised: dict[str, tuple[str, float, float]] = {}  # of those, the revised: text, start, end
        self._shown: dict[str, list[Span]] = {}  # of those not revised, the spans only their revised neighbours show
        self.whole: dict[str, list[Span]] = {}  # the spans of each final held as :meth:`revised` last read them all
        self.memo = Memo()  # what this call's texts were read as: this call's only, gone with it

    def held(self) -> set[str]:
        """The keys of the finals read again with each new one (each channel's last ``keep``): the only
        finals a later one may mask back into."""
        return {s.key for s in self._said}

    def _context(self, before: list[Said], start_s: float, channel: str = "") -> Before:
        """What the last final of either speaker before ``start_s`` asked for, and the card data the
        latest of them held (a code said right after a card number and its expiry is a code); a final of
        ``channel``'s with no number in it is passed over ("Сок яйство": an expiry's cue misheard), and
        so is one of either speaker's with no number and no question ("Так." "Хорошо." between "Срок
        действия" and "1, 2, 2, 8": the cue a few utterances back still says what the number is)."""
        recent = recent_finals(before, start_s, self.context_s)
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
        spans = merged_spans(find_spans(text, before), self.rules.find(text))
        folded = fold(text)
        carried = self._carried(channel, start_s)
        found = chains(folded, items(text))
        first = 0  # the first of the groups said in order up to this one ("6011, then 4820, then 7739"): one run
        for n, chain in enumerate(found):
            if not (n and in_order(folded, found[n - 1], chain, before)):
                first = n
            digits = "".join(i.digits for c in found[first : n + 1] for i in c)
            lead = first == 0 and len(words_in(folded[: found[0][0].start])) <= LEAD_WORDS
            whole = Span(CARD, chain[0].start, chain[-1].end)
            if overlaps(whole, spans):
                continue
            # the number still being said, after its cue: masked as what it will be, from its first digit;
            # any number while card data is being given (the last final held some): the words may be misheard
            kind = announced_as(folded, chain, before) if chain is found[-1] and not said else ""
            if kind and not words_in(folded[chain[-1].end :]):
                spans.append(Span(kind, whole.start, whole.end))
            elif before.said and len(digits) >= 2 and not said:
                spans.append(Span(by_shape(chain, before.said), whole.start, whole.end))
            elif len(digits) + (carried if lead else 0) >= run_digits and not (
                other_number(folded, found[first], before) and not (lead and carried)
            ):
                run = Span(CARD, found[first][0].start, whole.end)
                spans = [x for x in spans if not (run.start <= x.start and x.end <= run.end)] + [run]
            elif len(digits) >= run_digits and (chosen := self.rules.named(folded, chain[0].start)):
                spans.append(Span(chosen, whole.start, whole.end))  # an account or a phone the script masks
            elif eager and len(digits) >= 2:
                spans.append(Span(by_shape(chain, before.said), whole.start, whole.end))
        if not said and (window := collecting(self._said, channel, start_s)) is not None:
            return in_partial(text, window, spans)  # any number in any form while card data is collected
        return sorted(spans, key=lambda s: s.start)

    def _code_given(self, said: Said, after: list[Said]) -> bool:
        """Whether one of the next two finals after ``said``, a little after it, gives a security code (its cue
        and its digits: "Kod z tyłu 519.")."""
        near = [s for s in after[:2] if s.start_s - said.end_s <= self.context_s]
        return any(x.kind == CVV for s in near for x in find_spans(s.text))

    def _reading(self, channel: str, start_s: float) -> bool:
        """Whether card data is being read as ``start_s`` begins: the latest final within ``context_s`` that
        has to do with card data (a span of it, its cue, a question for it) is no security code (the code is
        said last), or ``channel`` has said a card's first digits in the finals since (a card begun and not
        complete: "4 5 5 6" | "0, 8, 1, 2," | "3, 4," with its cue misheard)."""
        recent = recent_finals(self._said, start_s, self.context_s)
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
        if said.spans and said.spans[-1].kind == CARD and not words_in(folded[said.spans[-1].end :]):
            return CARD_DIGITS[1]
        found = chains(folded, items(said.text))
        # words after it end the number, unless the speaker paused on them inside a card's digits (:func:`paused_on`)
        if not found or (words_in(folded[found[-1][-1].end :]) and not said.paused):
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
                    Said(s.key, s.channel, *self._revised[s.key])
                    if s.key in self._revised
                    else Said(s.key, s.channel, s.text, s.start_s, s.end_s)
                    for s in self._said
                ),
                key=lambda s: s.start_s,
            )
            self._read_all(view)
        self.whole = {s.key: shown(s) for s in view}  # a revision's where one came, else its final's
        # a final not revised keeps what the revisions around it showed it held, apart from its own spans:
        # a view with only some of a turn's revisions in may read its digits as no final did (a card's group
        # as a code), and what is read after the finals must not take that for what was said
        kept = {s.key: s for s in self._said}
        self._shown = {k: v for k, v in self._shown.items() if k in held}
        out: dict[str, list[Span]] = {}
        for s in view:
            if s.key in self._revised or s.key == latest:
                out[s.key] = shown(s)
                continue
            showing = self._shown.setdefault(s.key, [])
            its = shown(kept[s.key])  # once, not again for each span of the final (and the list with it)
            before = [*its, *showing]
            gained = [x for x in shown(s) if not overlaps(x, before)]
            if gained:
                showing += gained
                out[s.key] = sorted([*its, *showing], key=lambda x: x.start)
        return out

    def _final(self, key: str, channel: str, text: str, start_s: float, end_s: float) -> dict[str, list[Span]]:
        said = Said(key, channel, text, start_s, end_s)
        self._said = last_of_each(sorted([*self._said, said], key=lambda s: s.start_s), self._keep)
        before = {s: shown(s) for s in self._said}
        self._read_all(self._said)
        return {s.key: shown(s) for s in self._said if s is said or shown(s) != before[s]}

    def _read_all(self, finals: list[Said]) -> None:
        """The finals held read in time order, each in its place (:meth:`_read`), then read together: a number
        said again, the card window of each speaker, and amounts taken off."""
        pending: dict[str, list[tuple[Said, Item]]] = {}
        for n, said in enumerate(finals):
            self._read(said, finals[:n], pending, finals[n + 1 :])
        named_before_card(finals, self.context_s)
        read_back(finals)
        alternatives(finals)
        card_window(finals, self.context_s)
        groups_said_on(finals, self.context_s)
        pieces_completed(finals, self.context_s)
        _amounts_kept(finals)
        collect(finals)

    def _read(
        self,
        said: Said,
        before: list[Said],
        pending: dict[str, list[tuple[Said, Item]]],
        after: list[Said] | None = None,
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
        found = found[len(echoed(folded, found)) :]
        opened = bool(mine) and all(any(s.start <= i.start < s.end for s in owner.open) for owner, i in mine)
        reach = OPEN_LEAD_WORDS if opened else LEAD_WORDS
        lead = found[0] if found and len(words_in(folded[: found[0][0].start])) <= reach else []
        # "expires 12/27", "code 412", "12/27" after a card's pieces, or a number named as another thing ("and call
        # me back on 882 ..."): the card is over
        over = bool(found) and bool(mine) and not_going_on(folded, found[0], context)
        over = over or (bool(found) and bool(mine) and named_other(folded, found[0], context))
        # after a pause on words, a phone or a date ("Мой номер +7 916 ...") is no card's next piece either
        over = over or (bool(found) and any(o.paused for o, _ in mine) and plainly_other(folded, found[0]))
        # "The card's 5599, hmm" | "wait, sorry, 5599 7302 2804 6742": the card said again whole from its start
        over = over or (bool(found) and bool(mine) and said_again_whole(mine, found[0]))
        lead = [] if over else lead
        said.echo = digit_count(mine) if mine and lead and echoes(lead, mine) else 0
        if said.echo:  # "1234 5678" then "1234 5678, yes": read back, it goes on after
            add_spans(said, merged_spans(find_spans(said.text, context), self.rules.find(said.text)))
            pending[said.channel] = mine
            return
        first = mine[0][0] if mine else said  # where a number said across finals began: its context
        # a card's 16 digits said that fail the check may be the first of a 19-digit one's: only a Luhn-valid
        # number goes on from them (the next final's "737" is its code more likely than 3 digits misheard)
        # a number that went on past an acknowledgement ("2614 6915... так" | "2794") is a card's only where it
        # passes the check: nothing else tells it from an order's or an account's number said in pieces
        paused = any(owner.paused for owner, _ in mine)
        whole = digit_count(mine) >= UNCHECKED_DIGITS[0] or paused
        context_first = self._context(before, first.start_s, said.channel)
        # a code named after the number, in this final or a next one ("0284 7006 718." | "Kod z tyłu 519."): a
        # 19-digit card passing the check is the card, its last three digits no code (one card has one code)
        coded = (
            bool(lead)
            and bool(mine)
            and (any(a >= lead[-1].end for a, _ in cues(CVV, folded)) or self._code_given(said, after or []))
        )
        across = across_finals(
            mine, said, lead, context_first, checked=whole, opened=opened or paused, coded_after=coded
        )
        # "Hold on, let me look. 0343 6467"; after a pause on words, any words that say nothing of the number
        leading = folded[: found[0][0].start] if found else ""
        near = len(words_in(leading)) <= OPEN_LEAD_WORDS or (paused and not says_apart(leading))
        if not lead and not over and found and near:
            across = across_finals(mine, said, found[0], Before(), checked=True, opened=paused)
        for owner, spans in across.items():
            if coded:  # its last digits read as a code before the code was given: the card's
                owner.spans = [x for x in owner.spans if x.kind != CVV or not overlaps(x, spans)]
            add_spans(owner, spans)
        if across:
            context = Before(context.asked, context.said | {CARD}, True)
        going_on = [] if across else going_on_from(mine, lead)
        taken = (Span(CARD, going_on[0].start, going_on[-1].end),) if going_on else tuple(across.get(said, []))
        if not taken and (again := last_four_again(said, before, folded, found, self.context_s)):
            taken = (again,)
        corrected = corrected_before(said, before, folded, found, context, self.context_s) if not taken else None
        if corrected is not None and corrected.kind == CARD:
            taken = (corrected,)
        said.open += [t for t in taken if going_on and t not in said.open]
        add_spans(said, merged_spans(find_spans(said.text, context, taken), self.rules.find(said.text)))
        coded_apart = any(a.kind == CARD and b.kind == CVV for a, b in pairwise(said.spans))
        if coded_apart and self._code_given(said, after or []):  # the next finals read only where it may matter
            nineteen_coded(said)
        if (last_digits := coded_next(said, before, folded, found, self.context_s)) is not None:
            said.spans = [x for x in said.spans if x.start != last_digits.start]
            add_spans(said, [last_digits])
        if corrected is not None and corrected.kind != CARD:  # an expiry or a code said again: that kind again
            put_span(said, corrected)
        # what is left said last may be the start of a card number said on in the next utterance; after a
        # card's cue ("my card number is 4539") it is masked now, and still joins the next piece; after an
        # expiry's or a code's cue it is masked as one
        tail = found[-1] if found and fillers_only(folded[found[-1][-1].end :]) else []  # "..., um": said on
        said_on = bool(tail) and bool(lead) and tail[0] is lead[0] and len(tail) == len(lead)  # all it said goes on
        misheard = said_on and misheard_16([i for _, i in mine] + lead)
        tail = [i for i in tail if not any(s.start <= i.start < s.end for s in said.spans if s not in said.open)]
        kind = announced_as(folded, tail, context) if tail else ""
        if kind == EXPIRY and started(
            folded,
            cue_before(cues(EXPIRY, folded), folded, tail[0].start),
            set(context.said) | {x.kind for x in said.spans},
            said.spans,
        ):
            kind = ""  # "... и он действует с 01.03?" after the card's expiry: another thing's first day
        piece = Span(kind, tail[0].start, tail[-1].end) if tail else None
        if kind and piece and not overlaps(piece, said.spans):  # an expiry or code cut short ("1, 2, 2." "8.")
            said.open += [piece] if kind == CARD else []
            add_spans(said, [piece])
        if misheard and (across or going_on == lead):
            pending[said.channel] = trimmed(mine + [(said, i) for i in lead])  # 16 digits failing: 19 maybe
            return
        if across:
            mine = []
        if going_on and (len(going_on) < len(lead) or digit_count(mine) + digit_count(going_on) >= UNCHECKED_DIGITS[0]):
            pending[said.channel] = []  # the card number is whole: what follows is its expiry or code
        elif digit_count(tail) > CARD_DIGITS[1]:  # "Numer konta 19 1592 ... 7851": longer than a card, none's start
            pending[said.channel] = []
        elif tail and lead and tail[0] is lead[0] and len(tail) == len(lead):
            pending[said.channel] = trimmed(mine + [(said, i) for i in tail])
        elif lead and paused_on(mine, said, folded, found, context_first):
            said.paused = True
            pending[said.channel] = trimmed(mine + [(said, i) for i in found[-1]])
        elif all(
            digit_count(c) < 2 for c in found
        ):  # no number ("Hold on, one moment", "Секундочку"): it goes on after
            pending[said.channel] = mine
        elif not tail and (opening := first_piece(said, folded, found, context)):
            said.paused = True  # "My card is 4649 2614, let me find my glasses" | "6915 2794.": joined if a card
            pending[said.channel] = trimmed([(said, i) for i in opening])
        else:
            pending[said.channel] = trimmed([(said, i) for i in tail])


def _amounts_kept(finals: list[Said]) -> None:
    """An amount as a recognizer writes it ("74,99 zł", "45.51", "£9.90") is no card data, whatever the call's rules
    read it as: a card's last four said before it ("the last four are 4551", then "it came to 45.51") or a code still
    owed. Its span is taken off each final (:func:`agentassist.privacy.detect.written_amount`)."""
    for said in finals:
        if said.spans:
            folded, found = fold(said.text), items(said.text)
            said.spans = [x for x in said.spans if not written_amount(folded, found, x)]
