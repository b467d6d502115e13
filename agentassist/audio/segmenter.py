"""Voice activity segmentation of one channel with webrtcvad.

A small state machine over 20 ms frames::

    SILENCE --(start_ratio of the last start_window_ms voiced)--> SPEECH
    SPEECH  --(end_silence_ms unvoiced)--> SILENCE, emits a SpeechSegment ("silence")
    SPEECH  --(over split_after_s, then split_pause_ms unvoiced; half that pause from 1.5 x split_after_s,
               where frames split_dip_db under the segment's loud level count as unvoiced)
            --> SILENCE, emits a SpeechSegment ("pause")
    SPEECH  --(max_segment_s reached)--> SPEECH, emits a SpeechSegment ("max_length")
    finish() in SPEECH --> emits a SpeechSegment ("end_of_call")

Pure: frames in, segments out, no threads and no I/O.
"""

from __future__ import annotations

import hashlib
import math
from collections import deque

import numpy as np
import webrtcvad

from agentassist.audio.segmenter_options import SegmenterOptions as SegmenterOptions
from agentassist.events import Channel, CutReason, SpeechSegment

# a voiced frame is a tone (DTMF, a hold or ring tone) when its 6 strongest spectral bins hold this share
# of its energy: a median 7 % of speech frames per prompt in ../shared/speech, every frame of a clean tone
_TONE_PEAK_SHARE = 0.99
_TONE_PEAK_BINS = 6
# a segment whose sounding voiced frames (not dips) are this share tones is not speech, and is not split
# at dips (its gaps would cut it into short beeps the model reads as words); speech peaks at 0.27 there
_TONAL_SEGMENT = 0.5


