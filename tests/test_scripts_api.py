"""Scripts REST API: versions kept as files, 422 naming lines, roles, files edited on disk, and a new
version applied to a running call (a real Runtime, CallSession and ScriptTracker fed real speech)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from agentassist.api.app import create_app
from agentassist.assist.versions import ScriptVersions, with_version
from agentassist.audio.frames import FRAME_BYTES, read_wav_mono
from agentassist.bus import EventBus
from agentassist.config import Settings
from agentassist.events import Channel
from agentassist.sip.softphone import CallInfo
from agentassist.store.db import Store
from agentassist.store.recordings import RecordingStore
from tests.conftest import REPO, SOUNDS_EN, free_port

HELPDESK = """\
id: helpdesk
title: Help desk
version: 1
language: en
steps:
  - id: greet
    say: ["Thank you for calling {company}."]
    mandatory: true
  - id: goodbye
    say: ["Goodbye."]
"""

ROLES = {
    "ada": "admin",
    "sue": "supervisor",
    "tim": "team_leader",
    "alex": "agent",
    "quinn": "quality_checker",
}


@pytest.fixture
def env(tmp_path: Path) -> Iterator[dict[str, Any]]:
    scripts = tmp_path / "scripts"
    scripts.mkdir()
    (scripts / "helpdesk.yaml").write_text(HELPDESK)
    store = Store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    store.migrate()
    tokens = {name: store.add_user(name, role) for name, role in ROLES.items()}
    settings = Settings(assist={"scripts_dir": str(scripts)})  # type: ignore[arg-type]
    app = create_app(settings, store, EventBus(), RecordingStore(tmp_path / "rec"), None)
    with TestClient(app) as client:
        yield {"client": client, "tokens": tokens, "dir": scripts, "store": store}


def _h(env: dict[str, Any], user: str, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {env['tokens'][user]}", **extra}


YAML = {"Content-Type": "text/yaml"}


def test_saves_get_the_next_version_and_every_version_is_kept(env: dict[str, Any]) -> None:
    c, folder = env["client"], env["dir"]
    listed = c.get("/api/scripts", headers=_h(env, "alex")).json()
    assert listed["errors"] == []
    assert [(s["id"], s["title"], s["version"], s["steps"]) for s in listed["items"]] == [
        ("helpdesk", "Help desk", 1, 2)
    ]
    v2 = HELPDESK.replace('"Goodbye."', '"Goodbye and have a nice day."')
    r = c.put("/api/scripts/helpdesk", content=v2, headers=_h(env, "sue", **YAML))
    assert r.status_code == 200, r.text
    assert r.json() == {"id": "helpdesk", "version": 2, "changed": True, "applied_to": []}
    v3 = v2.replace("version: 1\n", "")  # no version key: the server adds it
    r = c.put("/api/scripts/helpdesk", json={"yaml": v3 + "forbidden: [guaranteed]\n"}, headers=_h(env, "tim"))
    assert r.status_code == 200 and r.json()["version"] == 3, r.text
    r = c.put("/api/scripts/helpdesk", content=v3 + "forbidden: [guaranteed]\n", headers=_h(env, "ada", **YAML))
    assert r.json() == {"id": "helpdesk", "version": 3, "changed": False, "applied_to": []}  # same text again

    current = (folder / "helpdesk.yaml").read_text()
    assert "version: 3" in current and "guaranteed" in current
    assert sorted(p.name for p in (folder / ".versions" / "helpdesk").glob("*.yaml")) == ["1.yaml", "2.yaml", "3.yaml"]
    assert (folder / ".versions" / "helpdesk" / "1.yaml").read_text() == HELPDESK

    old = c.get("/api/scripts/helpdesk?version=2", headers=_h(env, "quinn")).json()
    assert old["version"] == 2 and old["current_version"] == 3
    assert "have a nice day" in old["yaml"] and "guaranteed" not in old["yaml"]
    assert old["summary"]["steps"][1] == {
        "id": "goodbye",
        "say": ["Goodbye and have a nice day."],
        "mandatory": False,
        "compliance": False,
        "after": [],
        "time_budget_s": None,
        "say_within_s": None,
        "must_hear": [],
    }
    now = c.get("/api/scripts/helpdesk", headers=_h(env, "alex"))
    assert now.headers["etag"] == '"3"' and now.json()["summary"]["forbidden"] == ["guaranteed"]
    assert c.get("/api/scripts/helpdesk?version=9", headers=_h(env, "alex")).status_code == 404
    history = c.get("/api/scripts/helpdesk/versions", headers=_h(env, "alex")).json()
    assert history["current_version"] == 3
    assert [(v["version"], v["by"]) for v in history["items"]] == [(1, "disk"), (2, "sue"), (3, "tim")]

    billing = HELPDESK.replace("id: helpdesk", "id: billing")
    r = c.put("/api/scripts/billing", content=billing, headers=_h(env, "ada", **YAML))
    assert r.status_code == 201 and r.json()["version"] == 1
    assert (folder / "billing.yaml").is_file()
    audit = env["store"].audit_log(user="sue")[0]
    assert audit[0]["action"] == "script_saved" and audit[0]["detail"] == "helpdesk version 2"


BAD = """\
id: helpdesk
version: 1
steps:
  - id: greet
    say: ["Hello."]
    colour: blue
  - id: greet
    say: ["Hello again, {nobody}."]
