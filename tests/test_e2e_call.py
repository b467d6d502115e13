"""A real call end to end: baresip calls `agentassist serve`; everything is checked through the API.

Speech: Asterisk core sounds (Allison Smith, CC-BY-SA-3.0) from Debian's
asterisk-core-sounds-en-wav, reference text from asterisk-core-sounds-en.
"""

from __future__ import annotations

import io
import json
import subprocess
import threading
import time
import wave
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from agentassist.transcribe.textnorm import wer
from tests.conftest import SOUNDS_EN, need

pytestmark = [pytest.mark.sip, pytest.mark.slow]

AGENT_LEAD_S = 1.0  # silence before the agent's first line
AGENT_GAP_S = 2.0  # silence between the agent's two lines
CUSTOMER_DELAY_S = 11.0  # silence before the customer's prompt
CUSTOMER_PROMPT = "demo-echotest"
AGENT_PROMPTS = ("queue-thankyou", "vm-intro")


def _script(prompts: dict[str, str]) -> str:
    return f"""id: e2e
version: 1
language: en
steps:
  - id: thanks
    say: ["{prompts[AGENT_PROMPTS[0]]}"]
    mandatory: true
  - id: leave-message
    say: ["{prompts[AGENT_PROMPTS[1]]}"]
    mandatory: true
  - id: recording-notice
    say: ["This call is recorded for quality and training purposes."]
    mandatory: true
    compliance: true
"""


def _agent_audio(tmp: Path) -> Path:
    need("sox")
    out = tmp / "agent.wav"
    silence = tmp / "gap.wav"
    subprocess.run(
        ["sox", "-n", "-r", "8000", "-c", "1", "-b", "16", str(silence), "trim", "0", str(AGENT_GAP_S)], check=True
    )
    lead = tmp / "lead.wav"
    subprocess.run(
        ["sox", "-n", "-r", "8000", "-c", "1", "-b", "16", str(lead), "trim", "0", str(AGENT_LEAD_S)], check=True
    )
    subprocess.run(
        [
            "sox",
            str(lead),
            str(SOUNDS_EN / f"{AGENT_PROMPTS[0]}.wav"),
            str(silence),
            str(SOUNDS_EN / f"{AGENT_PROMPTS[1]}.wav"),
            str(out),
        ],
        check=True,
    )
    return out


