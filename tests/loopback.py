"""A server program on a free loopback port that a test starts, stops and starts again on the same port
(as an operator's restart does): nats-server (tests/natsserver.py), moto's S3 (tests/s3server.py)."""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

from benchmarks.ports import free_port


class LoopbackServer:
    def __init__(self, log_path: Path) -> None:
        self.port = free_port()
        self._log = log_path
        self.proc: subprocess.Popen[bytes] | None = None

    def argv(self) -> list[str]:
        raise NotImplementedError

    def start(self, timeout_s: float = 30) -> None:
        """Run the program; return once it listens on the port (RuntimeError if it exits or does not)."""
        name = Path(self.argv()[0]).name
        with self._log.open("ab") as log:
            self.proc = subprocess.Popen(self.argv(), stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{name} exited with {self.proc.returncode}: {self._log.read_text()[-2000:]}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"{name} not listening on {self.port} after {timeout_s} s")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None
