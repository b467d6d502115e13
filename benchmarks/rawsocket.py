"""A minimal RFC 6455 WebSocket client on an asyncio stream, for simulators that must cost their machine
little (benchmarks/floorphones.py: hundreds of desks in one process beside the center they measure).

Sending a frame is one ``write`` of its header and payload, masked by ``websockets``' C routine; reading
hands each text message to a callback, answers pings, and stops at the server's close. No extensions,
no fragmentation on send; the handshake checks the status and the accept key."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import os
import random
import struct
from collections.abc import Callable

from websockets.speedups import apply_mask

_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455, section 1.3
TEXT, BINARY, CLOSE, PING, PONG = 0x1, 0x2, 0x8, 0x9, 0xA


class RawSocket:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, on_text: Callable[[str], None]):
        self._reader = reader
        self._writer = writer
        self._on_text = on_text
        self._task = asyncio.create_task(self._read())

    @classmethod
    async def connect(
        cls, host: str, port: int, path: str, headers: dict[str, str], on_text: Callable[[str], None]
    ) -> RawSocket:
        reader, writer = await asyncio.open_connection(host, port)
        key = base64.b64encode(os.urandom(16)).decode()
        lines = [f"GET {path} HTTP/1.1", f"Host: {host}:{port}", "Upgrade: websocket", "Connection: Upgrade"]
        lines += [f"Sec-WebSocket-Key: {key}", "Sec-WebSocket-Version: 13"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
        head = (await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 60)).decode("latin-1")
        status = head.split("\r\n", 1)[0]
        accept = base64.b64encode(hashlib.sha1(key.encode() + _GUID).digest()).decode()
        if " 101 " not in status + " " or accept not in head:
            writer.close()
            raise ConnectionError(f"expected 101 Switching Protocols with the accept key, got {status!r}")
        return cls(reader, writer, on_text)

    def send_text(self, text: str) -> None:
        self._send(TEXT, text.encode())

    def send_binary(self, data: bytes) -> None:
        self._send(BINARY, data)

    def _send(self, opcode: int, payload: bytes) -> None:
        n = len(payload)
        if n < 126:
            head = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
        elif n < 1 << 16:
            head = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
        else:
            head = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
        mask = random.randbytes(4)  # a client masks every frame (RFC 6455 5.3); not a secret on loopback
        self._writer.write(head + mask + apply_mask(payload, mask))

    async def drain(self) -> None:
        with contextlib.suppress(ConnectionError):
            await self._writer.drain()

    async def _read(self) -> None:
        read = self._reader.readexactly
        message: list[bytes] = []
        with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError):
            while True:
                b0, b1 = await read(2)
                n = b1 & 0x7F
                if n == 126:
                    (n,) = struct.unpack("!H", await read(2))
                elif n == 127:
                    (n,) = struct.unpack("!Q", await read(8))
                mask = await read(4) if b1 & 0x80 else b""
                payload = await read(n) if n else b""
                if mask:
                    payload = apply_mask(payload, mask)
                opcode = b0 & 0x0F
                if opcode == PING:
                    self._send(PONG, payload)
                elif opcode == CLOSE:
                    self._send(CLOSE, payload[:2])
                    return
                elif opcode in (TEXT, 0x0):
                    message.append(payload)
                    if b0 & 0x80:
                        self._on_text(b"".join(message).decode())
                        message = []

    async def close(self) -> None:
        """Say goodbye (close 1000), then drop the connection."""
        with contextlib.suppress(ConnectionError, RuntimeError, TimeoutError):  # a goodbye, not a figure
            self._send(CLOSE, struct.pack("!H", 1000))
            await asyncio.wait_for(asyncio.shield(self._task), 5)
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self._task
        self._writer.close()