def _speech_onsets(x: np.ndarray, rate: int, min_gap_s: float = 0.8) -> list[float]:
    """Starts of stretches louder than -40 dBFS, separated by at least ``min_gap_s`` of quiet."""
    win = rate // 50
    frames = x[: len(x) // win * win].astype(np.float64).reshape(-1, win)
    db = 20 * np.log10(np.sqrt((frames**2).mean(axis=1)) / 32768 + 1e-9)
    loud = db > -40
    onsets: list[float] = []
    quiet = min_gap_s * 50
    run = quiet
    for i, v in enumerate(loud):
        if v:
            if run >= quiet:
                onsets.append(i / 50)
            run = 0
        else:
            run += 1
    return onsets


def _offline_text(path: Path) -> str:
    from faster_whisper import WhisperModel

    from tests.conftest import REPO

    model = WhisperModel(str(REPO / "models" / "tiny.en"), device="cpu", compute_type="int8", local_files_only=True)
    segments, _ = model.transcribe(str(path), language="en", beam_size=1)
    return " ".join(s.text.strip() for s in segments)


class Feed(threading.Thread):
    def __init__(self, url: str, token: str) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.token = token
        self.events: list[dict[str, Any]] = []
        self.ready = threading.Event()
        self.stop = threading.Event()

    def run(self) -> None:
        with connect(self.url, open_timeout=10, additional_headers={"Authorization": f"Bearer {self.token}"}) as ws:
            self.ready.set()
            while not self.stop.is_set():
                try:
                    msg = ws.recv(timeout=0.5)
                except TimeoutError:
                    continue
                except ConnectionClosed:
                    return
                self.events.append(json.loads(msg))


def _wait_ended(client: Any, timeout_s: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        items = client.get("/api/calls").json()["items"]
        if items and items[0]["status"] != "active":
            return dict(items[0])
        time.sleep(0.5)
    raise AssertionError("the call did not end in time")


def test_real_call_end_to_end(tmp_path: Path, make_server: Any, baresip: Any, prompts_en: dict[str, str]) -> None:
    agent_wav = _agent_audio(tmp_path)
    server = make_server(
        audio={"agent_audio_file": str(agent_wav)},
        assist={"default_script": "e2e"},
    )
    (tmp_path / "scripts" / "e2e.yaml").write_text(_script(prompts_en))
    server.start()
    feed = Feed(f"ws://127.0.0.1:{server.http_port}/api/live", server.token)
    feed.start()
    assert feed.ready.wait(10)

    # the customer speaks once the agent has finished, so each channel's speech can be told apart
    customer_wav = SOUNDS_EN / f"{CUSTOMER_PROMPT}.wav"
    customer_call_wav = tmp_path / "customer.wav"
    subprocess.run(["sox", str(customer_wav), str(customer_call_wav), "pad", str(CUSTOMER_DELAY_S), "0"], check=True)
    phone = baresip(customer_call_wav)
    phone.dial(server.sip_uri, seconds=int(CUSTOMER_DELAY_S + 25))
    phone.wait(60)
    with server.client() as client:
        call = _wait_ended(client, 60)
        assert call["status"] == "ended", call
        assert call["direction"] == "inbound"
        call_id = call["id"]

        # recording: stereo, 16 kHz, one speaker per channel
        r = client.get(f"/api/calls/{call_id}/recording")
        assert r.status_code == 200
        with wave.open(io.BytesIO(r.content)) as w:
            assert (w.getnchannels(), w.getframerate(), w.getsampwidth()) == (2, 16000, 2)
            stereo = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").reshape(-1, 2)
        left, right = stereo[:, 0].astype(np.float64), stereo[:, 1].astype(np.float64)
        assert len(stereo) / 16000 > CUSTOMER_DELAY_S + 20, "the call is shorter than the customer's prompt"
        agent_active = np.abs(left) > 1000
        customer_active = np.abs(right) > 1000
        for own, other, name in ((left, right, "agent"), (right, left, "customer")):
            mask = agent_active if name == "agent" else customer_active
            own_db = 10 * np.log10((own[mask] ** 2).mean() + 1e-9)
            other_db = 10 * np.log10((other[mask] ** 2).mean() + 1e-9)
            assert own_db - other_db >= 20, f"{name} channel: {own_db:.1f} dB vs {other_db:.1f} dB in the other"

        # transcript: customer WER within 0.05 of faster-whisper offline on the same audio and model
        transcript = client.get(f"/api/calls/{call_id}/transcript").json()["utterances"]
        customer_text = " ".join(u["text"] for u in transcript if u["channel"] == "customer")
        reference = prompts_en[CUSTOMER_PROMPT]
        live_wer = wer(reference, customer_text)
        offline_wer = wer(reference, _offline_text(customer_wav))
        print(f"customer WER live {live_wer:.3f} offline {offline_wer:.3f}")
        assert live_wer <= offline_wer + 0.05, (customer_text, live_wer, offline_wer)

        # adherence: both spoken steps done near where they are heard; the unspoken one missed
        adherence = client.get(f"/api/calls/{call_id}/adherence").json()
        steps = {s["id"]: s for s in adherence["steps"]}
        onsets = _speech_onsets(stereo[:, 0], 16000)
        assert len(onsets) >= 2, onsets
        for step_id, onset in (("thanks", onsets[0]), ("leave-message", onsets[1])):
            step = steps[step_id]
            assert step["status"] == "done", adherence
            print(f"step {step_id}: ticked at {step['t']:.2f} s, speech starts at {onset:.2f} s")
            assert abs(step["t"] - onset) <= 1.0, (step_id, step["t"], onset)
            assert step["evidence"]["utterance_id"]
        assert steps["recording-notice"]["status"] == "missed"

    # the feed saw the call's life in order
    time.sleep(1)
    feed.stop.set()
    types = [e["type"] for e in feed.events if e.get("call_id") == call_id]
    order = ["call.started", "utterance.final", "call.ended"]
    positions = [types.index(t) for t in order]
    assert positions == sorted(positions), types
    assert types[-1] == "call.ended", types
    # a step ticks from a partial when the match is certain, else from its final: either way after
    # the utterance that earned it reached the feed, and that utterance's final follows
    utterance_at: dict[str, int] = {}
    for i, e in enumerate(feed.events):
        if e.get("call_id") == call_id and e["type"] in ("utterance.partial", "utterance.final"):
            utterance_at.setdefault(e["utterance"]["id"], i)
    steps_at = [
        (i, e["step"]) for i, e in enumerate(feed.events) if e["type"] == "assist.step" and e.get("call_id") == call_id
    ]
    assert steps_at, types
    for i, step in steps_at:
        evidence = step.get("evidence") or {}
        if step.get("status") == "done":
            assert utterance_at[evidence["utterance_id"]] < i, (step, types)
    # partial hypotheses came while the customer's long prompt was spoken, each before its final
    final_ids = {u["id"] for u in transcript}
    partials = [e["utterance"] for e in feed.events if e["type"] == "utterance.partial" and e["call_id"] == call_id]
    assert partials, types
    assert all(p["id"] in final_ids for p in partials), (partials, final_ids)
    for p in partials:
        final_at = next(
            i for i, e in enumerate(feed.events) if e["type"] == "utterance.final" and e["utterance"]["id"] == p["id"]
        )
        partial_at = next(
            i for i, e in enumerate(feed.events) if e["type"] == "utterance.partial" and e["utterance"] is p
        )
        assert partial_at < final_at
