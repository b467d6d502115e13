"""A phone that speaks the wire (docs/wire-protocol.md) from the published text, for the tests and the
floor benchmark (benchmarks/floor.py): a real WebSocket client (``websockets``) streaming real speech,
with no pjsua. Written against the document, not the center's code: it imports only the audio helpers.

The messages are built by plain functions (:func:`envelope`, :func:`open_parameters`, :func:`audio_message`),
shared by the blocking :class:`WirePhone` of the tests and the asyncio phones of the benchmark."""

from __future__ import annotations

import json
import subprocess
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from websockets.sync.client import ClientConnection, connect

from agentassist.audio.frames import read_wav_mono

FRAME = 1280  # 20 ms of both channels, 16-bit, 16 kHz
MEDIA = {"format": "L16", "rate": 16000, "channels": ["external", "internal"]}


def add_phone(agentassist: Path, config: Path, agent: str, cwd: Path) -> str:
    """`agentassist users add-phone AGENT`: the credential, alone on the last line."""
    out = subprocess.run(
        [str(agentassist), "users", "add-phone", agent, "--config", str(config)],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip().splitlines()[-1]


def stereo(external: Path, internal: Path, seconds: float | None = None) -> bytes:
    """Two WAVs as the wire's interleaved 16 kHz PCM, the shorter padded with silence, whole frames."""
    a, b = read_wav_mono(external), read_wav_mono(internal)
    n = max(a.size, b.size) if seconds is None else int(seconds * 16000)
    n -= n % 320
    out = np.zeros((n, 2), dtype="<i2")
    out[: min(n, a.size), 0] = a[:n]
    out[: min(n, b.size), 1] = b[:n]
    return out.tobytes()


def envelope(kind: str, ident: str, seq: int, last: int, params: dict[str, Any]) -> str:
    """A text message: ``seq`` counts the sender's messages, ``last`` is the other side's last ``seq``."""
    message = {"version": "agentassist/1", "type": kind, "seq": seq, "serverseq": last, "id": ident}
    return json.dumps({**message, "parameters": params})


def open_parameters(call_id: str, agent: str, **extra: Any) -> dict[str, Any]:
    """``open`` of a new inbound call of ``agent``, starting now."""
    return {
        "direction": "inbound",
        "remote": "sip:customer@127.0.0.1",
        "sip_call_id": f"{call_id}@tests",
        "started_at": datetime.now(UTC).isoformat(),
        "agent": agent,
        "media": MEDIA,
        **extra,
    }


def audio_message(stream: int, frame: int, chunk: bytes) -> bytes:
    """A binary message: the 10-byte header, then whole stereo frames from index ``frame``."""
    return stream.to_bytes(2, "big") + frame.to_bytes(4, "big") + bytes(4) + chunk


class WirePhone:
    def __init__(self, port: int, credential: str, agent: str) -> None:
        self.agent = agent
        self.ws: ClientConnection = connect(
            f"ws://127.0.0.1:{port}/api/phone",
            additional_headers={"Authorization": f"Bearer {credential}"},
            compression=None,
            open_timeout=10,
            legacy=True,  # websockets 17: a connection held by an object, not in a with block
        )
        self.seq = 0
        self.last = 0
        self.inbox: list[dict[str, Any]] = []  # messages read while waiting for another one

    def send(self, kind: str, ident: str = "desk", **params: Any) -> None:
        self.seq += 1
        self.ws.send(envelope(kind, ident, self.seq, self.last, params))

    def hello(self) -> dict[str, Any]:
        self.send("hello", software="tests/wirephone", ringing=[])
        return self.expect("welcome")

    def expect(self, kind: str, ident: str | None = None, timeout_s: float = 30) -> dict[str, Any]:
        """The next message of ``kind`` (and ``ident``); acks and others seen meanwhile are kept."""
        for i, m in enumerate(self.inbox):
            if m["type"] == kind and (ident is None or m["id"] == ident):
                return self.inbox.pop(i)
        while True:
            raw = self.ws.recv(timeout=timeout_s)
            m = json.loads(raw)
            self.last = m["seq"]
            if m["type"] == kind and (ident is None or m["id"] == ident):
                return m
            if m["type"] == "error" and ident is not None and m["id"] == ident:
                raise AssertionError(f"expected {kind} for {ident}, got {m}")
            self.inbox.append(m)

    def open(self, call_id: str | None = None, agent: str | None = None, **extra: Any) -> tuple[str, int, int]:
        """A new call (or ``call_id`` again): its id, stream and the frame the center has."""
        call_id = call_id or str(uuid.uuid4())
        self.send("open", call_id, **open_parameters(call_id, agent or self.agent, **extra))
        m = self.expect("opened", call_id)
        return call_id, m["parameters"]["stream"], m["parameters"]["frame"]

    def audio(self, stream: int, frame: int, pcm: bytes, per_message: int = 50) -> int:
        """Send ``pcm`` from ``frame`` on, ``per_message`` frames a message; the next frame's index."""
        for at in range(0, len(pcm), per_message * FRAME):
            chunk = pcm[at : at + per_message * FRAME]
            self.ws.send(audio_message(stream, frame, chunk))
            frame += len(chunk) // FRAME
        return frame

    def close_call(self, call_id: str, frames: int, reason: str = "hangup", timeout_s: float = 120) -> int:
        """``close``, then wait for ``closed``; the last ack's frame."""
        self.send("close", call_id, reason=reason, frames=frames)
        self.expect("closed", call_id, timeout_s)
        acks = [m["parameters"]["frame"] for m in self.inbox if m["type"] == "ack" and m["id"] == call_id]
        return max(acks, default=0)

    def close(self) -> None:
        self.ws.close()
