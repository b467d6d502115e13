"""How many calls at once: the pjsua2 wheel is built with PJSUA_MAX_CALLS = 4.

pjsua cuts a larger ``maxCalls`` to 4 without a word and answers the 5th caller 486 Busy Here; the
default ``[sip] max_calls`` is 4 and a larger one is named in a WARNING at start.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from agentassist.config import PJSUA_MAX_CALLS
from tests.test_call_failures import Sipp


@pytest.mark.sip
def test_the_call_past_the_limit_gets_busy(make_server: Any, tmp_path: Path) -> None:
    server = make_server(sip={"max_calls": 8})
    server.start()
    assert f"max_calls = 8, but this pjsua2 build takes at most {PJSUA_MAX_CALLS} calls" in server.log()
    calls = PJSUA_MAX_CALLS + 1
    caller = Sipp(
        tmp_path, "uac", "-m", str(calls), "-l", str(calls), "-r", str(calls), "-d", "3000",
        "-s", "agent", f"127.0.0.1:{server.sip_port}",
    )  # fmt: skip
    caller.start()
    caller.wait(60)
    refused = re.findall(r"incoming call from \S+ refused: 486", server.log())
    assert len(refused) == 1, server.log()
    with server.client() as client:
        items = client.get("/api/calls").json()["items"]
        assert len(items) == PJSUA_MAX_CALLS and all(c["status"] == "ended" for c in items), items
