"""Every read audited, through the app's own routes (TestClient with its lifespan): a play of a recording
is one line however many Range requests it makes (a player's start, its seeks, its restart within a
minute), a play started later is another; each transcript read is one; an agent reading another agent's
call is refused and the refusal is written. An admin searches the log (user, call, action, time) and
exports it as CSV; nothing changes or deletes a line."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from agentassist.api.app import create_app
from agentassist.bus import EventBus
from agentassist.config import Settings
from agentassist.store.db import Store
from agentassist.store.recordings import RecordingStore
from tests.privacy_world import add_call, users


@pytest.fixture
def app(tmp_path: Path) -> Iterator[tuple[TestClient, Store, dict[str, dict[str, str]]]]:
    store = Store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    store.migrate()
    recordings = RecordingStore(tmp_path / "recordings")
    tokens, _ = users(store, {"ada": "admin", "alice": "agent", "bob": "agent"})
    add_call(store, recordings, "c1", "sip:+48600123456@pbx", agent="alice")
    add_call(store, recordings, "c2", "sip:+48600999999@pbx", agent="bob")
    settings = Settings.model_validate({"server": {"data_dir": str(tmp_path / "data")}})
    with TestClient(create_app(settings, store, EventBus(), recordings)) as client:
        yield client, store, {name: {"Authorization": f"Bearer {t}"} for name, t in tokens.items()}


def _lines(store: Store, **filters: str) -> list[tuple[str, str, str | None, str]]:
    items, _ = store.audit_log(limit=1000, **filters)  # type: ignore[arg-type]
    return [(e["user"], e["action"], e["call_id"], e["detail"]) for e in reversed(items)]


def test_a_play_is_one_line_whatever_its_range_requests(
    app: tuple[TestClient, Store, dict[str, dict[str, str]]],
) -> None:
    client, store, h = app
    url = client.post("/api/calls/c1/recording/link", headers=h["alice"]).json()["url"]
    for wanted in ("bytes=0-", "bytes=0-1", "bytes=20000-", "bytes=40000-50000", "bytes=0-"):
        assert client.get(url, headers={"Range": wanted}).status_code == 206
    assert client.get("/api/calls/c1/recording", headers=h["alice"]).status_code == 200  # a download, same minute
    assert _lines(store, action="recording") == [("alice", "recording", "c1", "bytes=0-")]

    with store.engine.begin() as conn:  # two minutes pass
        conn.execute(text("UPDATE audit SET at = :t"), {"t": datetime.now(UTC) - timedelta(minutes=2)})
    assert client.get(url, headers={"Range": "bytes=30000-"}).status_code == 206  # a seek of that play: no line
    assert client.get(url, headers={"Range": "bytes=0-"}).status_code == 206  # played again: a line
    assert client.get("/api/calls/c1/recording", headers=h["ada"]).status_code == 200  # another user's download
    assert _lines(store, action="recording") == [
        ("alice", "recording", "c1", "bytes=0-"),
        ("alice", "recording", "c1", "bytes=0-"),
        ("ada", "recording", "c1", ""),
    ]
    with store.engine.begin() as conn:  # two hours pass: a play opened mid-file is written too
        conn.execute(text("UPDATE audit SET at = :t"), {"t": datetime.now(UTC) - timedelta(hours=2)})
    assert client.get(url, headers={"Range": "bytes=30000-"}).status_code == 206
    assert _lines(store, action="recording")[-1] == ("alice", "recording", "c1", "bytes=30000-")

    for fmt in ("json", "vtt"):
        assert client.get(f"/api/calls/c1/transcript?format={fmt}", headers=h["alice"]).status_code == 200
    assert _lines(store, action="transcript") == [
        ("alice", "transcript", "c1", "json"),
        ("alice", "transcript", "c1", "vtt"),
    ]


def test_another_agents_call_is_refused_and_the_refusal_written(
    app: tuple[TestClient, Store, dict[str, dict[str, str]]],
) -> None:
    client, store, h = app
    for path in ("/api/calls/c1/recording", "/api/calls/c1/transcript", "/api/calls/c1/peaks", "/api/calls/c1"):
        assert client.get(path, headers=h["bob"]).status_code == 403
    assert client.post("/api/calls/c1/recording/link", headers=h["bob"]).status_code == 403
    assert _lines(store, user="bob") == [
        ("bob", "refused", "c1", what) for what in ("recording", "transcript", "peaks", "call", "recording link")
    ]
    assert _lines(store, action="recording") == []  # nothing was read


def test_an_admin_searches_and_exports_the_log_which_nobody_can_change(
    app: tuple[TestClient, Store, dict[str, dict[str, str]]],
) -> None:
    client, _, h = app
    client.get("/api/calls/c1/transcript", headers=h["alice"])
    client.get("/api/calls/c2/transcript", headers=h["alice"])  # refused
    client.get("/api/calls/c2/transcript", headers=h["bob"])

    def search(**params: str) -> list[tuple[str, str, str | None]]:
        r = client.get("/api/audit", headers=h["ada"], params=params)
        assert r.status_code == 200, r.text
        return [(e["user"], e["action"], e["call_id"]) for e in r.json()["items"]]

    assert search(user="alice") == [("alice", "refused", "c2"), ("alice", "transcript", "c1")]
    assert search(call_id="c2", action="transcript") == [("bob", "transcript", "c2")]
    assert search(action="refused") == [("alice", "refused", "c2")]
    soon = (datetime.now(UTC) + timedelta(minutes=1)).isoformat()
    assert search(**{"from": soon}) == [] and len(search(to=soon)) == 3
    assert client.get("/api/audit", headers=h["ada"], params={"from": soon, "to": soon}).status_code == 422
    assert client.get("/api/audit", headers=h["alice"]).status_code == 403

    r = client.get("/api/audit.csv", headers=h["ada"], params={"user": "alice"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [(x["user"], x["action"], x["call_id"], x["detail"]) for x in rows] == [
        ("alice", "transcript", "c1", "json"), ("alice", "refused", "c2", "transcript"),
    ]  # fmt: skip
    assert search(action="audit.export") == [("ada", "audit.export", None)]
    assert client.get("/api/audit.csv", headers=h["bob"]).status_code == 403

    for method in ("PUT", "PATCH", "DELETE", "POST"):
        assert client.request(method, "/api/audit", headers=h["ada"]).status_code == 405
    assert client.delete("/api/audit/1", headers=h["ada"]).status_code in (404, 405)
    assert len(search()) == 4  # the export is the fourth; the refused requests above were not reads
