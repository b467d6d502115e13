"""A small center for the phone's tests: a real WebSocket server (websockets) that obeys
docs/wire-protocol.md on ``/api/phone`` - 401 before accepting an unknown credential, welcome, opened
with the frames it holds, frames only in order, an ack for each audio message, closed after close - and
keeps what it received across a stop and a start on the same port, as a center restarted on its data dir."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
import struct
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.http11 import Request, Response

from agentassist.wire import FRAME_BYTES_STEREO, Message, WireError, decode_audio, decode_text, encode_text


@dataclass
class CenterCall:
    params: dict[str, Any]
    pcm: bytearray = field(default_factory=bytearray)
    events: list[Message] = field(default_factory=list)
    closed: dict[str, Any] | None = None
    opens: int = 0

    @property
    def frames(self) -> int:
        return len(self.pcm) // FRAME_BYTES_STEREO


class FakeCenter:
    def __init__(
        self, port: int, tokens: dict[str, str], tls: ssl.SSLContext | None = None, *, acks: bool = True,
        elsewhere: bool = False,
    ) -> None:  # fmt: skip
        """``acks`` False: a node on a shared database (acks only at the close); ``elsewhere``: a node that
        answers every ``open`` with error ``elsewhere`` (another living node carries the call)."""
        self.port, self.tokens, self.tls = port, tokens, tls  # credential -> agent
        self.acks, self.elsewhere = acks, elsewhere
        self.calls: dict[str, CenterCall] = {}
        self.results: list[dict[str, Any]] = []
        self.failed: list[dict[str, Any]] = []
        self.refused = 0
        self.errors: list[str] = []
        self._conns: set[ServerConnection] = set()
        self._loop = asyncio.new_event_loop()
        self._server: Server | None = None
        threading.Thread(target=self._loop.run_forever, name="fake-center", daemon=True).start()

    @property
    def url(self) -> str:
        return f"{'wss' if self.tls else 'ws'}://127.0.0.1:{self.port}/api/phone"

    def start(self) -> None:
        async def up() -> Server:
            return await serve(self._session, "127.0.0.1", self.port, process_request=self._check, ssl=self.tls)

        self._server = asyncio.run_coroutine_threadsafe(up(), self._loop).result(10)

    def stop(self) -> None:
        async def down() -> None:
            assert self._server is not None
            self._server.close()
            await self._server.wait_closed()

        asyncio.run_coroutine_threadsafe(down(), self._loop).result(10)

    def command(self, action: str, **params: Any) -> None:
        """Send a command to every connected phone."""
        message = Message("command", "desk", {"command": f"c-{action}", "action": action, **params}, seq=1)

        async def send() -> None:
            for ws in list(self._conns):
                await ws.send(encode_text(message))

        asyncio.run_coroutine_threadsafe(send(), self._loop).result(10)

    def wait(self, predicate: Any, timeout_s: float = 20) -> None:
        deadline = time.monotonic() + timeout_s
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError(f"not true within {timeout_s} s; calls: {self.describe()}, errors: {self.errors}")
            time.sleep(0.05)

    def describe(self) -> dict[str, Any]:
        return {k: (c.frames, c.closed, c.opens) for k, c in self.calls.items()}

    def _check(self, conn: ServerConnection, request: Request) -> Response | None:
        auth = request.headers.get("Authorization", "")
        if auth.removeprefix("Bearer ") not in self.tokens:
            self.refused += 1
            return Response(401, "Unauthorized", Headers(), b"unknown phone credential")
        return None

    async def _session(self, ws: ServerConnection) -> None:
        agent = self.tokens[ws.request.headers["Authorization"].removeprefix("Bearer ")]  # type: ignore[union-attr]
        streams: dict[int, str] = {}
        seq = 0

        async def send(kind: str, ident: str, **params: Any) -> None:
            nonlocal seq
            seq += 1
            await ws.send(encode_text(Message(kind, ident, params, seq)))

        self._conns.add(ws)
        try:
            async for raw in ws:
                try:
                    if isinstance(raw, bytes):
                        audio = decode_audio(raw)
                        call = self.calls[streams[audio.stream]]
                        if audio.frame != call.frames:
                            raise WireError("out-of-order", f"expected frame {call.frames}, got {audio.frame}")
                        call.pcm += audio.pcm
                        if self.acks:
                            await send("ack", streams[audio.stream], frame=call.frames)
                        continue
                    m = decode_text(raw)
                    if m.type == "hello":
                        await send("welcome", "desk", agent=agent)
                    elif m.type == "open":
                        call = self.calls.setdefault(m.id, CenterCall(m.parameters))
                        call.opens += 1
                        if self.elsewhere:
                            await send("error", m.id, code="elsewhere", message="carried by another node")
                            continue
                        streams[len(streams) + 1] = m.id
                        await send("opened", m.id, stream=len(streams), frame=call.frames)
                    elif m.type == "close":
                        call = self.calls[m.id]
                        if m.parameters["frames"] != call.frames:
                            raise WireError("bad-message", f"close: {m.parameters['frames']} != {call.frames}")
                        call.closed = m.parameters
                        if not self.acks:
                            await send("ack", m.id, frame=call.frames)
                        await send("closed", m.id)
                    elif m.type == "result":
                        self.results.append(m.parameters)
                    elif m.type == "failed":
                        self.failed.append(m.parameters)
                    elif m.id in self.calls:
                        self.calls[m.id].events.append(m)
                except WireError as exc:
                    self.errors.append(str(exc))
        finally:
            with contextlib.suppress(KeyError):
                self._conns.remove(ws)


class Relay:
    """A TCP relay from ``port`` to ``target_port`` on 127.0.0.1 that can be cut (every connection
    reset, nothing listening) and restored: the network between a desk and the center."""

    def __init__(self, port: int, target_port: int) -> None:
        self.port, self.target_port = port, target_port
        self._listener: socket.socket | None = None
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()

    def start(self) -> None:
        listener = socket.create_server(("127.0.0.1", self.port), reuse_port=True)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        assert self._listener is not None
        self._listener.close()
        with self._lock:
            conns, self._open = list(self._open), set()
        for s in conns:
            with contextlib.suppress(OSError):
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # RST
                s.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # cut
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port))
            except OSError:
                client.close()
                continue
            with self._lock:
                self._open |= {client, upstream}
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := src.recv(65536):
                dst.sendall(data)
        with contextlib.suppress(OSError):
            dst.shutdown(socket.SHUT_WR)
