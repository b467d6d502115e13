"""Card data masked in a call's utterances before they are stored, indexed or published.

:class:`CallRedaction` takes each partial, final and revised utterance of a call (in the order the
records see them) and returns what may leave: the utterance with its text and words masked
(``[CARD]``, ``[EXPIRY]``, ``[CVV]``), plus any earlier line that it shows to hold card data (a card
number said across utterances reaches back into them; a turn's revision may hear a card its finals
lost digits of), masked again as a revision. The records store and publish them in that order, under
one lock: the last version of every line, stored, indexed and shown, is the masked one. The spans of
each final (kind, channel, time from its words) are what the call's record lists and what the
recording is silenced over after the call. A line sent with a code's label ([CVV]) where a later reading of
its turn shows a card's group (the card's digits made whole: a scheme's, Luhn-valid) is sent again as the
card's; a real code keeps its label. On by default, for every call: PCI DSS leaves no choice for
card data.
"""

from __future__ import annotations

import dataclasses
from typing import TypedDict

from agentassist.events import Channel, Utterance, Word
from agentassist.privacy.cues import CARD, CVV, cues
from agentassist.privacy.detect import KINDS, mask
from agentassist.privacy.kinds import Rules
from agentassist.privacy.memo import reading
from agentassist.privacy.redactor import PARTIAL_RUN_DIGITS, REVISION_RUN_DIGITS, Redactor
from agentassist.privacy.said import Span, chains, fold, items, last_cue, luhn
from agentassist.privacy.schemes import CARD_DIGITS, issued, issued_length

_NEAR_S = 1.0  # a revision's number this close to a span masked before is part of it (words move a little)


class Redaction(TypedDict):
    utterance_id: str
    channel: str
    kind: str  # card | expiry | cvv, and what the script chose: iban | phone | email | a pattern's name
    start: float  # seconds from the call's start
    end: float
    by: str  # "text": found in what was said


@dataclasses.dataclass(frozen=True, slots=True)
class Masked:
    """An utterance as it may leave, and the spans masked in it (finals only: a partial's are not kept)."""

    utterance: Utterance
    redactions: list[Redaction]
    original: str | None = None  # the text with only its security codes masked, where the script keeps it


