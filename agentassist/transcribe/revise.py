"""Background revision of a channel's closed turns: the pieces that need no stream state.

A turn is one side's finals with pauses shorter than ``revise_gap_s`` between them. Once it
closes, its segments are joined in place (:func:`turn_audio`) and decoded again as offline files
are; the words that decode heard go back to the utterances by their times
(:func:`revised_utterances`), and only utterances whose words changed are emitted again.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from agentassist.events import SpeechSegment, Utterance, Word
from agentassist.transcribe.options import TURN_MAX_S as TURN_MAX_S
from agentassist.transcribe.transcriber import RELIABLE_MIN_CONFIDENCE

_WORD = re.compile(r"[^\w']+")


def norm_word(word: str) -> str:
    """A word as compared between hypotheses: lowercase, no punctuation, ё as е."""
    return _WORD.sub("", word.lower()).replace("ё", "е")


def norm_words(text: str) -> list[str]:
    return [w for w in (norm_word(x) for x in text.split()) if w]


class _Part(Protocol):
    span: tuple[float, float]


@dataclass
class Turn:
    """Utterances of one channel with short pauses between them: revised together once closed."""

    parts: list[Any] = field(default_factory=list)  # the stream's utterance states, each with a ``span``
    closed: bool = False
    submitted: bool = False

    @property
    def start_s(self) -> float:
        first: _Part = self.parts[0]
        return first.span[0]

    @property
    def end_s(self) -> float:
        last: _Part = self.parts[-1]
        return last.span[1]


class Turns:
    """Groups one channel's utterances into turns as they are cut, no threads: ``join`` each one, ``pause``
    on every frame of silence, ``close`` at the end; each gives the turn it closed, if any."""

    def __init__(self, gap_s: float) -> None:
        self.gap_s = gap_s  # a pause this long between utterances closes the turn
        self.open: Turn | None = None

    def join(self, part: Any, start_s: float, end_s: float) -> tuple[Turn, Turn | None]:
        """``part`` (its segment spans ``start_s``..``end_s``) joins the open turn, or closes it and begins
        the next: ``(its turn, the turn closed)``."""
        closed = None
        turn = self.open
        if turn is not None and (start_s - turn.end_s >= self.gap_s or end_s - turn.start_s > TURN_MAX_S):
            closed = self.close()
        if self.open is None:
            self.open = Turn()
        self.open.parts.append(part)
        return self.open, closed

    def pause(self, time_s: float) -> Turn | None:
        """Silence up to ``time_s``: the open turn closes once its last utterance is ``gap_s`` behind."""
        if self.open is not None and time_s - self.open.end_s >= self.gap_s:
            return self.close()
        return None

    def close(self) -> Turn | None:
        turn, self.open = self.open, None
        if turn is not None:
            turn.closed = True
        return turn


def turn_audio(segments: Sequence[SpeechSegment], utterance_id: str) -> SpeechSegment:
    """The turn's segments as one, each at its own time, silence between them."""
    first = segments[0]
    rate = first.sample_rate_hz
    pcm = bytearray(max(round((s.start_s - first.start_s) * rate) * 2 + len(s.pcm) for s in segments))
    for s in segments:
        at = round((s.start_s - first.start_s) * rate) * 2
        pcm[at : at + len(s.pcm)] = s.pcm
    end_s = first.start_s + len(pcm) / 2 / rate
    return dataclasses.replace(
        first, end_s=end_s, pcm=bytes(pcm), reason=None, utterance_id=utterance_id, pause_tail=False
    )


def assign_words(words: Sequence[Word], spans: Sequence[tuple[float, float]]) -> list[list[Word]]:
    """The words of each span, in order: a word goes to the span holding its midpoint, else the nearest."""
    out: list[list[Word]] = [[] for _ in spans]
    if not spans:
        return out

    def distance(span: tuple[float, float], t: float) -> float:
        return max(span[0] - t, t - span[1], 0.0)

    for w in words:
        mid = (w.start_s + w.end_s) / 2
        out[min(range(len(spans)), key=lambda i: distance(spans[i], mid))].append(w)
    return out


def revised_utterances(
    live: Sequence[Utterance | None], spans: Sequence[tuple[float, float]], decoded: Utterance
) -> list[tuple[int, Utterance]]:
    """The turn decoded again (``decoded``, with word times) against its live finals (one per span,
    None where there was none): ``(index, revised final)`` for each one whose words changed.

    An utterance the revision heard nothing in keeps its words, unless they lie inside words the
    revision gave a neighbour: speech cut mid-word (live "www.asterisk" | ".org.") is one word
    to the revision, and the part without it is revised to no text (its line goes)."""
    out: list[tuple[int, Utterance]] = []
    for i, (final, words) in enumerate(zip(live, assign_words(decoded.words, spans), strict=True)):
        if final is None:
            continue
        if not words:
            if final.text and _inside_words(final, decoded.words):
                out.append((i, dataclasses.replace(final, text="", words=(), revised=True)))
            continue
        text = " ".join(w.text for w in words)
        if norm_words(text) == norm_words(final.text):
            continue
        confidence = sum(w.probability for w in words) / len(words)
        revised = dataclasses.replace(
            final,
            start_s=words[0].start_s,
            end_s=words[-1].end_s,
            text=text,
            words=tuple(words),
            confidence=confidence,
            reliable=confidence >= RELIABLE_MIN_CONFIDENCE,
            revised=True,
        )
        out.append((i, revised))
    return out


def _inside_words(final: Utterance, words: Sequence[Word]) -> bool:
    """Every word of ``final`` (or its middle, without word times) lies within one of ``words``."""
    points = [(w.start_s + w.end_s) / 2 for w in final.words] or [(final.start_s + final.end_s) / 2]
    return all(any(w.start_s <= t <= w.end_s for w in words) for t in points)
