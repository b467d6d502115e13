"""The CPU an encrypted recording costs: writing and reading a call's recording, in clear and encrypted.

The recorder writes ``--seconds`` of stereo 16 kHz audio as a phone's stream arrives (20 ms frames
through ``write_stereo``), flushed once a recorded second as the recorder does in a live call; fsync is
left out (``fsync_every_s`` of an hour: its cost is the disk's, the same for both). Then the whole
file is read back (``open_recording``), and 64 KiB ranges at random offsets, as a player seeks. The
figure is CPU time (``time.process_time``) per recorded second, the median of ``--runs`` runs after
one warm-up run; the load average is printed with it, since the machine is shared.

``--kills N``: N processes each record 3.0 s in real time, encrypted, and SIGKILL themselves; the
seconds that then decrypt say how much a kill costs.

    python -m benchmarks.recording_crypto [--seconds 600] [--runs 5] [--kills 5]
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from agentassist.audio.keyring import KeyRing, RecordingKey, load_keys
from agentassist.audio.recorder import Recorder
from agentassist.audio.sealed import open_recording
from benchmarks.common import machine

FRAME_BYTES = 1280  # 20 ms of both channels
RANGE_BYTES = 64 * 1024
# argv: the recording, the key file. 3 s of a constant sample, written in real time, then SIGKILL.
KILLED_WRITER = """
import os, signal, sys, time
from pathlib import Path
from agentassist.audio.keyring import load_keys
from agentassist.audio.recorder import Recorder
rec = Recorder(Path(sys.argv[1]), keys=load_keys(sys.argv[2]))
frame = b"\\x10\\x00" * 640
for i in range(150):
    rec.write_stereo(frame)
    time.sleep(0.02)
os.kill(os.getpid(), signal.SIGKILL)
"""


def write(path: Path, pcm: bytes, keys: KeyRing | None) -> None:
    rec = Recorder(path, fsync_every_s=3600.0, keys=keys)
    for i, at in enumerate(range(0, len(pcm), FRAME_BYTES)):
        rec.write_stereo(pcm[at : at + FRAME_BYTES])
        if i % 50 == 49:
            rec.flush()
    rec.close()


def read_all(path: Path, keys: KeyRing | None) -> None:
    with open_recording(path, keys) as f:
        while f.read(1 << 20):
            pass


def read_ranges(path: Path, keys: KeyRing | None, count: int = 200) -> None:
    rng = random.Random(3)
    with open_recording(path, keys) as f:
        size = f.seek(0, os.SEEK_END)
        for _ in range(count):
            f.seek(rng.randrange(size - RANGE_BYTES))
            f.read(RANGE_BYTES)


def killed_short_s(directory: Path, kills: int) -> list[float]:
    """Seconds short of the 3.0 s each killed writer recorded."""
    key_file = directory / "keys"
    key_file.write_text("bench " + base64.b64encode(os.urandom(32)).decode() + "\n")
    key_file.chmod(0o600)
    short = []
    for i in range(kills):
        path = directory / f"killed-{i}.wav"
        subprocess.run([sys.executable, "-c", KILLED_WRITER, str(path), str(key_file)], check=False)
        with open_recording(path, load_keys(str(key_file), {})) as f:
            short.append(round(3.0 - (len(f.read()) - 44) / 64000, 3))
    return short


def cpu_s(step: Callable[[], None], runs: int) -> float:
    step()  # warm-up: imports, the page cache, cryptography's backend
    times = []
    for _ in range(runs):
        t0 = time.process_time()
        step()
        times.append(time.process_time() - t0)
    return statistics.median(times)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=int, default=600)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--kills", type=int, default=0)
    args = p.parse_args()
    pcm = np.random.default_rng(1).integers(-3000, 3000, (args.seconds * 16000, 2), dtype="<i2").tobytes()
    keys = KeyRing([], RecordingKey("bench", os.urandom(32)))
    load_before = os.getloadavg()
    out: dict[str, Any] = {"machine": machine(), "recorded_s": args.seconds, "runs": args.runs}
    with tempfile.TemporaryDirectory() as tmp:
        for name, k in (("plain", None), ("encrypted", keys)):
            path = Path(tmp) / f"{name}.wav"
            w = cpu_s(lambda path=path, k=k: write(path, pcm, k), args.runs)  # type: ignore[misc]
            r = cpu_s(lambda path=path, k=k: read_all(path, k), args.runs)  # type: ignore[misc]
            g = cpu_s(lambda path=path, k=k: read_ranges(path, k), args.runs)  # type: ignore[misc]
            out[name] = {
                "write_cpu_us_per_recorded_s": round(w / args.seconds * 1e6, 1),
                "read_cpu_us_per_recorded_s": round(r / args.seconds * 1e6, 1),
                "range_64k_cpu_us": round(g / 200 * 1e6, 1),
                "file_bytes": path.stat().st_size,
            }
        if args.kills:
            out["killed_short_of_3s_s"] = killed_short_s(Path(tmp), args.kills)
    for figure in ("write_cpu_us_per_recorded_s", "read_cpu_us_per_recorded_s", "range_64k_cpu_us"):
        out[f"{figure}_ratio"] = round(out["encrypted"][figure] / max(out["plain"][figure], 1e-9), 2)
    out["load_average_1m"] = [round(load_before[0], 2), round(os.getloadavg()[0], 2)]  # before, after
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