class CallRedaction:
    """One call's redaction of what is said; not thread-safe (the records lock serialises it).

    A final's line may be replaced twice over: by the transcriber's revision of its turn (better words,
    some moved to a neighbour's line) and by a later final that shows it held card data (a card number
    said in pieces). Whichever comes last, what leaves is masked: a final masked back is sent again as
    its revision's words where it has one (masked where card data was said), else as its own; and each
    revision still held is masked again wherever card data turns out to have been said near its words."""

    def __init__(self, rules: Rules | None = None) -> None:
        self._keep_originals = rules is not None and bool(rules.original_roles)
        self._redactor = Redactor(rules=rules)
        self._originals: dict[str, Utterance] = {}  # the finals the detector still reads, as transcribed, by id
        self._revisions: dict[str, tuple[Utterance, list[Span]]] = {}  # the last revision of each, as sent
        self._found: dict[str, list[Redaction]] = {}  # by id: where the detector found card data in the final
        self._masked_ids: set[str] = set()  # finals that held card data (their revisions masked eagerly)
        self._masked_s: dict[str, list[Redaction]] = {}  # by channel: where card data was said
        self._said_keys: dict[str, set[tuple[object, ...]]] = {}  # by channel: those of _masked_s, to look up
        self._read: dict[str, list[Span]] = {}  # by id: the detector's last reading of each held line's text
        self._sent: dict[str, tuple[Utterance, list[Span]]] = {}  # by id: each held line as last sent, its spans
        self._timed: dict[str, tuple[Utterance, list[Span], list[_Piece]]] = {}  # by id: _read's spans, timed
        self._ended = False  # the call ended: the detector remembers no text after each utterance

    def forget_texts(self) -> None:
        """Drop what the detector remembers of this call's texts (card numbers in them) as the call ends;
        each call's memory is its own (agentassist.privacy.memo): no other call's is touched. A revision
        that comes later still (the call's end waits for them a while only) is masked as any other, and
        what the detector read of it is dropped at once."""
        self._ended = True
        self._redactor.memo.clear()

    def remembered_texts(self) -> set[str]:
        """The texts the detector remembers for this call (what :meth:`forget_texts` drops)."""
        return self._redactor.memo.texts()

    def apply(self, u: Utterance) -> list[Masked]:
        """``u`` masked (first), then any earlier final or revision masked anew because of it."""
        try:
            return self._apply(u)
        finally:
            if self._ended:
                self._redactor.memo.clear()

    def _apply(self, u: Utterance) -> list[Masked]:
        channel = u.channel.value
        if not u.final:
            return [_masked(u, self._redactor.partial(channel, u.text, u.start_s))]
        said_before = len(self._masked_s.get(channel, []))
        if u.revised and u.id not in self._originals:  # a final the detector no longer reads
            out = [self._revision(u)]
        elif u.revised:
            found = self._redactor.revise(u.id, channel, u.text, u.start_s, u.end_s)
            self._read.update(self._redactor.whole)  # the turn read whole: a revision's text, else its final's
            out = [self._revision(u, found.pop(u.id, []))]
            out += self._masked_back({key: spans for key, spans in found.items() if key not in self._revisions})
            out += self._revisions_found(found, {u.id})  # a card across this revision and others
        else:
            changed = self._redactor.final(u.id, channel, u.text, u.start_s, u.end_s)
            held = self._redactor.held()  # the detector's window of finals: the only ones masked back into
            self._originals[u.id] = u
            self._forget(held)
            found = self._redactor.revised(u.id)  # a card begun in revised lines may end in this final
            spans = changed.pop(u.id, [])
            self._read[u.id] = spans
            self._read.update((key, read) for key, read in changed.items() if key not in self._revisions)
            self._read.update(self._redactor.whole if found else {})  # the finals read with the revisions in
            out = [self._final(u, _preferred(found.pop(u.id), spans) if u.id in found else spans)]
            if out[0].redactions:
                self._found[u.id] = out[0].redactions
            changed.update({key: spans for key, spans in found.items() if key not in self._revisions})
            out += self._masked_back(changed)
            out += self._revisions_found(found, {m.utterance.id for m in out})
        if len(self._masked_s.get(channel, [])) > said_before:  # card data found anew: the revisions near it
            out += self._revisions_again(u.channel, {m.utterance.id for m in out})
        return out + self._relabelled(u.channel)

    def _forget(self, held: set[str]) -> None:
        """What is kept of the finals that left the detector's window, dropped where it is (a new final pushes
        out one or two: the dicts are not built anew with each final)."""
        for kept in (self._originals, self._revisions, self._found, self._read, self._sent, self._timed):
            for gone in [key for key in kept if key not in held]:
                del kept[gone]

    def _relabelled(self, channel: Channel) -> list[Masked]:
        """The held lines of ``channel`` sent with a security code where the detector's last readings show a
        card number said (:func:`_cards`), its digits among the card's and said while it was: sent again with
        the card's label. A turn's revision read with only some of the turn's lines in may take a card's last
        group for a code, and a code's label sticks where the finals were read so; a real code is said after
        the card, its digits no group of it, and stays one (PCI DSS 3.3.1: the originals kept for the roles
        that may see card numbers never show a code), so only a card made whole is positive evidence."""
        coded = [(key, sent) for key, sent in self._sent.items() if sent[0].channel is channel and _coded(sent[1])]
        if not coded:  # no code's label sent in the lines held: nothing to look for (most finals)
            return []
        with reading(self._redactor.memo):  # the texts' numbers as the detector found them (remembered)
            cards = _cards([p for key, spans in self._read.items() for p in self._pieces(key, spans, channel)])
            if not cards:
                return []
            said = {key: _spans_said(line, spans) for key, (line, spans) in coded}
            group = {
                key: [_group(line, s, p, cards) for s, p in zip(spans, said[key], strict=True)]
                for key, (line, spans) in coded
            }
        # the codes that stay codes (said apart from the card, or named a code in their own line), and those the
        # finals were read as where no line sent shows them now: no span said over one of them is relabelled
        kept = [
            p or _Piece(CVV, line.start_s, line.end_s, "")
            for key, (line, spans) in coded
            for s, p, g in zip(spans, said[key], group[key], strict=True)
            if s.kind == CVV and not g
        ]
        kept += [
            _Piece(CVV, r["start"], r["end"], "")
            for key, found in self._found.items()
            if key not in group
            for r in found
            if r["kind"] == CVV and r["channel"] == channel.value
        ]
        out: list[Masked] = []
        for key, (line, spans) in coded:
            relabelled = [
                Span(CARD, s.start, s.end) if g and not any(_over(k, p) for k in kept) else s
                for s, p, g in zip(spans, said[key], group[key], strict=True)
            ]
            if relabelled == spans:
                continue
            was, now = _masked(line, spans).redactions, _masked(line, relabelled).redactions
            moved = [(a, b) for a, b in zip(was, now, strict=True) if a != b]
            self._found[key] = [_relabel(r, moved) for r in self._found.get(key, [])]
            known = self._masked_s.get(channel.value, [])
            known[:] = [_relabel(r, moved) for r in known]
            self._said_keys[channel.value] = {_key(r) for r in known}
            if key in self._revisions:
                self._revisions[key] = (line, relabelled)
            out.append(self._final(line if line.revised else dataclasses.replace(line, revised=True), relabelled))
        return out

    def _pieces(self, key: str, spans: list[Span], channel: Channel) -> list[_Piece]:
        """The detector's spans of ``key``'s line as it reads it now (its revision where one came), timed."""
        line = self._revisions[key][0] if key in self._revisions else self._originals.get(key)
        if line is None or line.channel is not channel:
            return []
        timed = self._timed.get(key)  # each final's pieces are looked for again with every final after it
        if timed is None or timed[0] is not line or timed[1] != spans:
            timed = self._timed[key] = (line, spans, [p for p in _spans_said(line, spans) if p is not None])
        return timed[2]

    def _masked_back(self, changed: dict[str, list[Span]]) -> list[Masked]:
        """The earlier finals a new final or revision showed to hold card data, sent again masked: as the
        revision of its turn where one replaced the final's words (the detector reads those now), else as
        the final was."""
        out: list[Masked] = []
        for key, spans in changed.items():
            if (before := self._originals.get(key)) is None:
                continue
            self._found[key] = _masked(before, spans).redactions
            if key in self._revisions:  # masked where the final's card data was said (the spans are the final's)
                self._said(before.channel.value, self._found[key])
                out.append(self._revision(self._revisions[key][0]))
            else:
                out.append(self._final(dataclasses.replace(before, revised=True), spans))
        return out

    def _revisions_found(self, found: dict[str, list[Span]], sent: set[str]) -> list[Masked]:
        """The revisions held that the detector ``found`` more in (read with the finals and revisions around
        them), sent again; not those in ``sent``."""
        out: list[Masked] = []
        for key, spans in found.items():
            if key in sent or key not in self._revisions:
                continue
            r, before = self._revisions[key]
            if r.text and (now := self._revision_spans(r, spans)) != before:
                out.append(self._revision(r, now))
        return out

    def _revision(self, u: Utterance, found: list[Span] | None = None) -> Masked:
        """A revised final masked, with the spans the detector ``found`` in it; held for masking again while
        the detector reads its final."""
        spans = self._revision_spans(u, found or [])
        if u.id in self._originals:
            self._revisions[u.id] = (u, spans)
        return self._final(u, spans)

    def _revision_spans(self, u: Utterance, found: list[Span]) -> list[Span]:
        """A revision's spans: those the detector ``found`` in it read with the finals around it, a long run
        of digits masked as a partial's is (a revision merges a turn's finals: a card number said in pieces
        may be whole in it), a shorter one where its final held card data, and any number said where card
        data was masked before (a code's digits may move into the next turn's text); what was masked in
        this same revision before stays masked."""
        run = PARTIAL_RUN_DIGITS if u.id in self._masked_ids else REVISION_RUN_DIGITS
        spans = _union(found, self._redactor.partial(u.channel.value, u.text, u.start_s, run, said=True))
        spans = self._as_heard(u, spans + _said_where(u, self._masked_s.get(u.channel.value, []), spans))
        if (sent := self._revisions.get(u.id)) is not None and sent[0] is u:
            return _union(sent[1], spans)
        return sorted(spans, key=lambda s: s.start)

    def _as_heard(self, u: Utterance, spans: list[Span]) -> list[Span]:
        """A revision's card data spans, each of the kind the finals were read as where it was said (most of
        its time; a code wherever a code was): a revision read with only some of its turn's revisions in may
        take a card's group for an expiry or a code, and the originals kept for supervisors would lose it."""
        heard = [r for found in self._found.values() for r in found if r["channel"] == u.channel.value]
        out: list[Span] = []
        for span, at in zip(spans, _masked(u, spans).redactions, strict=True):
            over: dict[str, float] = {}
            for h in heard if span.kind in KINDS else []:
                if h["kind"] in KINDS and (both := min(at["end"], h["end"]) - max(at["start"], h["start"])) > 0:
                    over[h["kind"]] = over.get(h["kind"], 0.0) + both
            kind = CVV if CVV in over else max(over, key=lambda k: over[k]) if over else span.kind
            out.append(Span(kind, span.start, span.end))
        return out

    def _revisions_again(self, channel: Channel, sent: set[str]) -> list[Masked]:
        """The revisions held of ``channel``'s finals that gain a span now that card data was found near
        them, sent again (each may show more: until none does); not those in ``sent``."""
        out: list[Masked] = []
        again = True
        while again:
            again = False
            for key, (r, spans) in list(self._revisions.items()):
                if key in sent or r.channel is not channel or not r.text:
                    continue
                if (now := self._revision_spans(r, [])) != spans:
                    out.append(self._revision(r, now))
                    sent.add(key)
                    again = True
        return out

    def _with_found(self, key: str, redactions: list[Redaction]) -> list[Redaction]:
        """``redactions`` and where the detector found card data in the final ``key`` (its revision may
        have lost those words: the recording is still silenced there)."""
        return [*redactions, *(r for r in self._found.get(key, []) if r not in redactions)]

    def _final(self, u: Utterance, spans: list[Span]) -> Masked:
        if u.id in self._originals:
            self._sent[u.id] = (u, spans)
        masked = _masked(u, spans)
        masked = dataclasses.replace(masked, redactions=self._with_found(u.id, masked.redactions))
        if self._keep_originals and any(s.kind != CVV for s in spans):
            # PCI DSS 3.3.1: a security code is never kept, not even for the roles that read originals
            masked = dataclasses.replace(masked, original=mask(u.text, [s for s in spans if s.kind == CVV]))
        if masked.redactions:
            self._masked_ids.add(u.id)
            self._said(u.channel.value, masked.redactions)
        return masked

    def _said(self, channel: str, redactions: list[Redaction]) -> None:
        """Card data said there, on ``channel``: a revision's number said there is masked."""
        known, keys = self._masked_s.setdefault(channel, []), self._said_keys.setdefault(channel, set())
        for r in redactions:  # the call's whole list, growing with it: looked up by key, not compared with each
            if (key := _key(r)) not in keys:
                keys.add(key)
                known.append(r)


