"""`agentassist phone` against the real center: `agentassist serve` with `[sip] listen = ""` and the
phone's credential from `agentassist users add-phone`; a real baresip customer calls the phone's SIP
port with real speech. The call is the phone's agent's at the center, its recording holds exactly the
frames the phone captured, the center's hangup ends it on the phone, and a center stopped for 10 s
and started again on the same data dir and port loses nothing."""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import threading
import time
import wave
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from benchmarks.ports import free_port
from benchmarks.wirephone import add_phone
from tests.conftest import AGENTASSIST, REPO, Server, add_user, need
from tests.phone_center import Relay
from tests.test_phone_process import PhoneProcess, call_with_no_center, customer_speech, external_rms


@pytest.fixture
def floor(make_server: Any, tmp_path: Path) -> Iterator[tuple[Server, PhoneProcess]]:
    need("baresip", "sox")
    server: Server = make_server(sip={"listen": ""}, recorder={"format": "wav"}, transcribe={"model": "tiny.en"})
    add_user(server.config, "alex", "agent", "--team", "red")
    credential = add_phone(AGENTASSIST, server.config, "alex", REPO)
    phone = PhoneProcess(tmp_path / "desk", server.url, token=credential)
    yield server, phone
    phone.stop()


def wait_for(predicate: Any, timeout_s: float, what: str) -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        value = predicate()
        if value:
            return value
        assert time.monotonic() < deadline, f"not within {timeout_s} s: {what}"
        time.sleep(0.2)


def calls(server: Server) -> list[dict[str, Any]]:
    with server.client() as c:
        return c.get("/api/calls").json()["items"]  # type: ignore[no-any-return]


def recording_as_wire(server: Server, call_id: str) -> bytes:
    """The center's WAV (left agent, right customer) as the wire's stereo (external = customer first)."""
    with server.client() as c:
        r = c.get(f"/api/calls/{call_id}/recording")
    assert r.status_code == 200, r.text
    with wave.open(io.BytesIO(r.content)) as w:
        assert (w.getnchannels(), w.getframerate(), w.getsampwidth()) == (2, 16000, 2)
        samples = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").reshape(-1, 2)
    return samples[:, ::-1].tobytes()


def phone_frames(phone: PhoneProcess, call_id: str) -> int:
    """The call's length as the phone logged it when the call ended."""
    for line in phone.log().splitlines():
        if f"call {call_id}: ended" in line:
            return int(line.rsplit(" after ", 1)[1].split()[0])
    raise AssertionError(f"call {call_id} not ended on the phone:\n{phone.log()[-3000:]}")


def test_a_call_while_the_center_is_down_is_recorded_frame_for_frame(
    floor: tuple[Server, PhoneProcess], baresip: Any
) -> None:
    server, phone = floor
    call_dir, spooled = call_with_no_center(phone, baresip)
    server.start()
    done = wait_for(lambda: [c for c in calls(server) if c["id"] == call_dir.name and c["status"] != "active"], 60,
                    "the uploaded call ended at the center")  # fmt: skip
    assert done[0]["agent"] == "alex" and done[0]["end_reason"] == "hangup", done
    with server.client() as c:
        assert c.get(f"/api/calls/{call_dir.name}").json()["media"]["uploaded_late"] is True
    got = recording_as_wire(server, call_dir.name)
    assert (len(got) // 1280, hashlib.sha256(got).hexdigest()) == (
        len(spooled) // 1280,
        hashlib.sha256(spooled).hexdigest(),
    )
    wait_for(lambda: not call_dir.exists(), 20, "the spool deleted once the center closed the call")


def test_the_call_is_the_agents_at_the_center_and_its_hangup_ends_it_on_the_phone(
    floor: tuple[Server, PhoneProcess], baresip: Any
) -> None:
    server, phone = floor
    server.start()
    phone.wait_log("connected to")
    customer = baresip(customer_speech(phone.root, 30))
    customer.dial(phone.sip_uri, seconds=30)
    (call,) = wait_for(lambda: [c for c in calls(server) if c["status"] == "active"], 30, "the call at the center")
    assert call["agent"] == "alex"
    time.sleep(4)
    with server.client() as c:
        r = c.post(f"/api/calls/{call['id']}/hangup")
    assert r.status_code == 204, r.text
    wait_for(lambda: "terminated" in customer.log(), 10, "baresip got the phone's BYE")
    frames = wait_for(
        lambda: f"call {call['id']}: ended" in phone.log() and phone_frames(phone, call["id"]), 10, "ended"
    )
    wait_for(
        lambda: [c for c in calls(server) if c["id"] == call["id"] and c["status"] != "active"], 30, "ended at center"
    )
    assert len(recording_as_wire(server, call["id"])) // 1280 == frames


