"""Open WebSockets by user: a cap per user, and their end (close 4401) when the token they were
opened with ends, without a database query per socket.

::

    logout / delete / rotate route --revoke_*()--> SocketRegistry --Held.ended.set()--> guarded() --> close 4401
    token's expiry ------------------------------ loop.call_later -----^
    another process (CLI rotation) -------------- sweep(): one query for all open sockets, every SWEEP_S

Each socket holds a :class:`Held`: its user, the hash of its token and an event. A route that ends
a token sets the events of the sockets it concerns, from its worker thread through
``call_soon_threadsafe``; an expiry is a timer on the loop. So 300 open sockets cost nothing while
nobody logs out, and a logout reaches its sockets in one loop turn. This signal is in-process: with
several nodes it must cross them (the sweep catches it within SWEEP_S meanwhile).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from starlette.websockets import WebSocket

from agentassist.store.db import Store

log = logging.getLogger(__name__)
T = TypeVar("T")

CLOSE_UNAUTHORIZED = 4401
CLOSE_TOO_MANY = 4429
SWEEP_S = 30.0  # how late a revocation made by another process reaches the sockets here
_CLOSE_TIMEOUT_S = 2.0  # a client that reads nothing does not hold the close


@dataclass(eq=False)
class Held:
    """One open socket's claim: whose, with which token, and why it must end (once ``ended`` is set)."""

    user_id: int
    token_hash: str
    ended: asyncio.Event = field(default_factory=asyncio.Event)
    reason: str = ""
    timer: asyncio.TimerHandle | None = None


class SocketRegistry:
    """The open sockets of one app; created with it, bound to its loop by the lifespan."""

    def __init__(self, max_per_user: int, sweep_s: float = SWEEP_S) -> None:
        self.max_per_user = max_per_user
        self.sweep_s = sweep_s
        self._by_user: dict[int, set[Held]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: int | None = None
        self.refused = 0
        self.ended = 0

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop, self._loop_thread = loop, threading.get_ident()

    def open_count(self, user_id: int) -> int:
        return len(self._by_user.get(user_id, ()))

    @property
    def open_total(self) -> int:
        return sum(len(s) for s in list(self._by_user.values()))

    def metrics(self) -> dict[str, float]:
        """Read from a worker thread (the /metrics route): copies, never iterates the live sets."""
        return {
            "agentassist_sockets_open": float(self.open_total),
            "agentassist_sockets_refused_total": float(self.refused),  # over max_sockets_per_user
            "agentassist_sockets_revoked_total": float(self.ended),  # closed 4401 as their token ended
        }

    def hold(self, user_id: int, token_hash: str, expires_at: datetime | None) -> Held | None:
        """A claim for a new socket of ``user_id``; None when they already hold ``max_per_user``."""
        mine = self._by_user.setdefault(user_id, set())
        if len(mine) >= self.max_per_user:
            self.refused += 1
            return None
        held = Held(user_id, token_hash)
        if expires_at is not None:
            delay_s = (expires_at - datetime.now(UTC)).total_seconds()
            held.timer = asyncio.get_running_loop().call_later(max(0.0, delay_s), self._end, held, "token expired")
        mine.add(held)
        return held

    def release(self, held: Held) -> None:
        if held.timer is not None:
            held.timer.cancel()
        mine = self._by_user.get(held.user_id)
        if mine is not None:
            mine.discard(held)
            if not mine:
                del self._by_user[held.user_id]

    # ---- revocation: callable from any thread ------------------------------------------------------

    def revoke_token(self, token_hash: str, reason: str) -> None:
        """End the sockets opened with this token (a logout, a rotated API token)."""
        self._on_loop(lambda h: h.token_hash == token_hash, reason)

    def revoke_tokens(self, token_hashes: list[str], reason: str) -> None:
        """End the sockets opened with any of these tokens (the logins a password change ends)."""
        if token_hashes:
            hashes = frozenset(token_hashes)
            self._on_loop(lambda h: h.token_hash in hashes, reason)

    def revoke_user(self, user_id: int, reason: str) -> None:
        """End every socket of this user (a deletion)."""
        self._on_loop(lambda h: h.user_id == user_id, reason)

    def _on_loop(self, which: Callable[[Held], bool], reason: str) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            return  # no socket can be open
        if threading.get_ident() == self._loop_thread:
            self._revoke(which, reason)
        else:
            loop.call_soon_threadsafe(self._revoke, which, reason)

    def _revoke(self, which: Callable[[Held], bool], reason: str) -> None:
        for mine in list(self._by_user.values()):
            for held in list(mine):
                if which(held):
                    self._end(held, reason)

    def _end(self, held: Held, reason: str) -> None:
        if not held.ended.is_set():
            held.reason = reason
            held.ended.set()
            self.ended += 1

    async def sweep(self, store: Store) -> None:
        """Every ``sweep_s``, one query for the tokens of all open sockets; end those no longer valid
        (a rotation or deletion made by the CLI or another node). Runs until cancelled."""
        while True:
            await asyncio.sleep(self.sweep_s)
            hashes = sorted({h.token_hash for mine in list(self._by_user.values()) for h in mine})
            if not hashes:
                continue
            try:
                live = await asyncio.to_thread(store.live_token_hashes, hashes)
            except Exception:  # a database hiccup: the next sweep tries again
                log.exception("sockets: could not re-check %d tokens", len(hashes))
                continue
            self.end_tokens(frozenset(hashes) - live, "token revoked or expired")

    def end_tokens(self, hashes: frozenset[str], reason: str) -> None:
        if hashes:
            self._revoke(lambda h: h.token_hash in hashes, reason)


async def guarded(ws: WebSocket, held: Held, serving: Coroutine[Any, Any, T]) -> T | None:
    """Run ``serving`` until it returns or ``held`` ends; in the second case close with 4401 and the reason."""
    task = asyncio.ensure_future(serving)
    ended = asyncio.ensure_future(held.ended.wait())
    try:
        await asyncio.wait({task, ended}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for t in (task, ended):
            t.cancel()
        for t in (task, ended):
            with contextlib.suppress(BaseException):
                await t
    if task.done() and not task.cancelled() and task.exception() is None:
        return task.result()
    if held.ended.is_set():
        log.info("socket of user %d closed: %s", held.user_id, held.reason)
        with contextlib.suppress(Exception):  # the client may be gone as well
            await asyncio.wait_for(ws.close(CLOSE_UNAUTHORIZED, held.reason), _CLOSE_TIMEOUT_S)
    return None
