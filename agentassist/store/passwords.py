"""Password hashing (argon2id) with a bound on how many hashes run at once.

One argon2 hash or verify with argon2-cffi's defaults holds 64 MiB for its run (memory_cost=65536
KiB): 16 logins at once took +918 MiB. Here at most ``workers`` run at once; at most ``queue``
more wait, each up to ``wait_s``; past that :class:`HashingBusyError` is raised (the API answers 503
with Retry-After). The parameters are argon2-cffi's defaults, as before this pool existed, so every
stored hash still verifies; ``check_needs_rehash`` would tell a hash made with older ones.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from agentassist.errors import AgentassistError


class HashingBusyError(AgentassistError):
    """Every hashing slot is taken and the wait queue is full: try again after ``retry_after_s``."""

    def __init__(self, workers: int, queue: int, retry_after_s: int) -> None:
        super().__init__(
            f"server busy checking passwords ({workers} at once, {queue} waiting): try again in {retry_after_s} s"
        )
        self.retry_after_s = retry_after_s


def default_workers() -> int:
    """One per core this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


class PasswordPool:
    """``hash`` and ``verify`` of argon2id, ``workers`` at once (0: one per core)."""

    def __init__(self, workers: int = 0, queue: int | None = None, wait_s: float = 5.0) -> None:
        self.workers = workers or default_workers()
        # a short queue: 2 per worker keeps a burst of logins answered in about 3 hashes' time
        # (0.1 s each on one core) and turns the rest away at once, holding no memory
        self.queue = 2 * self.workers if queue is None else queue
        if self.workers < 1 or self.queue < 0 or wait_s <= 0:
            raise ValueError(
                f"password hashing: expected workers >= 1, queue >= 0, wait_s > 0, "
                f"got {self.workers}, {self.queue}, {wait_s}"
            )
        self.wait_s = wait_s
        self._hasher = PasswordHasher()
        self._slots = threading.Semaphore(self.workers)
        self._lock = threading.Lock()
        self._waiting = 0
        self.refused = 0  # for /metrics

    @contextmanager
    def _slot(self) -> Iterator[None]:
        if not self._slots.acquire(blocking=False):
            with self._lock:
                if self._waiting >= self.queue:
                    self.refused += 1
                    raise HashingBusyError(self.workers, self.queue, 1)
                self._waiting += 1
            try:
                got = self._slots.acquire(timeout=self.wait_s)
            finally:
                with self._lock:
                    self._waiting -= 1
            if not got:
                with self._lock:
                    self.refused += 1
                raise HashingBusyError(self.workers, self.queue, max(1, round(self.wait_s)))
        try:
            yield
        finally:
            self._slots.release()

    def hash(self, password: str) -> str:
        with self._slot():
            return self._hasher.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        """Whether ``password`` matches; False for a wrong one and for a hash that is not argon2's."""
        with self._slot():
            try:
                return self._hasher.verify(password_hash, password)
            except (VerificationError, InvalidHashError):
                return False
