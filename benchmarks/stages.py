"""The transcription stage's own timings, read from its Prometheus series (``StreamingTranscriber.metrics``,
the center's ``/metrics``), so that a center (benchmarks.floor) and the in-process pipeline
(benchmarks.load) can be set side by side: where a final's time goes before it exists.

- ``final_queue_wait_mean_s``: a final's segment, submitted to its decode started (the workers were busy);
- ``decode_mean_s``: a decode, started to done, of any kind (longer when the CPU or the GIL is short);
- ``final_latency_mean_s``: the last voiced frame to the final, as the stream counts it;
- ``decodes``: by kind (partials dropped for waiting are not decoded at all).
"""

from __future__ import annotations

_PREFIX = "agentassist_"


def means(metrics: dict[str, float]) -> dict[str, object]:
    """The stage's means from ``metrics`` (full series names, with or without the ``agentassist_`` prefix)."""
    m = {k.removeprefix(_PREFIX): v for k, v in metrics.items()}

    def mean(name: str) -> float | None:
        n = m.get(f"{name}_count", 0.0)
        return round(m.get(f"{name}_sum", 0.0) / n, 3) if n else None

    decodes = {k.split('"')[1]: int(v) for k, v in m.items() if k.startswith("decodes_total{")}
    done = sum(decodes.values())
    busy = m.get("transcription_busy_seconds_total", 0.0)
    return {
        "final_queue_wait_mean_s": mean("final_queue_wait_seconds"),
        "final_latency_mean_s": mean("final_latency_seconds"),
        "decode_mean_s": round(busy / done, 3) if done else None,
        "decodes": decodes,
    }


def wanted(name: str) -> bool:
    """Whether a ``/metrics`` line named ``name`` is one :func:`means` reads."""
    bare = name.removeprefix(_PREFIX)
    return bare.startswith(("final_queue_wait_seconds_", "final_latency_seconds_", "decodes_total{")) or bare in (
        "transcription_busy_seconds_total",
    )
