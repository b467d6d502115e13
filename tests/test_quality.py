"""The MOS estimate (simplified E-model) from loss, jitter and delay."""

from __future__ import annotations

import pytest

from agentassist.sip.quality import StreamQuality, mos_estimate


def test_mos_falls_with_loss_jitter_and_delay() -> None:
    clean = mos_estimate(0.0, 0.0, 0.0)
    assert 4.3 <= clean <= 4.5
    losses = [mos_estimate(loss, 0.0, 20.0) for loss in (0, 1, 3, 5, 10, 20)]
    assert losses == sorted(losses, reverse=True) and losses[-1] < 3.0
    assert mos_estimate(0.0, 40.0, 20.0) < mos_estimate(0.0, 5.0, 20.0)
    assert mos_estimate(0.0, 0.0, 400.0) < 4.0  # long delay hurts even without loss
    assert mos_estimate(100.0, 0.0, 0.0) == 1.0


def test_mos_rejects_negative_input() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        mos_estimate(-1.0, 0.0, 0.0)


def test_stream_quality_json() -> None:
    q = StreamQuality("PCMU", 8000, rx_packets=950, rx_lost=50, rx_jitter_ms=2.0, tx_packets=1000, tx_lost=0, rtt_ms=10)
    j = q.to_json()
    assert j["rx_loss_pct"] == 5.0 and j["codec"] == "PCMU"
    assert j["mos"] == round(mos_estimate(5.0, 2.0, 5.0), 2)
