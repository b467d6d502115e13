"""Corrections and restarts in one utterance: a card said again, corrected, or read on by its groups.

A card's groups named as they come ("then", "next", "group two": :data:`THEN`, :data:`GROUP_NAMED`), a card begun
and said again from its start (:func:`started_again`, :func:`restarts`), a first group said wrong and corrected,
the last group said again or corrected after the card (:func:`said_again`, :func:`last_four`), an expiry written
right after the number (:func:`slashed_apart`): each joins the pieces into one card number where their digits
pass the check, the pieces taken back left out of it.
"""

from __future__ import annotations

import re

from agentassist.assist.numbers import is_number_word
from agentassist.privacy.cues import (
    CARD,
    CORRECTION,
    CVV,
    EXPIRY,
    FILLER,
    LAST_FOUR,
    OTHER,
    OTHER_CUE,
    SENTENCE_END,
    cues,
    words_said,
)
from agentassist.privacy.expiry import (
    CORRECTION_WORDS,
    code_items,
    counts,
)
from agentassist.privacy.labels import ordinary, paid
from agentassist.privacy.runs import LAST_DIGITS
from agentassist.privacy.said import (
    JOIN,
    Item,
    Span,
    chains,
    items,
    luhn,
    words_between,
)
from agentassist.privacy.schemes import CARD_DIGITS, digits_of, issued_length

SLASHED = re.compile(r"(?:(?<=\A)|(?<=[\s,;]))[\s,;]*(?:0?[1-9]|1[0-2])/(?:\d{2}|20\d{2})(?!\d)")  # "06/28", "1/2029"
_CORRECTED_WORDS = 8  # "..., sorry, that last lot's wrong, it's 1638": a correction that says what it corrects
_LAST_COUNTED = re.compile(r"\b(?:last|final|последн\w*|останн\w*|ostatni\w*)\s+$")
ASIDE_WORDS = 12  # ... and, where the digits alone make a card, an aside of this many words (a sentence at most)
AND = re.compile(r"[\s,]*\b(?:and|и|і|та|i|oraz)\s+")
# "then" or "next" between a card's groups said in order ("6011, then 4820, then ...", "4532, next 1877", "потом",
# "дальше", "потім", "далі", "potem", "dalej")
THEN = re.compile(
    r"[\s,]*\b(?:(?:and|и|і|та|i|oraz|а|a)\s+)?"
    r"(?:then|next|потом|затем|дальше|далее|потім|затим|далі|potem|nastepnie|dalej)[\s,]+"
)


def slashed_apart(folded: str, spans: list[Span]) -> list[Span]:
    """A month and a year written with a slash ("06/28", "1/29") are an expiry, never a card's digits: a card span
    that ends with one (a card of an odd length the rules read on into it: "5531 22554 5491 1298, 06/28") is cut
    before it, and one that is only that is an expiry. A recognizer writes a card's groups apart, never so."""
    joined: list[Span] = []
    for span in spans:  # "4160130746389, 11/2031" read as a card to "11" and a code "2031": one span to cut again
        if joined and joined[-1].kind == CARD and span.start == joined[-1].end + 1 and folded[joined[-1].end] == "/":
            joined[-1] = Span(CARD, joined[-1].start, span.end)
        else:
            joined.append(span)
    out: list[Span] = []
    for span in joined:
        m = SLASHED.search(folded, span.start, span.end) if span.kind == CARD else None
        if m is None:
            out.append(span)
            continue
        cut = m.start() + len(m.group(0)) - len(m.group(0).lstrip(" ,;"))
        head = folded[span.start : m.start()].rstrip(" ,;")
        if head:
            out.append(Span(CARD, span.start, span.start + len(head)))
        out.append(Span(EXPIRY, cut, m.end()))
        tail = [i for i in items(folded[: span.end]) if i.start >= m.end()]
        if tail:  # "..., 06/28, 389" read on into the card: a code after the expiry, else the card's still
            kind = CVV if len(tail) == 1 and len(tail[0].digits) in (3, 4) else CARD
            out.append(Span(kind, tail[0].start, tail[-1].end))
    return out


