"""The segmenter's options (agentassist.audio.segmenter), in a module of their own: the settings
(agentassist.config) take their defaults from here, and a phone, which loads the settings but never
segments, does not import numpy and webrtcvad for them (about 15 MB of its resident memory)."""

from __future__ import annotations

from dataclasses import dataclass

_RATES_HZ = (8000, 16000, 32000, 48000)
_FRAME_MS = (10, 20, 30)


@dataclass(frozen=True, slots=True)
class SegmenterOptions:
    aggressiveness: int = 2
    sample_rate_hz: int = 16000
    frame_ms: int = 20
    start_window_ms: int = 200
    start_ratio: float = 0.6
    end_silence_ms: int = 300  # silence that ends an utterance
    pre_pad_ms: int = 300
    post_pad_ms: int = 200
    min_speech_ms: int = 120
    max_segment_s: float = 20.0
    split_after_s: float = 5.0  # longer speech ends at its next pause of split_pause_ms (0: never)
    split_pause_ms: int = 160  # half of it from 1.5 x split_after_s on
    split_dip_db: float = 40.0  # from 1.5 x split_after_s, frames this far under the loud ones are a pause (0: off)

    def __post_init__(self) -> None:
        if self.sample_rate_hz not in _RATES_HZ:
            raise ValueError(f"sample_rate_hz: expected one of {_RATES_HZ}, got {self.sample_rate_hz}")
        if self.frame_ms not in _FRAME_MS:
            raise ValueError(f"frame_ms: expected one of {_FRAME_MS}, got {self.frame_ms}")
        if not 0 <= self.aggressiveness <= 3:
            raise ValueError(f"aggressiveness: expected 0..3, got {self.aggressiveness}")
        if not 0 < self.start_ratio <= 1:
            raise ValueError(f"start_ratio: expected (0, 1], got {self.start_ratio}")
        if self.post_pad_ms > self.end_silence_ms:
            raise ValueError("post_pad_ms must not exceed end_silence_ms")
        if self.split_after_s < 0:
            raise ValueError(f"split_after_s: expected >= 0 (0: never), got {self.split_after_s}")
        if self.split_dip_db < 0:
            raise ValueError(f"split_dip_db: expected >= 0 (0: off), got {self.split_dip_db}")
        if not self.frame_ms <= self.split_pause_ms <= self.end_silence_ms:
            raise ValueError(
                f"split_pause_ms: expected {self.frame_ms}..{self.end_silence_ms} (end_silence_ms), "
                f"got {self.split_pause_ms}"
            )

    @property
    def frame_bytes(self) -> int:
        return self.sample_rate_hz * self.frame_ms // 1000 * 2