"""


def test_an_invalid_script_is_refused_with_its_lines_and_nothing_changes(env: dict[str, Any]) -> None:
    c, folder = env["client"], env["dir"]
    r = c.put("/api/scripts/helpdesk", content=BAD, headers=_h(env, "sue", **YAML))
    assert r.status_code == 422
    body = r.json()
    assert "nothing was saved" in body["detail"]
    lines = {(e["line"], e["message"].split(" ")[0]) for e in body["errors"]}
    assert (6, "unknown") in lines  # colour
    assert any(e["line"] == 7 and "duplicate step id" in e["message"] for e in body["errors"])
    assert all(e["file"] == "helpdesk.yaml" for e in body["errors"])

    r = c.put("/api/scripts/helpdesk", content="id: helpdesk\nsteps: [\n  - a\n", headers=_h(env, "sue", **YAML))
    assert r.status_code == 422 and r.json()["errors"][0]["line"] >= 3
    assert "invalid YAML" in r.json()["errors"][0]["message"]

    other = "# another one\nid: billing\nsteps:\n  - id: a\n    say: [x]\n"
    r = c.put("/api/scripts/helpdesk", content=other, headers=_h(env, "sue", **YAML))
    assert r.status_code == 422 and r.json()["errors"][0]["line"] == 2
    assert "does not match" in r.json()["errors"][0]["message"]

    assert (folder / "helpdesk.yaml").read_text() == HELPDESK
    history = c.get("/api/scripts/helpdesk/versions", headers=_h(env, "alex")).json()
    assert [v["version"] for v in history["items"]] == [1]
    assert (
        c.put("/api/scripts/x", content="a", headers=_h(env, "sue", **{"Content-Type": "image/png"})).status_code == 415
    )


def test_only_admins_supervisors_and_team_leaders_write(env: dict[str, Any]) -> None:
    c = env["client"]
    v2 = with_version(HELPDESK, 2)
    for user in ("alex", "quinn"):
        r = c.put("/api/scripts/helpdesk", content=v2, headers=_h(env, user, **YAML))
        assert r.status_code == 403 and "admin, supervisor, team_leader" in r.json()["detail"]
        assert c.get("/api/scripts/helpdesk", headers=_h(env, user)).status_code == 200
    assert c.get("/api/scripts").status_code == 401
    assert c.put("/api/scripts/helpdesk", content=v2, headers=YAML).status_code == 401
    assert c.get("/api/scripts/helpdesk/versions", headers=_h(env, "alex")).json()["current_version"] == 1


def test_if_match_refuses_a_save_based_on_an_old_version(env: dict[str, Any]) -> None:
    c = env["client"]
    etag = c.get("/api/scripts/helpdesk", headers=_h(env, "sue")).headers["etag"]
    edited = HELPDESK.replace("Goodbye.", "Bye now.")
    assert c.put(
        "/api/scripts/helpdesk", content=edited, headers=_h(env, "sue", **YAML, **{"If-Match": etag})
    ).is_success
    r = c.put("/api/scripts/helpdesk", content=HELPDESK, headers=_h(env, "tim", **YAML, **{"If-Match": etag}))
    assert r.status_code == 412 and "version" in r.json()["detail"]


def test_a_file_edited_on_disk_is_picked_up_with_a_new_number(env: dict[str, Any]) -> None:
    c, folder = env["client"], env["dir"]
    path = folder / "helpdesk.yaml"
    assert c.get("/api/scripts", headers=_h(env, "alex")).json()["items"][0]["version"] == 1  # archived as 1
    path.write_text(HELPDESK.replace("Goodbye.", "See you."))  # still says version 1
    (folder / "broken.yaml").write_text("id: broken\nsteps:\n  - id: a\n    sya: [x]\n")
    listed = c.get("/api/scripts", headers=_h(env, "alex")).json()
    assert [s["version"] for s in listed["items"]] == [2]
    assert "version: 2" in path.read_text()  # written back: one number, one text
    problems = {(e["file"], e["line"]) for e in listed["errors"]}
    assert ("broken.yaml", 4) in problems
    history = c.get("/api/scripts/helpdesk/versions", headers=_h(env, "alex")).json()["items"]
    assert [(v["version"], v["by"]) for v in history] == [(1, "disk"), (2, "disk")]


def test_library_refresh_reports_only_changed_scripts(tmp_path: Path) -> None:
    (tmp_path / "helpdesk.yaml").write_text(HELPDESK)
    lib = ScriptVersions(tmp_path)
    assert lib.refresh() == []
    (tmp_path / "helpdesk.yaml").write_text(with_version(HELPDESK, 5))
    changed = lib.refresh()
    assert [(s.id, s.version) for s in changed] == [("helpdesk", 5)]
    assert lib.get("helpdesk").version == 5 and lib.refresh() == []


def test_an_edit_found_by_any_reader_reaches_the_listeners(tmp_path: Path) -> None:
    """Whoever looks first (a model preload's get, the scripts page's list) the edit is not lost to calls."""
    (tmp_path / "helpdesk.yaml").write_text(HELPDESK)
    lib = ScriptVersions(tmp_path)
    heard: list[tuple[str, int]] = []
    lib.on_change(lambda script: heard.append((script.id, script.version)))
    lib.on_change(lambda script: 1 / 0)  # a failing listener stops neither the others nor the reader
    (tmp_path / "helpdesk.yaml").write_text(with_version(HELPDESK, 5))
    assert lib.get("helpdesk").version == 5
    assert heard == [("helpdesk", 5)]
    assert lib.refresh() == [] and heard == [("helpdesk", 5)]  # once per change


def test_saves_at_the_same_time_get_distinct_versions(tmp_path: Path) -> None:
    (tmp_path / "helpdesk.yaml").write_text(HELPDESK)
    lib = ScriptVersions(tmp_path)
    texts = [HELPDESK.replace("Goodbye.", f"Goodbye number {i}.") for i in range(8)]
    with ThreadPoolExecutor(8) as pool:
        saved = list(pool.map(lambda t: lib.save("helpdesk", t, "sue")[0].version, texts))
    assert sorted(saved) == list(range(2, 10))
    for text, version in zip(texts, saved, strict=True):
        assert (tmp_path / ".versions" / "helpdesk" / f"{version}.yaml").read_text() == with_version(text, version)
    assert [v.version for v in lib.versions("helpdesk")] == list(range(1, 10))
    assert lib.get("helpdesk").version == 9


def test_the_version_number_is_set_in_place_or_added() -> None:
    assert with_version(HELPDESK, 7) == HELPDESK.replace("version: 1", "version: 7")
    bare = "# help desk\nid: x\nsteps:\n  - {id: a, say: [hi]}\n"
    assert with_version(bare, 2) == "# help desk\nversion: 2\nid: x\nsteps:\n  - {id: a, say: [hi]}\n"
    flow = "{id: x, steps: [{id: a, say: [hi]}]}"
    assert with_version(flow, 3) == "{version: 3, id: x, steps: [{id: a, say: [hi]}]}"
    assert with_version("id: x\nversion: 12  # old\nsteps: []\n", 13) == "id: x\nversion: 13  # old\nsteps: []\n"


# ---- a new version reaches a running call -------------------------------------------------------

LIVE_V1 = """\
id: voicemail
version: 1
language: en
steps:
  - id: leave-message
    say: ["Please leave your message after the tone."]
    mandatory: true
  - id: password
    say: ["Please enter your password followed by the pound key."]
    mandatory: true
