"""The phone process on a desk: its memory idle and in a call, the spool a call-minute takes while the
center is away, and how fast the spool drains when it is back.

A real ``agentassist phone`` (pjsua2, the null sound device), a real baresip customer calling it with
speech, and the small center of tests/phone_center.py (a real WebSocket server obeying the wire).

    python -m benchmarks.phone [--seconds 60]

Targets (issue 16): RSS <= 60 MB idle, <= 80 MB in a call; <= 4 MB of spool per call-minute; drained
within 3 s of reconnecting.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from benchmarks.common import machine
from benchmarks.ports import free_port
from benchmarks.sip_load import Process
from tests.conftest import Baresip
from tests.phone_center import FakeCenter
from tests.test_phone_process import TOKEN, PhoneProcess, customer_speech


class RssSampler:
    def __init__(self, pid: int) -> None:
        self.process, self.peak_mb, self._stop = Process(pid), 0.0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.25):
            self.peak_mb = max(self.peak_mb, self.process.sample()["rss_mb"])

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.peak_mb


def call(phone: PhoneProcess, root: Path, seconds: int) -> float:
    """One customer call of ``seconds``; the phone's peak RSS during it."""
    customer = Baresip(root, customer_speech(root, seconds + 5))
    sampler = RssSampler(phone.proc.pid)
    try:
        customer.dial(phone.sip_uri, seconds=seconds)
        customer.wait(seconds + 30)
    finally:
        customer.stop()
    return sampler.stop()


def run(seconds: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        center = FakeCenter(free_port(), {TOKEN: "alex"})
        center.start()
        phone = PhoneProcess(root, center.url)
        try:
            phone.wait_log("connected to")
            time.sleep(5)
            idle_mb = Process(phone.proc.pid).sample()["rss_mb"]
            in_call_mb = call(phone, root, 20)  # the center up: streamed live
            center.wait(lambda: len(center.calls) == 1 and all(c.closed for c in center.calls.values()), 30)
            center.stop()
            outage_mb = call(phone, root, seconds)  # the center away for the whole call: spooled
            phone.wait_log("ended (hangup) after", 20)
            spooled = sum(p.stat().st_size for p in phone.spool.rglob("*.pcm"))
            (call_id,) = [d.name for d in phone.spool.iterdir() if d.is_dir()]
            connections = phone.log().count("connected to")
            t0 = time.monotonic()
            center.start()
            center.wait(lambda: phone.log().count("connected to") > connections, 30)
            t1 = time.monotonic()
            center.wait(lambda: call_id in center.calls and center.calls[call_id].closed is not None, 60)
            drain_s, reconnect_s = time.monotonic() - t1, t1 - t0
            frames = center.calls[call_id].frames
        finally:
            phone.stop()
            center.stop()
    return {
        "rss_idle_mb": idle_mb,
        "rss_in_call_peak_mb": in_call_mb,
        "rss_in_call_center_away_peak_mb": outage_mb,
        "outage_call_s": round(frames / 50, 1),
        "spool_bytes": spooled,
        "spool_mb_per_call_minute": round(spooled / 2**20 / (frames / 50 / 60), 2),
        "reconnect_after_center_back_s": round(reconnect_s, 2),  # the backoff's delay at that point
        "drain_after_reconnect_s": round(drain_s, 2),
        "machine": machine(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=60, help="length of the call made while the center is away")
    args = parser.parse_args()
    sys.stdout.write(json.dumps(run(args.seconds)) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
