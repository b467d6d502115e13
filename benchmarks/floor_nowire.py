"""``python -m benchmarks.floor --no-wire``: the center's pipeline with the wire taken out.

The same center (config, runtime, store, bus, feed) runs in this process under the app's lifespan
(Starlette's TestClient); each call is started as a phone's ``open`` starts it (``Runtime.call_started``)
and its audio is pushed into its session as a phone's is (``CallSession.push_stereo``, one 20 ms frame
an item), every call's frame of the moment from one feeder thread on the frames' clock, as
benchmarks.load feeds its streams. Finals are stamped as they arrive on ``/api/live``. Beside
benchmarks.floor (the wire) and benchmarks.load (no session: channel streams only), it tells what the
wire costs from what a call's session costs (issue 16).
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

from agentassist import memory
from agentassist.api.app import create_app
from agentassist.bus import make_bus
from agentassist.config import load_settings
from agentassist.desk import CallInfo
from agentassist.events import Channel
from agentassist.runtime import Runtime
from agentassist.store.db import Store
from agentassist.store.recordings import RecordingStore
from benchmarks.common import percentile
from benchmarks.floorphones import CallFigures, Feed
from benchmarks.threadcpu import snapshot, split

FRAME = 1280  # a stereo 20 ms frame, as the wire carries it


def _watch(client: TestClient, token: str, feed: Feed, ready: threading.Event, calls: set[str]) -> None:
    """Stamp every final until each of ``calls`` (filled in once they start) has ended."""
    with client.websocket_connect("/api/live", headers={"Authorization": f"Bearer {token}"}) as ws:
        ready.set()
        while not calls or not calls <= feed.ended:
            e: dict[str, Any] = ws.receive_json()
            now = time.monotonic()
            if e.get("type") == "utterance.final":
                u = e["utterance"]
                feed.finals.append((e["call_id"], u["channel"], u["start"], u["end"], now))
            elif e.get("type") == "call.ended":
                feed.ended.add(e["call_id"])


def floor_nowire(
    args: argparse.Namespace,
    calls: list[dict[Channel, tuple[bytes, list[float]]]],
    pcms: list[bytes],
    config_for: Callable[[Path], Path],
    transcribe: bool,
) -> tuple[dict[str, Any], Feed, list[CallFigures]]:
    """The calls pushed into one in-process center's sessions: the summary's own figures, the feed, and
    each call's figures (for benchmarks.floor's latency rule)."""
    memory.cap_arenas()  # as `agentassist serve` does, before any thread starts
    memory.keep_freed_blocks()
    root = Path(tempfile.mkdtemp(prefix="floor-nowire-"))
    (root / "data").mkdir()
    settings = load_settings(config_for(root))
    store = Store(f"sqlite:///{root / 'data' / 'agentassist.db'}")
    store.migrate()
    token = store.add_user("bench", "admin")
    for i in range(len(calls)):
        store.add_user(f"desk{i:03d}", "agent")
    bus = make_bus("")
    recordings = RecordingStore(settings.data_dir / "recordings", None, None)
    runtime = Runtime(settings, store, bus, recordings)
    feed, ready, ids = Feed(), threading.Event(), set[str]()
    summary: dict[str, Any] = {}
    with TestClient(create_app(settings, store, bus, recordings, runtime)) as client:
        watcher = threading.Thread(target=_watch, args=(client, token, feed, ready, ids), daemon=True)
        watcher.start()
        ready.wait(30)
        figures = []
        sessions = []
        for i in range(len(calls)):
            call_id = f"nowire-{i:03d}-{int(time.time() * 1000)}"
            info = CallInfo(
                call_id, "inbound", "sip:customer@floor", f"sip-{call_id}", datetime.now(UTC), f"desk{i:03d}"
            )
            sessions.append(runtime.call_started(info))
            figures.append(CallFigures(call_id=call_id, frames=len(pcms[i]) // FRAME, closed=True))
        frames = max(f.frames for f in figures)
        late: list[float] = []
        start = time.monotonic() + 0.2
        for f in figures:
            f.started = start
        time.sleep(0.2)
        before = snapshot()
        for k in range(frames):
            wait = start + k * 0.02 - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            else:
                late.append(-wait)
            for session, pcm in zip(sessions, pcms, strict=True):
                session.push_stereo(pcm[k * FRAME : (k + 1) * FRAME])
        summary["threads_cpu_s"] = split(before, snapshot())
        summary["cpu_per_call_s"] = round(summary["threads_cpu_s"]["process"] / (len(calls) * args.seconds), 5)
        summary["feeder_late_p95_s"] = round(percentile(late, 95), 3) if late else 0.0
        ids.update(f.call_id for f in figures)
        for f in figures:
            runtime.call_ended(f.call_id, "hangup")
        watcher.join(120)  # every call's end published (its last finals before it)
    return summary, feed, figures