"""
LIVE_V2 = """\
id: voicemail
version: 1
language: en
steps:
  - id: leave-message
    say: ["Please leave your message after the tone."]
    mandatory: true
  - id: callback
    say: ["We will call you back within one business day."]
    mandatory: true
  - id: password
    say: ["Please enter your password followed by the pound key."]
    mandatory: true
"""


@pytest.fixture
def live(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """A real Runtime (softphone on a free port, tiny.en) inside the app's lifespan, calls reported to it
    as the softphone does (``call_started``), and a supervisor's token."""
    if not SOUNDS_EN.is_dir():
        pytest.skip("asterisk-core-sounds-en-wav not installed: run `make test`")
    if not (REPO / "models" / "tiny.en" / "model.bin").is_file():
        pytest.skip("tiny.en not installed: run `make install`")
    from agentassist.runtime import Runtime

    scripts = tmp_path / "scripts"
    scripts.mkdir()
    (scripts / "voicemail.yaml").write_text(LIVE_V1)
    store = Store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    store.migrate()
    token = store.add_user("sue", "supervisor", all_teams=True)
    settings = Settings(
        sip={"listen": f"127.0.0.1:{free_port()}"},  # type: ignore[arg-type]
        audio={"input_device": "null", "output_device": "null"},  # type: ignore[arg-type]
        transcribe={"model": str(REPO / "models" / "tiny.en"), "language": "en"},  # type: ignore[arg-type]
        assist={"scripts_dir": str(scripts), "default_script": "voicemail", "company": "Acme"},  # type: ignore[arg-type]
    )
    bus = EventBus()
    recordings = RecordingStore(tmp_path / "rec")
    runtime = Runtime(settings, store, bus, recordings)
    app = create_app(settings, store, bus, recordings, runtime)
    with TestClient(app) as client:
        yield {"client": client, "runtime": runtime, "store": store, "token": token, "dir": scripts}


