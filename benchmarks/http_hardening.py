"""Memory of a real `agentassist serve` under the requests the HTTP hardening is about: large bodies
(with Content-Length and chunked) and a burst of logins at once, as peak RSS growth over each.

    python -m benchmarks.http_hardening                      # this checkout
    python -m benchmarks.http_hardening --code /path/to/old  # another checkout's code, for "before"

The peak (VmHWM) is reset before each burst (``clear_refs`` 5) and read after it, against VmRSS
just before. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from benchmarks.common import machine
from benchmarks.ports import free_port

REPO = Path(__file__).resolve().parent.parent
AGENTASSIST = Path(sys.executable).parent / "agentassist"
MIB = 1024 * 1024


def _kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise SystemExit(f"no {field} in /proc/{pid}/status")


@contextlib.contextmanager
def peak(pid: int, into: dict[str, float], key: str) -> Iterator[None]:
    Path(f"/proc/{pid}/clear_refs").write_text("5")
    before = _kib(pid, "VmRSS")
    yield
    into[key] = round((_kib(pid, "VmHWM") - before) / 1024, 1)


def _chunks(total: int, size: int = 64 * 1024) -> Iterator[bytes]:
    for _ in range(total // size):
        yield b"x" * size


async def _burst(url: str, n: int, password: str) -> Counter[str]:
    limits = httpx.Limits(max_connections=n, max_keepalive_connections=0)
    async with httpx.AsyncClient(base_url=url, timeout=300, limits=limits) as c:

        async def one() -> str:
            try:
                return str((await c.post("/api/login", json={"name": "bench", "password": password})).status_code)
            except httpx.HTTPError as exc:
                return type(exc).__name__

        return Counter(await asyncio.gather(*(one() for _ in range(n))))


def run(args: argparse.Namespace) -> dict[str, Any]:
    code = Path(args.code).resolve()
    env = {**os.environ, "PYTHONPATH": str(code), "AGENTASSIST_MODELS_DIR": str(REPO / "models")}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        http_port = free_port()
        server = f'listen = "127.0.0.1:{http_port}"\ndata_dir = "{root / "data"}"\n'
        if args.workers:
            server += f"password_hash_workers = {args.workers}\n"
        (root / "scripts").mkdir()
        config = root / "agentassist.toml"
        config.write_text(
            f'[sip]\nlisten = "127.0.0.1:{free_port()}"\n[audio]\ninput_device = "null"\n'
            f'[transcribe]\nmodel = "tiny.en"\nlanguage = "en"\n[assist]\nscripts_dir = "{root / "scripts"}"\n'
            f"[server]\n{server}"
        )
        password = "bench-password"
        add = [str(AGENTASSIST), "users", "add", "bench", "--role", "admin", "--password", password]
        subprocess.run([*add, "--config", str(config)], env=env, check=True, capture_output=True)
        log = open(root / "serve.log", "wb")  # noqa: SIM115 - handed to the child
        proc = subprocess.Popen([str(AGENTASSIST), "serve", "--config", str(config)], env=env, stdout=log, stderr=log)
        url = f"http://127.0.0.1:{http_port}"
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                if proc.poll() is not None:
                    raise SystemExit(f"serve exited {proc.returncode}: {(root / 'serve.log').read_text()[-2000:]}")
                with contextlib.suppress(httpx.HTTPError):
                    if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                        break
                time.sleep(0.5)
            out: dict[str, Any] = {"code": str(code), "workers": args.workers or "default", "machine": machine()}
            body = args.body_mib * MIB
            with httpx.Client(base_url=url, timeout=300, headers={"Content-Type": "application/json"}) as c:
                c.post("/api/login", content=b"x" * 20_000)
                with peak(proc.pid, out, "body_content_length_mib"):
                    out["body_content_length_status"] = c.post("/api/login", content=b"x" * body).status_code
                with peak(proc.pid, out, "body_chunked_mib"):
                    out["body_chunked_status"] = c.post("/api/login", content=_chunks(body)).status_code
            asyncio.run(_burst(url, args.logins, password))
            with peak(proc.pid, out, "logins_mib"):
                out["logins"] = dict(asyncio.run(_burst(url, args.logins, password)))
            out["rss_after_mib"] = round(_kib(proc.pid, "VmRSS") / 1024, 1)
            return out
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--code", default=str(REPO), help="the checkout whose agentassist runs (PYTHONPATH)")
    parser.add_argument("--workers", type=int, default=0, help="[server] password_hash_workers (0: leave unset)")
    parser.add_argument("--logins", type=int, default=200)
    parser.add_argument("--body-mib", type=int, default=20)
    print(json.dumps(run(parser.parse_args()), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
