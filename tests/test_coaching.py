"""Coaching clips and sessions through the API (the app's lifespan under TestClient, SQLite): a clip
serves its span alone (Range, ETag, one channel or both) from a local WAV, an Ogg Opus recording and
an S3 store (moto); who may clip, build, read and acknowledge; a team session shows clips of several
agents to the team without opening their calls; a clip goes with its call."""

from __future__ import annotations

import io
import wave
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from agentassist.api.app import create_app
from agentassist.audio.clips import ClipWav, wav_layout
from agentassist.audio.encode import wav_to_opus
from agentassist.bus import EventBus
from agentassist.config import Settings, StorageSettings
from agentassist.events import Channel, Utterance, Word
from agentassist.store.coaching import clip_lines
from agentassist.store.db import Store
from agentassist.store.objects import ObjectStore
from agentassist.store.recordings import RecordingStore
from tests.s3server import BUCKET, CREDENTIALS, REGION, S3Server

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
RATE_HZ = 8000
CALL_S = 12.0
USERS = {  # name: (role, teams)
    "ada": ("admin", []),
    "tom": ("team_leader", ["red"]),
    "tina": ("team_leader", ["blue"]),
    "qa": ("quality_checker", []),
    "alice": ("agent", ["red"]),
    "carl": ("agent", ["red"]),
    "bob": ("agent", ["blue"]),
}
CALLS = {"a1": "alice", "a2": "alice", "c1": "carl", "b1": "bob"}
LINES = [  # (channel, start_s, end_s, text) in every call
    (Channel.AGENT, 0.5, 2.5, "Thank you for calling."),
    (Channel.CUSTOMER, 3.0, 5.5, "The price is too high."),
    (Channel.AGENT, 6.0, 9.0, "Let me find you a better offer."),
]


def samples(call_id: str) -> np.ndarray:
    """The recording of ``call_id``: a ramp on the left (the agent), its negative on the right, offset
    per call so that no two recordings hold the same bytes."""
    ramp = (np.arange(int(CALL_S * RATE_HZ)) * 7 + 1000 * list(CALLS).index(call_id)) % 30000
    return np.stack([ramp, -ramp], axis=1).astype("<i2")


def wav_bytes(frames: np.ndarray, rate: int = RATE_HZ) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(frames.shape[1])
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(frames.tobytes())
    return out.getvalue()


def read_wav(data: bytes) -> tuple[int, np.ndarray]:
    with wave.open(io.BytesIO(data)) as w:
        rate, channels = w.getframerate(), w.getnchannels()
        return rate, np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").reshape(-1, channels)


@dataclass
class World:
    client: TestClient
    store: Store
    recordings: RecordingStore
    tokens: dict[str, str]

    def as_(self, user: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[user]}"}

    def ok(self, user: str, method: str, path: str, body: Any = None, code: int = 200) -> Any:
        r = self.client.request(method, path, json=body, headers=self.as_(user))
        assert r.status_code == code, f"{method} {path} as {user}: {r.status_code} {r.text}"
        return r.json() if r.content else None

    def code(self, user: str, method: str, path: str, body: Any = None) -> int:
        return self.client.request(method, path, json=body, headers=self.as_(user)).status_code

    def clip(self, user: str, call_id: str, start: float, end: float, channel: str = "both", tag: str = "t") -> int:
        body = {"call_id": call_id, "start": start, "end": end, "channel": channel, "tag": tag, "comment": "listen"}
        return int(self.ok(user, "POST", "/api/coaching/clips", body, 201)["id"])


def seed(tmp: Path, recordings: RecordingStore) -> tuple[Store, dict[str, str]]:
    store = Store(f"sqlite:///{tmp / 'db.sqlite'}")
    store.migrate()
    tokens = {name: store.add_user(name, role, teams=teams) for name, (role, teams) in USERS.items()}
    for i, (call_id, agent) in enumerate(CALLS.items()):
        started = T0 + timedelta(minutes=i)
        store.create_call(call_id, "inbound", f"sip:cust{i}@x", agent, "", started, "")
        store.end_call(call_id, started + timedelta(seconds=CALL_S))
        recordings.path_for(call_id).write_bytes(wav_bytes(samples(call_id)))
        for n, (channel, start, end, text) in enumerate(LINES):
            words = tuple(
                Word(start + k * (end - start) / len(text.split()), start + (k + 1) * (end - start) / len(text.split()),
                     f" {w}", 0.9)
                for k, w in enumerate(text.split())
            )  # fmt: skip
            store.add_utterance(call_id, Utterance(f"{call_id}-u{n}", call_id, channel, start, end, text, words=words))
    return store, tokens


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    recordings = RecordingStore(tmp_path / "recordings")
    store, tokens = seed(tmp_path, recordings)
    settings = Settings.model_validate({"server": {"data_dir": str(tmp_path / "data")}})
    with TestClient(create_app(settings, store, EventBus(), recordings)) as client:
        yield World(client, store, recordings, tokens)
    store.engine.dispose()


