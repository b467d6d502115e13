"""What a call's thread costs at a ``[transcribe] frame_wait_ms``, without the wire and without the model.

    python -m benchmarks.callthreads --calls 16 --seconds 20 --frame-wait-ms 0
    python -m benchmarks.callthreads --calls 16 --seconds 20            (the default: 60)

N real CallSessions (SQLite store, WAV recordings, the default segmenter and stream options) fed a
phone's stereo frames on the 20 ms clock by one thread, as the center's event loop pushes them; speech
from the shared prompts on both channels, so the segmenters cut and decodes are submitted. The model is
tests/test_stream.py's stand-in (answers at once): what is measured is the sessions' own CPU, by thread
group (benchmarks/threadcpu.py) while the frames are pushed: ``call threads`` and the pushing thread
(``event loop``, MainThread). Needs ../shared's asterisk-core-sounds prompts. Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from agentassist.audio.frames import read_wav_mono
from agentassist.config import TranscribeSettings
from agentassist.pipeline import CallSession, SessionInfo
from agentassist.pipeline.media import MediaThread
from agentassist.store.db import Store
from agentassist.transcribe.engine import StreamingTranscriber
from agentassist.transcribe.transcriber import one_blas_thread
from benchmarks.threadcpu import snapshot, split
from tests.conftest import SOUNDS_EN
from tests.test_pipeline_revise import PROMPTS, Feed
from tests.test_stream import GatedModel


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--calls", type=int, default=16)
    p.add_argument("--seconds", type=float, default=20.0)
    p.add_argument("--frame-wait-ms", type=int, default=TranscribeSettings().frame_wait_ms)
    args = p.parse_args()
    one_blas_thread()  # as a center does: numpy's BLAS (a frame's level in the segmenter) on one thread
    root = Path(tempfile.mkdtemp(prefix="callthreads-"))
    store = Store(f"sqlite:///{root / 'db.sqlite'}")
    store.migrate()
    settings = TranscribeSettings()
    options = {"segmenter_options": settings.segmenter_options(), "stream_options": settings.stream_options()}
    streaming = StreamingTranscriber(GatedModel(), workers=1)  # type: ignore[arg-type]
    frames = int(args.seconds * 50)
    turns = [np.concatenate([np.zeros(8000, np.int16), read_wav_mono(SOUNDS_EN / name)]) for name in PROMPTS]
    speech = np.tile(np.concatenate(turns), frames * 320 // sum(t.size for t in turns) + 1)[: frames * 320]
    stereo = np.stack([speech, speech[::-1]], axis=1).astype("<i2").tobytes()
    sessions = []
    media = MediaThread()  # one for every call, as a center's runtime has
    for i in range(args.calls):
        started = datetime.now(UTC)
        store.create_call(f"c{i}", "inbound", "sip:customer@127.0.0.1", "desk", None, started, "")
        info = SessionInfo(f"c{i}", started, root / f"c{i}.wav")
        wait_s = args.frame_wait_ms / 1000
        sessions.append(CallSession(info, streaming, store, Feed(), None, frame_wait_s=wait_s, media=media, **options))
    before, start = snapshot(), time.monotonic()
    for k in range(frames):
        time.sleep(max(0.0, start + k * 0.02 - time.monotonic()))
        chunk = stereo[k * 1280 : (k + 1) * 1280]
        for session in sessions:
            session.push_stereo(chunk)
    by_thread = split(before, snapshot())
    for session in sessions:
        session.end()
    for session in sessions:
        session.join(60)
    streaming.close()
    calls_s = by_thread.get("call threads", 0.0)
    out = {"calls": args.calls, "seconds": args.seconds, "frame_wait_ms": args.frame_wait_ms}
    out |= {"threads_cpu_s": by_thread, "call_threads_cpu_per_call_s": round(calls_s / (args.calls * args.seconds), 5)}
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