@dataclasses.dataclass(frozen=True, slots=True)
class _Piece:
    """A span's kind, when its words were said and its digits."""

    kind: str
    start_s: float
    end_s: float
    digits: str


def _spans_said(u: Utterance, spans: list[Span]) -> list[_Piece | None]:
    """Each of ``spans`` in ``u`` as a timed piece; None for one that no word of ``u`` is in."""
    places = _word_places(u)
    found = items(u.text)
    out: list[_Piece | None] = []
    for s in spans:
        timed = [w for w, (a, b) in zip(u.words, places, strict=True) if a < s.end and s.start < b]
        digits = "".join(i.digits for i in found if s.start <= i.start < s.end)
        out.append(_Piece(s.kind, timed[0].start_s, timed[-1].end_s, digits) if timed and digits else None)
    return out


def _cards(pieces: list[_Piece]) -> list[_Piece]:
    """The card numbers the card spans of ``pieces`` (one channel's) make, in the order said: runs of them
    one after another, no other kind's span between, whose digits joined are a card's (:func:`_card_number`),
    as one piece each."""
    pieces = sorted(pieces, key=lambda p: (p.start_s, p.end_s))
    others = [p for p in pieces if p.kind != CARD]
    said = [p for p in pieces if p.kind == CARD]
    out: list[_Piece] = []
    for i, first in enumerate(said):
        digits = ""
        for j in range(i, len(said)):
            if j > i and any(said[j - 1].end_s <= o.start_s and o.end_s <= said[j].start_s for o in others):
                break
            digits += said[j].digits
            if len(digits) > CARD_DIGITS[1]:
                break
            if len(digits) >= CARD_DIGITS[0] and _card_number(digits):
                out.append(_Piece(CARD, first.start_s, max(p.end_s for p in said[i : j + 1]), digits))
    return out


