"""One text normalization for every word-error-rate comparison.

Lowercase (casefold), Unicode NFKC, ё→е, punctuation removed (apostrophes inside
words kept), whitespace collapsed. Used the same way for every system compared.
"""

from __future__ import annotations

import re
import unicodedata

_PUNCT = re.compile(r"[^\w\s']|_")
_APOS = re.compile(r"(?<!\w)'|'(?!\w)")


def normalize(text: str) -> str:
    t = unicodedata.normalize("NFKC", text).casefold().replace("ё", "е").replace("’", "'")
    t = _PUNCT.sub(" ", t)
    t = _APOS.sub(" ", t)
    return " ".join(t.split())


def wer(reference: str, hypothesis: str) -> float:
    """Word error rate of ``hypothesis`` against ``reference`` after :func:`normalize`."""
    ref = normalize(reference).split()
    hyp = normalize(hypothesis).split()
    if not ref:
        return 0.0 if not hyp else 1.0
    prev = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        cur = [i] + [0] * len(hyp)
        for j, h in enumerate(hyp, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (r != h))
        prev = cur
    return prev[-1] / len(ref)
