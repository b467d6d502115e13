"""Said again across finals: a number read back or confirmed, a group corrected, the last four repeated.

A number said again in another final where one holds it as card data is card data too (:func:`read_back`,
the agent's read-back included); the numbers a final opens with that say again what was just said are no new
piece (:func:`echoed`); "the last four are ..." said again is the card's (:func:`last_four_again`); and a card's
group, an expiry or a code said again right after with a correction ("sorry", "I mean", "вернее") is that
kind again, where its digits fit what it corrects (:func:`corrected_before`).
"""

from __future__ import annotations

import re
from itertools import pairwise

from agentassist.privacy.cues import (
    CARD,
    CORRECTION,
    CVV,
    EXPIRY,
    cues,
)
from agentassist.privacy.detect import KINDS, asks
from agentassist.privacy.expiry import CORRECTION_WORDS, by_shape, code_items
from agentassist.privacy.held import (
    LEAD_WORDS,
    READ_BACK_DIGITS,
    Said,
    add_spans,
    card_digits_of,
    holds,
    overlaps,
    put_span,
    recent_finals,
    said_groups,
    whole_span,
)
from agentassist.privacy.labels import announced, ordinary
from agentassist.privacy.restarts import last_four
from agentassist.privacy.said import Before, Item, Span, chains, cue_before, fold, items, luhn, words_between
from agentassist.privacy.schemes import digits_of


def echoed(folded: str, found: list[list[Item]]) -> list[list[Item]]:
    """The numbers a final opens with that the number said right after them begins with ("What? 8628? Okay, 8628
    4471", a caller repeating a group someone else reads, then it with the next): each an echo of the next, said
    again from its start; the number that goes on is the one after them (the digits decide, not the words)."""
    out: list[list[Item]] = []
    for first, then in pairwise(found):
        head, whole = digits_of(first), digits_of(then)
        if len(head) < READ_BACK_DIGITS or len(whole) <= len(head) or not whole.startswith(head):
            break
        if words_between(folded, first[-1].end, then[0].start) > LEAD_WORDS:
            break
        out.append(first)
    return out


def last_four_again(
    said: Said, before: list[Said], folded: str, found: list[list[Item]], context_s: float
) -> Span | None:
    """A card's last four said again, named so, in a final after one where either speaker said the card, a
    little before ("Sorry, the last four are 5578", "Извините, последние четыре 0142", "ostatnie cztery to
    9930", after the expiry was said in between, or the agent's "so the last four are 5578?"): the card's
    data (a correction or a repeat of its end), not a security code. Not a card's last four named with no
    card said just before ("the card ending in 4821": PCI DSS lets those show)."""
    recent = recent_finals(before, said.start_s, context_s)
    if not any(x.kind == CARD for s in recent for x in s.spans):
        return None
    if named := next((span for chain in found if (span := last_four(folded, chain))), None):
        return named
    # or with no cue, the card's own last four said alone as one number ("it's the debit one, the 1140 one", "та,
    # что на 1140"): one in ten thousand numbers is so by chance, and a number said a few seconds after the card
    # (or the card named before them, "карта на 0154, 10/32": the expiry said on after a comma is no part of them)
    ends = {card_digits_of(s, x)[-READ_BACK_DIGITS:] for s in recent for x in s.spans if x.kind == CARD}
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


