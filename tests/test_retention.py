"""Retention with the clock moved forward (``now`` given to each pass, no sleeping): what has expired is
gone from disk, from the object store (moto in server mode, tests/s3server.py) and from the database -
every table that refers to the call, one made by hand here as a later migration would; the full-text
search finds it no more - while calls under a legal hold (on the call, on its campaign) and active calls
keep everything; each deletion is audited as "retention" with the call id, what and the rule, and no
number. Holds through the admin API; a pass through `agentassist retention run --now`."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from agentassist.api.app import create_app
from agentassist.bus import EventBus
from agentassist.config import RetentionSettings, Settings, StorageSettings
from agentassist.store.db import Store
from agentassist.store.objects import ObjectStore
from agentassist.store.recordings import RecordingStore
from agentassist.store.retention import run_retention
from tests.privacy_world import T0, add_call, evaluate, scorecard, table_rows, users
from tests.s3server import BUCKET, CREDENTIALS, REGION, S3Server

NUMBER = "+48600123456"
RULES = RetentionSettings(
    recordings_days=30,
    transcripts_days=90,
    evaluations_days=365,
    campaigns={"sales": {"recordings_days": 7, "transcripts_days": 7, "evaluations_days": 7}},  # type: ignore[dict-item]
)


@pytest.fixture
def s3(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[S3Server]:
    for k, v in CREDENTIALS.items():
        monkeypatch.setenv(k, v)
    server = S3Server(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _world(tmp_path: Path, s3: S3Server) -> tuple[Store, RecordingStore]:
    store = Store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    store.migrate()
    objects = ObjectStore(StorageSettings(url=f"s3://{BUCKET}/rec", endpoint_url=s3.endpoint_url, region=REGION))
    recordings = RecordingStore(tmp_path / "recordings", objects)
    _, who = users(store, {"ada": "admin", "alice": "agent"})
    card = scorecard(store)
    remote = f'"Jan Kowalski" <sip:{NUMBER}@pbx>'
    calls = {
        "old": None,  # default rule
        "uploaded": None,  # default rule, its recording in the store only
        "sale": "sales",
        "held-sale": "sales",  # a hold on the call
        "legal-1": "legal",  # default rule, the campaign held
        "recent": None,
    }
    for call_id, campaign in calls.items():
        started = T0 + timedelta(days=350) if call_id == "recent" else T0
        add_call(store, recordings, call_id, remote, campaign=campaign, started=started)
        evaluate(store, who["ada"], call_id, card)
    add_call(store, recordings, "live", remote, started=T0, active=True)
    objects.put_verified(recordings.path_for("uploaded"))
    recordings.path_for("uploaded").unlink()
    with store.engine.begin() as conn:  # a table another feature's migration adds, two levels deep
        conn.execute(text("CREATE TABLE clips (id INTEGER PRIMARY KEY, call_id VARCHAR(64) REFERENCES calls(id))"))
        conn.execute(text("CREATE TABLE clip_notes (id INTEGER PRIMARY KEY, clip_id INTEGER REFERENCES clips(id))"))
        for n, call_id in enumerate([*calls, "live"], 1):
            conn.execute(text("INSERT INTO clips VALUES (:n, :c)"), {"n": n, "c": call_id})
            conn.execute(text("INSERT INTO clip_notes VALUES (:n, :n)"), {"n": n})
    return store, recordings


def _deleted(store: Store) -> list[tuple[str, str]]:
    """(call id, what) of every retention line of the audit log, oldest first."""
    items, _ = store.audit_log(user="retention", limit=1000)
    return [(e["call_id"] or "", re.split(r"[ ;]", e["detail"])[0]) for e in reversed(items)]


def _stored_keys(s3: S3Server) -> set[str]:
    return {o["Key"] for o in s3.client().list_objects_v2(Bucket=BUCKET).get("Contents", [])}


def test_expired_data_goes_by_its_rule_and_holds_keep_it(tmp_path: Path, s3: S3Server) -> None:
    store, recordings = _world(tmp_path, s3)
    client = _client(tmp_path, store, recordings)
    ada = {"Authorization": f"Bearer {store.add_user('root', 'admin')}"}
    r = client.post("/api/holds", headers=ada, json={"call_id": "held-sale", "reason": "case 2026-17"})
    assert r.status_code == 201 and r.json()["created_by"] == "root" and r.json()["created_at"], r.text
    hold_on_legal = client.post("/api/holds", headers=ada, json={"campaign": "legal", "reason": "regulator's request"})
    assert hold_on_legal.status_code == 201
    bad = client.post("/api/holds", headers=ada, json={"call_id": "old", "campaign": "sales", "reason": "x"})
    assert bad.status_code == 422 and "exactly one of call_id and campaign" in bad.text
    assert client.post("/api/holds", headers=ada, json={"call_id": "nope", "reason": "x"}).status_code == 404

    # day 10: the sales campaign's 7 days are over for everything: its unheld call goes whole
    report = run_retention(store, recordings, RULES, T0 + timedelta(days=10))
    assert [(d["call_id"], d["what"].split(" ")[0]) for d in report.deleted] == [("sale", "call")]
    assert store.get_call("sale") is None and table_rows(store, "sale") == {}
    assert not list(recordings.directory.glob("sale.*"))
    assert store.get_call("held-sale") is not None and recordings.find("held-sale") is not None
    with store.engine.connect() as conn:  # the hand-made tables: the clip and its note went with the call
        assert conn.execute(text("SELECT count(*) FROM clips WHERE call_id = 'sale'")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM clip_notes")).scalar() == 6

    # day 31: the default's recordings (on disk, and in the store), nothing else
    before = _stored_keys(s3)
    assert "rec/uploaded.wav" in before
    report = run_retention(store, recordings, RULES, T0 + timedelta(days=31))
    assert sorted((d["call_id"], d["what"]) for d in report.deleted) == [
        ("old", "recording"),
        ("uploaded", "recording"),
    ]
    assert recordings.locate("old") is None and recordings.locate("uploaded") is None
    assert "rec/uploaded.wav" not in _stored_keys(s3)
    assert store.transcript("old") and recordings.find("legal-1") is not None and recordings.find("recent") is not None
    assert client.get("/api/calls/old/recording", headers=ada).status_code == 404
    assert run_retention(store, recordings, RULES, T0 + timedelta(days=32)).deleted == []  # nothing twice

    # day 91: transcripts (and the search words with them), adherence; the evaluation stays
    assert {c["id"] for c in store.list_calls(q="parcel")[0]} == {
        "recent",
        "live",
        "legal-1",
        "held-sale",
        "uploaded",
        "old",
    }
    report = run_retention(store, recordings, RULES, T0 + timedelta(days=91))
    assert sorted(d["call_id"] for d in report.deleted) == ["old", "uploaded"]
    assert store.transcript("old") == [] and store.adherence("old") is None
    assert {c["id"] for c in store.list_calls(q="parcel")[0]} == {"recent", "live", "legal-1", "held-sale"}
    assert table_rows(store, "old")["evaluations"] == 1

    # day 366: the default's calls whole; held, active and recent calls keep everything
    report = run_retention(store, recordings, RULES, T0 + timedelta(days=366))
    assert sorted(d["call_id"] for d in report.deleted) == ["old", "uploaded"]
    for gone in ("old", "uploaded"):
        assert store.get_call(gone) is None and table_rows(store, gone) == {}
    for kept in ("held-sale", "legal-1", "live", "recent"):
        rows = table_rows(store, kept)
        assert rows["calls"] == 1 and rows["utterances"] == 2 and rows["clips"] == 1, (kept, rows)
        assert recordings.find(kept) is not None
    assert store.get_call("live")["status"] == "active"  # type: ignore[index]

    # the holds released (the rows stay: who, when): the next pass takes what they kept
    for hold in client.get("/api/holds", headers=ada).json():
        released = client.delete(f"/api/holds/{hold['id']}", headers=ada)
        assert released.status_code == 200 and released.json()["released_by"] == "root"
    assert client.delete("/api/holds/1", headers=ada).status_code == 409
    assert client.get("/api/holds", headers=ada).json() == []
    assert len(client.get("/api/holds?all=true", headers=ada).json()) == 2
    report = run_retention(store, recordings, RULES, T0 + timedelta(days=366))
    assert sorted(d["call_id"] for d in report.deleted) == ["held-sale", "legal-1"]

    # each deletion once in the audit log, as "retention", with the rule and no personal data
    assert _deleted(store) == [
        ("sale", "call"), ("old", "recording"), ("uploaded", "recording"), ("old", "transcript"),
        ("uploaded", "transcript"), ("old", "call"), ("uploaded", "call"), ("legal-1", "call"), ("held-sale", "call"),
    ]  # fmt: skip
    lines, _ = store.audit_log(user="retention", limit=1000)
    assert all("rule " in e["detail"] for e in lines)
    assert "campaign 'sales': recordings 7 d" in lines[0]["detail"]  # held-sale, the newest
    assert not any("600123456" in e["detail"] or "Kowalski" in e["detail"] for e in lines)
    assert store.audit_log(action="hold.", limit=10)[0][0]["action"] == "hold.release"


def _client(tmp_path: Path, store: Store, recordings: RecordingStore) -> TestClient:
    settings = Settings.model_validate({"server": {"data_dir": str(tmp_path / "data")}})
    return TestClient(create_app(settings, store, EventBus(), recordings))


def test_the_command_runs_a_pass_at_the_time_it_is_given(tmp_path: Path) -> None:
    data = tmp_path / "data"
    store = Store(f"sqlite:///{(data / 'agentassist.db').resolve()}")
    data.mkdir()
    store.migrate()
    recordings = RecordingStore(data / "recordings")
    for call_id in ("a", "b"):
        add_call(store, recordings, call_id, "sip:100@pbx", started=T0 if call_id == "a" else T0 + timedelta(days=5))
    config = tmp_path / "agentassist.toml"
    config.write_text(f'[server]\ndata_dir = "{data}"\n[retention]\nrecordings_days = 2\ntranscripts_days = 2\n'
                      "evaluations_days = 2\n")  # fmt: skip
    run = [sys.executable, "-m", "agentassist.cli", "retention", "run", "--config", str(config)]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    out = subprocess.run([*run, "--now", (T0 + timedelta(days=3)).isoformat()], capture_output=True, text=True,
                         env=env, timeout=120, check=True)  # fmt: skip
    report = json.loads(out.stdout)
    assert [(d["call_id"], d["what"].split(" ")[0]) for d in report["deleted"]] == [("a", "call")]
    assert store.get_call("a") is None and store.get_call("b") is not None
    assert store.audit_log(action="retention.run")[0][0]["user"].startswith("cli ")
    naive = subprocess.run([*run, "--now", "2027-01-01T00:00:00"], capture_output=True, text=True, env=env, timeout=120)
    assert naive.returncode == 2 and "expected a time with its UTC offset" in naive.stderr


def test_the_server_deletes_by_itself(tmp_path: Path) -> None:
    """The app's lifespan runs a pass every ``run_every_s`` (the first after as long, here 0.5 s)."""
    store = Store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    store.migrate()
    recordings = RecordingStore(tmp_path / "recordings")
    add_call(store, recordings, "ancient", "sip:100@pbx", started=T0)  # ended years before the test runs
    settings = Settings.model_validate({
        "server": {"data_dir": str(tmp_path / "data")},
        "retention": {"recordings_days": 1, "transcripts_days": 1, "evaluations_days": 1, "run_every_s": 0.5},
    })  # fmt: skip
    with TestClient(create_app(settings, store, EventBus(), recordings)):
        deadline = time.monotonic() + 20
        while store.get_call("ancient") is not None and time.monotonic() < deadline:
            time.sleep(0.1)
    assert store.get_call("ancient") is None and not list(recordings.directory.glob("ancient.*"))
    assert _deleted(store) == [("ancient", "call")]


def test_a_campaign_rule_names_only_what_differs_and_zero_keeps() -> None:
    from agentassist.store.retention import rules

    default, campaigns = rules(RetentionSettings.model_validate(
        {"recordings_days": 30, "campaigns": {"vip": {"transcripts_days": 10}}}
    ))  # fmt: skip
    assert default.whole_days == 0 and "transcripts kept" in default.describe()
    vip = campaigns["vip"]
    assert (vip.recordings_days, vip.transcripts_days, vip.evaluations_days) == (30, 10, 0)
    with pytest.raises(ValueError, match="greater than or equal to 0"):
        RetentionSettings.model_validate({"recordings_days": -1})
