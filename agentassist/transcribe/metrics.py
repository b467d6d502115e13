"""Metrics of the transcription stage: Prometheus-style histograms of its latencies."""

from __future__ import annotations


class Histogram:
    """Cumulative buckets, Prometheus style (``le`` upper bounds)."""

    BOUNDS = (0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0)

    def __init__(self) -> None:
        self.counts = [0] * (len(self.BOUNDS) + 1)
        self.total = 0.0
        self.n = 0

    def observe(self, value: float) -> None:
        for i, bound in enumerate(self.BOUNDS):
            if value <= bound:
                self.counts[i] += 1
                break
        else:
            self.counts[-1] += 1
        self.total += value
        self.n += 1

    def series(self, name: str) -> dict[str, float]:
        out: dict[str, float] = {}
        running = 0
        for bound, count in zip((*self.BOUNDS, float("inf")), self.counts, strict=True):
            running += count
            le = "+Inf" if bound == float("inf") else f"{bound:g}"
            out[f'{name}_bucket{{le="{le}"}}'] = float(running)
        out[f"{name}_sum"] = self.total
        out[f"{name}_count"] = float(self.n)
        return out


class TranscriptionMetrics:
    """What the workers did and how long things took."""

    def __init__(self, kinds: list[str]) -> None:
        self.completed = 0
        self.decoded = {kind: 0 for kind in kinds}  # by the kind the job had when it ran
        self.busy_s = 0.0
        self.busy_audio_s = 0.0
        self.final_latency = Histogram()  # last voiced frame to final utterance (set by ChannelStream)
        self.first_partial_latency = Histogram()  # speech start to first partial (set by ChannelStream)
        self.queue_wait = Histogram()  # finals: submitted to started

    def ran(self, kind: str, busy_s: float, audio_s: float) -> None:
        self.completed += 1
        self.decoded[kind] += 1
        self.busy_s += busy_s
        self.busy_audio_s += audio_s

    def histograms(self) -> dict[str, float]:
        return {
            **self.final_latency.series("agentassist_final_latency_seconds"),
            **self.first_partial_latency.series("agentassist_first_partial_latency_seconds"),
            **self.queue_wait.series("agentassist_final_queue_wait_seconds"),
        }