def _call(runtime: Any, call_id: str) -> Any:
    return runtime.call_started(CallInfo(call_id, "inbound", "sip:c@x", f"sip-{call_id}", datetime.now(UTC)))


@pytest.mark.slow
def test_a_saved_version_applies_at_once_to_a_running_call(live: dict[str, Any]) -> None:
    first, then = SOUNDS_EN / "vm-intro.wav", SOUNDS_EN / "agent-pass.wav"  # "Please leave your message after
    # the tone. When done, hang up or press the pound key." then "Please enter your password followed by the pound key."
    client, runtime, store, token = live["client"], live["runtime"], live["store"], live["token"]
    auth = {"Authorization": f"Bearer {token}"}
    with client.websocket_connect("/api/live", headers=auth) as ws:
        session = _call(runtime, "call-1")
        _speak(session, read_wav_mono(first).tobytes())
        said = lambda: [u["text"] for u in store.transcript("call-1")]  # noqa: E731
        report = _wait(lambda: _done(store, "call-1", "leave-message"), "leave-message ticked", said)
        assert report["version"] == 1

        r = client.put("/api/scripts/voicemail", content=LIVE_V2, headers={**auth, "Content-Type": "text/yaml"})
        assert r.status_code == 200, r.text
        assert r.json() == {"id": "voicemail", "version": 2, "changed": True, "applied_to": ["call-1"]}
        state = client.get("/api/calls/call-1/assist", headers=auth).json()
        assert state["version"] == 2 and state["current_step"] == "callback"
        assert state["next_prompt"] == "We will call you back within one business day."
        assert state["variables"]["company"] == "Acme"
        steps = {s["id"]: s["status"] for s in state["steps"]}
        assert steps == {"leave-message": "done", "callback": "pending", "password": "pending"}

        _speak(session, read_wav_mono(then).tobytes())
        _wait(lambda: _done(store, "call-1", "password"), "password ticked under version 2", said)
        session.end()
        session.join(30)
        events: list[dict[str, Any]] = []
        while not events or events[-1]["type"] != "call.ended":
            events.append(ws.receive_json())
        assert client.get("/api/calls/call-1/assist", headers=auth).status_code == 409

    report = store.adherence("call-1")
    assert report is not None
    assert [v["version"] for v in report["versions"]] == [1, 2]
    assert report["versions"][1]["from_s"] > report["versions"][0]["from_s"]
    steps = {s["id"]: s["status"] for s in report["steps"]}
    assert steps == {"leave-message": "done", "callback": "missed", "password": "done"}
    changed_at = next(i for i, e in enumerate(events) if e["type"] == "assist.script")
    changed = events[changed_at]["script"]
    assert changed["version"] == 2 and [s["id"] for s in changed["steps"]] == ["leave-message", "callback", "password"]
    assert changed["steps"][0]["status"] == "done"
    assert events[changed_at + 1]["type"] == "assist.prompt"
    assert events[changed_at + 1]["prompt"]["step_id"] == "callback"
    prompts = [e["prompt"]["step_id"] for e in events if e["type"] == "assist.prompt"]
    assert prompts[0] == "leave-message"  # the first line, published when the call starts


