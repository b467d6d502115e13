"""``GET /api/audiohook`` against a real ``agentassist serve`` with no softphone: a client written from
the published AudioHook text (open with media offers, stereo PCMU at 8 kHz made by sox, ping, a pause,
close) streams real speech; the transcript and the script's ticks arrive as for a phone, live on the
feed, and the call is the credential's agent's."""

from __future__ import annotations

import io
import json
import subprocess
import threading
import time
import uuid
import wave
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import ClientConnection, connect

from benchmarks.ports import free_port
from benchmarks.wirephone import add_phone
from tests.conftest import AGENTASSIST, REPO, SOUNDS_EN, Server, add_user, need, voicemail_script, write_config

ORG = "d7934305-0972-4844-938e-9060eef73d05"


@pytest.fixture(scope="module")
def center(tmp_path_factory: pytest.TempPathFactory, prompts_en: dict[str, str]) -> Iterator[dict[str, Any]]:
    need("sox")
    root = tmp_path_factory.mktemp("audiohook")
    http_port = free_port()
    config = write_config(
        root, 0, http_port, sip={"listen": ""}, recorder={"format": "wav"}, assist={"default_script": "vm"}
    )
    (root / "scripts" / "vm.yaml").write_text(voicemail_script("vm"))
    server = Server(root, config, 0, http_port)
    server.token = add_user(config, "Alex", "admin")
    add_user(config, "carol", "agent")
    server.start()
    try:
        yield {"server": server, "key": add_phone(AGENTASSIST, config, "carol", REPO), "root": root}
    finally:
        server.stop()


class HookClient:
    """AudioHook's client side, as published: it opens, streams, pings, pauses and closes."""

    def __init__(self, port: int, key: str) -> None:
        self.session = str(uuid.uuid4())
        self.ws: ClientConnection = connect(
            f"ws://127.0.0.1:{port}/api/audiohook",
            additional_headers={
                "X-API-KEY": key,
                "Audiohook-Organization-Id": ORG,
                "Audiohook-Correlation-Id": str(uuid.uuid4()),
                "Audiohook-Session-Id": self.session,
            },
            compression=None,
            legacy=True,
        )
        self.seq = 0
        self.serverseq = 0
        self.position_s = 0.0

    def send(self, kind: str, **params: Any) -> None:
        self.seq += 1
        message = {"version": "2", "type": kind, "seq": self.seq, "serverseq": self.serverseq, "id": self.session}
        position = f"PT{self.position_s:.2f}S"
        self.ws.send(json.dumps({**message, "position": position, "parameters": params}))

    def receive(self, timeout_s: float = 30) -> dict[str, Any]:
        m: dict[str, Any] = json.loads(self.ws.recv(timeout=timeout_s))
        assert m["version"] == "2" and m["id"] == self.session, m
        assert m["clientseq"] == self.seq, m
        self.serverseq = m["seq"]
        return m

    def open(self, conversation: str) -> dict[str, Any]:
        self.send(
            "open",
            organizationId=ORG,
            conversationId=conversation,
            participant={"id": str(uuid.uuid4()), "ani": "tel:+15551230000", "aniName": "", "dnis": "tel:+18005550100"},
            media=[
                {"type": "audio", "format": "PCMU", "channels": ["external", "internal"], "rate": 8000},
                {"type": "audio", "format": "PCMU", "channels": ["external"], "rate": 8000},
            ],
            language="en-US",
        )
        return self.receive()

    def audio(self, pcmu: bytes, chunk_s: float = 0.1, speed: float = 4.0) -> None:
        step = int(8000 * chunk_s) * 2
        for at in range(0, len(pcmu), step):
            self.ws.send(pcmu[at : at + step])
            self.position_s += len(pcmu[at : at + step]) / 2 / 8000
            time.sleep(chunk_s / speed)


def _pcmu(root: Path, external: Path, internal: Path) -> bytes:
    """Two WAVs as stereo mu-law at 8 kHz, external left: what the platform streams."""
    out = root / "call.ul"
    encoding = ["-r", "8000", "-e", "mu-law", "-b", "8", "-c", "2", "-t", "raw"]
    subprocess.run(["sox", "-M", str(external), str(internal), *encoding, str(out)], check=True)
    return out.read_bytes()


def _feed(port: int, token: str, events: list[dict[str, Any]], stop: threading.Event) -> None:
    with connect(f"ws://127.0.0.1:{port}/api/live", additional_headers={"Authorization": f"Bearer {token}"}) as ws:
        while not stop.is_set():
            try:
                events.append(json.loads(ws.recv(timeout=0.5)))
            except TimeoutError:
                continue


