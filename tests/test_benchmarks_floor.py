"""``python -m benchmarks.floor`` runs: two desks stream 5 s of real speech over the wire into a real
center, with transcription and as a recorder only (``[transcribe] enabled = false``); every frame is in
the recordings, byte for byte, and the figures the benchmark promises are there."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from benchmarks.common import DEFAULT_MANIFEST, REPO
from benchmarks.threadcpu import group_of, snapshot, split

# the main checkout's ../shared; a worktree (../wt/NAME) has it one folder further up
MANIFEST = next(
    (p for p in (DEFAULT_MANIFEST, REPO.parent.parent / "shared/speech/asterisk/manifest.jsonl") if p.is_file()),
    None,
)


def _floor(*options: str) -> dict[str, object]:
    if MANIFEST is None:
        pytest.skip(f"no speech manifest at {DEFAULT_MANIFEST}")
    command = [sys.executable, "-m", "benchmarks.floor", "--calls", "2", "--seconds", "5", "--manifest", str(MANIFEST)]
    env = {**os.environ, "AGENTASSIST_MODELS_DIR": str(REPO / "models")}
    out = subprocess.run([*command, *options], cwd=REPO, capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-3000:]
    summary: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return summary


def _whole(summary: dict[str, object]) -> None:
    assert summary["calls_failed"] == [] and summary["errors"] == []
    assert (summary["frames_sent"], summary["frames_lost"], summary["recordings_exact"]) == (500, 0, 2)
    assert summary["last_ack_is_every_frame"] == 2
    assert isinstance(summary["acks"], int) and summary["acks"] >= 2
    assert isinstance(summary["pipeline_probes"], int) and summary["pipeline_probes"] >= 8  # one a second a call
    assert isinstance(summary["center_cpu_s"], float) and summary["center_cpu_s"] > 0
    assert summary["isa"] in ("GENERIC", "AVX", "AVX2", "AVX512", "NEON")  # ctranslate2's names (CT2_VERBOSE)
    # the center's CPU while the frames streamed, by thread (benchmarks.threadcpu), and per call-second
    threads = summary["center_threads_cpu_s"]
    assert isinstance(threads, dict) and {"event loop", "process"} <= threads.keys()
    assert isinstance(summary["center_cpu_per_call_s"], float) and summary["center_cpu_per_call_s"] > 0


def test_floor_with_transcription() -> None:
    summary = _floor()
    _whole(summary)
    assert summary["transcribe"] is True
    assert isinstance(summary["finals"], int) and summary["finals"] >= 1
    assert isinstance(summary["final_latency_p50_s"], float)


def test_floor_recording_only() -> None:
    summary = _floor("--no-transcribe")
    _whole(summary)
    assert (summary["transcribe"], summary["finals"], summary["model"]) == (False, 0, None)


def test_floor_without_the_wire() -> None:
    """``--no-wire``: the same calls pushed into an in-process center's sessions, whose CPU is set beside
    the wire's (benchmarks/floor_nowire.py)."""
    summary = _floor("--no-wire", "--no-transcribe")
    assert (summary["no_wire"], summary["transcribe"], summary["calls"]) == (True, False, 2)
    threads = summary["threads_cpu_s"]
    assert isinstance(threads, dict) and threads["process"] > 0
    assert isinstance(summary["cpu_per_call_s"], float) and summary["cpu_per_call_s"] > 0


def test_a_threads_cpu_is_counted_under_its_group_and_an_ended_ones_apart() -> None:
    def burn(seconds: float) -> None:
        end = time.thread_time() + seconds
        while time.thread_time() < end:
            pass

    before = snapshot()
    live = threading.Thread(target=burn, args=(0.3,), name="call-live")
    live.start()
    live.join(5)
    for _ in range(100):  # join returns before the kernel has let the thread go from /proc/self/task
        if not Path(f"/proc/self/task/{live.native_id}").exists():
            break
        time.sleep(0.02)
    ended_alone = split(before, snapshot())  # the thread has ended: its CPU is the process's, not a group's
    # a live thread of the group (the recordings' fsync pool, left by an earlier test) may be listed, idle
    assert ended_alone.get("call threads", 0.0) < 0.1 and ended_alone["ended"] >= 0.2
    assert ended_alone["process"] >= ended_alone["ended"]
    done = threading.Event()
    worker = threading.Thread(target=lambda: (burn(0.3), done.wait(5)), name="transcribe-9")
    worker.start()
    try:
        for _ in range(100):  # bounded: until the thread has burnt its 0.3 s (the clock counts in ticks)
            during = split(before, snapshot())
            if during.get("decode workers", 0.0) >= 0.2:
                break
            time.sleep(0.05)
        assert during["decode workers"] >= 0.2 and during["event loop"] >= 0.0  # this thread is MainThread
    finally:
        done.set()
        worker.join(5)
    assert group_of("asyncio_3") == group_of("AnyIO worker thread") == "executor"
    assert group_of("pool-1") == "other"


def test_a_threads_wakeups_are_counted_under_its_group() -> None:
    before = snapshot()
    done = threading.Event()

    def nap() -> None:
        for _ in range(20):  # blocks and is woken twenty times
            time.sleep(0.002)
        done.wait(5)

    napper = threading.Thread(target=nap, name="call-napper")
    napper.start()
    try:
        for _ in range(100):  # bounded: until its twenty naps are over
            wakes = split(before, snapshot())["wakes"].get("call threads", 0)
            if wakes >= 20:
                break
            time.sleep(0.02)
        assert wakes >= 20
    finally:
        done.set()
        napper.join(5)
