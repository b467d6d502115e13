"""The README's safe way to TLS, run: Kamailio terminates TLS in front of agentassist.

agentassist speaks UDP only, to an edge Kamailio whose configuration is taken from README.md
("Security") with this test's ports and files put in; the edge speaks TLS (verified against the
registrar's certificate) to a Kamailio registrar that takes TLS only for registrations. A call to the
registrar reaches agentassist back through the edge (Path).
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO, SOUNDS_EN, free_port
from tests.test_registration import PASSWORD, _contacts, _wait
from tests.test_registration_transports import _certificate, registrar_config, tls_modules

pytestmark = [pytest.mark.sip, pytest.mark.slow]


def _readme_block(start: str) -> str:
    text = (REPO / "README.md").read_text()
    i = text.index(start)
    return text[i : text.index("```", i)]


def _kamailio(root: Path, name: str, config: str) -> subprocess.Popen[bytes]:
    cfg = root / f"{name}.cfg"
    cfg.write_text(config)
    check = subprocess.run(["kamailio", "-c", "-f", str(cfg)], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr[-3000:]
    log = open(root / f"{name}.log", "ab")  # noqa: SIM115 - handed to the child
    return subprocess.Popen(["kamailio", "-f", str(cfg), "-DD", "-E"], stdout=log, stderr=subprocess.STDOUT)


@pytest.fixture
def tls_edge(tmp_path: Path) -> Iterator[dict[str, Any]]:
    modules = tls_modules()
    reg_port, reg_tls_port = free_port(), free_port()
    edge_port, edge_tls_port, agent_port = free_port(), free_port(), free_port()
    edge_cert, edge_key = _certificate(tmp_path, "edge")

    # The registrar (the PBX): TLS for registrations, Path honoured; calls come in on UDP.
    ctl = tmp_path / "registrar_ctl"
    registrar = registrar_config(tmp_path, "registrar", reg_port, reg_tls_port, modules, ctl)
    cert = tmp_path / "registrar.pem"
    registrar = registrar.replace(
        'modparam("usrloc", "db_mode", 0)', 'modparam("usrloc", "db_mode", 0)\nmodparam("registrar", "use_path", 1)'
    )
    registrar = registrar.replace(
        'if (is_method("REGISTER")) {',
        'if (is_method("REGISTER")) {\n        if ($proto != "tls") { sl_send_reply("403", "TLS only"); exit; }',
    )

    # The edge: README.md's text with this test's ports and files.
    edge_tls = tmp_path / "edge-tls.cfg"
    edge_tls.write_text(
        _readme_block("[client:default]")
        .replace("/etc/ssl/certs/ca-certificates.crt", str(cert))
        .replace("/etc/kamailio/agent-host.pem", str(edge_cert))
        .replace("/etc/kamailio/agent-host.key", str(edge_key))
    )
    edge = _readme_block("#!KAMAILIO")
    replacements = {
        "#!KAMAILIO": f'#!KAMAILIO\ndebug=2\nlog_stderror=yes\nchildren=1\ntcp_children=1\nmpath="{modules}"',
        "udp:127.0.0.1:5070": f"udp:127.0.0.1:{edge_port}",
        "tls:0.0.0.0:5061": f"tls:127.0.0.1:{edge_tls_port}",
        "/etc/kamailio/tls.cfg": str(edge_tls),
        "$Rp == 5070": f"$Rp == {edge_port}",
        "sip:pbx.example.com:5061;transport=tls": f"sip:127.0.0.1:{reg_tls_port};transport=tls",
        "sip:127.0.0.1:5060;transport=udp": f"sip:127.0.0.1:{agent_port};transport=udp",
    }
    for old, new in replacements.items():
        assert old in edge, old
        edge = edge.replace(old, new)
    procs = [_kamailio(tmp_path, "registrar", registrar), _kamailio(tmp_path, "edge", edge)]
    assert _wait(ctl.exists, 10), (tmp_path / "registrar.log").read_text()
    yield {
        "registrar": f"sip:127.0.0.1:{reg_port}",
        "outbound_proxy": f"sip:127.0.0.1:{edge_port};lr",
        "agent_port": agent_port,
        "ctl": ctl,
        "logs": tmp_path,
    }
    for proc in procs:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_agentassist_behind_a_tls_terminating_kamailio(
    tls_edge: dict[str, Any], make_server: Any, baresip: Any
) -> None:
    e = tls_edge
    server = make_server(
        sip={
            "listen": f"127.0.0.1:{e['agent_port']}",
            "registrar": e["registrar"],  # plain sip: agentassist itself has no TLS here
            "outbound_proxy": e["outbound_proxy"],
            "username": "agent",
            "password": PASSWORD,
        }
    )
    server.start()
    assert _wait(lambda: "AoR: agent" in _contacts(e["ctl"]), 15), server.log() + (e["logs"] / "edge.log").read_text()
    dump = _contacts(e["ctl"])
    assert re.search(r"Socket: tls:127\.0\.0\.1:\d+", dump), dump  # the registration arrived over TLS
    assert "Path:" in dump and "transport=tls" in dump.lower(), dump
    phone = baresip(SOUNDS_EN / "demo-echotest.wav")
    phone.dial(f"sip:agent@{e['registrar'].removeprefix('sip:')}", seconds=5)
    phone.wait(30)
    with server.client() as client:
        assert _wait(lambda: any(c["status"] == "ended" for c in client.get("/api/calls").json()["items"]), 20), (
            server.log() + phone.log()
        )
        call = client.get("/api/calls").json()["items"][0]
    assert call["direction"] == "inbound" and call["end_reason"] == "hangup" and call["duration_s"] >= 3, call
