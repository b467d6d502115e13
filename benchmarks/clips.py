"""Time to serve a coaching clip (GET /api/coaching/clips/{id}/audio) from a long recording: the whole
clip and one 64 KiB range of it, first from the WAV (read by byte ranges of the span), then from the
same recording converted to Ogg Opus (the span decoded from a seek to its start). The app runs in this
process under TestClient (SQLite store, an admin token, the audit row every read writes).

    python -m benchmarks.clips [--minutes 10] [--clip-s 30] [--repeat 20]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from agentassist.api.app import create_app
from agentassist.audio.encode import wav_to_opus
from agentassist.bus import EventBus
from agentassist.config import Settings
from agentassist.store.db import Store
from agentassist.store.recordings import RecordingStore
from benchmarks.common import machine
from benchmarks.range import CALL_ID, write_recording

RANGE = "bytes=100000-165535"  # 64 KiB, as a player's later request


def _median_ms(client: TestClient, path: str, headers: dict[str, str], repeat: int) -> tuple[float, int]:
    times, size = [], 0
    for _ in range(repeat):
        start = time.perf_counter()
        r = client.get(path, headers=headers)
        times.append(time.perf_counter() - start)
        assert r.status_code in (200, 206), r.text
        size = len(r.content)
    return round(statistics.median(times) * 1000, 1), size


def run(minutes: float, clip_s: float, repeat: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="agentassist-clips-") as tmp_dir:
        tmp = Path(tmp_dir)
        store = Store(f"sqlite:///{tmp / 'db.sqlite'}")
        store.migrate()
        auth = {"Authorization": f"Bearer {store.add_user('ada', 'admin')}"}
        recordings = RecordingStore(tmp / "rec")
        t0 = datetime(2026, 11, 2, tzinfo=UTC)
        store.create_call(CALL_ID, "inbound", "sip:x@y", "al", "", t0, "")
        store.end_call(CALL_ID, t0 + timedelta(minutes=minutes))
        write_recording(recordings.path_for(CALL_ID), minutes)
        out: dict[str, Any] = {"minutes": minutes, "clip_s": clip_s, "machine": machine()}
        app = create_app(
            Settings.model_validate({"server": {"data_dir": str(tmp / "data")}}), store, EventBus(), recordings
        )
        with TestClient(app) as client:
            middle = minutes * 30
            body = {"call_id": CALL_ID, "start": middle, "end": middle + clip_s, "tag": "bench"}
            path = (
                f"/api/coaching/clips/{client.post('/api/coaching/clips', json=body, headers=auth).json()['id']}/audio"
            )
            client.get(path, headers=auth)  # warm-up
            for kind in ("wav", "ogg"):
                if kind == "ogg":
                    wav_to_opus(recordings.path_for(CALL_ID))
                found = recordings.find(CALL_ID)
                assert found is not None
                n = repeat if kind == "wav" else max(3, repeat // 5)
                whole_ms, whole_bytes = _median_ms(client, path, auth, n)
                range_ms, _ = _median_ms(client, path, {**auth, "Range": RANGE}, n)
                out[kind] = {"recording_bytes": found.stat().st_size, "clip_bytes": whole_bytes,
                             "whole_clip_ms": whole_ms, "range_64k_ms": range_ms}  # fmt: skip
        store.engine.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="length of the recording")
    parser.add_argument("--clip-s", type=float, default=30.0, help="length of the clip, from the middle of the call")
    parser.add_argument("--repeat", type=int, default=20, help="requests per figure (the Ogg's: a fifth)")
    args = parser.parse_args()
    print(json.dumps(run(args.minutes, args.clip_s, args.repeat), indent=2))


if __name__ == "__main__":
    main()