def span_of(call_id: str, start: float, end: float) -> np.ndarray:
    return samples(call_id)[round(start * RATE_HZ) : round(end * RATE_HZ)]


def test_a_clip_serves_its_span_alone_with_ranges_and_an_etag(world: World) -> None:
    both = world.clip("tom", "a1", 2.0, 4.5)
    agent = world.clip("tom", "a1", 2.0, 4.5, channel="agent")
    r = world.client.get(f"/api/coaching/clips/{both}/audio", headers=world.as_("tom"))
    assert r.status_code == 200 and r.headers["content-type"] == "audio/wav" and r.headers["accept-ranges"] == "bytes"
    rate, frames = read_wav(r.content)
    assert rate == RATE_HZ and np.array_equal(frames, span_of("a1", 2.0, 4.5))
    assert len(r.content) == 44 + 20000 * 4  # 2.5 s of stereo 16-bit at 8 kHz: the span, not the 12 s call
    whole = r.content
    _, mono = read_wav(world.client.get(f"/api/coaching/clips/{agent}/audio", headers=world.as_("tom")).content)
    assert np.array_equal(mono[:, 0], span_of("a1", 2.0, 4.5)[:, 0])  # the agent's channel (left) alone
    for wanted, first, last in (("bytes=100-4099", 100, 4099), ("bytes=0-43", 0, 43), ("bytes=-10", len(whole) - 10,
                                len(whole) - 1), ("bytes=80000-", 80000, len(whole) - 1)):  # fmt: skip
        r = world.client.get(f"/api/coaching/clips/{both}/audio", headers={**world.as_("tom"), "Range": wanted})
        assert r.status_code == 206, (wanted, r.text)
        assert r.headers["content-range"] == f"bytes {first}-{last}/{len(whole)}"
        assert r.content == whole[first : last + 1], wanted
    r = world.client.get(f"/api/coaching/clips/{both}/audio", headers={**world.as_("tom"), "Range": "bytes=90000-"})
    assert r.status_code == 416 and r.headers["content-range"] == f"bytes */{len(whole)}"
    etag = world.client.get(f"/api/coaching/clips/{both}/audio", headers=world.as_("tom")).headers["etag"]
    r = world.client.get(f"/api/coaching/clips/{both}/audio", headers={**world.as_("tom"), "If-None-Match": etag})
    assert r.status_code == 304
    stale = {**world.as_("tom"), "Range": "bytes=0-9", "If-Range": '"another"'}
    assert world.client.get(f"/api/coaching/clips/{both}/audio", headers=stale).status_code == 200  # the whole
    # every read of a clip is audited, as a recording's is, with the call it comes from
    log = world.ok("ada", "GET", "/api/audit", None)["items"]
    reads = [e for e in log if e["action"] == "clip" and e["detail"].startswith(f"clip {both}")]
    assert len(reads) >= 8 and {e["call_id"] for e in reads} == {"a1"} and {e["user"] for e in reads} == {"tom"}
    assert any(e["detail"] == f"clip {both} bytes=100-4099" for e in reads)


