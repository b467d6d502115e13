"""Registration with digest auth over TCP and TLS to a real Kamailio, and a call routed back to the phone.

The TLS certificate is self-signed, made here with openssl (SAN IP:127.0.0.1); the phone verifies
the registrar's certificate against it, and refuses a registrar signed by anyone else.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SOUNDS_EN, free_port, need
from tests.kamailio import CONFIG, PASSWORD
from tests.kamailio import contacts as _contacts
from tests.kamailio import modules as _modules
from tests.kamailio import wait as _wait

pytestmark = [pytest.mark.sip]

TLS_CFG = """[server:default]
method = TLSv1.2+
verify_certificate = no
require_certificate = no
private_key = {key}
certificate = {cert}

[client:default]
method = TLSv1.2+
verify_certificate = no
require_certificate = no
"""


def _certificate(root: Path, name: str) -> tuple[Path, Path]:
    need("openssl")
    cert, key = root / f"{name}.pem", root / f"{name}.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


def tls_modules() -> str:
    """Kamailio's module directory, skipping the test unless its TLS module is installed."""
    need("kamailio", "kamcmd")
    modules = _modules()
    if not (Path(modules) / "tls.so").is_file():
        pytest.skip("kamailio-tls-modules not installed: run `make test`")
    return modules


def registrar_config(root: Path, name: str, port: int, tls_port: int, modules: str, ctl: Path) -> str:
    """The registrar's config (test_registration.CONFIG) listening on TLS too, with a certificate of its own
    (written under ``root`` with ``name``); returns the config text, its certificate at ``root/name.pem``."""
    cert, key = _certificate(root, name)
    tls_cfg = root / f"{name}-tls.cfg"
    tls_cfg.write_text(TLS_CFG.format(key=key, cert=cert))
    return (
        CONFIG.format(port=port, modules=modules, ctl=ctl, password=PASSWORD)
        .replace(
            'loadmodule "tm.so"',
            f'enable_tls=yes\nlisten=tls:127.0.0.1:{tls_port}\nalias="127.0.0.1:{tls_port}"\n'
            f'loadmodule "tls.so"\nmodparam("tls", "config", "{tls_cfg}")\nloadmodule "xlog.so"\nloadmodule "tm.so"',
        )
        .replace(
            'if (is_method("REGISTER")) {',
            'if (is_method("REGISTER")) {\n'
            '        if (proto == TLS) xlog("L_NOTICE", "REGISTER over $tls_version\\n");',
        )
    )


@pytest.fixture
def kamailio_tls(tmp_path: Path) -> Iterator[dict[str, Any]]:
    modules = tls_modules()
    port, tls_port = free_port(), free_port()
    ctl = tmp_path / "kamailio_ctl"
    config = registrar_config(tmp_path, "registrar", port, tls_port, modules, ctl)
    cert, key = tmp_path / "registrar.pem", tmp_path / "registrar.key"
    cfg = tmp_path / "kamailio.cfg"
    cfg.write_text(config)
    log = open(tmp_path / "kamailio.log", "ab")  # noqa: SIM115 - handed to the child
    proc = subprocess.Popen(["kamailio", "-f", str(cfg), "-DD", "-E"], stdout=log, stderr=subprocess.STDOUT)
    assert _wait(ctl.exists, 10), (tmp_path / "kamailio.log").read_text()
    yield {"port": port, "tls_port": tls_port, "ctl": ctl, "cert": cert, "key": key, "log": tmp_path / "kamailio.log"}
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.mark.slow
@pytest.mark.parametrize("transport", ["tcp", "tls"])
def test_registers_over_tcp_and_tls_and_takes_a_call(
    transport: str, kamailio_tls: dict[str, Any], make_server: Any, baresip: Any
) -> None:
    k = kamailio_tls
    sip: dict[str, object] = {"username": "agent", "password": PASSWORD}
    if transport == "tcp":
        sip["registrar"] = f"sip:127.0.0.1:{k['port']};transport=tcp"
    else:
        sip["registrar"] = f"sip:127.0.0.1:{k['tls_port']};transport=tls"
        # the phone accepts TLS too, so the registrar can bring the call back over TLS
        sip.update(
            tls_listen=f"127.0.0.1:{free_port()}",
            tls_cert_file=str(k["cert"]),
            tls_key_file=str(k["key"]),
            tls_ca_file=str(k["cert"]),
        )
    server = make_server(sip=sip)
    server.start()
    assert _wait(lambda: "AoR: agent" in _contacts(k["ctl"]), 10), server.log()
    dump = _contacts(k["ctl"])
    assert f"transport={transport}" in dump.lower() or f"{transport}:127.0.0.1" in dump.lower(), dump
    if transport == "tls":
        # pjsua2 built from source links the system OpenSSL 3; the PyPI wheel's 1.0.2k has no TLS 1.3
        version = "TLSv1.3" if "+agentassist" in package_version("pjsua2-python") else "TLSv1.2"
        assert f"REGISTER over {version}" in k["log"].read_text(errors="replace")
    phone = baresip(SOUNDS_EN / "demo-echotest.wav")
    # baresip's -t counts from its start: on a loaded machine 5 s was once too short to get the call
    # through Kamailio before baresip quit (CI, session 4); 10 s leaves room
    phone.dial(f"sip:agent@127.0.0.1:{k['port']}", seconds=10)
    phone.wait(40)
    with server.client() as client:
        assert _wait(lambda: any(c["status"] == "ended" for c in client.get("/api/calls").json()["items"]), 20), (
            server.log() + "\n--- baresip:\n" + phone.log()
        )
        call = client.get("/api/calls").json()["items"][0]
        assert call["direction"] == "inbound" and call["duration_s"] >= 3, call


def test_tls_registrar_with_an_unknown_certificate_is_refused(
    kamailio_tls: dict[str, Any], make_server: Any, tmp_path: Path
) -> None:
    other_ca, _ = _certificate(tmp_path, "someone-else")
    server = make_server(
        sip={
            "registrar": f"sip:127.0.0.1:{kamailio_tls['tls_port']};transport=tls",
            "username": "agent",
            "password": PASSWORD,
            "tls_ca_file": str(other_ca),
        }
    )
    server.start()
    assert _wait(lambda: "registration to" in server.log() and "failed" in server.log(), 15), server.log()
    assert "AoR: agent" not in _contacts(kamailio_tls["ctl"])
