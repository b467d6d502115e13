"""A script step pauses the recording while it is active (``pause_recording``): the step's parsing, the
pause's state machine, and a call streamed into a real ``agentassist serve`` (the wire phone, espeak-ng
speech on both channels, tiny.en) in which the agent's payment line pauses the recording, the
customer's card number is neither recorded nor transcribed, and the agent's next line resumes both
with nobody pressing anything."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

from agentassist.assist.parsing import PAUSE_TIMEOUT_S, parse_script
from agentassist.audio.frames import read_wav_mono
from agentassist.errors import ScriptError
from agentassist.pause import CardPause
from benchmarks.wirephone import FRAME, add_phone
from tests.conftest import AGENTASSIST, REPO, Server, add_user, need
from tests.test_wire_phone import _call, _channels, _phone

SCRIPT = """id: pay
language: en
steps:
  - id: greeting
    say: "Thank you for calling Acme."
  - id: payment
    say: "I will now take your card details."
    pause_recording: {timeout_s: 40}
  - id: done
    say: "Your payment is complete, thank you."
redact: [phone]
keep_originals: [quality_checker]
"""
RATE_HZ = 16000


def test_the_step_key_is_parsed_and_checked() -> None:
    script = parse_script(SCRIPT)
    assert [s.pause_timeout_s for s in script.steps] == [None, 40.0, None]
    plain = parse_script(SCRIPT.replace("{timeout_s: 40}", "true"))
    assert plain.steps[1].pause_timeout_s == PAUSE_TIMEOUT_S
    assert parse_script(SCRIPT.replace("{timeout_s: 40}", "false")).steps[1].pause_timeout_s is None
    for bad, error in [
        ("yes please", "<script>:8: pause_recording: expected true, false or {timeout_s: seconds}, got 'yes please'"),
        ("{timeout_s: 0}", "<script>:8: timeout_s: expected a number above 0, got 0"),
        ("{until: 3}", "<script>:8: unknown key 'until' in pause_recording (expected one of: timeout_s)"),
    ]:
        with pytest.raises(ScriptError) as caught:
            parse_script(SCRIPT.replace("{timeout_s: 40}", bad))
        assert error in str(caught.value)


def test_a_pausing_step_pauses_until_the_next_step_or_its_timeout() -> None:
    card = CardPause()
    assert card.steps_said([("greeting", None)], 1.0) is None and not card.paused
    assert card.steps_said([("payment", 40.0)], 5.0) == "pause" and card.paused and card.step == "payment"
    assert card.steps_said([("payment", 40.0)], 9.0) is None and card.step == "payment"  # said again: goes on
    assert card.steps_said([("done", None)], 20.0) == "resume" and not card.paused and card.step is None
    card.steps_said([("payment", 40.0)], 30.0)
    assert not card.due(69.0) and card.due(70.0) and not card.paused  # nobody said the next step: the timeout
    card.pause()  # the agent's page paused first: the step's pause opens no second span
    assert card.steps_said([("payment", 40.0)], 80.0) is None and card.paused


def _speak(text: str, tmp: Path, name: str) -> np.ndarray:
    need("espeak-ng", "sox")
    raw, wav = tmp / f"{name}22k.wav", tmp / f"{name}.wav"
    subprocess.run(["espeak-ng", "-m", "-v", "en-us", "-s", "130", "-g", "8", "-w", str(raw), text], check=True)
    subprocess.run(["sox", str(raw), "-r", str(RATE_HZ), "-c", "1", "-b", "16", str(wav)], check=True)
    return read_wav_mono(wav)


# (channel, start s, what is said): the customer's card number falls inside the payment step
TIMELINE = [
    ("agent", 0.5, "Thank you for calling Acme."),
    ("agent", 3.5, "I will now take your card details."),
    ("customer", 11.0, "My card number is 4 5 3 9, 1 4 8 8, 0 3 4 3, 6 4 6 7."),
    ("agent", 22.0, "Your payment is complete, thank you."),
    ("customer", 27.0, "Thanks. My phone is 6 0 0, 1 2 3, 4 5 6."),
]
CALL_S = 38.0


def _call_audio(tmp: Path) -> tuple[bytes, tuple[float, float]]:
    """The call's stereo PCM (customer left, as the wire's "external"), and when the card number is said."""
    pcm = np.zeros((int(CALL_S * RATE_HZ), 2), dtype="<i2")
    card_s = (0.0, 0.0)
    for n, (channel, start_s, text) in enumerate(TIMELINE):
        said = _speak(text, tmp, f"line{n}")
        at = int(start_s * RATE_HZ)
        pcm[at : at + said.size, 0 if channel == "customer" else 1] = said
        if "card number" in text:
            card_s = (start_s, start_s + said.size / RATE_HZ)
    return pcm.tobytes(), card_s


@pytest.fixture(scope="module")
def center(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    from benchmarks.ports import free_port
    from tests.conftest import write_config

    root = tmp_path_factory.mktemp("center")
    http_port = free_port()
    config = write_config(
        root, 0, http_port, sip={"listen": ""}, recorder={"format": "wav"}, assist={"default_script": "pay"}
    )
    (root / "scripts" / "pay.yaml").write_text(SCRIPT)
    server = Server(root, config, 0, http_port)
    server.token = add_user(config, "Alex", "admin")
    add_user(config, "alice", "agent", "--team", "red")
    tokens = {role: add_user(config, role, role, "--team", "red") for role in ("quality_checker", "team_leader")}
    server.start()
    try:
        yield {"server": server, "alice": add_phone(AGENTASSIST, config, "alice", REPO), "tokens": tokens}
    finally:
        server.stop()


@pytest.fixture(scope="module")
def paid(center: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One call, streamed in real time: its record, transcript, adherence and when the card was said."""
    server: Server = center["server"]
    pcm, card_s = _call_audio(tmp_path_factory.mktemp("speech"))
    phone = _phone(center)
    try:
        call_id, stream, _ = phone.open()
        sent, begun = 0, time.monotonic()
        for n, at in enumerate(range(0, len(pcm), 10 * FRAME)):
            sent = phone.audio(stream, sent, pcm[at : at + 10 * FRAME], per_message=1)
            time.sleep(max(0.0, begun + (n + 1) * 0.2 - time.monotonic()))  # real time: the pause follows speech
        phone.close_call(call_id, sent)
    finally:
        phone.close()
    call = _call(server, call_id, timeout_s=120)
    with server.client() as c:
        utterances = c.get(f"/api/calls/{call_id}/transcript").json()["utterances"]
        adherence = c.get(f"/api/calls/{call_id}/adherence").json()
    return {"call": call, "utterances": utterances, "adherence": adherence, "card_s": card_s}


