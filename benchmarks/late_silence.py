"""Time to silence a span masked after the call in a finished recording (a revision later than the
close waits for). A WAV is zeroed in place; an encrypted WAV is written again; an Ogg Opus file (plain or
encrypted) is decoded, silenced and encoded again, so its time grows with the call's length.

``--call-path``: how long the thread that delivered the revision (a transcription pool thread) is held,
on a real CallSession whose finished recording is a 10-minute Ogg: as it is now (the masked line stored
and published, the silence queued for the late work's thread) against the silence done on that thread
(as it was), interleaved, each on a new span; and the late work's time for the queued one.

    python -m benchmarks.late_silence [--minutes 1 10] [--repeat 3] [--call-path]
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


def _call_path(folder: Path, minutes: float, repeat: int) -> dict[str, float]:
    """Seconds the revision's thread is held (queued now, done there before) and the late work takes."""
    from datetime import UTC, datetime

    from agentassist.audio.frames import FRAME_BYTES
    from agentassist.events import Channel, Utterance, Word
    from agentassist.pipeline import CallSession, SessionInfo
    from agentassist.pipeline.late import LateWork
    from agentassist.store.db import Store

    store = Store(f"sqlite:///{folder / 'db.sqlite'}")
    store.migrate()
    started = datetime.now(UTC)
    store.create_call("c1", "inbound", "sip:cust@x", "alice", None, started, "")
    work = LateWork()
    session = CallSession(
        SessionInfo("c1", started, folder / "c1.wav"), None, store, _Feed(), None, opus=OpusOptions(), late_work=work
    )
    for _ in range(50):  # one second of both channels; the recording is swapped for a long one below
        session.push(Channel.CUSTOMER, bytes(FRAME_BYTES))
        session.push(Channel.AGENT, bytes(FRAME_BYTES))
    session.end()
    session.join(60)
    late = session.records.late_silence
    assert late is not None, "the close finished the recording"
    write_recording(folder / "long.wav", minutes)
    late.path = wav_to_opus(folder / "long.wav", OpusOptions())  # the call's finished Ogg, ten minutes long
    late.duration_s = minutes * 60

    def revision(n: int) -> tuple[Utterance, list[Any]]:
        start_s = 10.0 + 6.0 * n
        said = ["my", "card", "is", "4556", "0812", "3458", "9018"]
        words = tuple(Word(start_s + i * 0.3, start_s + (i + 1) * 0.3, f" {w}", 0.9) for i, w in enumerate(said))
        u = Utterance(f"u{n}", "c1", Channel.CUSTOMER, start_s, start_s + 2.1, " ".join(said), True, words, True)
        return u, [{"start": start_s + 0.9, "end": start_s + 2.1}]

    now, before, worker = [], [], []
    for n in range(repeat):
        u, _ = revision(2 * n)
        began = time.perf_counter()
        session.records.on_utterance(u)  # stores, publishes, queues the silence
        now.append(time.perf_counter() - began)
        began = time.perf_counter()
        assert work.wait(600)
        worker.append(time.perf_counter() - began)
        _, spans = revision(2 * n + 1)
        began = time.perf_counter()
        late(spans)  # type: ignore[arg-type]  # what the revision's thread did itself before
        before.append(time.perf_counter() - began)
    return {
        "revision thread, silence queued (now)": round(statistics.median(now), 4),
        "revision thread, silence done there (before)": round(statistics.median(before), 3),
        "late work thread, queued silence": round(statistics.median(worker), 3),
    }


class _Feed:
    def publish(self, event: Any) -> None:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minutes", type=float, nargs="+", default=[1.0, 10.0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--call-path", action="store_true")
    args = parser.parse_args()
    out: dict[str, Any] = {"machine": machine(), "repeat": args.repeat, "seconds": {}}
    if args.call_path:
        for minutes in args.minutes:
            with tempfile.TemporaryDirectory() as tmp:
                out["seconds"][f"{minutes:g} min Ogg"] = _call_path(Path(tmp), minutes, args.repeat)
        print(json.dumps(out, indent=2))
        return
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
