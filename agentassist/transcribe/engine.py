"""One shared faster-whisper model and the worker pool that runs it.

``Transcriber.transcribe`` turns a :class:`SpeechSegment` into a final
:class:`Utterance` (or None when Whisper hears no speech in it); it runs on a
worker thread and consumes faster-whisper's lazy segment generator there.
``StreamingTranscriber`` schedules segments of every call onto the pool.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from agentassist.audio.frames import pcm_to_float
from agentassist.events import SpeechSegment, Utterance, Word
from agentassist.transcribe.models import MODELS, resolve

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class TranscriberOptions:
    model: str = "tiny.en"
    language: str = "auto"
    compute_type: str = "int8"
    beam_size: int = 1
    workers: int = 0  # 0: one per core
    no_speech_threshold: float = 0.6
    log_prob_threshold: float = -1.0
    compression_ratio_threshold: float = 2.4
    initial_prompt: str | None = None

    def __post_init__(self) -> None:
        if self.beam_size < 1:
            raise ValueError(f"beam_size: expected >= 1, got {self.beam_size}")
        if self.workers < 0:
            raise ValueError(f"workers: expected >= 0, got {self.workers}")


class Transcriber:
    """Loads the model once; ``transcribe`` may be called from several threads at once."""

    def __init__(self, options: TranscriberOptions, models_dir: Path | None = None) -> None:
        from faster_whisper import WhisperModel  # heavy: imported when a model is really loaded

        self.options = options
        self.workers = options.workers or os.cpu_count() or 1
        directory = resolve(options.model, models_dir)
        started = time.monotonic()
        self._model = WhisperModel(
            str(directory),
            device="cpu",
            compute_type=options.compute_type,
            # every core per decode: measured here, a segment decodes in 0.9 s with 2 threads, 1.5 s with 1
            cpu_threads=os.cpu_count() or 1,
            num_workers=self.workers,
            local_files_only=True,
        )
        spec = MODELS.get(options.model)
        multilingual = spec.multilingual if spec else bool(self._model.model.is_multilingual)
        lang = options.language
        self.language: str | None = None if lang in ("", "auto") else lang
        if not multilingual:
            if self.language not in (None, "en"):
                log.warning("model %s is English-only; language %r ignored", options.model, lang)
            self.language = "en"
        log.info("model %s loaded from %s in %.1f s", options.model, directory, time.monotonic() - started)

    def transcribe_audio(self, audio: np.ndarray[Any, Any], *, beam_size: int | None = None) -> tuple[list[Any], Any]:
        """Whole-buffer transcription (float32 16 kHz); returns faster-whisper segments and info."""
        o = self.options
        segments, info = self._model.transcribe(
            audio,
            language=self.language,
            beam_size=beam_size or o.beam_size,
            word_timestamps=True,
            condition_on_previous_text=False,
            vad_filter=False,
            no_speech_threshold=o.no_speech_threshold,
            log_prob_threshold=o.log_prob_threshold,
            compression_ratio_threshold=o.compression_ratio_threshold,
            initial_prompt=o.initial_prompt,
        )
        return list(segments), info  # the generator does the decoding: consume it here

    def transcribe(self, segment: SpeechSegment) -> Utterance | None:
        audio = pcm_to_float(segment.pcm)
        if segment.sample_rate_hz != 16000:
            from agentassist.audio.frames import resample

            audio = resample(audio, segment.sample_rate_hz, 16000)
        pieces, info = self.transcribe_audio(audio)
        kept = [p for p in pieces if not _unreliable(p, self.options)]
        text = " ".join(p.text.strip() for p in kept).strip()
        if not any(ch.isalnum() for ch in text):
            return None  # "." or "..." from tones and noise is not speech
        words = tuple(
            Word(segment.start_s + w.start, segment.start_s + w.end, w.word.strip(), float(w.probability))
            for p in kept
            for w in (p.words or [])
        )
        confidence = float(np.mean([w.probability for w in words])) if words else 0.0
        return Utterance(
            id=segment.utterance_id or uuid.uuid4().hex[:12],
            call_id=segment.call_id,
            channel=segment.channel,
            start_s=words[0].start_s if words else segment.start_s,
            end_s=words[-1].end_s if words else segment.end_s,
            text=text,
            final=segment.reason != "partial",
            words=words,
            language=info.language or "",
            confidence=confidence,
            no_speech_prob=max((p.no_speech_prob for p in kept), default=0.0),
        )


def _unreliable(piece: Any, o: TranscriberOptions) -> bool:
    """Whisper's own guards against invented text: silence judged as speech, loops."""
    if piece.no_speech_prob > o.no_speech_threshold and piece.avg_logprob < o.log_prob_threshold:
        return True
    return bool(piece.compression_ratio > o.compression_ratio_threshold)


class StreamingTranscriber:
    """Runs segments of all calls on one pool; results go to a callback on the worker thread.

    Final utterances are never dropped: the pool's queue is unbounded in count but
    each call produces at most one segment per utterance, so it is bounded by speech.
    """

    def __init__(self, transcriber: Transcriber) -> None:
        self._transcriber = transcriber
        self._pool = ThreadPoolExecutor(max_workers=transcriber.workers, thread_name_prefix="transcribe")
        self._lock = threading.Lock()
        self.pending = 0
        self.completed = 0
        self.busy_s = 0.0
        self.dropped_partials = 0

    def submit_partial(
        self, segment: SpeechSegment, done: Callable[[SpeechSegment, Utterance | None], None]
    ) -> Future[None] | None:
        """A partial hypothesis, only when a worker is idle: under load partials are dropped first (counted)."""
        with self._lock:
            if self.pending > 0:  # a final or another partial is being decoded: finals must not wait
                self.dropped_partials += 1
                return None
        return self.submit(segment, done)

    def submit(self, segment: SpeechSegment, done: Callable[[SpeechSegment, Utterance | None], None]) -> Future[None]:
        with self._lock:
            self.pending += 1

        def work() -> None:
            started = time.monotonic()
            try:
                utterance = self._transcriber.transcribe(segment)
            except Exception:
                log.exception(
                    "call %s: transcription of %.1f s failed", segment.call_id, segment.end_s - segment.start_s
                )
                utterance = None
            elapsed = time.monotonic() - started
            with self._lock:
                self.pending -= 1
                self.completed += 1
                self.busy_s += elapsed
            audio_s = segment.end_s - segment.start_s
            if elapsed > max(1.0, audio_s):
                log.warning("transcription behind real time: %.1f s of audio took %.1f s", audio_s, elapsed)
            done(segment, utterance)

        return self._pool.submit(work)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=False)