def test_the_payment_step_pauses_the_recording_and_the_next_step_resumes_it(
    center: dict[str, Any], paid: dict[str, Any]
) -> None:
    server: Server = center["server"]
    call, utterances, adherence = paid["call"], paid["utterances"], paid["adherence"]
    call_id, (card_from_s, card_to_s) = call["id"], paid["card_s"]
    heard = [(u["channel"], u["start"], u["text"]) for u in utterances]
    (pause,) = [p for p in call["pauses"] if p["by"] == "step:payment"] or [call["pauses"]]
    assert pause["start"] < card_from_s and card_to_s < pause["end"] < 27.0, (call["pauses"], heard)
    steps = {s["id"]: s["status"] for s in adherence["steps"]}
    assert steps == {"greeting": "done", "payment": "done", "done": "done"}, (adherence, heard)
    agent, customer = (np.frombuffer(ch, dtype="<i2") for ch in _channels(server, call_id))
    a, b = int(pause["start"] * RATE_HZ), int(pause["end"] * RATE_HZ)
    assert not customer[a:b].any() and not agent[a:b].any()
    assert customer[int(27.0 * RATE_HZ) :].any(), "the recording resumed: the customer's thanks are kept"
    # nothing the customer said in the pause is kept (the agent's line that resumed it is heard by the
    # tracker alone; its tail, decoded once the pause is over, may be kept)
    assert not [h for h in heard if h[0] == "customer" and pause["start"] <= h[1] < pause["end"]], heard
    said = " ".join(t for ch, _, t in heard if ch == "customer").lower()
    assert "4539" not in said and "card" not in said and "thank" in said, heard


def test_the_original_is_read_by_the_roles_the_script_names_and_each_read_is_audited(
    center: dict[str, Any], paid: dict[str, Any]
) -> None:
    server: Server = center["server"]
    call_id = paid["call"]["id"]
    phone = [u for u in paid["utterances"] if "[PHONE]" in u["text"]]
    assert phone and not any("original" in u for u in paid["utterances"]), paid["utterances"]
    assert "600" not in " ".join(u["text"] for u in paid["utterances"])
    assert {r["kind"] for r in paid["call"]["redactions"]} >= {"phone"}, paid["call"]["redactions"]
    url = f"/api/calls/{call_id}/transcript"
    with server.client() as c:  # a checker sees the calls assigned to them
        assert c.post("/api/assignments", json={"call_id": call_id, "checker": "quality_checker"}).status_code == 201
    for token in (server.token, center["tokens"]["quality_checker"]):
        with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"}) as c:
            got = c.get(url, params={"originals": "true"})
            assert got.status_code == 200, got.text
            originals = {u["id"]: u["original"] for u in got.json()["utterances"] if "original" in u}
            assert set(originals) == {u["id"] for u in phone}, got.json()
            assert all("[PHONE]" not in t and "6" in t for t in originals.values()), originals
            assert c.get(url, params={"originals": "true", "format": "vtt"}).status_code == 422
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {center['tokens']['team_leader']}"}) as c:
        refused = c.get(url, params={"originals": "true"})
        assert refused.status_code == 403, refused.text
        assert refused.json()["detail"] == (
            f"originals of call {call_id}: a team_leader may not read them (allowed: admin, quality_checker)"
        )
        assert c.get(url).status_code == 200  # the masked transcript stays theirs
    with server.client() as c:
        found = c.get("/api/calls", params={"q": "600"}).json()["items"]
        audit = c.get("/api/audit", params={"call_id": call_id, "limit": 1000}).json()["items"]
    assert not any(r["id"] == call_id for r in found), "an original is never indexed"
    reads = sorted((a["user"], a["action"]) for a in audit if a["action"].startswith("transcript.originals"))
    assert reads == [
        ("Alex", "transcript.originals"),
        ("quality_checker", "transcript.originals"),
        ("team_leader", "transcript.originals.refused"),
    ], audit
