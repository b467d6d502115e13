"""How many calls at once: ``[sip] max_calls``, up to what the pjsua2 build takes (PJSUA_MAX_CALLS).

The caller past the limit gets 486 Busy Here and the calls that are up go on. A ``max_calls`` larger
than the build takes (4 for the PyPI wheel, 64 for the build `make` makes from source) is named in a
WARNING at start: pjsua cuts it without a word.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from agentassist.sip.softphone import build_max_calls
from tests.test_call_failures import Sipp


@pytest.mark.sip
def test_the_call_past_the_limit_gets_busy(make_server: Any, tmp_path: Path) -> None:
    cap = build_max_calls()
    limit = min(3, cap)
    server = make_server(sip={"max_calls": limit})
    server.start()
    assert "but this pjsua2 build takes at most" not in server.log()
    calls = limit + 1
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
        assert len(items) == limit and all(c["status"] == "ended" for c in items), items


@pytest.mark.sip
def test_more_than_the_build_takes_is_named_at_start(make_server: Any) -> None:
    cap = build_max_calls()
    server = make_server(sip={"max_calls": cap + 4})
    server.start()
    assert f"max_calls = {cap + 4}, but this pjsua2 build takes at most {cap} calls" in server.log()