class Segmenter:
    """Cuts one channel of one call into speech segments."""

    def __init__(self, call_id: str, channel: Channel, options: SegmenterOptions | None = None) -> None:
        self.call_id = call_id
        self.channel = channel
        self.options = o = options or SegmenterOptions()
        self._vad = webrtcvad.Vad(o.aggressiveness)
        self._start_frames = max(1, o.start_window_ms // o.frame_ms)
        self._end_frames = max(1, o.end_silence_ms // o.frame_ms)
        self._pre_frames = o.pre_pad_ms // o.frame_ms
        self._post_frames = o.post_pad_ms // o.frame_ms
        self._min_frames = max(1, o.min_speech_ms // o.frame_ms)
        self._max_frames = int(o.max_segment_s * 1000 / o.frame_ms)
        self._split_frames = int(o.split_after_s * 1000 / o.frame_ms) or self._max_frames
        self._split_pause = max(1, o.split_pause_ms // o.frame_ms)
        self._history: deque[tuple[bytes, bool]] = deque(maxlen=max(self._start_frames, self._pre_frames))
        self._speech: list[bytes] = []
        self._speech_start = 0  # frame index of the segment's first frame (padding included)
        self._voiced_in_segment = 0
        self._trailing_silence = 0
        self._levels: list[float] = []  # dB of the segment's voiced frames, while split_dip_db is on
        self._voiced_at: list[int] = []  # where in _speech those frames are
        self._tones: list[bool] = []  # whether each is a tone (see _TONE_PEAK_SHARE): judged when first read
        self._window = np.hanning(o.frame_bytes // 2).astype(np.float32)
        self._loud = float("-inf")  # the segment's loud level (dB) from split_after_s on: no dips before
        self._quiet_run = 0  # frames in a row unvoiced or split_dip_db under the loud level
        self._index = 0  # frames seen so far
        self._count = 0  # segments started so far: numbers their utterance ids
        self.in_speech = False
        self.voiced = False  # the last frame pushed was voiced

    def _t(self, frame_index: int) -> float:
        return frame_index * self.options.frame_ms / 1000

    def push(self, pcm: bytes) -> list[SpeechSegment]:
        """Feed one frame (``options.frame_bytes`` long); returns the segments it completes."""
        o = self.options
        if len(pcm) != o.frame_bytes:
            raise ValueError(f"expected a {o.frame_ms} ms frame of {o.frame_bytes} bytes, got {len(pcm)}")
        voiced = self._vad.is_speech(pcm, o.sample_rate_hz)
        self.voiced = voiced
        index = self._index
        self._index += 1
        out: list[SpeechSegment] = []
        if not self.in_speech:
            self._history.append((pcm, voiced))
            recent = list(self._history)[-self._start_frames :]
            if len(recent) == self._start_frames and sum(v for _, v in recent) >= o.start_ratio * self._start_frames:
                padded = list(self._history)[-max(self._pre_frames, self._start_frames) :]
                self._speech = [p for p, _ in padded]
                self._speech_start = index + 1 - len(padded)
                self._voiced_in_segment = sum(v for _, v in padded)
                self._trailing_silence = 0
                self.in_speech = True
                self._count += 1
                self._history.clear()
            return out
        self._speech.append(pcm)
        quiet = not voiced
        if o.split_dip_db:
            quiet = self._dip(pcm, voiced)
        self._quiet_run = self._quiet_run + 1 if quiet else 0
        if voiced:
            self._voiced_in_segment += 1
            self._trailing_silence = 0
        else:
            self._trailing_silence += 1
        needed, mid_phrase = self._split_pause_for(len(self._speech) - self._trailing_silence)
        pause = self._quiet_run if mid_phrase else self._trailing_silence
        if self._trailing_silence >= self._end_frames:
            out.extend(self._cut(CutReason.SILENCE, keep_trailing=self._post_frames))
        elif pause >= needed:
            # long speech ends at a short pause: a partial's decode grows with the audio (0.46 s for 14 s
            # of tiny.en on two cores), and news must come every 0.5 s; the turn's revision sees it whole
            out.extend(self._cut(CutReason.PAUSE, keep_trailing=self._trailing_silence))
        elif len(self._speech) >= self._max_frames:
            out.extend(self._cut(CutReason.MAX_LENGTH, keep_trailing=self._trailing_silence))
            self.in_speech = True  # speech goes on in a new segment
            self._count += 1
            self._speech_start = self._index
        return out

    def _dip(self, pcm: bytes, voiced: bool) -> bool:
        """Whether the frame is unvoiced, or voiced but split_dip_db under the segment's loud level (the
        90th percentile of its voiced frames): the gaps between words that webrtcvad's hangover marks
        voiced on a clean line. The loud level is known from split_after_s on, refreshed each 0.5 s.
        A segment that is mostly tones (DTMF digits and their gaps) has no dips: only speech is split.
        Levels are measured only when needed: most utterances end before split_after_s, and a frame's
        numpy calls cost more than its arithmetic (the media thread's largest item at 28 calls)."""
        if voiced:
            self._voiced_at.append(len(self._speech) - 1)
        n = len(self._speech)
        if n >= self._split_frames and n % 25 == 0 and self._voiced_at:
            # the voiced frames not yet measured, in one batch; no FFT for utterances shorter than split_after_s
            fresh = [self._speech[i] for i in self._voiced_at[len(self._tones) :]]
            self._levels.extend(_levels_db(fresh))
            self._tones.extend(self._are_tones(fresh))
            levels = np.array(self._levels)
            loud = float(np.percentile(levels, 90))
            sounding = levels >= loud - self.options.split_dip_db  # the frames that are not dips
            tonal = np.count_nonzero(np.array(self._tones)[sounding]) >= _TONAL_SEGMENT * np.count_nonzero(sounding)
            self._loud = float("-inf") if tonal else loud
        if not voiced:
            return True
        return self._loud > float("-inf") and _level_db(pcm) < self._loud - self.options.split_dip_db

    def _are_tones(self, frames: list[bytes]) -> list[bool]:
        """Whether each frame is a tone (a silent frame is not), all of them in one FFT: numpy's cost is
        mostly per call, and the voiced frames of a long segment come here 25 at a time."""
        if not frames:
            return []
        x = np.frombuffer(b"".join(frames), "<i2").astype(np.float32).reshape(len(frames), -1)
        power = np.abs(np.fft.rfft(x * self._window, axis=1)) ** 2
        peaks = np.partition(power, -_TONE_PEAK_BINS, axis=1)[:, -_TONE_PEAK_BINS:]
        tones = (peaks.sum(axis=1) >= _TONE_PEAK_SHARE * power.sum(axis=1)) & x.any(axis=1)
        return [bool(t) for t in tones]

    def _split_pause_for(self, frames: int) -> tuple[int | float, bool]:
        """The pause (frames) that ends speech this long, and whether it is taken mid-phrase (where
        dips count as pause): none before split_after_s; split_pause_ms (a phrase boundary, mostly) up
        to 1.5 x split_after_s; after that half of it, mid-phrase, rather than let the decode grow."""
        if frames < self._split_frames:
            return float("inf"), False
        if frames < self._split_frames * 3 // 2:
            return self._split_pause, False
        return max(1, self._split_pause // 2), True

    def continue_at(self, frame_index: int, segments: int) -> None:
        """Go on from ``frame_index`` after ``segments`` segments, before any frame is pushed: the call's
        earlier frames were segmented by a run that has gone (a center restarted mid-call), so times and
        utterance ids go on after theirs."""
        if self._index or self.in_speech:
            raise ValueError(f"continue_at: expected a segmenter with no frames yet, got {self._index}")
        self._index, self._count = frame_index, segments

    @property
    def time_s(self) -> float:
        """Audio time after the frames pushed so far."""
        return self._t(self._index)

    @property
    def utterance_id(self) -> str:
        """Unique across calls (the store's primary key): the whole call id, or a digest of a long one."""
        return f"{_id_base(self.call_id)}-{self.channel.value[0]}{self._count}"

    @property
    def trailing_silence_ms(self) -> int:
        """Unvoiced time at the end of the segment in progress (0 outside speech)."""
        return self._trailing_silence * self.options.frame_ms if self.in_speech else 0

    @property
    def voiced_frames(self) -> int:
        """Voiced frames in the segment in progress: unchanged while only silence is added."""
        return self._voiced_in_segment if self.in_speech else 0

    @property
    def speech_s(self) -> float:
        """Length of the segment in progress, padding included (0 outside speech)."""
        return self._t(len(self._speech)) if self.in_speech else 0.0

    def speech_so_far(self, speculative: bool = False) -> SpeechSegment | None:
        """The segment in progress, cut as :meth:`push` would cut it now (trailing silence beyond the
        end padding left out), for a partial or (``speculative``) a speculative transcription; None
        outside speech. Its ``reason`` is None: it was not cut."""
        if not self.in_speech or not self._speech:
            return None
        drop = max(0, self._trailing_silence - self._post_frames)
        frames = self._speech[: len(self._speech) - drop] if drop else self._speech
        return SpeechSegment(
            call_id=self.call_id,
            channel=self.channel,
            start_s=self._t(self._speech_start),
            end_s=self._t(self._speech_start + len(frames)),
            pcm=b"".join(frames),
            sample_rate_hz=self.options.sample_rate_hz,
            utterance_id=self.utterance_id,
            # speculative: a "pause" cut may follow (speech past split_after_s), decoded the same way
            pause_tail=speculative and len(self._speech) - self._trailing_silence >= self._split_frames,
        )

    def finish(self) -> list[SpeechSegment]:
        """The channel ended: emit the segment in progress, if any."""
        if not self.in_speech:
            return []
        return self._cut(CutReason.END_OF_CALL, keep_trailing=self._trailing_silence)

    def _cut(self, reason: CutReason, keep_trailing: int) -> list[SpeechSegment]:
        drop = self._trailing_silence - min(keep_trailing, self._trailing_silence)
        frames = self._speech[: len(self._speech) - drop] if drop else self._speech
        start = self._speech_start
        voiced = self._voiced_in_segment
        self._speech = []
        self._voiced_in_segment = 0
        self._trailing_silence = 0
        self._levels = []
        self._tones = []
        self._voiced_at = []
        self._loud = float("-inf")
        self._quiet_run = 0
        self.in_speech = False
        if voiced < self._min_frames or not frames:
            return []
        o = self.options
        return [
            SpeechSegment(
                call_id=self.call_id,
                channel=self.channel,
                start_s=self._t(start),
                end_s=self._t(start + len(frames)),
                pcm=b"".join(frames),
                sample_rate_hz=o.sample_rate_hz,
                reason=reason,
                utterance_id=self.utterance_id,
                pause_tail=reason is CutReason.PAUSE,
            )
        ]


def _id_base(call_id: str) -> str:
    """The call's part of an utterance id. Ids were once the call id's first 8 characters: calls named
    alike (``floor-desk000-...``, or one uuid in 77 000 sharing its first 8 hex digits) then wrote over each
    other's rows. A call id up to 48 characters is kept whole; a longer one (ids are 64 at most) is cut and
    made unique with 11 hex digits of its SHA-256, so that ``-a123456`` still fits."""
    if len(call_id) <= 48:
        return call_id
    return call_id[:36] + "~" + hashlib.sha256(call_id.encode()).hexdigest()[:11]


def _level_db(pcm: bytes) -> float:
    """A frame's mean power in dB, +1 so that silence is 0 dB; exact: 16-bit squares summed in int64."""
    x = np.frombuffer(pcm, "<i2").astype(np.int64)
    return 10.0 * math.log10(int(np.dot(x, x)) / x.size + 1.0)


def _levels_db(frames: list[bytes]) -> list[float]:
    """:func:`_level_db` of each frame, in one batch (the same figures: the sums are exact)."""
    if not frames:
        return []
    x = np.frombuffer(b"".join(frames), "<i2").astype(np.int64).reshape(len(frames), -1)
    power = np.einsum("ij,ij->i", x, x) / x.shape[1]
    return [10.0 * math.log10(p + 1.0) for p in power.tolist()]