class SpoolKeeper:
    """A hard link to each of the phone's spool segments as soon as it appears: the spool deletes a
    segment once the center has acknowledged it, the link keeps its frames (those appended later too),
    so the test knows every frame the phone captured."""

    def __init__(self, spool: Path, keep: Path) -> None:
        self.spool, self.keep = spool, keep
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="spool-keeper", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            for segment in self.spool.glob("*/*.pcm"):
                link = self.keep / segment.parent.name / segment.name
                if not link.exists():
                    link.parent.mkdir(parents=True, exist_ok=True)
                    with contextlib.suppress(FileNotFoundError):  # acknowledged and deleted meanwhile
                        os.link(segment, link)

    def pcm(self, call_id: str) -> bytes:
        self._stop.set()
        self._thread.join(5)
        return b"".join(p.read_bytes() for p in sorted((self.keep / call_id).glob("*.pcm")))


def cut_mid_call(server: Server, phone: PhoneProcess, baresip: Any, cut: Any, restore: Any) -> None:
    """A 24 s customer call with ``cut`` 3 s in and ``restore`` 10 s later: the center's recording holds
    exactly the frames the phone captured (count and checksum), the speech of the cut included, and the
    customer's transcript covers the whole call."""
    phone.wait_log("connected to")
    keeper = SpoolKeeper(phone.spool, phone.root / "kept")
    customer = baresip(customer_speech(phone.root, 40))
    customer.dial(phone.sip_uri, seconds=24)
    (call,) = wait_for(lambda: [c for c in calls(server) if c["status"] == "active"], 30, "the call at the center")
    time.sleep(3)
    cut()
    time.sleep(10)
    restore()
    customer.wait(40)
    frames = wait_for(
        lambda: f"call {call['id']}: ended" in phone.log() and phone_frames(phone, call["id"]), 10, "ended"
    )
    assert abs(frames - 24 * 50) <= 100
    wait_for(
        lambda: [c for c in calls(server) if c["id"] == call["id"] and c["status"] != "active"], 90, "ended at center"
    )
    got, captured = recording_as_wire(server, call["id"]), keeper.pcm(call["id"])
    assert (len(got) // 1280, hashlib.sha256(got).hexdigest()) == (frames, hashlib.sha256(captured).hexdigest())
    assert external_rms(got[500 * 1280 : 900 * 1280]) > 100  # the speech of the cut is in the recording
    with server.client() as c:
        lines = c.get(f"/api/calls/{call['id']}/transcript").json()["utterances"]
    starts = [u["start"] for u in lines if u["channel"] == "customer"]
    assert all(any(a <= t < a + 8 for t in starts) for a in (0, 8, 16)), lines  # before, during, after the cut
    assert len({u["id"] for u in lines}) == len(lines), lines


def test_a_10_s_cut_mid_call_loses_nothing(make_server: Any, tmp_path: Path, baresip: Any) -> None:
    """The network between desk and center cut for 10 s (a TCP relay stopped): the customer's call goes
    on, and the center's recording holds every frame the phone captured."""
    need("baresip", "sox")
    server: Server = make_server(sip={"listen": ""}, recorder={"format": "wav"})
    add_user(server.config, "alex", "agent", "--team", "red")
    credential = add_phone(AGENTASSIST, server.config, "alex", REPO)
    server.start()
    relay = Relay(free_port(), server.http_port)
    relay.start()
    phone = PhoneProcess(tmp_path / "desk", f"http://127.0.0.1:{relay.port}", token=credential)
    try:
        cut_mid_call(server, phone, baresip, relay.cut, relay.start)
        assert phone.log().count("connected to") == 2
    finally:
        phone.stop()


def test_a_10_s_center_restart_mid_call_loses_nothing(floor: tuple[Server, PhoneProcess], baresip: Any) -> None:
    """The center stopped (SIGTERM) for 10 s and started again on the same data dir and port: the call
    waits for its phone, which resumes it where the center's recording ends."""
    server, phone = floor
    server.start()
    cut_mid_call(server, phone, baresip, server.stop, server.start)
    assert "was streaming when the center stopped" in server.log()  # the second run's
    (call,) = calls(server)
    assert (call["end_reason"], call["agent"]) == ("hangup", "alex"), call