def _card_number(digits: str) -> bool:
    """Whether ``digits`` are a card number a scheme issues: its first digits, its length, the Luhn check."""
    return digits[0] != "0" and issued(digits) and issued_length(digits) and luhn(digits)


def _group(line: Utterance, span: Span, piece: _Piece | None, cards: list[_Piece]) -> bool:
    """Whether ``span``, a code's, is a group of one of ``cards``: said while the card was, its digits among
    the card's, and no code's cue before it in its own line ("the security code is 6 4 6 7": a code, even
    where a revision heard its digits run on from the card's)."""
    if span.kind != CVV or piece is None or last_cue(cues(CVV, fold(line.text)), span.start) >= 0:
        return False
    return any(_over(c, piece) and piece.digits in c.digits for c in cards)


def _over(a: _Piece, b: _Piece | None) -> bool:
    return b is not None and a.start_s < b.end_s and b.start_s < a.end_s


def _relabel(r: Redaction, moved: list[tuple[Redaction, Redaction]]) -> Redaction:
    """``r`` with the card's label where it is a code's span of the line that ``moved`` relabels (by time)."""
    if r["kind"] != CVV:
        return r
    hit = next(
        (
            b
            for a, b in moved
            if a["utterance_id"] == r["utterance_id"] and a["start"] < r["end"] and r["start"] < a["end"]
        ),
        None,
    )
    return r if hit is None else {**r, "kind": hit["kind"]}


