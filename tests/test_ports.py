"""The test servers' ports (benchmarks/ports.py): never one a browser refuses to load a page from."""

from __future__ import annotations

import pytest

from benchmarks import ports


def test_a_port_chromium_refuses_is_never_given(monkeypatch: pytest.MonkeyPatch) -> None:
    # a pool whose first port is Chromium's restricted 10080 (net::ERR_UNSAFE_PORT): another is given each time
    monkeypatch.setattr(ports, "_pool", lambda low: (10080, 10084))
    monkeypatch.setattr(ports, "_given", set())
    given = [ports.free_port() for _ in range(3)]
    assert 10080 not in given and len(set(given)) == 3, given
