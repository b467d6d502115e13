"""Where the CPU goes in a load run: benchmarks.load under cProfile in every thread, grouped by stage.

    python -m benchmarks.profile_load --calls 1 --seconds 30 [any benchmarks.load option]

cProfile follows one thread; the transcription workers are threads of their own, so each
thread started during the run gets its own profiler and their statistics are merged. The
clock is the wall clock: CTranslate2 computes in threads of its own while the Python caller
waits, so a thread's CPU clock never sees the model (measured: 0.02 s for a 0.3 s decode). On a
shared machine every stage is stretched by the neighbours alike, so read the shares, not the
seconds; the process's CPU seconds (``cpu_s``) say what the run cost in all. Time
inside CTranslate2 shows as the C++ calls it is (``encode``, ``generate``, ``align``,
``detect_language``); the rest is grouped by the module it is spent in (own time, tottime).
cProfile's overhead inflates the Python parts by tens of percent: read them as an upper bound.
Last line: {"stages": {stage: seconds}, "shares": {stage: share of profiled seconds}, "load": ...}.
"""

from __future__ import annotations

import cProfile
import json
import os
import pstats
import resource
import sys
import threading
from typing import Any

STAGES = (  # first match wins: (stage, substring of "file:function")
    ("encoder", "ctranslate2._ext.encode"),
    ("decoder", "ctranslate2._ext.generate"),
    ("alignment", "ctranslate2._ext.align"),
    ("language", "ctranslate2._ext.detect_language"),
    ("revision decode", "generate_with_fallback"),  # faster-whisper's long-form loop: its generate() is inside
    ("model load", "faster_whisper/transcribe.py:__init__"),
    ("model load", "from_file"),
    ("features", "feature_extractor.py"),
    ("features", "_pocketfft"),
    ("resample", "resample"),
    ("vad", "webrtcvad"),
    ("segmenter", "audio/segmenter.py"),
    ("tokenizer", "tokenizers"),
    ("numpy", "numpy"),
    ("waiting", "acquire"),
    ("waiting", "time.sleep"),
    ("waiting", "select.poll"),
    ("waiting", "threading.py"),
)


def stage_of(key: tuple[str, int, str]) -> str:
    where = f"{key[0]}:{key[2]}"
    for stage, needle in STAGES:
        if needle in where:
            return stage
    return "python"


def main() -> int:
    profiles: list[cProfile.Profile] = []
    lock = threading.Lock()
    run = threading.Thread.run

    def profiled_run(self: threading.Thread) -> None:
        prof = cProfile.Profile()
        with lock:
            profiles.append(prof)
        prof.runcall(run, self)

    threading.Thread.run = profiled_run  # type: ignore[method-assign]
    from benchmarks import load

    sys.argv = ["benchmarks.load", *sys.argv[1:]]
    main_prof = cProfile.Profile()
    before = resource.getrusage(resource.RUSAGE_SELF)
    main_prof.runcall(load.main)
    after = resource.getrusage(resource.RUSAGE_SELF)
    threading.Thread.run = run  # type: ignore[method-assign]
    stats = pstats.Stats(main_prof)
    for prof in profiles:
        stats.add(prof)
    table: dict[tuple[str, int, str], Any] = stats.stats  # type: ignore[attr-defined]
    stages: dict[str, float] = {}
    for key, (_, _, tottime, _, _) in table.items():
        stage = stage_of(key)
        stages[stage] = stages.get(stage, 0.0) + tottime
    working = {k: v for k, v in stages.items() if k != "waiting"}
    total = sum(working.values())
    summary = {
        "stages": {k: round(v, 2) for k, v in sorted(stages.items(), key=lambda kv: -kv[1])},
        "shares": {k: round(v / total, 3) for k, v in sorted(working.items(), key=lambda kv: -kv[1])},
        "threads_profiled": len(profiles) + 1,
        "cpu_s": round(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 1),
        "load_avg": [round(x, 2) for x in os.getloadavg()],
        "argv": sys.argv[1:],
    }
    stats.sort_stats("tottime").print_stats(15)
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
