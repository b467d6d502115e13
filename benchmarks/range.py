"""Range-serving throughput of GET /api/calls/{id}/recording against nginx serving the same file.

A stereo 16 kHz recording is written once; `agentassist`'s app runs under uvicorn in a process of
its own (SQLite store, an admin token, the audit row every read writes), nginx (Debian's package)
serves the same directory. Client threads with keep-alive connections ask for ranges of one size
at random offsets, as a player seeking through calls does, for a fixed time after a warm-up; every
answer is checked (206, the exact bytes of a sample). Both servers get the same client, so its own
cost weighs on both; the ratio is agentassist / nginx.

    python -m benchmarks.range [--seconds 10] [--clients 4] [--sizes 65536,1048576] [--record]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import wave
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks.common import machine, record
from benchmarks.ports import free_port

CALL_ID = "bench"
SAMPLE_RATE_HZ = 16000


def write_recording(path: Path, minutes: float) -> None:
    """A stereo 16-bit WAV of ``minutes`` of noise-like samples (content does not matter, size does)."""
    rng = random.Random(7)
    block = bytes(rng.getrandbits(8) for _ in range(SAMPLE_RATE_HZ * 4))  # one second, 2 channels x 2 bytes
    with wave.open(str(path), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE_HZ)
        for _ in range(int(minutes * 60)):
            w.writeframes(block)


def serve(data: Path, port: int) -> None:
    """The app under uvicorn on 127.0.0.1:``port`` (run in its own process by :func:`main`)."""
    import uvicorn

    from agentassist.api.app import create_app
    from agentassist.bus import EventBus
    from agentassist.config import Settings
    from agentassist.store.db import Store
    from agentassist.store.recordings import RecordingStore

    store = Store(f"sqlite:///{data / 'db.sqlite'}")
    store.migrate()
    if store.get_call(CALL_ID) is None:
        start = datetime.now(UTC) - timedelta(hours=1)
        store.create_call(CALL_ID, "inbound", "sip:c@x", "bench", None, start, str(data / "recordings" / "bench.wav"))
        store.end_call(CALL_ID, start + timedelta(minutes=10))
        (data / "token").write_text(store.add_user("bench-admin", "admin"))
    app = create_app(Settings(), store, EventBus(), RecordingStore(data / "recordings"))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


class Nginx:
    def __init__(self, root: Path, directory: Path, port: int) -> None:
        self.root, self.port = root, port
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        if not os.path.exists(nginx):
            raise SystemExit("nginx not installed: `make install-test` (Debian's nginx)")
        conf = root / "nginx.conf"
        conf.write_text(
            f"""daemon off;