def test_who_may_clip_a_call(world: World) -> None:
    body = {"call_id": "a1", "start": 1.0, "end": 2.0, "tag": "t"}
    assert world.code("alice", "POST", "/api/coaching/clips", body) == 403  # an agent is no trainer
    assert world.code("qa", "POST", "/api/coaching/clips", body) == 403  # not assigned to it
    assert world.code("tina", "POST", "/api/coaching/clips", body) == 403  # another team's call
    world.store.assign("a1", "qa", "ada")
    assert world.code("qa", "POST", "/api/coaching/clips", body) == 201
    assert world.code("tom", "POST", "/api/coaching/clips", {**body, "end": 13.5}) == 422  # past the call's end
    assert world.code("tom", "POST", "/api/coaching/clips", {**body, "end": 0.5}) == 422  # before its start
    assert world.code("tom", "POST", "/api/coaching/clips", {**body, "call_id": "zz"}) == 404
    assert [c["call_id"] for c in world.ok("tina", "GET", "/api/coaching/clips")] == []
    assert [c["call_id"] for c in world.ok("tom", "GET", "/api/coaching/clips?call_id=a1")] == ["a1"]


def test_an_agent_plays_and_acknowledges_their_session_and_another_agent_gets_403(world: World) -> None:
    one, two = world.clip("tom", "a1", 2.0, 4.5, tag="objection handled well"), world.clip("tom", "a2", 6.0, 9.0)
    body = {"title": "Objections", "agent": "alice", "notes": "Listen twice.", "clip_ids": [two, one]}
    session = world.ok("tom", "POST", "/api/coaching/sessions", body, 201)
    sid = session["id"]
    assert session["status"] == "draft" and [c["id"] for c in session["clips"]] == [two, one]
    assert world.code("alice", "GET", f"/api/coaching/sessions/{sid}") == 403  # a draft is the trainer's
    assert world.ok("alice", "GET", "/api/coaching/sessions") == []
    assert world.code("alice", "POST", f"/api/coaching/sessions/{sid}/clips/{one}/acknowledge") == 403
    world.ok("tom", "PUT", f"/api/coaching/sessions/{sid}", {"clip_ids": [one, two]})
    world.ok("tom", "POST", f"/api/coaching/sessions/{sid}/share")
    assert world.code("tom", "PUT", f"/api/coaching/sessions/{sid}", {"notes": "x"}) == 409  # shared: fixed
    seen = world.ok("alice", "GET", f"/api/coaching/sessions/{sid}")
    assert [c["id"] for c in seen["clips"]] == [one, two] and seen["notes"] == "Listen twice."
    assert seen["progress"] == {"acknowledged": 0, "expected": 2}
    clip = f"/api/coaching/clips/{one}"
    for path in (f"/api/coaching/sessions/{sid}", f"{clip}/audio", f"{clip}/transcript", f"{clip}/audio/link"):
        method = "POST" if path.endswith("/link") else "GET"
        assert world.code("bob", method, path) == 403, path
        assert world.code("tina", method, path) == 403, path
    assert world.code("bob", "POST", f"/api/coaching/sessions/{sid}/clips/{one}/acknowledge") == 403
    assert world.ok("bob", "GET", "/api/coaching/sessions") == []
    first = world.ok("alice", "POST", f"/api/coaching/sessions/{sid}/clips/{one}/acknowledge")
    assert first["user"] == "alice"
    assert world.ok("alice", "POST", f"/api/coaching/sessions/{sid}/clips/{one}/acknowledge") == first  # once
    assert world.code("alice", "POST", f"/api/coaching/sessions/{sid}/clips/999/acknowledge") == 404
    assert world.ok("tom", "GET", f"/api/coaching/sessions/{sid}")["progress"] == {"acknowledged": 1, "expected": 2}
    # a signed link plays the clip without a header, for its user only
    link = world.ok("alice", "POST", f"/api/coaching/clips/{one}/audio/link")["url"]
    assert world.client.get(link, headers={"Range": "bytes=0-43"}).status_code == 206
    assert world.client.get(link.replace("sig=", "sig=0")).status_code == 403


