"""How long a person's find and erase, and a retention pass, take over many calls (SQLite in a temporary
folder, each call with a 1 s stereo WAV, 6 transcript lines and an adherence report).

    PYTHONPATH=. python benchmarks/privacy.py --calls 2000

Prints one line per measure; the person has 10 calls of their own and is mentioned in 10 others.
"""

from __future__ import annotations

import argparse
import platform
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from agentassist.config import RetentionSettings
from agentassist.events import Channel, Utterance
from agentassist.store.db import Store
from agentassist.store.erasure import erase
from agentassist.store.person import Subject, find
from agentassist.store.recordings import RecordingStore
from agentassist.store.retention import run_retention

T0 = datetime(2026, 1, 1, tzinfo=UTC)
WAV = b"RIFF" + bytes(16000 * 4 + 40)  # a 1 s stereo file's size; its bytes do not matter here


def seed(store: Store, recordings: RecordingStore, calls: int) -> None:
    for i in range(calls):
        call_id = f"c{i:06d}"
        remote = '"Jan Kowalski" <sip:+48600123456@pbx>' if i % (calls // 10) == 0 else f"<sip:+4850{i:07d}@pbx>"
        wav = recordings.path_for(call_id)
        wav.write_bytes(WAV)
        store.create_call(call_id, "inbound", remote, "alice", None, T0 + timedelta(minutes=i), str(wav))
        for n in range(6):
            said = "call me on 600 123 456" if n == 3 and i % (calls // 10) == 1 else f"line {n} of call {i}, all fine"
            channel = Channel.AGENT if n % 2 == 0 else Channel.CUSTOMER
            store.add_utterance(call_id, Utterance(f"{call_id}-{n}", call_id, channel, n * 2.0, n * 2.0 + 1.5, said))
        store.save_adherence(call_id, {"steps": [], "alerts": [], "score": 1.0})
        store.end_call(call_id, T0 + timedelta(minutes=i, seconds=30))


def timed(label: str, fn: object) -> object:
    start = time.perf_counter()
    out = fn()  # type: ignore[operator]
    print(f"{label}: {time.perf_counter() - start:.2f} s")
    return out


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--calls", type=int, default=2000)
    args = p.parse_args()
    print(f"{platform.processor() or platform.machine()}, Python {platform.python_version()}, {args.calls} calls")
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(f"sqlite:///{Path(tmp) / 'db.sqlite'}")
        store.migrate()
        recordings = RecordingStore(Path(tmp) / "recordings")
        timed("seed", lambda: seed(store, recordings, args.calls))
        subject = Subject.parse("+48 600 123 456")
        found = timed("find by number", lambda: find(store, recordings, subject))
        print(f"  found {found['counts']}")  # type: ignore[index]
        timed("find by name", lambda: find(store, recordings, Subject.parse("Jan Kowalski")))
        receipt = timed("erase", lambda: erase(store, recordings, subject, "bench", "0" * 64))
        print(f"  erased {len(receipt['erased']['calls'])} calls")  # type: ignore[index]
        rules = RetentionSettings(recordings_days=1, transcripts_days=1, evaluations_days=1)
        report = timed(
            "retention pass (every call expired)",
            lambda: run_retention(store, recordings, rules, T0 + timedelta(days=400)),
        )
        print(f"  deleted {len(report.deleted)} calls")  # type: ignore[attr-defined]


if __name__ == "__main__":
    main()
