"""A process stop never leaves a call's last lines undelivered (agentassist/runtime.py, ``Runtime.stop``).

A real Runtime, a center only (no softphone, no model), with a real SQLite store, carries a phone's call;
the call's last finals wait on the delivery thread behind a loaded bus (each utterance's publish 50 ms).
The stop suspends the call (its phone goes on; the next run resumes it), which waits for no delivery:
the stop itself must deliver those lines, store them, and still end within its deadline."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

from agentassist.bus import EventBus
from agentassist.config import Settings
from agentassist.desk import CallInfo
from agentassist.events import Channel, Event, Utterance
from agentassist.runtime import STOP_S, Runtime
from agentassist.store.db import Store
from agentassist.store.recordings import RecordingStore

LINES = 12


class LoadedBus(EventBus):
    """The bus of a loaded center: an utterance's publish takes 50 ms."""

    def publish(self, event: Event) -> None:
        if event.type.value.startswith("utterance."):
            time.sleep(0.05)
        super().publish(event)


def _final(n: int) -> Utterance:
    return Utterance(
        f"u{n}", "c1", Channel.CUSTOMER if n % 2 else Channel.AGENT, n * 2.0, n * 2.0 + 1.5, f"line number {n}"
    )


def test_the_stop_delivers_a_calls_last_lines_before_it_returns(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    store.migrate()
    settings = Settings(
        server={"data_dir": str(tmp_path / "data")},  # type: ignore[arg-type]
        sip={"listen": ""},  # type: ignore[arg-type]
        audio={"input_device": "null", "output_device": "null"},  # type: ignore[arg-type]
        transcribe={"enabled": False},  # type: ignore[arg-type]
    )
    runtime = Runtime(settings, store, LoadedBus(), RecordingStore(tmp_path / "rec"))
    session = runtime.call_started(CallInfo("c1", "inbound", "sip:cust@x", "sip-c1", datetime.now(UTC), "alice"))
    for n in range(LINES):  # as the channel streams hand their finals over
        runtime.delivery.put(session.records.on_utterance, _final(n))
    assert runtime.delivery.pending > 0
    started = time.monotonic()
    runtime.stop()
    took_s = time.monotonic() - started
    assert [u["text"] for u in store.transcript("c1")] == [f"line number {n}" for n in range(LINES)]
    assert runtime.delivery.pending == 0 and runtime.delivery.failed == 0
    assert took_s < STOP_S + 1.0, took_s
    call = store.get_call("c1")
    assert call is not None and call["status"] == "active"  # suspended: left to its phone, to be resumed