def test_a_team_session_shows_clips_of_several_agents_but_not_their_calls(world: World) -> None:
    mine, carls = world.clip("tom", "a1", 2.0, 4.5), world.clip("tom", "c1", 2.6, 6.5, channel="customer")
    body = {"title": "Price objections", "team": "red", "clip_ids": [mine, carls]}
    sid = world.ok("tom", "POST", "/api/coaching/sessions", body, 201)["id"]
    world.ok("tom", "POST", f"/api/coaching/sessions/{sid}/share")
    seen = world.ok("alice", "GET", f"/api/coaching/sessions/{sid}")
    assert seen["members"] == ["alice", "carl"]
    assert [(c["call_id"], c["agent"]) for c in seen["clips"]] == [
        ("a1", "alice"),
        (None, None),
    ]  # carl's call stays closed
    assert world.client.get(f"/api/coaching/clips/{carls}/audio", headers=world.as_("alice")).status_code == 200
    for path in ("/api/calls/c1", "/api/calls/c1/recording", "/api/calls/c1/transcript", "/api/calls/c1/peaks",
                 "/api/coaching/clips?call_id=c1"):  # fmt: skip
        assert world.code("alice", "GET", path) == 403, path
    # the transcript of the clip: the customer's lines inside 2.6-6.5 s, from the clip's start; the
    # customer's line (3.0-5.5 s) wholly inside, nothing of the agent's
    lines = world.ok("alice", "GET", f"/api/coaching/clips/{carls}/transcript")["utterances"]
    assert [(u["channel"], u["start"], u["end"], u["text"]) for u in lines] == [
        ("customer", 0.4, 2.9, "The price is too high.")
    ]
    assert "c1" not in str(lines)
    for member in ("alice", "carl"):
        for clip in (mine, carls):
            world.ok(member, "POST", f"/api/coaching/sessions/{sid}/clips/{clip}/acknowledge")
    assert world.ok("tom", "GET", f"/api/coaching/sessions/{sid}")["progress"] == {"acknowledged": 4, "expected": 4}
    assert [a["user"] for a in world.ok("carl", "GET", f"/api/coaching/sessions/{sid}")["clips"][0]["acks"]] == ["carl"]
    assert world.code("bob", "GET", f"/api/coaching/sessions/{sid}") == 403
    assert world.code("tina", "GET", f"/api/coaching/sessions/{sid}") == 403
    assert world.code("tina", "POST", "/api/coaching/sessions", {"team": "red", "clip_ids": []}) == 403
    assert world.code("tina", "DELETE", f"/api/coaching/sessions/{sid}") == 403
    assert world.code("tom", "DELETE", f"/api/coaching/sessions/{sid}") == 204  # shared or not; the clips stay
    assert world.ok("alice", "GET", "/api/coaching/sessions") == []
    assert world.code("alice", "GET", f"/api/coaching/clips/{carls}/audio") == 403  # shown by the session alone
    assert [c["id"] for c in world.ok("tom", "GET", "/api/coaching/clips")] == [carls, mine]


def test_a_line_across_a_clips_edge_keeps_only_its_words_inside() -> None:
    words = [{"start": 1.0, "end": 1.5, "word": " The", "probability": 1.0},
             {"start": 1.5, "end": 2.5, "word": " price", "probability": 1.0}]  # fmt: skip
    line = {"id": "x", "channel": "agent", "start": 1.0, "end": 2.5, "text": "The price", "words": words,
            "language": "en", "confidence": 1.0}  # fmt: skip
    assert [(u["text"], u["start"], u["end"]) for u in clip_lines([line], 1.4, 3.0, "both")] == [("price", 0.0, 1.1)]  # type: ignore[list-item]
    assert clip_lines([{**line, "words": []}], 1.4, 3.0, "both") == []  # type: ignore[list-item]
    assert clip_lines([line], 1.4, 3.0, "customer") == []  # type: ignore[list-item]


def test_a_clip_goes_with_its_call(world: World) -> None:
    one, two = world.clip("tom", "a1", 2.0, 4.5), world.clip("tom", "a2", 1.0, 2.0)
    sid = world.ok("tom", "POST", "/api/coaching/sessions", {"agent": "alice", "clip_ids": [one, two]}, 201)["id"]
    world.ok("tom", "POST", f"/api/coaching/sessions/{sid}/share")
    world.ok("alice", "POST", f"/api/coaching/sessions/{sid}/clips/{one}/acknowledge")
    # a call deleted as erasure or retention would (generically: the rows that name it, then the call):
    # the database's cascade takes the clip, its place in the session and its acknowledgement
    with world.store.engine.begin() as conn:
        for table in ("utterances", "adherence", "call_alerts", "call_media"):
            conn.execute(sa.text(f"DELETE FROM {table} WHERE call_id = 'a1'"))
        conn.execute(sa.text("DELETE FROM calls WHERE id = 'a1'"))
        assert conn.execute(sa.text("SELECT count(*) FROM coaching_acks")).scalar() == 0
    assert [c["id"] for c in world.ok("alice", "GET", f"/api/coaching/sessions/{sid}")["clips"]] == [two]
    assert world.code("alice", "GET", f"/api/coaching/clips/{one}/audio") == 404
    assert world.store.delete_call_clips(["a2"]) == 1  # the explicit way, for a deletion without the cascade
    assert world.ok("tom", "GET", f"/api/coaching/sessions/{sid}")["clips"] == []
    assert world.ok("tom", "GET", "/api/coaching/clips") == []


