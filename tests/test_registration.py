"""Registration with digest auth to a real Kamailio, and a call routed through it."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SOUNDS_EN, free_port, need

pytestmark = [pytest.mark.sip]

PASSWORD = "s3cret-agent"

CONFIG = """#!KAMAILIO
debug=2
log_stderror=yes
fork=yes
children=1
tcp_children=1
auto_aliases=no
listen=udp:127.0.0.1:{port}
listen=tcp:127.0.0.1:{port}
alias="127.0.0.1:{port}"
mpath="{modules}"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "pv.so"
loadmodule "maxfwd.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
loadmodule "textops.so"
loadmodule "siputils.so"
loadmodule "auth.so"
loadmodule "ctl.so"
loadmodule "kex.so"
modparam("usrloc", "db_mode", 0)
modparam("registrar", "min_expires", 2)
modparam("ctl", "binrpc", "unix:{ctl}")
request_route {{
    if (!mf_process_maxfwd_header("10")) {{ sl_send_reply("483", "Too Many Hops"); exit; }}
    if (has_totag()) {{ loose_route(); t_relay(); exit; }}
    if (is_method("CANCEL")) {{ if (t_check_trans()) t_relay(); exit; }}
    if (is_method("REGISTER")) {{
        if (!pv_auth_check("$fd", "{password}", "0", "1")) {{ auth_challenge("$fd", "0"); exit; }}
        if (!save("location")) sl_reply_error();
        exit;
    }}
    record_route();
    if (lookup("location")) {{ t_relay(); exit; }}
    sl_send_reply("404", "Not Found");
}}
"""


def _modules() -> str:
    for path in Path("/usr/lib").glob("*/kamailio/modules"):
        return str(path)
    pytest.skip("kamailio modules not found: run `make test`")
    return ""


@pytest.fixture
def kamailio(tmp_path: Path) -> Iterator[dict[str, Any]]:
    need("kamailio", "kamcmd")
    port = free_port()
    ctl = tmp_path / "kamailio_ctl"
    cfg = tmp_path / "kamailio.cfg"
    cfg.write_text(CONFIG.format(port=port, modules=_modules(), ctl=ctl, password=PASSWORD))
    procs: list[subprocess.Popen[bytes]] = []

    def start() -> None:
        ctl.unlink(missing_ok=True)
        log = open(tmp_path / "kamailio.log", "ab")  # noqa: SIM115
        procs.append(subprocess.Popen(["kamailio", "-f", str(cfg), "-DD", "-E"], stdout=log, stderr=subprocess.STDOUT))
        assert _wait(ctl.exists, 10), (tmp_path / "kamailio.log").read_text()

    def stop() -> None:
        for p in procs:
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:  # seen once on a loaded machine: do not fail the test for it
                    p.kill()
                    p.wait()

    start()
    yield {"port": port, "ctl": ctl, "start": start, "stop": stop}
    stop()


def _contacts(ctl: Path) -> str:
    return subprocess.run(
        ["kamcmd", "-s", f"unix:{ctl}", "ul.dump"], capture_output=True, text=True, check=False
    ).stdout


def _wait(predicate: Any, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


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
