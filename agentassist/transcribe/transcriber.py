"""The speech model: one faster-whisper model, loaded once, shared by every call.

``Transcriber.transcribe`` turns a :class:`SpeechSegment` into an :class:`Utterance`
(or None when Whisper hears no speech in it). Segments up to 30 s go through
:class:`ShortDecoder` (no padding to 30 s); longer audio, as in offline files, and
the revisions of whole turns go through faster-whisper's own long-form path
(``transcribe_long``). Scheduling many calls' segments on it is engine.py's job.
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from agentassist import cpu
from agentassist.audio.frames import pcm_to_float
from agentassist.events import SpeechSegment, Utterance, Word
from agentassist.transcribe.decoder import MAX_S, Decoded, DecodedWord, ShortDecoder, glue_words
from agentassist.transcribe.models import MODELS, resolve
from agentassist.transcribe.options import TranscriberOptions as TranscriberOptions

log = logging.getLogger(__name__)


def default_cpu_threads(workers: int) -> int:
    """Threads inside one decode when ``cpu_threads`` is 0: the cores shared out among the workers, so that
    decodes running at once never ask for more threads than there are cores. With a thread per core in
    every decode, the workers' OpenMP threads outnumber the cores whenever two decode at once (always,
    under load), and a thread spinning at a barrier holds the core that the thread it waits for needs: at
    56 calls on two cores in-process finals went from p95 3.65 s to 0.69 s with one thread a decode, and
    the process's kernel time fell from 39.6 to 10.5 s (benchmarks/RESULTS.md, session 20)."""
    return max(1, (os.cpu_count() or 1) // max(1, workers))


def one_blas_thread() -> None:
    """numpy's BLAS on one thread for the whole process: called by whoever composes a process that
    transcribes (the runtime's :class:`~agentassist.callmodels.CallModels`, the ``transcribe`` command, the
    benchmarks), before its first :class:`Transcriber`, never by a constructor or an import.

    The features of every decode are a small matrix product in numpy (faster-whisper's mel filters), which
    numpy's OpenBLAS splits over a thread per core; between products those threads spin, and at 48 calls on
    two cores they took a fifth of a center's CPU from the decodes (perf, session 20). The decodes are
    parallel already, one worker per core. Called before the model is loaded, it limits the BLAS libraries
    loaded by then (numpy's), as it did when the constructor made it first thing."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")


class Transcriber:
    """Loads the model once; ``transcribe`` may be called from several threads at once."""

    def __init__(self, options: TranscriberOptions, models_dir: Path | None = None) -> None:
        """``models_dir``: instead of ``options.models_dir``."""
        from faster_whisper import WhisperModel  # heavy: imported when a model is really loaded

        self.options = options
        self.workers = options.workers or os.cpu_count() or 1
        directory = resolve(options.model, models_dir or options.models_dir)
        started = time.monotonic()
        with cpu.decoding():  # CTranslate2 starts its threads here: they keep the policy they start with
            self._model = WhisperModel(
                str(directory),
                device="cpu",
                compute_type=options.compute_type,
                cpu_threads=options.cpu_threads or default_cpu_threads(self.workers),
                num_workers=self.workers,
                local_files_only=True,
            )
        spec = MODELS.get(options.model)
        self.multilingual = spec.multilingual if spec else bool(self._model.model.is_multilingual)
        lang = options.language
        self.language: str | None = None if lang in ("", "auto") else lang
        if not self.multilingual:
            if self.language not in (None, "en"):
                log.warning("model %s is English-only; language %r ignored", options.model, lang)
            self.language = "en"
        self._decoder = ShortDecoder(
            self._model, floor_s=options.floor_s, multilingual=self.multilingual, window=options.window
        )
        log.info("model %s loaded from %s in %.1f s", options.model, directory, time.monotonic() - started)

    def transcribe_audio(
        self, audio: np.ndarray[Any, Any], *, beam_size: int | None = None, language: str | None = None
    ) -> tuple[list[Any], Any]:
        """Long-form transcription of a whole buffer (float32 16 kHz) by faster-whisper, temperature 0 only
        (its sampling fallback makes runs irreproducible); returns its segments and info."""
        o = self.options
        segments, info = self._model.transcribe(
            audio,
            language=language or self.language,
            beam_size=beam_size or o.beam_size,
            word_timestamps=True,
            condition_on_previous_text=False,
            vad_filter=False,
            temperature=0.0,
            no_speech_threshold=o.no_speech_threshold,
            log_prob_threshold=o.log_prob_threshold,
            compression_ratio_threshold=o.compression_ratio_threshold,
            initial_prompt=o.initial_prompt,
        )
        return list(segments), info  # the generator does the decoding: consume it here

    def transcribe(
        self,
        segment: SpeechSegment,
        *,
        language: str | None = None,
        prompt: str | None = None,
        words: bool = True,
        beam_size: int | None = None,
        final: bool = True,
    ) -> Utterance | None:
        """One segment to an utterance; None when there is no speech in it or Whisper invented it.

        ``language`` overrides the configured one (a channel's detected language); ``prompt`` is
        prepended to the configured initial prompt (hotwords of the active script)."""
        audio = _audio(segment)
        o = self.options
        full_prompt = " ".join(p for p in (o.initial_prompt, prompt) if p) or None
        if audio.size > MAX_S * 16000:
            return self.transcribe_long(segment, language=language, final=final)
        d = self._decoder.decode(
            audio,
            language=language or self.language,
            prompt=full_prompt,
            beam_size=beam_size or o.beam_size,
            words=words,
        )
        return self._judged(segment, d, final)

    def batchable(self, segment: SpeechSegment) -> bool:
        """Whether ``segment`` may go in a batch: its audio fits the floor window."""
        audio_s = len(segment.pcm) / 2 / segment.sample_rate_hz + (PAUSE_TAIL_S if segment.pause_tail else 0.0)
        return audio_s <= self.options.floor_s - 0.05  # a little under: resampling may add a sample

    def transcribe_batch(
        self,
        segments: Sequence[SpeechSegment],
        *,
        language: str,
        prompts: Sequence[str | None],
        beam_size: int | None,
        words: bool = True,
        final: bool = True,
    ) -> list[Utterance | None]:
        """Segments of several calls (each :meth:`batchable`, one language) decoded in one batch: finals, or
        partials (``words`` and ``final`` False); each result as :meth:`transcribe` gives it."""
        o = self.options
        full = [" ".join(p for p in (o.initial_prompt, prompt) if p) or None for prompt in prompts]
        decoded = self._decoder.decode_batch(
            [_audio(s) for s in segments],
            language=language,
            prompts=full,
            beam_size=beam_size or o.beam_size,
            words=words,
        )
        return [self._judged(s, d, final) for s, d in zip(segments, decoded, strict=True)]

    def _judged(self, segment: SpeechSegment, d: Decoded, final: bool) -> Utterance | None:
        """The utterance of a decoded segment; None when Whisper's guards say it invented it."""
        o = self.options
        if _invented(d, o):
            return None
        confidence = float(np.mean([w.probability for w in d.words])) if d.words else float(np.exp(d.avg_logprob))
        # text cut off after the audio (d.truncated) leaves a plausible rest: only the scores decide
        reliable = (
            d.avg_logprob >= o.log_prob_threshold
            and confidence >= RELIABLE_MIN_CONFIDENCE
            and d.compression_ratio <= o.compression_ratio_threshold
        )
        return _utterance(segment, d.words, d.text, final, d.language, confidence, d.no_speech_prob, reliable)

    def detect_language(self, segment: SpeechSegment) -> tuple[str, float]:
        encoded, _ = self._decoder.encode(pcm_to_float(segment.pcm))
        return self._decoder.detect_language(encoded)

    def transcribe_long(
        self, segment: SpeechSegment, *, language: str | None = None, beam_size: int | None = None, final: bool = True
    ) -> Utterance | None:
        """A segment of any length through faster-whisper's own path (padded to 30 s windows), as offline
        files are: pieces that fail Whisper's guards are left out; None when no speech is left."""
        pieces, info = self.transcribe_audio(_audio(segment), beam_size=beam_size, language=language)
        kept = [p for p in pieces if not _unreliable(p, self.options)]
        text = " ".join(p.text.strip() for p in kept).strip()
        if not any(ch.isalnum() for ch in text):
            return None
        raw = (DecodedWord(w.start, w.end, w.word, float(w.probability)) for p in kept for w in (p.words or []))
        glued = glue_words(raw)
        confidence = float(np.mean([w.probability for w in glued])) if glued else 0.0
        no_speech = max((p.no_speech_prob for p in kept), default=0.0)
        return _utterance(segment, glued, text, final, info.language or "", confidence, no_speech)


def _utterance(
    segment: SpeechSegment,
    words: Sequence[DecodedWord],
    text: str,
    final: bool,
    language: str,
    confidence: float,
    no_speech_prob: float,
    reliable: bool = True,
) -> Utterance:
    """What was heard in ``segment``, its ``words`` (times from the segment's start) on the call's clock."""
    ws = tuple(Word(segment.start_s + w.start_s, segment.start_s + w.end_s, w.text, w.probability) for w in words)
    return Utterance(
        id=segment.utterance_id or uuid.uuid4().hex[:12],
        call_id=segment.call_id,
        channel=segment.channel,
        start_s=ws[0].start_s if ws else segment.start_s,
        end_s=ws[-1].end_s if ws else segment.end_s,
        text=text,
        final=final,
        words=ws,
        language=language,
        confidence=confidence,
        no_speech_prob=no_speech_prob,
        reliable=reliable,
    )


PAUSE_TAIL_S = 0.3  # silence after speech cut at a short pause (``pause_tail``: set by the segmenter), when decoded


def _audio(segment: SpeechSegment) -> np.ndarray[Any, Any]:
    """The segment as 16 kHz float samples. Speech taken at a short pause ends abruptly, and Whisper
    then went on with the segment's first sentence again ("visit www.asterisk.askrisk is an open
    source ..." in demo-moreinfo): 0.3 s of silence after it ends the sentence as a real pause does.
    A speculative segment of long speech gets it too (``pause_tail``): it may become the final of a cut
    at that pause. Short ones do not: with it, a DTMF burst came out as "Beep beep"."""
    audio = pcm_to_float(segment.pcm)
    if segment.sample_rate_hz != 16000:
        from agentassist.audio.frames import resample

        audio = resample(audio, segment.sample_rate_hz, 16000)
    if segment.pause_tail:
        audio = np.concatenate([audio, np.zeros(int(PAUSE_TAIL_S * 16000), audio.dtype)])
    return audio


def _invented(d: Decoded, o: TranscriberOptions) -> bool:
    """Whisper's own guards: silence judged as speech, loops, and text without a letter or digit."""
    if not any(ch.isalnum() for ch in d.text):
        return True  # "." or "..." from tones and noise is not speech
    # the mean word probability, once; no words (no alignment asked for): no verdict from them
    word_prob = float(np.mean([w.probability for w in d.words])) if d.words else 1.0
    unsure = d.avg_logprob < o.log_prob_threshold
    if d.no_speech_prob > o.no_speech_threshold and (unsure or word_prob < NO_SPEECH_MIN_WORD_PROB):
        return True  # Whisper thinks there is no speech: believe it unless it is sure of the words
    # unsure of the words and half-thinking there is no speech (or very unsure), and it looped, ran past
    # the audio or has no word it believes: noise read as speech. Misheard real words ("Pig!" for
    # "tick": no_speech 0.11, log-probability -1.04) stay, flagged unreliable.
    doubtful = d.no_speech_prob > UNSURE_NO_SPEECH or d.avg_logprob < UNSURE_LOGPROB
    if unsure and doubtful and (d.truncated or word_prob < UNSURE_WORD_PROB):
        return True
    # very compressible text is a loop when Whisper is also unsure of it; sure of it, it is a
    # repetitive prompt ("press 1 for ..., press 2 for ...", more compressible in 2-byte Cyrillic)
    return d.compression_ratio > o.compression_ratio_threshold and unsure


NO_SPEECH_MIN_WORD_PROB = 0.5
RELIABLE_MIN_CONFIDENCE = 0.3  # mean word probability under which an utterance is flagged unreliable
UNSURE_WORD_PROB = 0.3  # mean word probability under which unsure text is dropped ...
UNSURE_NO_SPEECH = 0.3  # ... when Whisper also gives this chance to "no speech" ...
UNSURE_LOGPROB = -1.5  # ... or is this unsure of the whole text


def _unreliable(piece: Any, o: TranscriberOptions) -> bool:
    if piece.no_speech_prob > o.no_speech_threshold and piece.avg_logprob < o.log_prob_threshold:
        return True
    return bool(piece.compression_ratio > o.compression_ratio_threshold)