def test_a_clip_of_an_opus_recording_decodes_its_span(world: World) -> None:
    """The recording is silent but for a tone on the agent's side at 7.5-8.0 s; the clip 7.0-9.0 s has
    it at 0.5-1.0 s (within the 20 ms of an Opus frame)."""
    t = np.arange(int(CALL_S * 16000)) / 16000
    tone = (np.sin(2 * np.pi * 1000 * t) * 12000 * ((t >= 7.5) & (t < 8.0))).astype("<i2")
    world.recordings.path_for("a2").write_bytes(wav_bytes(np.stack([tone, np.zeros_like(tone)], axis=1), 16000))
    clip = world.clip("tom", "a2", 7.0, 9.0)
    wav_to_opus(world.recordings.path_for("a2"))
    r = world.client.get(f"/api/coaching/clips/{clip}/audio", headers=world.as_("tom"))
    assert r.status_code == 200, r.text
    rate, frames = read_wav(r.content)
    assert rate == 16000 and frames.shape == (32000, 2)  # decoded at 16 kHz: 2.0 s, both channels
    loud = np.flatnonzero(np.abs(frames[:, 0].astype(np.int32)) > 3000)
    assert abs(loud[0] / rate - 0.5) < 0.02 and abs(loud[-1] / rate - 1.0) < 0.02, (loud[0], loud[-1])
    part = world.client.get(f"/api/coaching/clips/{clip}/audio", headers={**world.as_("tom"), "Range": "bytes=44-1043"})
    assert part.status_code == 206 and part.content == r.content[44:1044]


@pytest.fixture
def s3(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[S3Server]:
    server = S3Server(tmp_path)
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    server.start()
    yield server
    server.stop()


def test_a_clip_of_a_recording_in_the_object_store_reads_only_its_span(world: World, s3: S3Server) -> None:
    clip = world.clip("tom", "a1", 2.0, 4.5)
    local = world.client.get(f"/api/coaching/clips/{clip}/audio", headers=world.as_("tom")).content
    objects = ObjectStore(StorageSettings(url=f"s3://{BUCKET}/calls", endpoint_url=s3.endpoint_url, region=REGION))
    path = world.recordings.path_for("a1")
    objects.put_verified(path)
    path.unlink()  # uploaded: the recording is read from the store now
    world.client.app.state.recordings = RecordingStore(world.recordings.directory, objects)  # type: ignore[attr-defined]
    r = world.client.get(f"/api/coaching/clips/{clip}/audio", headers=world.as_("tom"))
    assert r.status_code == 200 and r.content == local
    r = world.client.get(f"/api/coaching/clips/{clip}/audio", headers={**world.as_("tom"), "Range": "bytes=1000-1999"})
    assert r.status_code == 206 and r.content == local[1000:2000]


def test_the_cut_maps_clip_bytes_to_the_recordings_frames() -> None:
    wav = wav_bytes(samples("a1"))
    layout = wav_layout(wav[:4096], len(wav))
    assert (layout.sample_rate_hz, layout.channels, layout.data_offset, layout.frames) == (8000, 2, 44, 96000)
    cut = ClipWav.cut(2.0, 4.5, "customer", 8000, (layout.frames, layout.channels))
    asked: list[tuple[int, int]] = []

    def read(a: int, b: int) -> np.ndarray:
        asked.append((a, b))
        first, last = layout.byte_span(a, b)
        return layout.frames_of(wav[first : last + 1])

    assert cut.bytes_of(0, 43, read)[:4] == b"RIFF" and asked == []  # the header alone reads nothing
    data = cut.bytes_of(45, 50, read)  # odd bytes inside frames 0..3 of the mono clip
    assert asked == [(16000, 16004)]
    assert data == samples("a1")[16000:16004, 1].astype("<i2").tobytes()[1:7]
