"""Which words of a partial are stable: LocalAgreement-3 over one utterance's hypotheses. Pure.

whisper_streaming's LocalAgreement-n commits the words that n consecutive hypotheses
agree on from the start. Here n is 3 (:data:`AGREEMENT`): the new hypothesis and the
two before it, and an older hypothesis' last word is never stable (its audio was cut
there, often mid-word, and cuts agree on the same wrong stem). The rule before, n = 2
with no margin, gave English WER 0.082 on 100 prompts; this one 0.070, against 0.067
offline (commit acf5c13).

A stable word is never retracted, the final included: :meth:`StableWords.flush` puts
the stable words in place of what the final says for them.
"""

from __future__ import annotations

import dataclasses
from difflib import SequenceMatcher

from agentassist.events import Utterance, Word
from agentassist.transcribe.revise import norm_word

AGREEMENT = 3  # hypotheses in a row that must agree on a word before it is stable
STABLE_MARGIN_WORDS = 1  # an older hypothesis' last words are never stable: its audio was cut there


def common_prefix(a: list[str], b: list[str]) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if norm_word(x) != norm_word(y):
            break
        n += 1
    return n


def aligned_end(stable: list[str], words: list[str]) -> int:
    """How many of ``words`` the ``stable`` words stand for: ``len(stable)`` when the hypothesis starts
    with them, otherwise where their last matching word lands plus the unmatched ones after it."""
    a, b = [norm_word(w) for w in stable], [norm_word(w) for w in words]
    if b[: len(a)] == a:
        return len(a)
    last_a, last_b = 0, 0
    for block in SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks():
        if block.size:
            last_a, last_b = block.a + block.size, block.b + block.size
    return min(len(b), last_b + (len(a) - last_a))


class StableWords:
    """The hypotheses of one utterance, as ``insert``-ed in order, and the words they made stable."""

    def __init__(self) -> None:
        self.stable: list[str] = []  # with the spelling they were first shown with
        self._history: list[list[str]] = []  # the latest hypotheses, oldest first

    def insert(self, words: list[str]) -> list[str]:
        """A new hypothesis: the words to show for it, its stable words first."""
        # the words the last AGREEMENT hypotheses share, but never the last words of the older ones: their
        # audio was cut there, often mid-word ("mark" of "marked"), and cuts can agree on the same wrong stem
        history = self._history[-(AGREEMENT - 1) :]
        agreed = 0
        if len(history) == AGREEMENT - 1:
            agreed = min(min(common_prefix(h, words), len(h) - STABLE_MARGIN_WORDS) for h in history)
        self._history = [*history, words]
        n = len(self.stable)
        if agreed > n and common_prefix(self.stable, words) == n:
            self.stable = self.stable + words[n:agreed]  # stable words keep the spelling they were shown with
        return self.stable + words[aligned_end(self.stable, words) :]

    def flush(self, final: Utterance) -> Utterance:
        """The final with the stable words in place of what they stand for."""
        return keep_stable(self.stable, final)


def keep_stable(stable: list[str], u: Utterance) -> Utterance:
    """The final with its partials' stable words in place of what they stand for."""
    words = [w.text for w in u.words] if u.words else u.text.split()
    if not stable or common_prefix(stable, words) == len(stable):
        return u
    end = aligned_end(stable, words)
    if u.words:
        replaced = u.words[:end]
        t0 = replaced[0].start_s if replaced else u.start_s
        t1 = replaced[-1].end_s if replaced else t0
        step = (t1 - t0) / len(stable)
        prob = min((w.probability for w in replaced), default=u.confidence)
        head = tuple(Word(t0 + i * step, t0 + (i + 1) * step, w, prob) for i, w in enumerate(stable))
        new_words = head + u.words[end:]
        return dataclasses.replace(u, text=" ".join(w.text for w in new_words), words=new_words)
    return dataclasses.replace(u, text=" ".join(stable + words[end:]))
