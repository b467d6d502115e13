"""A person's data across 50 calls made through the store: found by number (however it is written) and by
name, exported as one zip, erased with a receipt - through the admin API and through the CLI. The
person's own calls go whole; other callers' calls lose only the lines that mention them (their
recording silenced there) and the words of an evaluation comment; a legal hold keeps its call, and the
receipt says so. After the erasure nothing of that caller is left: no row, no recording file, no search
hit, and not a byte of their number or name in the SQLite file or its WAL (agentassist makes no backup
of its own)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import wave
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from agentassist.api.app import create_app
from agentassist.bus import EventBus
from agentassist.config import Settings
from agentassist.events import Channel
from agentassist.store.db import Store
from agentassist.store.holds import holds, place_hold, release_hold
from agentassist.store.person import Subject, parse_remote, same_number
from agentassist.store.recordings import RecordingStore
from agentassist.store.scoring import FieldError
from tests.privacy_world import RATE_HZ, add_call, evaluate, scorecard, table_rows, users

NUMBER = "+48 600 123 456"
PARTY = [  # how SIP gave the person's calls: (call id, remote)
    *((f"p0{i}", '"Jan Kowalski" <sip:+48600123456@pbx.example.com>') for i in range(4)),
    ("p04", "<sip:0048600123456@pbx>"),
    ("p05", "sip:0048600123456@pbx;user=phone"),
    ("p06", "<sip:600123456@10.0.0.1>"),
    ("p07", "<tel:+48-600-123-456>"),
    ("p08", '"+48 600 123 456" <sip:anonymous@anonymous.invalid>'),
    ("p09", '"Jan Kowalski" <sip:+48600123456@pbx.example.com>'),  # under a legal hold
]
THEIR_LINES = [
    (Channel.AGENT, 0.2, 1.0, "Thank you for calling, how can I help?"),
    (Channel.CUSTOMER, 1.2, 2.0, "This is Jan Kowalski, my number is 600 123 456."),
]
MENTION_LINES = [
    (Channel.AGENT, 0.2, 1.0, "Thank you for calling, how can I help?"),
    (Channel.CUSTOMER, 1.5, 2.5, "Please call my husband on 600-123-456 tomorrow."),
]
OTHER_LINES = [
    (Channel.AGENT, 0.2, 1.0, "Thank you for calling, how can I help?"),
    (Channel.CUSTOMER, 1.2, 2.0, "My number is 600 123 457, the parcel is late."),  # one digit off
]
SECRETS = [b"600123456", b"600 123 456", b"600-123-456", b"+48-600", b"Kowalski", b"owalski"]


def seed_people(store: Store, recordings: RecordingStore) -> dict[str, str]:
    """The 50 calls (10 the person's, p09 held; 5 mentioning them; 35 others); ada's and alice's tokens."""
    tokens, who = users(store, {"ada": "admin", "alice": "agent"})
    card = scorecard(store)
    for call_id, remote in PARTY:
        add_call(store, recordings, call_id, remote, lines=THEIR_LINES)
    for i in range(5):
        add_call(store, recordings, f"m0{i}", '"Anna Nowak" <sip:+48500999888@pbx>', lines=MENTION_LINES)
    for i in range(35):
        add_call(store, recordings, f"o{i:02d}", f"<sip:+4850011{i:04d}@pbx>", lines=OTHER_LINES)
    evaluate(store, who["ada"], "p00", card, "Jan Kowalski was calm.")
    evaluate(store, who["ada"], "m00", card, "Callback number given: +48 600 123 456.")
    evaluate(store, who["ada"], "o00", card, "Fine call.")
    place_hold(store, "ada", "case 17", call_id="p09")
    return tokens


@dataclass
class World:
    root: Path
    store: Store
    recordings: RecordingStore
    client: TestClient
    admin: dict[str, str]

    def post(self, path: str, body: Any) -> Any:
        r = self.client.post(path, headers=self.admin, json=body)
        assert r.status_code == 200, r.text
        return r

    def residue(self) -> list[str]:
        """Which of SECRETS the database's files still hold."""
        data = b"".join(p.read_bytes() for p in self.root.glob("agentassist.db*"))
        return [s.decode() for s in SECRETS if s in data]


@pytest.fixture
def world(tmp_path: Path) -> World:
    root = tmp_path / "data"
    root.mkdir()
    store = Store(f"sqlite:///{root / 'agentassist.db'}")
    store.migrate()
    recordings = RecordingStore(root / "recordings")
    tokens = seed_people(store, recordings)
    settings = Settings.model_validate({"server": {"data_dir": str(root)}})
    client = TestClient(create_app(settings, store, EventBus(), recordings))
    return World(root, store, recordings, client, {"Authorization": f"Bearer {tokens['ada']}"})


def test_numbers_and_parties_are_read_as_people_write_them() -> None:
    assert parse_remote('"Ann \\"A\\" Lee" <sip:+4930123@pbx>') == ('Ann "A" Lee', "+4930123")
    assert parse_remote("sip:100@pbx;transport=tcp") == ("", "100")
    assert same_number("48600123456", "600123456") and not same_number("600123456", "600123457")
    assert not same_number("123456", "123456")  # too short to be sure
    assert Subject.parse(" +48 (600) 123-456 ").number == "48600123456"
    assert Subject.parse("Jan  KOWALSKI").name == "jan kowalski"
    with pytest.raises(FieldError, match="at least 7 digits"):
        Subject.parse("12-34")


def test_find_export_and_erase_through_the_api(world: World) -> None:
    c = world.client
    assert sorted(world.residue()) == sorted(s.decode() for s in SECRETS)  # what the check below looks for is there
    assert c.get("/api/calls/p00/transcript", headers=world.admin).status_code == 200  # an audit line to export
    found = world.post("/api/privacy/find", {"q": NUMBER}).json()
    assert found["counts"] == {"calls": 15, "party_calls": 10, "mentioning_calls": 5, "held_calls": 1,
                               "recordings": 10, "transcript_lines": 25, "evaluations": 2}  # fmt: skip
    by_id = {f["id"]: f for f in found["calls"]}
    assert {i for i, f in by_id.items() if f["party"]} == {p for p, _ in PARTY}
    assert by_id["m00"]["lines"][0]["text"].startswith("Please call my husband") and by_id["m00"]["evaluations"]
    assert by_id["p09"]["held"] and not any(f["held"] for i, f in by_id.items() if i != "p09")
    by_name = world.post("/api/privacy/find", {"q": "jan kowalski"}).json()
    assert {f["id"] for f in by_name["calls"] if f["party"]} == {"p00", "p01", "p02", "p03", "p09"}
    assert {f["id"] for f in by_name["calls"]} == {p for p, _ in PARTY}  # the others say the name
    bad = c.post("/api/privacy/find", headers=world.admin, json={"q": "12"})
    assert bad.status_code == 422 and "at least 7 digits" in bad.text

    r = world.post("/api/privacy/export", {"q": NUMBER})
    assert r.headers["content-type"] == "application/zip"
    z = zipfile.ZipFile(io.BytesIO(r.content))
    names = set(z.namelist())
    assert {"findings.json", "audit.csv", "calls/p00/recording.wav", "calls/p00/evaluations.json"} <= names
    assert "calls/m00/recording.wav" not in names  # another caller's recording is theirs
    assert json.loads(z.read("calls/m00/transcript.json"))["utterances"][0]["text"].startswith("Please call")
    assert "Jan Kowalski" in z.read("calls/p00/transcript.txt").decode()
    assert json.loads(z.read("calls/p00/evaluations.json"))[0]["comments"][0]["text"] == "Jan Kowalski was calm."
    assert ",ada,transcript,p00," in z.read("audit.csv").decode()
    assert not list(world.recordings.directory.glob(".export-*"))  # the temporary zip is gone

    receipt = world.post("/api/privacy/erase", {"q": NUMBER}).json()
    assert sorted(receipt["erased"]["calls"]) == [p for p, _ in PARTY if p != "p09"]
    assert receipt["kept_by_hold"] == [{"call_id": "p09", "party": True}]
    assert receipt["erased"]["transcript_lines_in_other_calls"] == 5 and receipt["erased"]["recording_files"] == 9
    assert receipt["erased"]["texts_replaced"] == 1 and receipt["erased"]["silenced_s"] > 5 * 1.0
    assert receipt["erased"]["rows"]["calls"] == 9 and receipt["not_silenced"] == [] and receipt["failed"] == []
    assert _secrets_in(json.dumps(receipt["erased"])) == []
    _silent_over(world.recordings.path_for("m00"), 1.5, 2.5)
    assert [u["text"] for u in world.store.transcript("m00")] == [MENTION_LINES[0][3]]
    comment = c.get("/api/calls/m00/evaluations", headers=world.admin).json()[0]["comments"][0]["text"]
    assert comment == "[erased]"
    left = world.post("/api/privacy/find", {"q": NUMBER}).json()
    assert [f["id"] for f in left["calls"]] == ["p09"]

    hold = c.get("/api/holds", headers=world.admin).json()[0]
    assert c.delete(f"/api/holds/{hold['id']}", headers=world.admin).status_code == 200
    again = world.post("/api/privacy/erase", {"q": "+48600123456"}).json()
    assert again["erased"]["calls"] == ["p09"] and again["kept_by_hold"] == []
    _nothing_left(world)
    stored = c.get("/api/privacy/receipts", headers=world.admin).json()
    assert [r["id"] for r in stored] == [again["id"], receipt["id"]] and _secrets_in(json.dumps(stored)) == []
    mine = world.post("/api/privacy/receipts/search", {"q": "600 123 456"}).json()
    assert [r["id"] for r in mine] == [again["id"], receipt["id"]]  # one number, however written
    actions = [e["action"] for e in world.store.audit_log(action="privacy.", limit=100)[0]]
    assert actions.count("privacy.erase") == 10 + 2 and "privacy.export" in actions and "privacy.find" in actions
    assert _secrets_in(json.dumps(world.store.audit_log(limit=1000)[0])) == []


def _secrets_in(text: str) -> list[str]:
    return [s.decode() for s in SECRETS if s.decode() in text]


def _silent_over(path: Path, start_s: float, end_s: float) -> None:
    with wave.open(str(path)) as w:
        frames = w.readframes(w.getnframes())
    a, b = int(start_s * RATE_HZ) * 4, int(end_s * RATE_HZ) * 4
    assert frames[a:b] == bytes(b - a) and any(frames[: int(0.5 * RATE_HZ) * 4])


def _nothing_left(world: World) -> None:
    for call_id, _ in PARTY:
        assert table_rows(world.store, call_id) == {}, call_id
        assert not list(world.recordings.directory.glob(f"{call_id}.*"))
    for q in ("Kowalski", "600 123 456", "Jan"):
        assert world.store.list_calls(q=q)[0] == [], q
    assert world.residue() == []
    assert len(world.store.list_calls(limit=100)[0]) == 40  # the 5 that mentioned them and the 35 others


def _cli(world: World, *args: str) -> subprocess.CompletedProcess[str]:
    config = world.root.parent / "agentassist.toml"
    config.write_text(f'[server]\ndata_dir = "{world.root}"\n')
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    return subprocess.run([sys.executable, "-m", "agentassist.cli", "privacy", *args, "--config", str(config)],
                          capture_output=True, text=True, env=env, timeout=120)  # fmt: skip


def test_find_export_and_erase_through_the_cli(world: World, tmp_path: Path) -> None:
    found = _cli(world, "find", NUMBER)
    assert found.returncode == 0, found.stderr
    assert json.loads(found.stdout)["counts"]["calls"] == 15
    out = tmp_path / "export.zip"
    exported = _cli(world, "export", "0048600123456", "--out", str(out))
    assert exported.returncode == 0 and "15 calls" in exported.stdout, exported.stderr
    assert "calls/p04/recording.wav" in zipfile.ZipFile(out).namelist()
    refused = _cli(world, "erase", NUMBER)
    assert refused.returncode == 2 and "--yes" in refused.stderr
    erased = _cli(world, "erase", NUMBER, "--yes")
    assert erased.returncode == 0, erased.stderr
    assert len(json.loads(erased.stdout)["erased"]["calls"]) == 9
    assert world.store.audit_log(action="privacy.erase")[0][0]["user"].startswith("cli ")
    release_hold(world.store, holds(world.store)[0]["id"], "ada")
    assert _cli(world, "erase", "Jan Kowalski", "--yes").returncode == 0
    _nothing_left(world)
