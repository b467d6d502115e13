"""The engines a node works on, as ``GET /healthz`` reports them (docs/deploy.md): the database, the bus
and the object store, each ``{"engine", "at", "ok", "error"}``.

``at`` says where without secrets (no user, password or query: credentials of the object store never
reach the settings at all); ``error`` is the driver's reason, the same without secrets. A load balancer
polls /healthz every second or so: a probe's answer is used for :data:`KEEP_S`, and /healthz waits for
a probe at most :data:`WAIT_S`; a probe still running then (a store that does not answer, a client's
retries) goes on in the background, the last answer is reported meanwhile, and its own answer next time.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import make_url, text

from agentassist.bus import EventBus
from agentassist.store.database import Database
from agentassist.store.recordings import RecordingStore

KEEP_S = 2.0  # answers are this fresh at most
WAIT_S = 0.5  # /healthz waits this long for a probe at most
_USERINFO = re.compile(r"(//)[^/@\s]+@")  # "scheme://user:password@host": the credentials go


def without_secrets(text_: str) -> str:
    return _USERINFO.sub(r"\1", text_)


def _reason(exc: BaseException) -> str:
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return without_secrets(f"{type(exc).__name__}: {first}"[:300])


class Engines:
    """The probes of one node; thread-safe (/healthz runs on the API's threads)."""

    def __init__(self, db: Database, bus: EventBus, recordings: RecordingStore) -> None:
        self._db, self._bus, self._recordings = db, bus, recordings
        self._lock = threading.Lock()
        self._probes: dict[str, _Probe] = {}  # the latest of each: a probe that hangs is not started twice
        self._last: dict[str, dict[str, Any]] = {}

    def report(self) -> dict[str, dict[str, Any]]:
        with self._lock:
            database = self._answer("database", self._database, self._where_database())
            objects = self._answer("objects", self._objects, self._where_objects())
            return {"database": database, "bus": self._bus.reach(), "objects": objects}

    def _answer(self, name: str, fn: Callable[[], None], where: dict[str, Any]) -> dict[str, Any]:
        probe = self._probes.get(name)
        if probe is None or (probe.done.is_set() and time.monotonic() - probe.finished_at > KEEP_S):
            probe = self._probes[name] = _Probe(name, fn)
        if not probe.done.wait(WAIT_S):
            return self._last.get(name) or {**where, "ok": False, "error": f"no answer within {WAIT_S:g} s"}
        answer = {**where, "ok": True} if probe.error is None else {**where, "ok": False, "error": _reason(probe.error)}
        self._last[name] = answer
        return answer

    def _where_database(self) -> dict[str, Any]:
        url = make_url(self._db.url)
        if url.get_backend_name() == "sqlite":
            return {"engine": "sqlite", "at": Path(url.database or "").name}
        port = f":{url.port}" if url.port else ""
        return {"engine": url.get_backend_name(), "at": f"{url.host or ''}{port}/{url.database or ''}"}

    def _database(self) -> None:
        with self._db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    def _where_objects(self) -> dict[str, Any]:
        objects = self._recordings.objects
        if objects is None:
            return {"engine": "files", "at": str(self._recordings.directory)}
        return {"engine": "s3", "at": objects.url}

    def _objects(self) -> None:
        objects = self._recordings.objects
        if objects is not None:
            objects.reach()
        elif not self._recordings.directory.is_dir():
            raise FileNotFoundError(f"{self._recordings.directory} is not a directory")


class _Probe:
    """One probe on a daemon thread of its own: one that hangs (a host that drops packets) holds up
    neither /healthz nor the process's exit."""

    def __init__(self, name: str, fn: Callable[[], None]) -> None:
        self._fn = fn
        self.done = threading.Event()
        self.error: Exception | None = None
        self.finished_at = 0.0
        threading.Thread(target=self._run, name=f"probe-{name}", daemon=True).start()

    def _run(self) -> None:
        try:
            self._fn()
        except Exception as exc:
            self.error = exc
        finally:
            self.finished_at = time.monotonic()
            self.done.set()