def adjacent_joined(folded: str, said: list[Item], spans: list[Span]) -> list[Span]:
    """Spans of one kind with nothing but spaces and punctuation between them made one: one number said is
    one span ("4507 | 3395 7787 9368 453", its first group taken apart from a run passing the check); and a
    card's groups with the words that name the next between them (:func:`_next_group`), where the groups before
    are not yet a card (its last four said again after it are apart: "4539 ... 7759, the last four are 7759").
    Groups named by their place after them hold the last one's place too ("..., and 0041 the last")."""
    out: list[Span] = []
    placed: set[int] = set()  # the spans whose groups were named by their place after them
    for s in spans:
        gap = folded[out[-1].end : s.start] if out else "x"
        bare = not any(c.isalnum() for c in gap) and JOIN.fullmatch(gap)
        if out and out[-1].kind == s.kind and (bare or (s.kind == CARD and _next_group(folded, said, out[-1], s, gap))):
            placed |= {len(out) - 1} if PLACED_BETWEEN.fullmatch(gap) else set()
            out[-1] = Span(s.kind, out[-1].start, s.end)
        else:
            out.append(s)
    for n in placed:
        if m := PLACE_AFTER.match(folded, out[n].end):
            out[n] = Span(CARD, out[n].start, m.end())
    return out


def _next_group(folded: str, said: list[Item], piece: Span, span: Span, gap: str) -> bool:
    """Whether ``gap``, after the card's ``piece`` (fewer digits than a card's), only names the next group as a card
    is read group by group: "next", "then" (:data:`THEN`), "the last four" ("4532, next 1877, then 0264, last four
    9132", "дальше ..., последние четыре ...", "dalej ..., ostatnie cztery ..."), the group by its place ("group
    two 3390", "вторая группа 3390", :data:`GROUP_NAMED`) or by its count ("and last four 3026",
    :data:`GROUP_COUNTED`); or says nothing (a filler: "4175 0338, um, 9260 1479"),
    or only a word or two before the same digits said again with the rest ("4556 8201, I mean 4556 8201 9374 6337":
    :func:`_repeated_on`)."""
    digits = "".join(i.digits for i in said if piece.start <= i.start < piece.end)
    if len(digits) >= CARD_DIGITS[0]:
        return False
    gap = _FILLED.sub(" ", gap)  # a filler among the words naming the next group ("4175 0338, um, the second half is")
    if THEN.fullmatch(gap) or GROUP_NAMED.fullmatch(gap) or GROUP_COUNTED.fullmatch(gap) or not words_said(gap):
        return True
    if PLACED_BETWEEN.fullmatch(gap):
        return True  # the group before named by its place after it ("4485 is the first, 3092 ...")
    if (counted := _PLACE_COUNTED.fullmatch(gap)) and is_number_word(counted.group(1)):
        return True  # the next group's place counted ("4921, two: 8830", "4921, два: 8830")
    if _repeated_on(said, digits, span, gap):
        return True
    last = LAST_FOUR.search(gap)
    return last is not None and bool(_LAST_LABEL.fullmatch(gap, 0, last.start())) and not _WORDY.search(gap, last.end())


