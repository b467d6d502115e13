"""Call quality from RTP statistics: a MOS estimate by the simplified ITU-T G.107 E-model.

Pure functions, no pjsua2: the softphone samples the stream statistics and hands
plain numbers here. The estimate ignores codec impairment (``Ie``), so it is the
transport's score: what loss, jitter and delay do to an otherwise clean call.
"""

from __future__ import annotations

from dataclasses import dataclass

_DECODE_DELAY_MS = 10.0  # packetisation and decoding, on top of the one-way network delay


@dataclass(frozen=True, slots=True)
class StreamQuality:
    """One call's audio stream as the softphone saw it; ``rx`` = what the agent received."""

    codec: str
    clock_rate_hz: int
    rx_packets: int
    rx_lost: int
    rx_jitter_ms: float
    tx_packets: int
    tx_lost: int  # as the peer reported it in RTCP
    rtt_ms: float
    srtp: bool = False  # the stream runs in the SRTP profile (RTP/SAVP, SDES keys)

    @property
    def rx_loss_pct(self) -> float:
        total = self.rx_packets + self.rx_lost
        return 100.0 * self.rx_lost / total if total else 0.0

    @property
    def tx_loss_pct(self) -> float:
        total = self.tx_packets
        return 100.0 * self.tx_lost / total if total else 0.0

    def to_json(self) -> dict[str, object]:
        return {
            "codec": self.codec,
            "clock_rate_hz": self.clock_rate_hz,
            "rx_packets": self.rx_packets,
            "rx_lost": self.rx_lost,
            "rx_loss_pct": round(self.rx_loss_pct, 2),
            "rx_jitter_ms": round(self.rx_jitter_ms, 2),
            "tx_packets": self.tx_packets,
            "tx_lost": self.tx_lost,
            "rtt_ms": round(self.rtt_ms, 2),
            "srtp": self.srtp,
            "mos": round(mos_estimate(self.rx_loss_pct, self.rx_jitter_ms, self.rtt_ms / 2), 2),
        }


def mos_estimate(loss_pct: float, jitter_ms: float, one_way_delay_ms: float) -> float:
    """Mean opinion score 1.0..4.5 from packet loss (%), jitter and one-way delay (ms)."""
    if loss_pct < 0 or jitter_ms < 0 or one_way_delay_ms < 0:
        raise ValueError(
            f"expected non-negative loss, jitter and delay, got {loss_pct}, {jitter_ms}, {one_way_delay_ms}"
        )
    effective_ms = one_way_delay_ms + 2 * jitter_ms + _DECODE_DELAY_MS
    r = 93.2 - effective_ms / 40 if effective_ms < 160 else 93.2 - (effective_ms - 120) / 10
    r -= 2.5 * min(loss_pct, 100.0)
    if r <= 0:
        return 1.0
    r = min(r, 100.0)
    return min(4.5, max(1.0, 1 + 0.035 * r + 7e-6 * r * (r - 60) * (100 - r)))
