"""Two center nodes as one service on the engines a call center runs (issue 20, docs/deploy.md): one
PostgreSQL database (tests/databases.py), one nats-server (tests/natsserver.py) and one S3 endpoint
(moto in server mode, tests/s3server.py), each a real server on loopback; each node a real
`agentassist serve` (a center only: no SIP) with its own data_dir, the scripts folder shared.

- Two nodes started at the same instant on an empty database both come up (the migration runs under an
  advisory lock), and /healthz names the engines each reaches, without secrets.
- Phones on node A, the wall on node B: B's feeds within 200 ms (p95) of A's; a script saved on B reaches
  the call on A; the recording lands in the object store, every frame.
- SIGKILL node A with 4 calls up: their phones reconnect to node B, which takes the calls over; after
  hangup every recording in the object store holds every frame the phones captured (count and SHA-256),
  the transcript goes on without a line twice, and the script's steps ticked on A stay ticked; the
  holds, pauses and digits node A stored, which the phone sends again from frame 0, are stored once.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from agentassist.store.database import Database
from benchmarks.ports import free_port
from benchmarks.wirephone import FRAME, WirePhone, add_phone
from tests.conftest import AGENTASSIST, REPO, Server, add_user, voicemail_script, write_config
from tests.databases import pg_admin_url, pg_url  # noqa: F401 - fixtures
from tests.natsserver import NatsServer
from tests.s3server import BUCKET, CREDENTIALS, REGION, S3Server
from tests.test_bus_nodes import _call, _metric
from tests.test_storage_s3 import PREFIX, _stored, s3  # noqa: F401 - s3 is a fixture
from tests.test_wire_restart import STORED, _acked, _call_audio, _details, _get, _wait, _with_events, sent_again_from_0

pytestmark = [pytest.mark.slow]

PG_PASSWORD = "pg-secret-never-shown"  # the test server trusts every login: the password is only to be hidden


@pytest.fixture
def nats(tmp_path: Path) -> Any:
    server = NatsServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def shared(tmp_path: Path, pg_url: str, s3: S3Server, nats: NatsServer) -> dict[str, Any]:  # noqa: F811
    """What every node of one test shares: the database (its URL with a password), the store, the bus and
    the scripts folder."""
    scripts = tmp_path / "scripts"
    scripts.mkdir()
    (scripts / "vm.yaml").write_text(voicemail_script("vm"))
    database = pg_url.replace("postgres@", f"postgres:{PG_PASSWORD}@", 1)
    return {"database": database, "s3": s3, "nats": nats, "scripts": scripts, "root": tmp_path}


def _node(shared: dict[str, Any], name: str, **sections: dict[str, Any]) -> Server:
    root: Path = shared["root"] / name
    root.mkdir()
    values: dict[str, dict[str, Any]] = {
        "sip": {"listen": ""},
        "recorder": {"format": "wav"},
        "assist": {"scripts_dir": str(shared["scripts"]), "default_script": "vm"},
        "server": {"database_url": shared["database"]},
        "storage": {"url": f"s3://{BUCKET}/{PREFIX}", "endpoint_url": shared["s3"].endpoint_url, "region": REGION},
        "bus": {"url": shared["nats"].url},
    }
    for section, extra in sections.items():
        values.setdefault(section, {}).update(extra)
    http_port = free_port()
    return Server(root, write_config(root, free_port(), http_port, **values), 0, http_port)


def _start_at_once(*nodes: Server) -> None:
    """Start every node at the same instant (each from its own thread, past one barrier)."""
    barrier = threading.Barrier(len(nodes))
    failed: list[BaseException] = []

    def start(node: Server) -> None:
        barrier.wait()
        try:
            node.start(timeout_s=120)
        except BaseException as exc:
            failed.append(exc)

    threads = [threading.Thread(target=start, args=(n,)) for n in nodes]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failed, failed


def test_migrations_from_two_nodes_at_once_on_an_empty_database(pg_url: str) -> None:  # noqa: F811
    """Without the advisory lock both upgrades run CREATE TABLE and one fails (duplicate table or type)."""
    import sqlalchemy as sa

    admin = sa.create_engine(pg_url, isolation_level="AUTOCOMMIT")
    names = [f"{sa.make_url(pg_url).database}_{n}" for n in range(3)]  # three rounds, each on an empty database
    try:
        for name in names:
            with admin.connect() as conn:
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
            url = sa.make_url(pg_url).set(database=name).render_as_string(hide_password=False)
            databases = [Database(url), Database(url)]
            barrier = threading.Barrier(2)
            errors: list[BaseException] = []
            threads = [threading.Thread(target=_migrate, args=(db, barrier, errors)) for db in databases]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            assert not errors, errors
            assert databases[0].revision() == databases[1].revision() is not None
            for db in databases:
                db.engine.dispose()
    finally:
        with admin.connect() as conn:
            for name in names:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _migrate(db: Database, barrier: threading.Barrier, errors: list[BaseException]) -> None:
    barrier.wait()
    try:
        db.migrate()
    except BaseException as exc:
        errors.append(exc)


def test_two_nodes_start_at_once_and_healthz_names_their_engines(shared: dict[str, Any]) -> None:
    a, b = (_node(shared, name, transcribe={"enabled": False}) for name in ("node-a", "node-b"))
    try:
        _start_at_once(a, b)  # on an empty database: one migrates, the other waits for it
        for node in (a, b):
            _wait(lambda n=node: _engines(n)["bus"]["ok"], 20, "the bus connected")
            body = httpx.get(node.url + "/healthz", timeout=10).text
            health = json.loads(body)
            assert health["status"] == "ok" and health["checks"] == {"model": True}, health  # as before
            engines = health["engines"]
            assert engines["database"]["engine"] == "postgresql" and engines["database"]["ok"], engines
            assert engines["database"]["at"].startswith("127.0.0.1:"), engines
            assert engines["bus"] == {"engine": "nats", "at": shared["nats"].url, "ok": True}, engines
            assert engines["objects"] == {"engine": "s3", "at": f"s3://{BUCKET}/{PREFIX}", "ok": True}, engines
            assert PG_PASSWORD not in body and CREDENTIALS["AWS_SECRET_ACCESS_KEY"] not in body

        shared["nats"].stop()
        shared["s3"].stop()
        engines = _wait(lambda: _away(_engines(a)), 20, "the bus and the store reported away")
        print("engines away:", json.dumps(engines))
        assert engines["bus"]["error"] and engines["objects"]["error"], engines
        assert engines["database"]["ok"], engines
        assert httpx.get(a.url + "/healthz", timeout=10).status_code == 200  # a node serves its calls meanwhile
        shared["s3"].start()
        shared["nats"].start()
        _wait(lambda: all(_engines(a)[k]["ok"] for k in ("bus", "objects")), 30, "the engines back")
    finally:
        a.stop()
        b.stop()


def _away(engines: dict[str, Any]) -> dict[str, Any] | None:
    return engines if not engines["bus"]["ok"] and not engines["objects"]["ok"] else None


def _engines(node: Server) -> dict[str, Any]:
    engines: dict[str, Any] = httpx.get(node.url + "/healthz", timeout=10).json()["engines"]
    return engines


def _started_with_alice(a: Server, b: Server) -> str:
    """The admin Alex (both nodes' token) and the agent alice with a phone, then both nodes started;
    alice's phone credential."""
    a.token = b.token = add_user(a.config, "Alex", "admin")  # migrates the database: before the nodes
    add_user(a.config, "alice", "agent", "--team", "red")
    credential = add_phone(AGENTASSIST, a.config, "alice", REPO)
    a.start()
    b.start()
    return credential


def test_phones_on_node_a_the_wall_on_node_b(shared: dict[str, Any]) -> None:
    a = _node(shared, "node-a")
    b = _node(shared, "node-b", transcribe={"enabled": False})  # the wall's node: no calls, no model
    credential = _started_with_alice(a, b)
    try:
        _call(a, b, credential, shared["nats"])  # tests/test_bus_nodes.py: the wall within 200 ms, the script
        call_id = _get(b, "/api/calls")["items"][0]["id"]
        _wait(lambda: _metric(a, "agentassist_storage_uploads_total") == 1, 60, "the upload")
        _stored(shared["s3"], call_id, _call_audio())
        assert _get(b, f"/api/calls/{call_id}")["status"] == "ended"
    finally:
        a.stop()
        b.stop()


CALLS = 4


def test_node_a_killed_with_four_calls_up_node_b_takes_them_over(shared: dict[str, Any]) -> None:
    a, b = _node(shared, "node-a"), _node(shared, "node-b")
    token = add_user(a.config, "Alex", "admin")
    a.token = b.token = token
    agents = [f"agent{i}" for i in range(CALLS)]
    credentials = {}
    for agent in agents:
        add_user(a.config, agent, "agent", "--team", "red")
        credentials[agent] = add_phone(AGENTASSIST, a.config, agent, REPO)
    base = _call_audio()  # 22 s; the agent's first step at once, the last from 15 s
    pcms = {agent: _marked(base, i) for i, agent in enumerate(agents)}  # each call's recording its own
    a.start()
    b.start()
    try:
        calls, on_a = _up_on_a(a, agents, credentials, pcms)
        killed = time.monotonic()
        a.kill()  # SIGKILL mid-call: its database connections end with it, and with them its claims on the calls
        for phone in on_a:
            phone.close()

        phones = {agent: WirePhone(b.http_port, credentials[agent], agent) for agent in agents}  # the next URL
        try:
            ends = {}
            for agent, call_id in calls.items():  # the 4 calls up on node B at once
                phone = phones[agent]
                assert phone.hello()["parameters"] == {"agent": agent}
                stream, have = _open_again(phone, call_id)
                assert have == 0  # node B has none of the recording: the phone sends the call from its spool
                ends[agent] = phone.audio(stream, 0, pcms[agent])
            print(f"{CALLS} calls taken over by node B, {time.monotonic() - killed:.1f} s after the kill")
            assert _metric(b, "agentassist_phone_calls_taken_over_total") == CALLS
            for agent, call_id in calls.items():  # every call hung up, then each one's close awaited
                phones[agent].send("close", call_id, reason="hangup", frames=ends[agent])
            for agent, call_id in calls.items():
                phones[agent].expect("closed", call_id, timeout_s=240)
                assert _acked(phones[agent], call_id) == ends[agent] == len(pcms[agent]) // FRAME
        finally:
            for phone in phones.values():
                phone.close()

        for agent, call_id in calls.items():
            call = _wait(lambda c=call_id: (r := _get(b, f"/api/calls/{c}"))["status"] == "ended" and r, 120, "ended")
            assert (call["agent"], call["end_reason"], call["script_id"]) == (agent, "hangup", "vm"), call
        _wait(lambda: _metric(b, "agentassist_storage_uploads_total") == CALLS, 120, "the uploads")
        for agent, call_id in calls.items():
            _stored(shared["s3"], call_id, pcms[agent])  # every frame, in the object store
            _transcript_goes_on(b, call_id)

        a.start()  # node A back: what it had recorded of the calls B took over is set aside, never uploaded
        aside = a.root / "data" / "recordings"
        _wait(lambda: len(list(aside.glob("*.wav.superseded"))) == CALLS, 60, "node A's partial copies set aside")
        assert _metric(a, "agentassist_storage_uploads_total") == 0
        for agent, call_id in calls.items():
            _stored(shared["s3"], call_id, pcms[agent])  # still node B's whole recordings
    finally:
        b.stop()
        if a.proc is not None:
            a.stop()


def _marked(pcm: bytes, n: int) -> bytes:
    """``pcm`` with its first sample set to ``n``: the same speech, a recording of its own (SHA-256)."""
    return n.to_bytes(2, "little", signed=True) + pcm[2:]


def _up_on_a(
    a: Server, agents: list[str], credentials: dict[str, str], pcms: dict[str, bytes]
) -> tuple[dict[str, str], list[WirePhone]]:
    """Each agent's phone opens a call on node A and streams its first 10 s; returns (the calls, the
    phones still connected) once every call's first line is in the transcript (A worked on them all)."""
    calls: dict[str, str] = {}
    phones = []
    try:
        for agent in agents:
            phone = WirePhone(a.http_port, credentials[agent], agent)
            phones.append(phone)
            assert phone.hello()["parameters"] == {"agent": agent}
            call_id, stream, have = phone.open()
            assert have == 0
            phone.audio(stream, 0, pcms[agent][: 500 * FRAME])
            calls[agent] = call_id
        for call_id in calls.values():
            _wait(lambda c=call_id: _said_on(a, c, "message"), 180, "the agent's first line in each transcript")
        for phone in phones:  # node A holds the calls' frames: acknowledged only at the close on PostgreSQL
            phone.send("ping")
            phone.expect("pong")
            assert not [m for m in phone.inbox if m["type"] == "ack"], phone.inbox
    except BaseException:
        for phone in phones:
            phone.close()
        raise
    return calls, phones


def _said_on(node: Server, call_id: str, words: str) -> bool:
    return any(words in u["text"].lower() for u in _get(node, f"/api/calls/{call_id}/transcript")["utterances"])


def _open_again(phone: WirePhone, call_id: str) -> tuple[int, int]:
    """``open`` of a call whose node died, until node B takes it (its claim is free once PostgreSQL has
    seen node A's connections end: at once after a SIGKILL)."""
    deadline = time.monotonic() + 20
    while True:
        try:
            _, stream, have = phone.open(call_id)
            return stream, have
        except AssertionError as exc:  # answered error "elsewhere": node A still holds it
            assert "elsewhere" in str(exc) and time.monotonic() < deadline, exc
            time.sleep(0.5)


def _transcript_goes_on(node: Server, call_id: str) -> None:
    lines = _get(node, f"/api/calls/{call_id}/transcript")["utterances"]
    assert len({u["id"] for u in lines}) == len(lines), lines  # ids go on after node A's
    heard = [u for u in lines if u["channel"] == "customer"]
    for before, after in itertools.pairwise(heard):
        assert after["start"] >= before["end"] - 0.5, heard  # nothing said twice
    said = " ".join(u["text"].lower() for u in heard)
    assert "echo test" in said and "hanging up" in said, heard  # before the kill and after it
    assert any(u["channel"] == "agent" and "goodbye" in u["text"].lower() and u["start"] > 14 for u in lines), lines
    steps = {s["id"]: s["status"] for s in _get(node, f"/api/calls/{call_id}/adherence")["steps"]}
    assert steps == {"leave-message": "done", "goodbye": "done"}, steps


def test_a_call_taken_over_stores_its_holds_pauses_and_digits_once(shared: dict[str, Any]) -> None:
    """The phone sends the call again from frame 0 with its events at their frames: node B stored every
    hold, pause and digit node A had stored a second time (session 13's known gap); now each is once."""
    a, b = (_node(shared, n, transcribe={"enabled": False}) for n in ("node-a", "node-b"))
    credential = _started_with_alice(a, b)
    pcm = _call_audio()
    try:
        phone = WirePhone(a.http_port, credential, "alice")
        try:
            assert phone.hello()["parameters"] == {"agent": "alice"}
            call_id, stream, _ = phone.open()
            _with_events(phone, stream, call_id, pcm, 400)
            _wait(lambda: _details(_get(b, f"/api/calls/{call_id}")) == STORED, 30, "node A's events stored")
            a.kill()
        finally:
            phone.close()
        phone = WirePhone(b.http_port, credential, "alice")
        assert phone.hello()["parameters"] == {"agent": "alice"}
        sent_again_from_0(b, phone, call_id, pcm, lambda: _open_again(phone, call_id))
    finally:
        b.stop()
        if a.proc is not None:
            a.stop()


def test_a_call_whose_node_died_and_whose_phone_never_came_back_ends_abnormal_on_another_node(
    shared: dict[str, Any],
) -> None:
    """Node B's sweep (agentassist/sweep.py, every 30 s) finds the call no living node carries, waits
    [center] phone_timeout_s for its phone, then ends it abnormal: no call of a dead node stays active."""
    timeout_s = 5.0
    a, b = (_node(shared, n, transcribe={"enabled": False}, center={"phone_timeout_s": timeout_s}) for n in "ab")
    credential = _started_with_alice(a, b)
    try:
        phone = WirePhone(a.http_port, credential, "alice")
        assert phone.hello()["parameters"] == {"agent": "alice"}
        call_id, stream, _ = phone.open()
        phone.audio(stream, 0, _call_audio()[: 100 * FRAME])
        _wait(lambda: _metric(a, "agentassist_calls_claimed") == 1, 10, "the call claimed by node A")
        a.kill()
        phone.close()  # and never back
        killed = time.monotonic()
        call = _wait(lambda: (c := _get(b, f"/api/calls/{call_id}"))["status"] == "ended" and c, 60, "ended on B")
        print(f"the dead node's call ended abnormal on node B {time.monotonic() - killed:.1f} s after the kill")
        assert (call["end_reason"], call["media"]["wire_error"]) == ("abnormal", "phone lost"), call
        assert _metric(b, "agentassist_phone_calls_not_resumed_total") == 1
        assert _metric(b, "agentassist_calls_claimed") == 0
    finally:
        b.stop()
