"""Latency histograms of the transcription stage, exported as Prometheus series by engine.metrics()."""

from __future__ import annotations

import threading


class Histogram:
    """Cumulative buckets, Prometheus style (``le`` upper bounds). Any thread: the decode workers, the
    calls' threads and /metrics share one, so an observation and a reading each take its lock (a read-add-
    store of a count is not atomic, and /metrics must not see a bucket counted before the total is)."""

    BOUNDS = (0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0)

    def __init__(self) -> None:
        self.counts = [0] * (len(self.BOUNDS) + 1)
        self.total = 0.0
        self.n = 0
        self._lock = threading.Lock()

    def observe(self, value: float) -> None:
        with self._lock:
            for i, bound in enumerate(self.BOUNDS):
                if value <= bound:
                    self.counts[i] += 1
                    break
            else:
                self.counts[-1] += 1
            self.total += value
            self.n += 1

    def series(self, name: str) -> dict[str, float]:
        with self._lock:
            counts, total, n = list(self.counts), self.total, self.n
        out: dict[str, float] = {}
        running = 0
        for bound, count in zip((*self.BOUNDS, float("inf")), counts, strict=True):
            running += count
            le = "+Inf" if bound == float("inf") else f"{bound:g}"
            out[f'{name}_bucket{{le="{le}"}}'] = float(running)
        out[f"{name}_sum"] = total
        out[f"{name}_count"] = float(n)
        return out
