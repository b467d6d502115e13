"""``python -m benchmarks.wsimpl`` runs: two connections stream a phone's audio messages for a second to a real
uvicorn under each protocol asked for, every message arrives, and each variant has its cost per message."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys

from benchmarks.common import REPO


def test_every_message_arrives_under_each_protocol_and_app() -> None:
    command = [sys.executable, "-m", "benchmarks.wsimpl", "--calls", "2", "--seconds", "1", "--repeat", "1"]
    command += ["--protocols", "queued,websockets-sansio,wsproto"]
    out = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-3000:]
    summary = json.loads(out.stdout.strip().splitlines()[-1])
    wsproto = importlib.util.find_spec("wsproto") is not None
    assert summary["missing"] == ([] if wsproto else ["wsproto"])
    expected = {f"{p}/{a}" for p in ("queued", "websockets-sansio") for a in ("starlette", "asgi")}
    expected |= {f"wsproto/{a}" for a in ("starlette", "asgi")} if wsproto else set()
    assert set(summary["variants"]) == expected
    for variant in summary["variants"].values():
        assert variant["lost"] == 0
        assert len(variant["us_per_message"]) == 1 and variant["us_per_message"][0] >= 0