# a card's group named by its place before its digits, the word for "group" and its number or ordinal either way
# round ("group two", "the third group", "вторая группа", "група 3", "grupa druga"); or the card's half, part or rest
# so ("second half", "вторая половина", "друга половина", "druga połowa", "and then the rest is", "остальное", "решта",
# "reszta to")
_GROUP = r"group|block|группа|група|grupa|блок|blok"
_PART = (
    _GROUP + r"|half|part|половин\w*|частин\w*|част[ьи]|polow\w*|czesc\w*"
    r"|rest|remainder|остальн\w*|оставш\w*|решт\w*|залиш\w*|reszt\w*|pozostal\w*"
)
GROUP_NAMED = re.compile(rf"[\s,]*(?:(?:and|the|и|і|та|i|a|а)\s+)?(?:(?:\w+\s+){{0,2}}(?:{_PART})(?:\s+\w+)?)[\s,:]*")
# ... or by its place said after its digits ("4485 is the first, 3092 the second, ... and 0041 the last", "4485
# первая, 3092 вторая", "4485 — перша", "4485 to pierwsza"), the word for "group" after the ordinal or not; the
# ordinal as a group's or a block's name says it, not a day's genitive ("1500 третьего и 2000 семнадцатого")
_PLACE = (
    r"(?:first|second|third|fourth|last|final|перв(?:ая|ый|ое|ую)|втор(?:ая|ой|ое|ую)|трет(?:ья|ий|ье|ью)"
    r"|четверт(?:ая|ый|ое|ую)|последн(?:яя|ий|ее|юю)|перш(?:а|ий|е|у)|друг(?:а|ий|е|у)|трет(?:я|ій|є|ю)"
    r"|четверт(?:а|ий|е|у)|останн(?:я|ій|є|ю)|pierwsz[aye]|drug(?:a|i|ie)|trzeci[ae]?|czwart[aye]|ostatni[ae]?"
    # ... or the digits by their count and place ("4485 are the first four, 3092 the next four", "первые четыре",
    # "наступні чотири", "kolejne cztery")
    r"|next|following|перв(?:ые)|следующ(?:ие|ая)|последн(?:ие)|перші|наступн(?:і|а)|останні|kolejn[ae]|nastepn[ae])"
    r"(?![^\W\d_])"
)
_COUNT = r"four|eight|четыре|восемь|чотири|вісім|cztery|osiem"
PLACE_AFTER = re.compile(
    rf"[\s,]*(?:[-–—]\s*)?(?:(?:is|are|that'?s|that is|это|це|to)\s+)?(?:the\s+)?"
    rf"(?:(?:{_PLACE})(?:\s+(?:{_PART}|{_COUNT}|one))?|(?:{_GROUP})\s+[^\W\d_]+)"  # "... 9026 group four", "the last"
)
PLACED_BETWEEN = re.compile(rf"(?:{PLACE_AFTER.pattern})[\s,]*(?:(?:and|и|і|та|i|a|а)\s+)?")
# ... or by its count of digits and its place in order ("next four 0411", "and last four 3026", "следующие четыре",
# "наступні чотири", "i ostatnie cztery"; a half by its eight: "and the last eight are", "последние восемь")
GROUP_COUNTED = re.compile(
    r"[\s,]*(?:(?:and|и|і|та|i|a|а)\s+)?(?:the\s+)?(?:next|following|last|final|следующ\w*|последн\w*|наступн\w*"
    rf"|останн\w*|nastepn\w*|kolejn\w*|ostatni\w*)\s+(?:{_COUNT}|4|8)"
    r"(?:\s+(?:are|is|это|це|to))?[\s,:]*"
)
_FILLED = re.compile(rf"(?<![^\W\d_])(?:{FILLER.pattern})(?![^\W\d_])[\s,.]*")
# ... or counted as they come, a number word and a colon ("one: 4921, two: 8830", "раз: 4921, два: 8830")
_PLACE_COUNTED = re.compile(r"[\s,;]*([^\W\d_]+)\s*:\s*")
_AGAIN_WORDS = 2  # "4556 8201, that's 4556 8201 ...", "то есть", "czyli": a group said again after 2 words at most


def _repeated_on(said: list[Item], digits: str, span: Span, gap: str) -> bool:
    """Whether ``span`` opens with the ``digits`` said just before it, a word or two between (the speaker saying
    them again to be sure, or to go on: "4556 8201, I mean 4556 8201, 9374 6337"): one card read from the repeat."""
    if words_said(gap) > _AGAIN_WORDS:
        return False
    again = "".join(i.digits for i in said if span.start <= i.start < span.end)
    return len(again) > len(digits) and again.startswith(digits)