worker_processes 1;
pid {root}/nginx.pid;
error_log {root}/nginx-error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {root}/tmp-body;
    proxy_temp_path {root}/tmp-proxy;
    fastcgi_temp_path {root}/tmp-fastcgi;
    uwsgi_temp_path {root}/tmp-uwsgi;
    scgi_temp_path {root}/tmp-scgi;
    sendfile on;
    keepalive_requests 1000000;
    server {{
        listen 127.0.0.1:{port};
        location /rec/ {{ alias {directory}/; }}
    }}
}}
"""
        )
        self.proc = subprocess.Popen([nginx, "-c", str(conf), "-p", str(root)], stderr=subprocess.PIPE)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


def _wait_listening(port: int, proc: subprocess.Popen[bytes], timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
            raise SystemExit(f"server exited {proc.returncode}: {err[-2000:]}")
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
        try:
            conn.request("GET", "/")
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.1)
        finally:
            conn.close()
    raise SystemExit(f"nothing listens on port {port} after {timeout_s} s")


@dataclass
class Run:
    requests: int
    bytes: int
    seconds: float
    errors: int


def load(
    port: int, path: str, headers: dict[str, str], reference: bytes, size: int, clients: int, seconds: float
) -> Run:
    """``clients`` threads ask for ranges of ``size`` bytes at random offsets for ``seconds``."""
    counts = [[0, 0, 0] for _ in range(clients)]
    stop = threading.Event()

    def client(i: int) -> None:
        rng = random.Random(i)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while not stop.is_set():
            start = rng.randrange(0, len(reference) - size)
            conn.request("GET", path, headers={**headers, "Range": f"bytes={start}-{start + size - 1}"})
            r = conn.getresponse()
            body = r.read()
            ok = r.status == 206 and len(body) == size
            if ok and counts[i][0] % 50 == 0:
                ok = body == reference[start : start + size]
            counts[i][0] += 1
            counts[i][1] += len(body)
            counts[i][2] += 0 if ok else 1
        conn.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    return Run(sum(c[0] for c in counts), sum(c[1] for c in counts), elapsed, sum(c[2] for c in counts))


def _figures(run: Run) -> dict[str, float]:
    return {
        "requests_per_s": round(run.requests / run.seconds, 1),
        "mb_per_s": round(run.bytes / run.seconds / 1e6, 1),
        "requests": run.requests,
        "errors": run.errors,
    }


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seconds", type=float, default=10.0, help="measured time per server and size")
    p.add_argument("--warmup", type=float, default=2.0)
    p.add_argument("--clients", type=int, default=4, help="client threads, one keep-alive connection each")
    p.add_argument("--sizes", default="65536,1048576", help="range sizes in bytes, comma separated")
    p.add_argument("--minutes", type=float, default=10.0, help="length of the recording served")
    p.add_argument("--record", action="store_true", help="append the result to benchmarks/RESULTS.md")
    p.add_argument("--serve", type=Path, help=argparse.SUPPRESS)  # internal: run the app on --port
    p.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.serve is not None:
        serve(args.serve, args.port)
        return 0

    root = Path(tempfile.mkdtemp(prefix="agentassist-range-"))
    os.chmod(root, 0o755)  # nginx's workers run as another user
    recordings = root / "recordings"
    recordings.mkdir(mode=0o755)
    wav = recordings / f"{CALL_ID}.wav"
    write_recording(wav, args.minutes)
    os.chmod(wav, 0o644)
    reference = wav.read_bytes()
    app_port, nginx_port = free_port(), free_port()
    app = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.range", "--serve", str(root), "--port", str(app_port)],
        stderr=subprocess.PIPE,
    )
    server = Nginx(root, recordings, nginx_port)
    results: dict[str, Any] = {}
    try:
        _wait_listening(app_port, app)
        _wait_listening(nginx_port, server.proc)
        token = (root / "token").read_text().strip()
        targets = {
            "agentassist": (app_port, f"/api/calls/{CALL_ID}/recording", {"Authorization": f"Bearer {token}"}),
            "nginx": (nginx_port, f"/rec/{CALL_ID}.wav", {}),
        }
        for size in (int(s) for s in args.sizes.split(",")):
            row: dict[str, Any] = {}
            for name, (port, path, headers) in targets.items():
                load(port, path, headers, reference, size, args.clients, args.warmup)
                run = load(port, path, headers, reference, size, args.clients, args.seconds)
                row[name] = _figures(run)
                if run.errors:
                    raise SystemExit(f"{name}: {run.errors} wrong answers of {run.requests} ({size}-byte ranges)")
            row["ratio"] = round(row["agentassist"]["requests_per_s"] / row["nginx"]["requests_per_s"], 4)
            results[f"range_{size}"] = row
            print(f"{size:>8} B  " + "  ".join(f"{k}: {v}" for k, v in row.items()), flush=True)
    finally:
        server.stop()
        app.terminate()
        app.wait(10)
        shutil.rmtree(root, ignore_errors=True)
    summary = {
        "machine": machine(),
        "clients": args.clients,
        "seconds": args.seconds,
        "recording_mb": round(len(reference) / 1e6, 1),
        **results,
    }
    print(json.dumps(summary, indent=2))
    if args.record:
        record("range — recording route vs nginx", "python -m benchmarks.range " + " ".join(sys.argv[1:]), summary)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
