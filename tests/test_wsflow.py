"""The center's WebSocket protocol (agentassist/api/wsflow.py) under a real uvicorn and a real client:
reading pauses only once messages wait for the app, every message still arrives in order, and an app
that does not read stops the peer."""

from __future__ import annotations

import asyncio
import hashlib
import threading
import time
from typing import Any

from websockets.sync.client import connect

from agentassist.api.wsflow import QUEUED, QueuedReading
from benchmarks.ports import lifespan, served

MESSAGES = 200


class Counted(QueuedReading):
    """The protocol as served, counting its connection's pauses (the test's window into flow control)."""

    pauses = 0

    def send_receive_event_to_app(self) -> None:
        was = self.read_paused
        super().send_receive_event_to_app()
        if self.read_paused and not was:
            Counted.pauses += 1


def app_reading(hold: threading.Event) -> Any:
    """An ASGI app that takes every message (after ``hold`` is set) and answers their SHA-256, joined."""

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if await lifespan(scope, receive, send):
            return
        await receive()  # websocket.connect
        await send({"type": "websocket.accept"})
        await asyncio.to_thread(hold.wait, 30)
        got = []
        for _ in range(MESSAGES):
            got.append((await receive())["bytes"])
        await send({"type": "websocket.send", "bytes": hashlib.sha256(b"".join(got)).digest()})

    return app


def test_a_reader_that_keeps_up_is_never_paused_and_gets_every_message_in_order() -> None:
    Counted.pauses = 0
    hold = threading.Event()
    hold.set()
    sent = [i.to_bytes(4, "big") * 320 for i in range(MESSAGES)]  # a phone's 1280-byte frames
    with served(app_reading(hold), ws=Counted) as port, connect(f"ws://127.0.0.1:{port}/", compression=None) as ws:
        for m in sent:  # paced as a phone's frames (faster): the app takes each before the next comes
            ws.send(m)
            time.sleep(0.002)
        assert ws.recv(timeout=30) == hashlib.sha256(b"".join(sent)).digest()
    assert Counted.pauses <= MESSAGES // QUEUED  # uvicorn's own protocol pauses after each of the 200


def test_an_app_that_does_not_read_pauses_the_connection_and_then_takes_everything() -> None:
    Counted.pauses = 0
    hold = threading.Event()
    sent = [i.to_bytes(4, "big") * 16384 for i in range(MESSAGES)]  # 64 KiB each: 12.8 MB in all
    with served(app_reading(hold), ws=Counted) as port, connect(f"ws://127.0.0.1:{port}/", compression=None) as ws:
        sender = threading.Thread(target=lambda: [ws.send(m) for m in sent], daemon=True)
        sender.start()
        sender.join(2)
        assert sender.is_alive(), "expected the peer stopped by the socket's buffers while the app reads nothing"
        assert Counted.pauses >= 1
        hold.set()
        sender.join(30)
        assert ws.recv(timeout=30) == hashlib.sha256(b"".join(sent)).digest()