_LAST_LABEL = re.compile(r"[\s,]*(?:(?:and|и|і|та|i|oraz|а|a)\s+)?(?:the\s+)?")  # "..., and the last four 7454"
_WORDY = re.compile(r"\w")
_PUNCTUATED = re.compile(r"[.,;:]")  # where a chain of numbers was written apart ("9900. 4719 4088 12-")


def started_again(folded: str, said: list[Item], cards: list[Span], rest: list[Item]) -> list[Span]:
    """A card number begun and broken off, then said from its start ("4916 33, sorry, from the top, 4916 3385 ...",
    "5234 1, ой, заново, 5234 1187 ..."): a number of four digits or more, a sentence at most before a card whose
    first digits it is, is that card's data too (the digits decide, whatever words the restart is said in)."""
    out = []
    for whole in chains(folded, rest):
        # the broken-off start may follow another number with a full stop or a comma between ("..., 9900. 4719 4088
        # 12- нет, стоп, ...": a price, then the card begun): read from each place the chain was written apart
        apart = [k for k in range(1, len(whole)) if _PUNCTUATED.search(folded, whole[k - 1].end, whole[k].start)]
        chain = next((whole[k:] for k in [0, *apart] if _restarted(folded, said, cards, whole[k:])), None)
        if chain is not None:
            out.append(Span(CARD, chain[0].start, chain[-1].end))
    return out


def _restarted(folded: str, said: list[Item], cards: list[Span], chain: list[Item]) -> bool:
    """Whether ``chain`` is the start of a card after it, broken off (:func:`started_again`)."""
    digits = digits_of(chain)
    if len(digits) < LAST_DIGITS or ordinary(folded, chain):  # "I paid $4916, the card is 4916 ...": an amount
        return False
    card = next((c for c in cards if c.start >= chain[-1].end), None)
    if card is None or words_between(folded, chain[-1].end, card.start) > ASIDE_WORDS:
        return False
    number = digits_of([i for i in said if card.start <= i.start < card.end])
    return restarts(digits, number) or _first_corrected(folded, chain, card, number)


def _first_corrected(folded: str, chain: list[Item], card: Span, number: str) -> bool:
    """Whether ``chain``, said right before the card ``number`` with a correction between ("5423, sorry, 5432 1660
    ...", "4716, нет, 4761 ..."), is the card's first group said wrong: as long as a group, its digits the group's
    with two at most changed (swapped or misread)."""
    digits = digits_of(chain)
    if len(digits) != LAST_DIGITS or words_between(folded, chain[-1].end, card.start) > CORRECTION_WORDS:
        return False
    misread = sum(a != b for a, b in zip(digits, number, strict=False))
    return misread <= 2 and bool(CORRECTION.search(folded, chain[-1].end, card.start))


def restarts(digits: str, number: str) -> bool:
    """Whether ``digits``, said before the card ``number`` (in one final or at the end of the final before), are
    that card begun and broken off: its first digits, four or more; or read wrong past its first two groups ("4485
    4397 1274, no, I read that wrong, 4485 4397 7421 ..."): eight digits shared from the start are the same card's,
    whatever follows them. The digits decide, whatever words the restart is said in."""
    if len(digits) < LAST_DIGITS or len(number) <= len(digits):
        return False
    return number.startswith(digits) or (
        len(digits) >= 2 * LAST_DIGITS and number[: 2 * LAST_DIGITS] == digits[: 2 * LAST_DIGITS]
    )


def tail_joined(folded: str, said: list[Item], cards: list[Span], rest: list[Item]) -> list[Span]:
    """A card's last digits said on after an "and" ("4172 ... 3963 and 493, and the code is 417"), where 16 digits
    passed the check by chance: the number after the "and" is the card's end where the card with it passes the
    check at a length its scheme issues and a security code is named after it (one card has one code)."""
    out = []
    code_at = [a for a, _ in cues(CVV, folded)]
    for chain in chains(folded, rest):
        digits = digits_of(chain)
        card = next((c for c in reversed(cards) if c.end <= chain[0].start), None)
        if card is None or len(digits) > 3 or not AND.fullmatch(folded, card.end, chain[0].start):
            continue
        number = digits_of([i for i in said if card.start <= i.start < card.end]) + digits
        whole = len(number) <= CARD_DIGITS[1] and luhn(number) and issued_length(number)
        if whole and any(a >= chain[-1].end for a in code_at):
            out.append(Span(CARD, chain[0].start, chain[-1].end))
    return out


