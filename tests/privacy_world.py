"""Calls made through the store for the retention, person's-data and audit tests: each with a real stereo
WAV in the recordings folder, transcript lines, an adherence report quoting the agent, and (on request)
an admin's evaluation with a comment."""

from __future__ import annotations

import io
import math
import struct
import wave
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from agentassist.events import Channel, Utterance
from agentassist.store.db import Store, UserRecord
from agentassist.store.recordings import RecordingStore
from agentassist.store.scoring import Comment, Scorecard

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
RATE_HZ = 8000
CALL_S = 4.0
CARD: dict[str, Any] = {
    "name": "QA",
    "description": "",
    "sections": [{"id": "s", "title": "S", "questions": [{"id": "greet", "text": "Greeted?", "kind": "yes_no"}]}],
}
Line = tuple[Channel, float, float, str]
LINES: tuple[Line, ...] = (
    (Channel.AGENT, 0.2, 1.0, "Thank you for calling, how can I help?"),
    (Channel.CUSTOMER, 1.2, 2.0, "My parcel did not arrive."),
)


def wav_bytes(seconds: float = CALL_S) -> bytes:
    """A tone on both channels: silencing a span shows as zeros."""
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(RATE_HZ)
        tone = (int(6000 * math.sin(2 * math.pi * 440 * i / RATE_HZ)) for i in range(int(seconds * RATE_HZ)))
        w.writeframes(b"".join(struct.pack("<hh", t, t) for t in tone))
    return out.getvalue()


WAV = wav_bytes()


def add_call(
    store: Store,
    recordings: RecordingStore,
    call_id: str,
    remote: str,
    *,
    agent: str = "alice",
    campaign: str | None = None,
    started: datetime = T0,
    lines: Sequence[Line] = LINES,
    active: bool = False,
) -> Path:
    """An ended call (or an ``active`` one) with its recording, lines and adherence report; its WAV."""
    wav = recordings.path_for(call_id)
    wav.write_bytes(WAV)
    store.create_call(call_id, "inbound", remote, agent, None, started, str(wav), campaign=campaign)
    for n, (channel, start, end, text) in enumerate(lines):
        store.add_utterance(call_id, Utterance(f"{call_id}-u{n}", call_id, channel, start, end, text))
    evidence = {"text": lines[0][3], "score": 0.9} if lines else {}
    steps = [{"id": "greet", "status": "done", "t": 0.2, "evidence": evidence}]
    store.save_adherence(call_id, {"script_id": "s", "version": 1, "score": 1.0, "steps": steps, "alerts": []})
    if not active:
        store.end_call(call_id, started + timedelta(seconds=CALL_S))
    return wav


def scorecard(store: Store) -> int:
    return int(store.create_scorecard(Scorecard.model_validate(CARD), "ada")["id"])


def evaluate(store: Store, admin: UserRecord, call_id: str, card_id: int, comment: str = "Polite.") -> int:
    ev = store.create_evaluation(admin, call_id, card_id, {"greet": "yes"}, [Comment(t=1.0, text=comment)])
    return int(ev["id"])


def users(store: Store, names: dict[str, str]) -> tuple[dict[str, str], dict[str, UserRecord]]:
    """Tokens and records of the users ``{name: role}``."""
    tokens = {name: store.add_user(name, role) for name, role in names.items()}
    records = {name: store.user_for_token(token) for name, token in tokens.items()}
    return tokens, {name: r for name, r in records.items() if r is not None}


def table_rows(store: Store, call_id: str) -> dict[str, int]:
    """Rows that name ``call_id`` in each table with a call_id column (calls: its own row)."""
    from sqlalchemy import inspect, text

    counts: dict[str, int] = {}
    with store.engine.connect() as conn:
        for name in inspect(conn).get_table_names():
            columns = {c["name"] for c in inspect(conn).get_columns(name)}
            col = "id" if name == "calls" else "call_id" if "call_id" in columns else None
            if col and name not in ("audit", "legal_holds"):
                n = conn.execute(text(f'SELECT count(*) FROM "{name}" WHERE {col} = :c'), {"c": call_id}).scalar()
                if n:
                    counts[name] = int(n)
    return counts
