"""Time to silence a span masked after the call in a finished recording (a revision later than the
close waits for): the thread that masked it does the work, so this is how long it is held. A WAV is
zeroed in place; an encrypted WAV is written again; an Ogg Opus file (plain or encrypted) is decoded,
silenced and encoded again, so its time grows with the call's length.

    python -m benchmarks.late_silence [--minutes 1 10] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from agentassist.audio.encode import OpusOptions, wav_to_opus
from agentassist.audio.keyring import KeyRing, RecordingKey
from agentassist.audio.recorder import Recorder
from agentassist.audio.sealed import open_recording
from agentassist.privacy.silence import silence
from benchmarks.common import machine
from benchmarks.range import SAMPLE_RATE_HZ, write_recording

KEY = RecordingKey("bench", bytes(range(32)))


def _sealed_copy(plain: Path, target: Path, keys: KeyRing) -> None:
    """``plain`` written again through the recorder, encrypted as a call's recording is."""
    recorder = Recorder(target, keys=keys)
    with open_recording(plain, None) as f:
        f.seek(44)
        while block := f.read(SAMPLE_RATE_HZ * 4):
            recorder.write_stereo(block)
    recorder.close()


def _recordings(folder: Path, minutes: float) -> dict[str, tuple[Path, KeyRing | None]]:
    keys = KeyRing([KEY], KEY)
    wav = folder / "plain.wav"
    write_recording(wav, minutes)
    _sealed_copy(wav, folder / "sealed.wav", keys)
    shutil.copy(wav, folder / "opus.wav")
    _sealed_copy(wav, folder / "opus-sealed.wav", keys)
    return {
        "wav": (wav, None),
        "wav-sealed": (folder / "sealed.wav", keys),
        "opus": (wav_to_opus(folder / "opus.wav", OpusOptions()), None),
        "opus-sealed": (wav_to_opus(folder / "opus-sealed.wav", OpusOptions(), keys), keys),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minutes", type=float, nargs="+", default=[1.0, 10.0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    out: dict[str, Any] = {"machine": machine(), "repeat": args.repeat, "seconds": {}}
    for minutes in args.minutes:
        with tempfile.TemporaryDirectory() as tmp:
            for name, (path, keys) in _recordings(Path(tmp), minutes).items():
                times = []
                for n in range(args.repeat):  # a new span each time: none is already silent
                    start_s = 10.0 + 5.0 * n
                    began = time.perf_counter()
                    silence(path, [(start_s, start_s + 2.0)], SAMPLE_RATE_HZ, keys=keys, opus=OpusOptions())
                    times.append(time.perf_counter() - began)
                out["seconds"][f"{name} {minutes:g} min"] = round(statistics.median(times), 3)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
