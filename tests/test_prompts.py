"""Stored prompts through the app's real lifespan (TestClient) on a real SQLite database: a WAV goes up
as the request body, comes back as an id, and a placed call names that id; no request names a file
on the server, and a WAV a call could not play is refused saying why."""

from __future__ import annotations

import io
import struct
import wave
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from agentassist.api.app import create_app
from agentassist.api.deps import NullRuntime
from agentassist.bus import EventBus
from agentassist.config import Settings
from agentassist.store.db import Store
from agentassist.store.prompts import MAX_PROMPT_BYTES
from agentassist.store.recordings import RecordingStore

URI = "sip:100@127.0.0.1"


def wav(seconds: float = 0.5, rate: int = 8000, channels: int = 1, width: int = 2) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(width)
        w.setframerate(rate)
        w.writeframes(bytes(int(seconds * rate) * channels * width))
    return out.getvalue()


def float_wav() -> bytes:
    """A WAV of 32-bit float samples (format tag 3): a WAV, but not PCM."""
    data = bytes(4 * 800)
    fmt = struct.pack("<HHIIHH", 3, 1, 8000, 32000, 4, 32)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(data)) + data
    return b"RIFF" + struct.pack("<I", len(body)) + body


class Phone(NullRuntime):
    """Obeys the Runtime protocol (carries no calls but dials); keeps what it was asked to dial."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.dialed: list[tuple[str, str | None]] = []

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass

    def health(self) -> dict[str, bool]:
        return {"model": True, "sip": True}

    def dial(self, uri: str, prompt: str | None = None, agent: str | None = None) -> str:
        self.dialed.append((uri, prompt))
        return "new-call"

    def hangup(self, call_id: str) -> None:
        pass

    def metrics(self) -> dict[str, float]:
        return {}


@dataclass
class Env:
    client: TestClient
    tokens: dict[str, str]
    phone: Phone
    prompts: Path

    def req(self, user: str, method: str, url: str, headers: dict[str, str] | None = None, **kw: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.tokens[user]}", **(headers or {})}
        return self.client.request(method, url, headers=headers, **kw)

    def upload(self, user: str, data: Any, **kw: Any) -> Any:
        return self.req(user, "POST", "/api/prompts", content=data, **kw)


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Env]:
    store = Store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    store.migrate()
    tokens = {
        "alice": store.add_user("alice", "agent", teams=["red"]),  # the phone's agent
        "tom": store.add_user("tom", "team_leader", teams=["red"]),
        "bob": store.add_user("bob", "agent", teams=["blue"]),
        "qa": store.add_user("qa", "quality_checker"),
    }
    settings = Settings(
        assist={"agent_name": "alice", "scripts_dir": str(tmp_path / "scripts")},  # type: ignore[arg-type]
        server={"data_dir": str(tmp_path / "data")},  # type: ignore[arg-type]
    )
    phone = Phone(settings)
    app = create_app(settings, store, EventBus(), RecordingStore(tmp_path / "rec"), phone)
    with TestClient(app) as client:
        yield Env(client, tokens, phone, tmp_path / "data" / "prompts")
    store.engine.dispose()


def _detail(r: Any) -> str:
    return str(r.json()["detail"])


def test_a_prompt_is_uploaded_dialled_by_id_and_deleted(env: Env) -> None:
    data = wav(0.5)
    r = env.upload("alice", data, params={"name": "../../greeting.wav"}, headers={"Content-Type": "audio/wav"})
    assert r.status_code == 201, r.text
    prompt = r.json()
    pid = prompt["id"]
    assert len(pid) == 32 and int(pid, 16) >= 0
    assert {
        k: prompt[k] for k in ("name", "uploaded_by", "size_bytes", "sample_rate_hz", "channels", "duration_s")
    } == {
        "name": "../../greeting.wav",  # a label only
        "uploaded_by": "alice",
        "size_bytes": len(data),
        "sample_rate_hz": 8000,
        "channels": 1,
        "duration_s": 0.5,
    }
    assert sorted(p.name for p in env.prompts.iterdir()) == [f"{pid}.json", f"{pid}.wav"]
    assert (env.prompts / f"{pid}.wav").read_bytes() == data
    assert not list(env.prompts.parent.parent.rglob("greeting*"))
    assert env.req("tom", "GET", "/api/prompts").json() == [prompt]  # a leader of alice's team
    r = env.req("tom", "POST", "/api/calls", json={"uri": URI, "prompt": pid})
    assert r.status_code == 201 and env.phone.dialed == [(URI, pid)]
    assert env.req("alice", "DELETE", f"/api/prompts/{pid}").status_code == 204
    assert env.req("alice", "GET", "/api/prompts").json() == [] and list(env.prompts.iterdir()) == []
    r = env.req("alice", "DELETE", f"/api/prompts/{pid}")
    assert r.status_code == 404 and pid in _detail(r)
    r = env.req("alice", "POST", "/api/calls", json={"uri": URI, "prompt": pid})
    assert r.status_code == 422 and "body.prompt: no prompt with id" in _detail(r)
    assert env.phone.dialed == [(URI, pid)]


def test_a_call_takes_no_path_on_the_server(env: Env) -> None:
    """The old ``audio`` field: one answer for every path, existing or not, naming what to send instead."""
    answers = set()
    for path in ("/etc/passwd", "/nonexistent.wav", "data/recordings/c1.wav"):
        r = env.req("alice", "POST", "/api/calls", json={"uri": URI, "audio": path})
        assert r.status_code == 422 and "POST /api/prompts" in _detail(r) and "prompt" in _detail(r), r.text
        answers.add(_detail(r))
    assert len(answers) == 1 and "not found" not in answers.pop()
    for bad in ("../../etc/passwd", "/etc/passwd", "0123"):
        r = env.req("alice", "POST", "/api/calls", json={"uri": URI, "prompt": bad})
        assert r.status_code == 422 and "body.prompt" in _detail(r), r.text
        assert env.req("alice", "DELETE", f"/api/prompts/{bad}").status_code in (404, 422)
    assert env.phone.dialed == []
    assert env.req("alice", "POST", "/api/calls", json={"uri": URI, "audio": None}).status_code == 201  # no audio
    assert env.phone.dialed == [(URI, None)]


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (b"hello, not audio", "expected a WAV file (starting 'RIFF....WAVE'), got 16 bytes"),
        (wav(width=1), "expected 16-bit PCM samples, got 8-bit"),
        (float_wav(), "expected a PCM WAV file, got one the wave reader refuses: unknown format: 3"),
        (wav(seconds=0), "expected some audio, got a WAV file that holds none"),
        (wav(rate=4000), "expected a sample rate of 8000 to 192000 Hz, got 4000 Hz"),
        (wav(channels=9), "expected 1 to 8 channels, got 9"),
        (wav()[:30], "expected a PCM WAV file"),  # cut inside its header
    ],
    ids=["text", "8-bit", "float", "empty", "4-kHz", "9-channels", "truncated"],
)
def test_a_wav_a_call_cannot_play_is_refused_saying_why(env: Env, body: bytes, why: str) -> None:
    r = env.upload("alice", body)
    assert r.status_code == 422 and r.json()["detail"].startswith(f"invalid request: body: {why}"), r.text
    assert not env.prompts.exists() or list(env.prompts.iterdir()) == []


def test_too_large_or_multipart_uploads_are_refused(env: Env) -> None:
    big = wav(seconds=MAX_PROMPT_BYTES // 16000 + 1)
    r = env.upload("alice", big)
    assert r.status_code == 413 and str(MAX_PROMPT_BYTES) in _detail(r)

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it comes
        yield from (big[i : i + (1 << 20)] for i in range(0, len(big), 1 << 20))

    r = env.upload("alice", chunks())
    assert r.status_code == 413, r.text
    r = env.req("alice", "POST", "/api/prompts", files={"file": ("a.wav", wav(), "audio/wav")})
    assert r.status_code == 415 and "Content-Type: audio/wav" in _detail(r)
    assert not env.prompts.exists() or list(env.prompts.iterdir()) == []


def test_prompts_are_the_phones_users(env: Env) -> None:
    """Whoever may dial from the phone keeps its prompts: alice and tom here; bob (another team's
    agent) and a quality checker may not."""
    for user in ("bob", "qa"):
        assert env.upload(user, wav()).status_code == 403
        assert env.req(user, "GET", "/api/prompts").status_code == 403
        assert env.req(user, "POST", "/api/calls", json={"uri": URI, "agent": "alice"}).status_code == 403
    pid = env.upload("tom", wav()).json()["id"]
    assert env.req("bob", "DELETE", f"/api/prompts/{pid}").status_code == 403
    assert [p["id"] for p in env.req("alice", "GET", "/api/prompts").json()] == [pid]
    # bob dials from his own desk, where the phone's prompts do not play
    r = env.req("bob", "POST", "/api/calls", json={"uri": URI, "prompt": pid})
    assert r.status_code == 422 and "this server's own softphone" in _detail(r) and "'bob'" in _detail(r), r.text
    assert env.phone.dialed == []