def said_again(folded: str, said: list[Item], cards: list[Span], rest: list[Item]) -> list[Span]:
    """A card number's last group said again after a correction ("... 3408 7904, no, sorry, 7804 at the end"),
    where the number with it in its place passes the Luhn check: card data too (not its security code)."""
    out = []
    for card in cards:
        # ("ой, последние четыре не те, правильно 1317": how many digits were wrong is no number said again)
        after = [c for c in chains(folded, [i for i in rest if i.start >= card.end]) if not _counted(folded, c)][:1]
        between = words_between(folded, card.end, after[0][0].start) if after else _CORRECTED_WORDS + 1
        if between > _CORRECTED_WORDS:
            continue
        if not CORRECTION.search(folded, card.end, after[0][0].start) or not (k := code_items(after[0])):
            continue
        number = [i for i in said if card.start <= i.start < card.end]
        digits, group = digits_of(number), digits_of(after[0][:k])
        # in place of as many digits ("7904 ... 7804"), or of the last group ("579, sorry, 5797")
        readings = [digits[: -len(group)] + group, digits_of(number[:-1]) + group]
        checked = any(CARD_DIGITS[0] <= len(r) <= CARD_DIGITS[1] and luhn(r) for r in readings)
        # a correction that says what was wrong ("... sorry, that last group's wrong, it's 1638", "ой, последние
        # четыре не те, правильно 1317") takes more words: where the card as said failed the check and the group
        # in its place makes it pass, the digits say it is the card's
        # (not a code or an expiry, nor another thing, named in those words: "sorry, the code's 318")
        words = folded[card.end : after[0][0].start]
        if between > CORRECTION_WORDS and (luhn(digits) or any(cues(kind, words) for kind in (CVV, EXPIRY, OTHER))):
            continue
        if len(digits) > len(group) and checked:
            out.append(Span(CARD, after[0][0].start, after[0][k - 1].end))
    return out


def _counted(folded: str, chain: list[Item]) -> bool:
    """Whether ``chain`` is a count of a card's last digits said in words ("the last four", "последние четыре",
    "останні чотири"), not digits said."""
    return len(chain) == 1 and chain[0].spoken and bool(_LAST_COUNTED.search(folded, 0, chain[0].start))


def last_four_named(folded: str, cards: list[Span], rest: list[Item]) -> list[Span]:
    """A card's last four said again, named so, after the card in the same utterance ("4539 ... 6467, the last
    four are 6467", or a correction of them): card data, not a security code (a card's last four named with no
    card said before stay: PCI DSS lets them show)."""
    out = []
    for chain in chains(folded, rest):
        card_end = max((c.end for c in cards if c.end <= chain[0].start), default=-1)
        if card_end >= 0 and (span := last_four(folded, chain, card_end) or _last_digit(folded, chain, card_end)):
            out.append(span)
    return out


# a card's last digit named alone, as a caller confirms it: "the last digit is 7", "последняя цифра 7", "остання
# цифра — 7", "ostatnia cyfra to 7"
_LAST_DIGIT = re.compile(
    r"\b(?:(?:last|final) (?:digit|number)(?:'s| is| was)?|(?:последн|останн|ostatni)\w* (?:цифр|cyfr)\w*"
    r"(?: это| це| to)?"
    # ... or what it ends on ("and it ends in a 7", "заканчивается на 7", "закінчується на 7", "kończy się na 7")
    r"|ends? (?:in|with|on)(?: an?)?|заканчива\w* на|закінчу\w* на|konczy sie na)[\s:,\-–—]*$"
)


