"""Which node carries a call, when several nodes share one PostgreSQL database (docs/deploy.md).

A node claims each call it carries (answered, dialled, resumed or taken over) with a PostgreSQL
*session* advisory lock, on one connection of its own held for as long as the node runs. PostgreSQL
gives the lock back when that connection ends: at once when the node's process dies (SIGKILL, a crash:
the kernel closes its socket, the server sees the end of the stream), after the TCP keepalive when its
machine vanishes. So "the call's lock can be taken" means "no living node carries the call", without a
heartbeat table or a cluster of agentassist's own:

- at start a node closes, or waits for the phone of, only the calls left active that it can claim
  (not those another node carries now);
- a phone that reconnects to another node hands the call to it only if that node can claim it;
  otherwise the node that has it is alive and the phone is sent back (agentassist.restart).

On SQLite there is one node: every claim succeeds and nothing is held.

Thread-safe: the pj thread, the API's threads and the calls' threads claim and release; each use of the
connection is one short statement under a lock.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

log = logging.getLogger(__name__)


def claim_key(call_id: str) -> int:
    """The advisory lock's bigint for a call: the first 8 bytes of SHA-256 of the id, signed (a clash
    between two calls up at once is a 1 in 2^64 chance per pair)."""
    return int.from_bytes(hashlib.sha256(b"agentassist:call:" + call_id.encode()).digest()[:8], "big", signed=True)


def node_id(data_dir: Path) -> str:
    """This node's name, made once and kept in ``data_dir/node-id``: the node a recording on this disk
    belongs to, stored with each call it carries (media fact ``node``) on a shared database."""
    path = data_dir / "node-id"
    try:
        return path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        node = uuid.uuid4().hex[:12]
        data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # private, as every file there
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(node + "\n")
        return node


class Claims:
    """This node's claims on calls; on SQLite (one node) every claim succeeds."""

    def __init__(self, engine: Engine, data_dir: Path) -> None:
        self.shared = engine.dialect.name == "postgresql"  # another node may take a call over
        self.node = node_id(data_dir) if self.shared else ""
        # A connection of its own, never pooled: closing it must end the database session (and give the
        # locks back); a pooled one would go back to the pool still holding them.
        self._engine = create_engine(engine.url, poolclass=NullPool) if self.shared else engine
        self._lock = threading.Lock()
        self._conn: Connection | None = None
        self._held: set[str] = set()
        self.lost_total = 0  # claims found taken by another node after this node's connection broke

    def facts(self) -> dict[str, str]:
        """The media facts of a call this node records: which node (only on a shared database)."""
        return {"node": self.node} if self.shared and self.node else {}

    def take(self, call_id: str, new: bool = False) -> bool:
        """Claim the call (held until :meth:`drop`); False when another living node has it. A call this
        node holds already is True (``new``: False). Raises the driver's error when the database is away."""
        if not self.shared:
            return True
        with self._lock:
            if call_id in self._held:
                return not new
            if not self._try(claim_key(call_id)):
                return False
            self._held.add(call_id)
            return True

    def carry(self, call_id: str) -> None:
        """Claim a call this node starts now (no other node can have it): never raises, as the call goes on
        whatever the database does; a claim not taken is logged."""
        try:
            if not self.take(call_id):
                log.error("call %s: claimed by another node already; this node carries it all the same", call_id)
        except Exception as exc:
            log.warning("call %s: not claimed (%s): another node could close it at its start", call_id, exc)

    def drop(self, call_id: str) -> None:
        """This node no longer carries the call (ended, or left to its phone at a stop)."""
        if not self.shared:
            return
        with self._lock:
            if call_id not in self._held:
                return
            self._held.discard(call_id)
            try:
                self._connection().execute(text("SELECT pg_advisory_unlock(:k)"), {"k": claim_key(call_id)})
            except Exception as exc:  # the connection is gone, and the lock with it
                log.warning("call %s: claim not released (%s): gone with the connection", call_id, exc)
                self._reset()

    def close(self) -> None:
        """At a stop: every claim goes with the connection."""
        with self._lock:
            self._held.clear()
            self._reset()
        if self.shared:
            self._engine.dispose()

    def metrics(self) -> dict[str, float]:
        with self._lock:
            held = len(self._held)
        if not self.shared:
            return {}
        return {"agentassist_calls_claimed": float(held), "agentassist_call_claims_lost_total": float(self.lost_total)}

    # ---- under the lock ---------------------------------------------------------------------------

    def _try(self, key: int) -> bool:
        try:
            return bool(self._connection().execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar())
        except DBAPIError as exc:
            if not exc.connection_invalidated:
                raise
            self._reset()  # the connection broke (a database restart): once more on a new one
            return bool(self._connection().execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar())

    def _connection(self) -> Connection:
        if self._conn is None:
            self._conn = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            if self._held:  # a new connection after a break: the claims this node had are taken again
                self._retake()
        return self._conn

    def _retake(self) -> None:
        assert self._conn is not None
        for call_id in sorted(self._held):
            got = self._conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": claim_key(call_id)}).scalar()
            if not got:
                self.lost_total += 1
                log.error("call %s: another node claimed it while this node's database connection was down", call_id)
        log.warning("claims: database connection renewed; %d call(s) claimed again", len(self._held))

    def _reset(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.close()
            except DBAPIError:
                conn.invalidate()