@pytest.mark.slow
def test_a_file_edited_on_disk_reaches_running_calls_when_the_next_call_starts(live: dict[str, Any]) -> None:
    runtime, store, folder = live["runtime"], live["store"], live["dir"]
    running = _call(runtime, "call-1")
    (folder / "voicemail.yaml").write_text(LIVE_V2)  # edited in place, still "version: 1"
    assert running.assist_state()["version"] == 1  # nothing looks before the next call
    second = _call(runtime, "call-2")
    for session in (running, second):
        state = session.assist_state()
        assert state["version"] == 2 and [s["id"] for s in state["steps"]] == ["leave-message", "callback", "password"]
    assert "version: 2" in (folder / "voicemail.yaml").read_text()
    for session in (running, second):
        session.end()
        session.join(30)
    first_report, second_report = store.adherence("call-1"), store.adherence("call-2")
    assert first_report is not None and second_report is not None
    assert [v["version"] for v in first_report["versions"]] == [1, 2]
    assert [v["version"] for v in second_report["versions"]] == [2]
    r = live["client"].put(  # ended calls keep the versions they saw
        "/api/scripts/voicemail",
        content=LIVE_V1,
        headers={"Authorization": f"Bearer {live['token']}", "Content-Type": "text/yaml"},
    )
    assert r.json() == {"id": "voicemail", "version": 3, "changed": True, "applied_to": []}
    assert [v["version"] for v in store.adherence("call-1")["versions"]] == [1, 2]  # type: ignore[index]


def _speak(session: Any, pcm: bytes) -> None:
    """Speech on the agent's channel and silence on the customer's, then a second of silence on both."""
    silence = bytes(FRAME_BYTES)
    pcm = pcm + bytes(len(pcm) % FRAME_BYTES) + silence * 50
    for i in range(0, len(pcm) - FRAME_BYTES + 1, FRAME_BYTES):
        session.push(Channel.AGENT, pcm[i : i + FRAME_BYTES])
        session.push(Channel.CUSTOMER, silence)
        if i % (FRAME_BYTES * 50) == 0:
            time.sleep(0.05)  # faster than real time, within the session's queue


def _done(store: Store, call_id: str, step_id: str) -> dict[str, Any] | None:
    report = store.adherence(call_id)
    if report and any(s["id"] == step_id and s["status"] == "done" for s in report["steps"]):
        return report
    return None


def _wait(check: Any, what: str, seen: Any, timeout_s: float = 60) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"not within {timeout_s} s: {what}; transcript: {seen()}")