def _coded(spans: list[Span]) -> bool:
    return any(s.kind == CVV for s in spans)


def _key(r: Redaction) -> tuple[object, ...]:
    return (r["utterance_id"], r["channel"], r["kind"], r["start"], r["end"], r["by"])


def _union(before: list[Span], now: list[Span]) -> list[Span]:
    """The spans masked before in a text, and those found now that overlap none of them."""
    return sorted(
        [*before, *(s for s in now if not any(s.start < b.end and b.start < s.end for b in before))],
        key=lambda s: s.start,
    )


def _preferred(revised: list[Span], heard: list[Span]) -> list[Span]:
    """A final's spans read after the revisions of the turns before it (``revised``), and those read after
    their finals (``heard``) where none of the first overlaps them; but a security code read so stays one
    (PCI DSS: a code is never kept, not even as an original)."""
    codes = [h for h in heard if h.kind == CVV]
    kept = [r for r in revised if not any(r.start < c.end and c.start < r.end for c in codes)]
    return _union(_union(codes, kept), heard)


def _said_where(u: Utterance, before: list[Redaction], found: list[Span]) -> list[Span]:
    """The numbers of ``u`` said within ``_NEAR_S`` of a span masked before, as spans of its kind."""
    out: list[Span] = []
    if not before:
        return out
    places = _word_places(u)
    for chain in chains(fold(u.text), items(u.text)):
        start, end = chain[0].start, chain[-1].end
        timed = [w for w, (a, b) in zip(u.words, places, strict=True) if a < end and start < b]
        if not timed or any(s.start < end and start < s.end for s in found):
            continue
        near = [r for r in before if r["start"] - _NEAR_S < timed[-1].end_s and timed[0].start_s < r["end"] + _NEAR_S]
        if near:
            out.append(Span(near[0]["kind"], start, end))
    return out


def _masked(u: Utterance, spans: list[Span]) -> Masked:
    if not spans:
        return Masked(u, [])
    places = _word_places(u)
    words: list[Word] = []
    redactions: list[Redaction] = []
    for span in spans:
        inside = [w for w, (a, b) in zip(u.words, places, strict=True) if a < span.end and span.start < b]
        start_s, end_s = (inside[0].start_s, inside[-1].end_s) if inside else (u.start_s, u.end_s)
        redactions.append(_redaction(u, span.kind, start_s, end_s))
    last = -1  # the span the previous word was masked for: its words become one
    for w, (a, b) in zip(u.words, places, strict=True):
        hit = next((n for n, s in enumerate(spans) if a < s.end and s.start < b), None)
        if hit is None and a < 0 and any(c.isdigit() for c in w.text):
            hit = 0  # a word not found in the text: its digits are not let through
        if hit is None:
            words.append(w)
        elif hit == last:
            words[-1] = dataclasses.replace(words[-1], end_s=w.end_s)
        else:
            lead = " " if w.text.startswith(" ") else ""
            words.append(dataclasses.replace(w, text=f"{lead}[{spans[hit].kind.upper()}]"))
        last = -1 if hit is None else hit
    return Masked(dataclasses.replace(u, text=mask(u.text, spans), words=tuple(words)), redactions)


def _word_places(u: Utterance) -> list[tuple[int, int]]:
    """Where each word's text is in the utterance's text ((-1, -1): not found, masks nothing)."""
    places, at = [], 0
    for w in u.words:
        text = w.text.strip()
        found = u.text.find(text, at) if text else -1
        if found < 0:
            places.append((-1, -1))
            continue
        places.append((found, found + len(text)))
        at = found + len(text)
    return places


def _redaction(u: Utterance, kind: str, start_s: float, end_s: float) -> Redaction:
    return {
        "utterance_id": u.id,
        "channel": u.channel.value,
        "kind": kind,
        "start": round(start_s, 3),
        "end": round(end_s, 3),
        "by": "text",
    }
