"""A real nats-server (Debian's package) on a free loopback port, for the [bus] url tests; it can be
stopped and started again on the same port, as an operator's restart does."""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

import pytest

from benchmarks.ports import free_port
from tests.conftest import need


class NatsServer:
    def __init__(self, log_dir: Path) -> None:
        need("nats-server")
        pytest.importorskip("nats", reason="nats-py not installed: pip install nats-py==2.16.0")
        self.port = free_port()
        self.url = f"nats://127.0.0.1:{self.port}"
        self._log = log_dir / "nats-server.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self._log.open("ab") as log:
            self.proc = subprocess.Popen(
                ["nats-server", "-a", "127.0.0.1", "-p", str(self.port)], stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"nats-server exited with {self.proc.returncode}: {self._log.read_text()[-2000:]}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"nats-server not listening on {self.port} after 10 s")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None
