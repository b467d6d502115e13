"""What the encoder reads of a short segment, and the encoder output the decoder then attends to.

Whisper was trained on 30 s windows; ShortDecoder pads a short segment with silence to a 10 s
floor instead (decoder.py: below about 8 s of context it loops), and the encoder on those 1000
mel frames is most of a decode's CPU (58 of 102 ms at batch 1, tiny.en,
docs/transcription-under-load.md). Two ways to build the window, ``[transcribe] window``:

- ``"padded"``: the log-mel features of the audio padded with silence to the floor, all of them
  through the encoder.
- ``"reduced"``: only the features of the audio and ``AFTER_S`` of silence, rounded up to
  ``BUCKET_S``, go through the encoder (whisper.cpp's reduced ``audio_ctx``); the rest of the
  floor's encoder output, the positions after that, is taken from a window of pure silence at
  those positions. The decoder still reads a floor of positions, most of them silence after the
  speech, so it ends the text where the speech ends instead of looping (the window cut short
  without that tail, ``tail=False``, is kept for the benchmark: benchmarks/window.py).

The silence's feature value depends on the segment (Whisper's scaling clips every column at the
window's maximum less 8, so a louder segment has a higher silence floor): the silence encodings
are cached by that value, rounded to ``SILENCE_STEP``; it lies in -1.5..-0.25, so there are 26 at
most (768 kB each for tiny.en at a 10 s floor: 500 positions, 384 wide).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

from agentassist.transcribe.options import check_window

SAMPLE_RATE_HZ = 16000
HOP = 160  # samples per mel frame
MEL_MARGIN = 480  # samples of silence after the audio (the STFT window reaches 200 past a frame's centre)
BUCKET_S = 1.0  # reduced windows: the audio rounded up to this much (fewer distinct encoder shapes)
# reduced windows: at least this much silence after the audio goes through the encoder. With less (the
# bucket's rest, 0.08 s after a 1.89 s prompt) Whisper repeated the prompt ("The conference is now
# unlocked. The conference is now unlocked. The conference is"). Tune half, tiny.en, finals' WER against
# the padded window's 0.0724: 0.2089 with the bucket's rest, 0.1337 with 0.5 s, 0.0975 with 1 s, 0.0919
# with 2 s, 0.0947 with 3 s, at about the same CPU a partial (benchmarks.window)
AFTER_S = 2.0
SILENCE_STEP = 0.05  # silence feature values this close share one cached encoding


class Windows:
    """Feature windows and their encodings for one faster-whisper model, thread-safe."""

    def __init__(
        self,
        whisper: Any,
        *,
        floor_s: float,
        window: str = "padded",
        bucket_s: float = BUCKET_S,
        after_s: float = AFTER_S,
        tail: bool = True,
    ) -> None:
        from faster_whisper.feature_extractor import FeatureExtractor

        self._whisper = whisper  # faster_whisper.WhisperModel
        self.floor_s = floor_s
        self.window = check_window(window)
        self.bucket_s = bucket_s
        self.after_s = after_s
        self.tail = tail
        self.n_mels = int(getattr(whisper.model, "n_mels", 80) or 80)
        self._features = FeatureExtractor(feature_size=self.n_mels)  # our own: faster-whisper's is mutated by calls
        self._silences: dict[float, np.ndarray[Any, Any]] = {}
        self._lock = threading.Lock()

    @property
    def floor_frames(self) -> int:
        frames = int(self.floor_s * SAMPLE_RATE_HZ) // HOP
        return frames - frames % 2  # the encoder's convolution halves the frame count

    def features(self, audio: np.ndarray[Any, Any], seconds: float | None = None) -> np.ndarray[Any, Any]:
        """The log-mel features of ``audio`` padded with silence to ``seconds`` (None: the floor), or to its
        own length when it is longer."""
        target = max(int((self.floor_s if seconds is None else seconds) * SAMPLE_RATE_HZ), audio.size)
        frames = target // HOP
        frames -= frames % 2
        # The log-mel of the padding is a constant: only the audio and a margin of silence go through the
        # STFT (a tenth of the CPU under load went to the padding's; benchmarks.profile_load). Every
        # column is the one of the whole padded window, bit for bit: a frame past the margin holds only
        # zeros (mel 0, clipped to 1e-10 like all silence), so the window's maximum, which the scaling
        # uses, is the audio's, and the last column, pure silence, is every column after it.
        short = np.zeros(min(target, audio.size + MEL_MARGIN), np.float32)
        short[: audio.size] = audio
        feats = self._features(short)
        if short.size == target:
            return np.ascontiguousarray(feats[:, :frames])
        window = np.empty((feats.shape[0], frames), feats.dtype)
        window[:, : feats.shape[1]] = feats
        window[:, feats.shape[1] :] = feats[:, -1:]
        return window

    def seconds(self, audio: np.ndarray[Any, Any]) -> float:
        """How much audio the encoder reads for ``audio`` (at least): the floor; reduced, the audio and
        ``after_s`` of silence rounded up to the bucket, at most the floor."""
        if self.window == "padded":
            return self.floor_s
        bucket = int(self.bucket_s * SAMPLE_RATE_HZ)
        after = max(MEL_MARGIN, int(self.after_s * SAMPLE_RATE_HZ))
        return min(self.floor_s, math.ceil((audio.size + after) / bucket) * self.bucket_s)

    def encode(self, audios: Sequence[np.ndarray[Any, Any]]) -> Any:
        """The encoder output of a batch of segments (all within the floor, or one alone of any length up
        to 30 s): a floor of positions for each segment within the floor, whichever the window.

        Reduced windows are encoded one at a time, each at its own bucket, and stacked: the encoder's
        CPU per window does not fall with the batch on this CPU (benchmarks.batch: 9.7, 11.4, 13.7 ms at
        1, 2, 4 reduced windows), and so a segment's encoding is the same in a batch as alone."""
        if self.window == "padded" or not self.tail:
            seconds = max(self.seconds(a) for a in audios)
            return self._whisper.encode(np.stack([self.features(a, seconds) for a in audios]))
        if len(audios) == 1 and audios[0].size >= self.floor_frames * HOP:
            return self._whisper.encode(self.features(audios[0]))  # longer than the floor: its own length
        import ctranslate2

        heads, silences = [], []
        for audio in audios:
            window = self.features(audio, self.seconds(audio))
            heads.append(np.asarray(self._whisper.encode(window))[0])
            silences.append(float(window[0, -1]))  # the last column is silence: the window ends after a margin
        out = np.empty((len(audios), self.floor_frames // 2, heads[0].shape[1]), heads[0].dtype)
        for i, (head, value) in enumerate(zip(heads, silences, strict=True)):
            out[i, : head.shape[0]] = head
            out[i, head.shape[0] :] = self._silence(value)[head.shape[0] :]
        return ctranslate2.StorageView.from_array(out)

    def _silence(self, value: float) -> np.ndarray[Any, Any]:
        """The encoder output of a floor window of silence whose features are ``value`` (rounded)."""
        key = round(value / SILENCE_STEP) * SILENCE_STEP
        with self._lock:
            got = self._silences.get(key)
        if got is None:
            window = np.full((1, self.n_mels, self.floor_frames), key, np.float32)
            got = np.array(np.asarray(self._whisper.encode(window))[0])  # a copy: the StorageView goes
            with self._lock:
                self._silences[key] = got
        return got
