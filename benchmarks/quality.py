"""What the transcript of a load run is worth: WER of the live finals and of the stored transcript
against the prompts spoken, offline WER of the same files (cached), and how fresh the partials were.

Each channel of a simulated call is one document: the references of the prompts spoken on it, in
order, against the text of its utterances in order (``benchmarks.wer``'s normalisation), so a
final that straddles two prompts is scored as the words it has. Offline: faster-whisper's long-form
path at beam 5 on each file, as ``benchmarks.wer`` runs it, stitched in the same order; the texts
are kept in a cache keyed by model, language and the file's SHA-256, so a load run pays for a file
once per machine.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmarks.wer import corpus_wer, normalizer

FRESH_S = 1.0  # a partial this old (speech it covers ends this far back) still counts as fresh
STEP_S = 0.02  # speaking time is sampled once a frame


@dataclass(frozen=True, slots=True)
class Spoken:
    """One prompt placed on a channel: where it starts and where its speech ends, on the call's clock."""

    start_s: float
    end_s: float
    prompt: int  # index into the run's prompts


@dataclass(frozen=True, slots=True)
class Shown:
    """Text the agent saw: when it came (call clock) and up to where in the audio it reaches."""

    at_s: float
    covers_s: float


def channel_wer(lang: str, refs: Sequence[str], hyps: Sequence[str]) -> float:
    """Corpus WER over documents (one a channel), each reference and hypothesis already joined."""
    norm = normalizer(lang)
    return round(corpus_wer([norm(r) for r in refs], [norm(h) for h in hyps]), 4)


def fresh_share(spoken: Iterable[Spoken], shown: Sequence[Shown], fresh_s: float = FRESH_S) -> tuple[float, float]:
    """(fresh seconds, speaking seconds) of one channel: at each moment of speech, the newest text shown
    (a partial or a final) must reach to within ``fresh_s`` of now; before anything of an utterance
    is shown its speech start counts as shown, so its first ``fresh_s`` are fresh by definition."""
    events = sorted(shown, key=lambda s: s.at_s)
    fresh = total = 0.0
    for sp in spoken:
        i, covers = 0, sp.start_s
        for step in range(round((sp.end_s - sp.start_s) / STEP_S)):
            t = sp.start_s + step * STEP_S
            while i < len(events) and events[i].at_s <= t:
                covers = max(covers, events[i].covers_s)
                i += 1
            total += STEP_S
            if t - covers <= fresh_s:
                fresh += STEP_S
    return fresh, total


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def default_cache() -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "agentassist" / "offline-beam5.json"


class OfflineCache:
    """Offline (beam 5) texts by (model, language, file hash), in one JSON file."""

    def __init__(self, path: Path, model: str, lang: str) -> None:
        self.path, self.model, self.lang = path, model, lang
        self.entries: dict[str, str] = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
        self.misses = 0

    def key(self, file: Path) -> str:
        return f"{self.model}|{self.lang}|beam5|{_sha256(file)}"

    def texts(self, files: Sequence[Path], transcribe: Callable[[Path], str]) -> list[str]:
        """The offline text of each file, ``transcribe`` run only for those not cached; the cache is saved."""
        out = []
        for f in files:
            k = self.key(f)
            if k not in self.entries:
                self.entries[k] = transcribe(f)
                self.misses += 1
            out.append(self.entries[k])
        if self.misses:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps(self.entries, ensure_ascii=False, indent=0), encoding="utf-8")
            tmp.replace(self.path)
        return out