def corrected_before(
    said: Said, before: list[Said], folded: str, found: list[list[Item]], context: Before, context_s: float
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
    recent = recent_finals(before, said.start_s, context_s)
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
    digits = digits_of(chain)
    said = [i for i in items(text) if span.start <= i.start < span.end]
    if span.kind == EXPIRY:
        return by_shape(chain, frozenset()) == EXPIRY
    if span.kind == CVV:
        return code_items(chain) == len(chain) and len(digits) == len(digits_of(said))
    groups = [digits_of(g) for g in said_groups(said)]
    for n, group in enumerate(groups):
        if len(group) != len(digits) or group == digits:
            continue
        number = "".join([*groups[:n], digits, *groups[n + 1 :]])
        if luhn(number) or (not checked and sum(a != b for a, b in zip(group, digits, strict=True)) <= 2):
            return True
    return False


def read_back(finals: list[Said]) -> None:
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
            whole, digits = whole_span(chain), digits_of(chain)
            inside = [x for x in said.spans if overlaps(whole, [x])]
            if inside and all(x.kind == CVV for x in inside) and _group_again(said, finals[:n], folded, chain):
                said.spans = [x for x in said.spans if x not in inside]
                add_spans(said, [whole])
                continue
            # a code (never kept as an original: PCI DSS) is not taken for a card's group said again
            if len(digits) < READ_BACK_DIGITS or any(x.kind == CARD for x in inside) or (inside and len(digits) < 8):
                continue
            if any(o is not said and _repeats(digits, groups) for o, groups in cards):
                # read as a code or an expiry after card data ("So that's 1815 9083?"): the card's, whole
                said.spans = [x for x in said.spans if x not in inside]
                add_spans(said, [whole])


# "or" between two readings of one number offered ("2201 or 2210?", "4716 или 4761?", "чи", "czy", "albo")
_OR = re.compile(r"[\s,]*(?:or|или|или же|чи|або|czy|albo|lub)\s+")


def alternatives(finals: list[Said]) -> None:
    """A number offered as another reading of card data, "or" between them ("was the second group 2201 or 2210?",
    "вторая группа 2201 или 2210?", "2201 czy 2210?"): as many digits as the card data it is offered with, it is
    that kind of data too (one of the two is what was said; the other is its digits but one or two). The other
    speaker's answer, one of the readings said again as the next final opens ("Was the code 117 or 171?" "117."), is
    that kind of data as well."""
    for n, said in enumerate(finals):
        if not said.spans:
            continue
        folded = fold(said.text)
        found = chains(folded, items(said.text))
        offered: dict[str, str] = {}  # the digits of each reading offered: their kind
        for a, b in [*pairwise(found), *((y, x) for x, y in pairwise(found))]:
            known = [x for x in said.spans if x.kind in KINDS and x.start <= a[0].start and a[-1].end <= x.end]
            gap = folded[min(a[-1].end, b[-1].end) : max(a[0].start, b[0].start)]
            if len(known) != 1 or len(digits_of(a)) != len(digits_of(b)) or not _OR.fullmatch(gap):
                continue
            offered |= {digits_of(a): known[0].kind, digits_of(b): known[0].kind}
            other = whole_span(b)
            other = Span(known[0].kind, other.start, other.end)
            if not holds(said, other):
                put_span(said, other)
        answer = next((s for s in finals[n + 1 :] if s.channel != said.channel), None)
        if offered and answer is not None:
            _answered(answer, offered)


def _answered(answer: Said, offered: dict[str, str]) -> None:
    """The reading ``answer`` opens with, of those ``offered`` (their digits: their kind), masked as its kind."""
    folded = fold(answer.text)
    found = chains(folded, items(answer.text))
    if not found or words_between(folded, 0, found[0][0].start) > LEAD_WORDS:
        return
    kind = offered.get(digits_of(found[0]))
    if kind is None:
        return
    span = whole_span(found[0])
    span = Span(kind, span.start, span.end)
    if not holds(answer, span):
        put_span(answer, span)


def _group_again(said: Said, before: list[Said], folded: str, chain: list[Item]) -> bool:
    """Whether ``chain``, read as a code, is a group of four of a card said in an earlier final, said again with no
    code asked for or named before it ("Is that the card ending 5019?" "Yes, 5019."; "no, the third group is 7730";
    "the one that ends one two nine eight"; its last four where it was read digit by digit): the card's data,
    confirmed or corrected. A code said after its cue ("the code is 5019") or asked for stays one: PCI DSS lets no
    code be kept, and a four-digit code equal to a group of its card is one in thousands. One read as an expiry
    stays one (a month and a year equal to a group)."""
    digits = digits_of(chain)
    if len(digits) != READ_BACK_DIGITS or any(x.kind == CARD for x in said.spans if overlaps(whole_span(chain), [x])):
        return False
    if cue_before(cues(CVV, folded), folded, chain[0].start) >= 0 or (before and CVV in asks(before[-1].text)):
        return False
    for other in before:
        for span in other.spans:
            if span.kind != CARD:
                continue
            number = [i for i in items(other.text) if span.start <= i.start < span.end]
            groups = [digits_of(g) for g in said_groups(number)]
            # or the card's last four, said digit by digit ("... пять пять семь ноль" | "карта на 5570")
            if digits in groups or digits in (i.digits for i in number) or digits_of(number).endswith(digits):
                return True
    return False


_FIRST_DIGITS = 6  # a card's first six, its issuer's number, read back ("a card beginning 448539 and ending 1186?")


def _repeats(digits: str, groups: list[str]) -> bool:
    """Whether ``digits`` say again the card of ``groups``: all of it, a group, 8 digits of it in a row, or its first
    six (:data:`_FIRST_DIGITS`) however it was grouped."""
    number = "".join(groups)
    first = len(digits) >= _FIRST_DIGITS and number.startswith(digits)
    return digits == number or digits in groups or (len(digits) >= 8 and digits in number) or first
