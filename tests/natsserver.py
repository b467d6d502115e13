"""A real nats-server (Debian's package) on a free loopback port, for the [bus] url tests; it can be
stopped and started again on the same port, as an operator's restart does."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import need
from tests.loopback import LoopbackServer


class NatsServer(LoopbackServer):
    def __init__(self, log_dir: Path) -> None:
        need("nats-server")
        pytest.importorskip("nats", reason="nats-py not installed: pip install nats-py==2.16.0")
        super().__init__(log_dir / "nats-server.log")
        self.url = f"nats://127.0.0.1:{self.port}"

    def argv(self) -> list[str]:
        return ["nats-server", "-a", "127.0.0.1", "-p", str(self.port)]

    def start(self, timeout_s: float = 10) -> None:
        super().start(timeout_s)
