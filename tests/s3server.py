"""moto in server mode (``python -m moto.server``) on a free loopback port: the S3 endpoint of the
[storage] url tests. No production S3 server is packaged in Debian 12 or on the package index here;
agentassist speaks only the S3 API to it and knows nothing of moto.

moto keeps its buckets in memory: a server stopped and started again on the same port (an operator's
restart of the store) has lost them, so :meth:`S3Server.start` creates the bucket each time."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from tests.loopback import LoopbackServer

BUCKET = "recordings"
REGION = "us-east-1"
# moto accepts any credentials; set in the environment, as an operator would for a real store
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "test-key", "AWS_SECRET_ACCESS_KEY": "test-secret"}


class S3Server(LoopbackServer):
    def __init__(self, log_dir: Path) -> None:
        pytest.importorskip("moto.server", reason="moto not installed: pip install 'moto[server]==5.2.6'")
        pytest.importorskip("boto3", reason="boto3 not installed: pip install boto3==1.44.8")
        super().__init__(log_dir / "moto-server.log")
        self.endpoint_url = f"http://127.0.0.1:{self.port}"

    def argv(self) -> list[str]:
        return [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)]

    def client(self) -> Any:
        import boto3

        return boto3.session.Session(
            aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        ).client("s3", endpoint_url=self.endpoint_url, region_name=REGION)

    def start(self, timeout_s: float = 30) -> None:
        super().start(timeout_s)
        self.client().create_bucket(Bucket=BUCKET)  # in memory: gone with every restart
