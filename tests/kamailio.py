"""Kamailio (Debian's package) as the PBX registrar of the SIP tests: digest auth with one password for
every user, a location table in memory, calls to a registered user relayed to their contact."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import free_port, need

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


def modules() -> str:
    for path in Path("/usr/lib").glob("*/kamailio/modules"):
        return str(path)
    pytest.skip("kamailio modules not found: run `make test`")
    return ""


def contacts(ctl: Path) -> str:
    """What the registrar's location table holds (`kamcmd ul.dump`): "AoR: NAME" for each user registered."""
    return subprocess.run(
        ["kamcmd", "-s", f"unix:{ctl}", "ul.dump"], capture_output=True, text=True, check=False
    ).stdout


def wait(predicate: Any, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


class Registrar:
    """A Kamailio with :data:`CONFIG` on a free port, its files under ``root``; ``start`` again after
    ``stop`` is a fresh registrar that knows nobody."""

    def __init__(self, root: Path) -> None:
        need("kamailio", "kamcmd")
        self.root, self.port = root, free_port()
        self.ctl = root / "kamailio_ctl"
        self.cfg = root / "kamailio.cfg"
        self.cfg.write_text(CONFIG.format(port=self.port, modules=modules(), ctl=self.ctl, password=PASSWORD))
        self.procs: list[subprocess.Popen[bytes]] = []

    @property
    def uri(self) -> str:
        return f"sip:127.0.0.1:{self.port}"

    def start(self) -> None:
        self.ctl.unlink(missing_ok=True)
        log = open(self.root / "kamailio.log", "ab")  # noqa: SIM115
        self.procs.append(
            subprocess.Popen(["kamailio", "-f", str(self.cfg), "-DD", "-E"], stdout=log, stderr=subprocess.STDOUT)
        )
        assert wait(self.ctl.exists, 10), (self.root / "kamailio.log").read_text()

    def stop(self) -> None:
        for p in self.procs:
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:  # seen once on a loaded machine: do not fail the test for it
                    p.kill()
                    p.wait()

    def contacts(self) -> str:
        return contacts(self.ctl)