def test_an_audiohook_call_is_transcribed_and_its_script_ticked_live(center: dict[str, Any]) -> None:
    server: Server = center["server"]
    pcmu = _pcmu(center["root"], SOUNDS_EN / "demo-echotest.wav", SOUNDS_EN / "vm-intro.wav")
    events: list[dict[str, Any]] = []
    stop = threading.Event()
    feed = threading.Thread(target=_feed, args=(server.http_port, server.token, events, stop), daemon=True)
    feed.start()
    client = HookClient(server.http_port, center["key"])
    try:
        opened = client.open(str(uuid.uuid4()))
        assert opened["type"] == "opened"
        assert opened["parameters"]["media"] == [
            {"type": "audio", "format": "PCMU", "channels": ["external", "internal"], "rate": 8000}
        ]
        client.send("ping")
        assert client.receive()["type"] == "pong"
        half = len(pcmu) // 2 // 1600 * 1600
        client.audio(pcmu[:half])
        client.send("paused")  # on hold: no audio for a second, then told how much was left out
        client.send("resumed", start=f"PT{client.position_s:.2f}S", discarded="PT1S")
        client.audio(pcmu[half:])
        client.send("close", reason="end")
        assert client.receive()["type"] == "closed"
    finally:
        client.ws.close()
    call_id = client.session
    with server.client() as c:
        deadline = time.monotonic() + 60
        while c.get(f"/api/calls/{call_id}").json()["status"] != "ended" and time.monotonic() < deadline:
            time.sleep(0.2)
        call = c.get(f"/api/calls/{call_id}").json()
        utterances = c.get(f"/api/calls/{call_id}/transcript").json()["utterances"]
        report = c.get(f"/api/calls/{call_id}/adherence").json()
        recording = c.get(f"/api/calls/{call_id}/recording").content
    stop.set()
    feed.join(5)
    assert (call["status"], call["agent"], call["remote"]) == ("ended", "carol", "tel:+15551230000")
    with wave.open(io.BytesIO(recording)) as w:  # every sample sent, at 16 kHz, and the second left out
        assert w.getnframes() // 320 == (len(pcmu) // 2 * 2 + 16000) // 320
    assert "echo test" in " ".join(u["text"].lower() for u in utterances if u["channel"] == "customer")
    assert any("leave your message" in u["text"].lower() for u in utterances if u["channel"] == "agent")
    assert {s["id"]: s["status"] for s in report["steps"]}["leave-message"] == "done"
    mine = [e for e in events if e.get("call_id") == call_id]
    assert any(e["type"] == "utterance.final" for e in mine), mine
    assert any(e["type"] == "assist.step" for e in mine), [e["type"] for e in mine]


def test_a_probe_makes_no_call_and_bad_input_ends_the_call(center: dict[str, Any]) -> None:
    server: Server = center["server"]
    probe = HookClient(server.http_port, center["key"])
    assert probe.open("00000000-0000-0000-0000-000000000000")["type"] == "opened"
    probe.send("close", reason="end")
    assert probe.receive()["type"] == "closed"
    probe.ws.close()
    with server.client() as c:
        assert c.get(f"/api/calls/{probe.session}").status_code == 404
    broken = HookClient(server.http_port, center["key"])
    assert broken.open(str(uuid.uuid4()))["type"] == "opened"
    broken.audio(bytes(1600))
    broken.seq += 5  # a sequence number that skips
    broken.send("ping")
    message = json.loads(broken.ws.recv(timeout=10))  # its clientseq: the last seq taken, 1
    assert (message["type"], message["clientseq"], message["parameters"]["reason"]) == ("disconnect", 1, "error")
    assert "ping: expected seq 2, got 7" in message["parameters"]["info"]
    broken.ws.close()
    with server.client() as c:
        deadline = time.monotonic() + 30
        while c.get(f"/api/calls/{broken.session}").json()["status"] != "ended" and time.monotonic() < deadline:
            time.sleep(0.2)
        assert c.get(f"/api/calls/{broken.session}").json()["end_reason"] == "abnormal"
    for headers in ({"X-API-KEY": "wrong"}, {"X-API-KEY": server.token}, {}):
        with pytest.raises(InvalidStatus) as refused:
            connect(f"ws://127.0.0.1:{server.http_port}/api/audiohook", additional_headers=headers, legacy=True)
        assert refused.value.response.status_code == 401
