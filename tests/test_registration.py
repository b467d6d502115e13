"""Registration with digest auth to a real Kamailio, and a call routed through it."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SOUNDS_EN
from tests.kamailio import PASSWORD, Registrar
from tests.kamailio import contacts as _contacts
from tests.kamailio import wait as _wait

pytestmark = [pytest.mark.sip]


@pytest.fixture
def kamailio(tmp_path: Path) -> Iterator[dict[str, Any]]:
    registrar = Registrar(tmp_path)
    registrar.start()
    yield {"port": registrar.port, "ctl": registrar.ctl, "start": registrar.start, "stop": registrar.stop}
    registrar.stop()


@pytest.mark.slow
def test_registers_with_digest_and_takes_a_call_through_the_registrar(
    kamailio: dict[str, Any], make_server: Any, baresip: Any
) -> None:
    registrar = f"sip:127.0.0.1:{kamailio['port']}"
    server = make_server(sip={"registrar": registrar, "username": "agent", "password": PASSWORD})
    server.start()
    assert _wait(lambda: "AoR: agent" in _contacts(kamailio["ctl"]), 10), server.log()
    with server.client() as client:
        assert "agentassist_sip_registered 1" in client.get("/metrics").text
    phone = baresip(SOUNDS_EN / "demo-echotest.wav")
    phone.dial(f"sip:agent@127.0.0.1:{kamailio['port']}", seconds=5)
    phone.wait(30)
    with server.client() as client:
        assert _wait(lambda: any(c["status"] == "ended" for c in client.get("/api/calls").json()["items"]), 20)
        call = client.get("/api/calls").json()["items"][0]
        assert call["direction"] == "inbound" and call["duration_s"] >= 3


def test_wrong_password_is_not_registered(kamailio: dict[str, Any], make_server: Any) -> None:
    registrar = f"sip:127.0.0.1:{kamailio['port']}"
    server = make_server(sip={"registrar": registrar, "username": "agent", "password": "wrong"})
    server.start()
    assert _wait(lambda: "registration to" in server.log() and "failed" in server.log(), 10), server.log()
    assert "AoR: agent" not in _contacts(kamailio["ctl"])
    with server.client() as client:
        assert "agentassist_sip_registered 0" in client.get("/metrics").text


@pytest.mark.slow
def test_registers_again_when_the_registrar_restarts(kamailio: dict[str, Any], make_server: Any) -> None:
    registrar = f"sip:127.0.0.1:{kamailio['port']}"
    server = make_server(
        sip={"registrar": registrar, "username": "agent", "password": PASSWORD, "register_expires_s": 6}
    )
    server.start()
    assert _wait(lambda: "AoR: agent" in _contacts(kamailio["ctl"]), 10), server.log()
    kamailio["stop"]()
    time.sleep(1)
    kamailio["start"]()  # a fresh registrar that knows nobody
    assert "AoR: agent" not in _contacts(kamailio["ctl"])
    assert _wait(lambda: "AoR: agent" in _contacts(kamailio["ctl"]), 15), server.log()
