"""The options of the recogniser (agentassist.transcribe.transcriber) and of a channel's live
transcription (agentassist.transcribe.stream), in a module of their own: the settings
(agentassist.config) take their defaults from here, and a phone, which loads the settings but never
transcribes, does not import numpy for them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

MAX_S = 30.0  # Whisper's window
TURN_MAX_S = 25.0  # a turn is revised once it spans this much audio, even if speech goes on
WINDOWS = ("padded", "reduced")  # what the encoder reads of a short segment (agentassist.transcribe.windows)


def check_window(window: str) -> str:
    if window not in WINDOWS:
        raise ValueError(f"window: expected one of {', '.join(map(repr, WINDOWS))}, got {window!r}")
    return window


@dataclass(frozen=True, slots=True)
class TranscriberOptions:
    model: str = "tiny.en"
    language: str = "auto"
    compute_type: str = "int8"
    beam_size: int = 1
    workers: int = 0  # 0: one per core
    cpu_threads: int = 0  # threads inside one decode; 0: the cores shared out among the workers
    no_speech_threshold: float = 0.6
    log_prob_threshold: float = -1.0
    compression_ratio_threshold: float = 2.4
    initial_prompt: str | None = None
    floor_s: float = 10.0  # segments are padded to this much audio, not to 30 s (see decoder.py)
    # finals of several calls queued at once decoded in one batch, at most this many (1: one at a time).
    # A batch forms only when finals wait: a center at 8 and 32 calls decodes as before, at 72 calls its
    # finals' queue wait halved and at 80 it kept up where one at a time fell behind (a batch of 4 costs
    # a fifth less CPU a final: the decoder's part halves, the encoder's does not move); past 8 a batch
    # costs more (docs/transcription-under-load.md)
    final_batch: int = 4
    # a background revision that has waited this long goes before partials (0: after them, the default);
    # under steady load it would otherwise wait out its 30 s and be dropped (schedule.py)
    revise_due_s: float = 0.0
    # "padded": the encoder reads the floor's whole window; "reduced": only the audio and 2 s of silence,
    # rounded up to a second, and silence's encoding stands for the rest (windows.py). Not the default:
    # finals 1.27x the padded window's WER on the tune half (docs/transcription-under-load.md)
    window: str = "padded"
    # partials of several calls queued at once are decoded in one batch, at most this many (1: one at a
    # time, the default): the same text at 21 % less CPU a partial at 4 (benchmarks.window), but on the
    # loaded machine of those figures the finals waited longer behind a batch (benchmarks.load, 8 calls:
    # p50 4.97 and 2.53 s against 1.36 and 2.15 s); docs/transcription-under-load.md
    partial_batch: int = 1
    models_dir: Path | None = None  # where a model named as in models.MODELS is; None: models.default_models_dir()

    def __post_init__(self) -> None:
        if self.beam_size < 1:
            raise ValueError(f"beam_size: expected >= 1, got {self.beam_size}")
        if self.workers < 0:
            raise ValueError(f"workers: expected >= 0, got {self.workers}")
        if self.cpu_threads < 0:
            raise ValueError(f"cpu_threads: expected >= 0, got {self.cpu_threads}")
        if not 1.0 <= self.floor_s <= MAX_S:
            raise ValueError(f"floor_s: expected 1..{MAX_S:.0f} seconds, got {self.floor_s}")
        if not 1 <= self.final_batch <= 16:
            raise ValueError(f"final_batch: expected 1..16, got {self.final_batch}")
        check_window(self.window)
        if not 1 <= self.partial_batch <= 16:
            raise ValueError(f"partial_batch: expected 1..16, got {self.partial_batch}")
        if not 0 <= self.revise_due_s < 30:
            raise ValueError(f"revise_due_s: expected 0 (off) or under 30 seconds, got {self.revise_due_s}")


@dataclass(frozen=True, slots=True)
class StreamOptions:
    partials: bool = True
    partial_every_s: float = 0.35  # a new hypothesis this often while speech goes on: a decode takes 0.1-0.4 s
    first_partial_after_s: float = 0.2  # of speech after its start was detected
    speculative_silence_ms: int = 100  # decode what was said when speech pauses this long; 0: never
    revise: bool = True  # decode each closed turn again, offline style, and emit what changed
    revise_beam_size: int = 5
    revise_gap_s: float = 1.0  # a pause this long between finals closes the turn

    def __post_init__(self) -> None:
        if self.partial_every_s <= 0:
            raise ValueError(f"partial_every_s: expected > 0, got {self.partial_every_s}")
        if self.speculative_silence_ms < 0:
            raise ValueError(f"speculative_silence_ms: expected >= 0, got {self.speculative_silence_ms}")
        if not 1 <= self.revise_beam_size <= 10:
            raise ValueError(f"revise_beam_size: expected 1..10, got {self.revise_beam_size}")
        if not 0 < self.revise_gap_s <= TURN_MAX_S:
            raise ValueError(f"revise_gap_s: expected 0 < s <= {TURN_MAX_S:.0f}, got {self.revise_gap_s}")
