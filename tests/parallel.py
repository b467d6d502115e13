"""The suite in pytest-xdist workers (`make test`: ``-n $(TEST_WORKERS) --dist loadfile``).

Every test owns what it uses: ports come from its worker's own slice (benchmarks/ports.py), files from
its ``tmp_path``, and the session fixtures (PostgreSQL, nats-server, moto, Chromium, Kamailio) start once
per worker on that worker's ports and temporary folders. ``--dist loadfile`` runs the tests of one file
on one worker, one after another, in file order: a module-scoped fixture (a server or a floor started
once for the file) starts once, and tests that build on the one before (test_floor) keep their order.
(``--dist loadgroup`` would do that per ``xdist_group`` mark, but pytest-xdist 3.8.0 marks a group by
rewriting ``item._nodeid``, which pytest 9.2 no longer reads: every group mark is ignored.)

``@pytest.mark.alone``: the test runs with no other test at the same time, on any worker (it measures
time against a budget that a loaded machine would miss, or it needs a fixed resource: the README's own
ports). The others wait at their next test; the alone test waits for those running to end. The turn is
two ``flock`` files in a folder the controller makes for the run: every test holds ``turn.lock`` shared
while it runs (setup and teardown included), an alone test holds it exclusive. A test first passes
``gate.lock``, which an alone test holds while it waits, so a stream of shared holders cannot starve it.
Without xdist (``-n 0``, or one file run plainly) nothing of this applies.
"""

from __future__ import annotations

import contextlib
import fcntl
import shutil
import tempfile
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import pytest

_DIR_KEY = "agentassist_turn_dir"  # in each worker's workerinput
_dir_key = pytest.StashKey[str]()  # the controller's own record of the same folder


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "alone: runs with no other test at the same time under pytest-xdist (it measures time or needs "
        "a fixed resource; tests/parallel.py)",
    )
    if not hasattr(config, "workerinput") and getattr(config.option, "numprocesses", None):
        config.stash[_dir_key] = tempfile.mkdtemp(prefix="agentassist-xdist-")


def pytest_unconfigure(config: pytest.Config) -> None:
    folder = config.stash.get(_dir_key, None)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """Controller side: hand every worker the run's folder of turn locks."""
    folder = node.config.stash.get(_dir_key, None)
    if folder is not None:
        node.workerinput[_DIR_KEY] = folder


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if hasattr(config, "workerinput"):
        # the files with a slow test first (the longest took 400 s on a loaded machine): one started
        # last would hold the run's end while the other workers idle. Stable, so each file keeps its
        # order, and the same in every worker.
        slow = {item.path for item in items if item.get_closest_marker("slow") is not None}
        items.sort(key=lambda item: item.path not in slow)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Generator[None, object, object]:
    with _turn(item):
        return (yield)


@contextlib.contextmanager
def _turn(item: pytest.Item) -> Iterator[None]:
    workerinput: dict[str, Any] | None = getattr(item.config, "workerinput", None)
    folder = workerinput.get(_DIR_KEY) if workerinput else None
    if folder is None:
        yield
        return
    alone = item.get_closest_marker("alone") is not None
    with open(Path(folder) / "gate.lock", "a") as gate, open(Path(folder) / "turn.lock", "a") as turn:
        fcntl.flock(gate, fcntl.LOCK_EX)
        try:
            fcntl.flock(turn, fcntl.LOCK_EX if alone else fcntl.LOCK_SH)
        finally:
            fcntl.flock(gate, fcntl.LOCK_UN)
        try:
            yield
        finally:
            fcntl.flock(turn, fcntl.LOCK_UN)