def _last_digit(folded: str, chain: list[Item], after: int) -> Span | None:
    """The one digit ``chain`` is, where the words between ``after`` (a card's end) and it name it the card's last
    digit ("..., and the last digit is 7"): card data, as the card's last four said again are."""
    if len(chain) != 1 or len(chain[0].digits) != 1 or not _LAST_DIGIT.search(folded, after, chain[0].start):
        return None
    if counts(folded, chain[0].end):  # "the session ends in 6 minutes": a count
        return None
    return Span(CARD, chain[0].start, chain[0].end)


def last_four_before(folded: str, said: list[Item], cards: list[Span], rest: list[Item]) -> list[Span]:
    """A card's last four said before the whole card in the same utterance ("the card ending 2259, the whole
    number is 4836 ... 2259", "карта на 9314, полностью 4279 ... 9314"): the same four digits as the card's
    last, whatever words name them, are card data as much as they are said after it (a card's last four said
    with no card after them stay: PCI DSS lets them show)."""
    out = []
    for chain in chains(folded, rest):
        digits = digits_of(chain)
        if len(digits) != LAST_DIGITS or paid(folded, chain):
            continue
        after = [c for c in cards if c.start >= chain[-1].end]
        if any(digits_of([i for i in said if c.start <= i.start < c.end]).endswith(digits) for c in after[:1]):
            out.append(Span(CARD, chain[0].start, chain[-1].end))
    return out


def first_again(folded: str, said: list[Item], cards: list[Span], rest: list[Item]) -> list[Span]:
    """A card's first digits said again after the whole card in the same utterance ("..., yes, it starts
    twenty-seven twenty", "да, начинается на 4916", "tak, zaczyna się od 5520"), or one of its groups as it was said
    ("..., 6660. Hmm, or is it... yes, six six six oh", "ой, или... да, 1148"): four digits or more, the card's own, a
    sentence at most after it and no expiry or code named between, are card data as its last four said again are
    (the digits decide, whatever words name them)."""
    out = []
    for chain in chains(folded, rest):
        digits = digits_of(chain)
        card = next((c for c in reversed(cards) if c.end <= chain[0].start), None)
        if card is None or len(digits) < LAST_DIGITS or paid(folded, chain):
            continue
        items = [i for i in said if card.start <= i.start < card.end]
        number = digits_of(items)
        between = folded[card.end : chain[0].start]
        if len(number) < CARD_DIGITS[0] or len(digits) >= len(number):
            continue
        if not (number.startswith(digits) or _group_of(items, digits)):
            continue
        if words_between(folded, card.end, chain[0].start) <= ASIDE_WORDS and not any(
            cues(kind, between) for kind in (EXPIRY, CVV)
        ):
            out.append(Span(CARD, chain[0].start, chain[-1].end))
    return out


def _group_of(items: list[Item], digits: str) -> bool:
    """Whether ``digits`` are those of some of ``items`` in a row (a card's group, or groups, as they were said)."""
    return any(digits_of(items[a:b]) == digits for a in range(len(items)) for b in range(a + 1, len(items) + 1))


def last_four(folded: str, chain: list[Item], after: int = 0) -> Span | None:
    """The first four digits of ``chain`` where the words between ``after`` and it name them a card's last four
    ("the last four are 6467", "последние четыре 0142", "ostatnie cztery to 9930"), as a card span."""
    named = LAST_FOUR.search(folded, after, chain[0].start)
    if named is None:
        return None
    # what ends so is named in the sentence: another number's end ("our account number with you ends in 4018",
    # "номер счёта заканчивается на", "numer konta kończy się na") is that number's, unless a card is named too
    # ("the card on my account ends in 6787")
    sentence = max((m.end() for m in SENTENCE_END.finditer(folded, after, named.start())), default=after)
    subject = folded[sentence : named.start()]
    if OTHER_CUE.search(subject) and not cues(CARD, subject):
        return None
    digits, k = 0, 0
    while k < len(chain) and digits < LAST_DIGITS:
        digits += len(chain[k].digits)
        k += 1
    return Span(CARD, chain[0].start, chain[k - 1].end) if digits == LAST_DIGITS else None
