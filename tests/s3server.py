"""moto in server mode (``python -m moto.server``) on a free loopback port: the S3 endpoint of the
[storage] url tests. No production S3 server is packaged in Debian 12 or on the package index here;
agentassist speaks only the S3 API to it and knows nothing of moto.

moto keeps its buckets in memory: a server stopped and started again on the same port (an operator's
restart of the store) has lost them, so :meth:`S3Server.start` creates the bucket each time."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from benchmarks.ports import free_port

BUCKET = "recordings"
REGION = "us-east-1"
# moto accepts any credentials; set in the environment, as an operator would for a real store
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "test-key", "AWS_SECRET_ACCESS_KEY": "test-secret"}


class S3Server:
    def __init__(self, log_dir: Path) -> None:
        pytest.importorskip("moto.server", reason="moto not installed: pip install 'moto[server]==5.2.6'")
        pytest.importorskip("boto3", reason="boto3 not installed: pip install boto3==1.44.8")
        self.port = free_port()
        self.endpoint_url = f"http://127.0.0.1:{self.port}"
        self._log = log_dir / "moto-server.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def client(self) -> Any:
        import boto3

        return boto3.session.Session(
            aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        ).client("s3", endpoint_url=self.endpoint_url, region_name=REGION)

    def start(self) -> None:
        with self._log.open("ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"moto server exited with {self.proc.returncode}: {self._log.read_text()[-2000:]}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError(f"moto server not listening on {self.port} after 30 s")
        self.client().create_bucket(Bucket=BUCKET)  # in memory: gone with every restart

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None
