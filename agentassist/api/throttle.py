"""Login throttling per user name and per client address: a pure policy with a clock passed in.

The check comes before the password is verified, so a throttled attempt costs no argon2 work. A
wrong password counts against its name and its address; a right one clears the name. A key with
``max_failures`` failures within ``window_s`` is locked for ``lockout_s``; every further failure
after a lockout doubles it, up to ``window_s``. A key is forgotten ``window_s`` after its last
failure. Attempts racing each other all pass the check before the first of them fails: at most as
many as the password hashing pool lets run and wait (the rest are turned away, 503), so a burst
gets that many guesses past the limit, no more. Counting attempts up front instead would lock a
name on a burst of right passwords too (200 logins at once for one name: 429 for most).

Memory is bounded: each table keeps at most ``max_keys`` keys, least recently failed first out.
(An attacker who sprays that many names from many addresses can push a locked name out early;
each of their addresses is still throttled.) Counts live in this process: with several server
nodes each node counts its own.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ThrottleOptions:
    max_failures_per_name: int = 10
    max_failures_per_address: int = 100  # many users behind one NAT share an address
    window_s: float = 900.0
    lockout_s: float = 60.0
    max_keys: int = 50_000  # per table: about 10 MB at most

    def __post_init__(self) -> None:
        if self.max_failures_per_name < 1 or self.max_failures_per_address < 1:
            raise ValueError(
                f"login failures before a lockout: expected at least 1, got "
                f"{self.max_failures_per_name} per name and {self.max_failures_per_address} per address"
            )
        if not 0 < self.lockout_s <= self.window_s:
            raise ValueError(
                f"login lockout: expected 0 < lockout_s <= window_s, got {self.lockout_s} and {self.window_s}"
            )
        if self.max_keys < 1:
            raise ValueError(f"max_keys: expected at least 1, got {self.max_keys}")


@dataclass(slots=True)
class _Entry:
    failures: int = 0
    last_s: float = 0.0
    locked_until_s: float = 0.0


class _Table:
    """Failure counts by key, at most ``max_failures`` before a lockout, LRU-bounded."""

    def __init__(self, max_failures: int, options: ThrottleOptions) -> None:
        self.max_failures = max_failures
        self.options = options
        self.entries: OrderedDict[str, _Entry] = OrderedDict()

    def _live(self, key: str, now_s: float) -> _Entry | None:
        entry = self.entries.get(key)
        if entry is not None and now_s - entry.last_s > self.options.window_s and now_s >= entry.locked_until_s:
            del self.entries[key]
            return None
        return entry

    def wait_s(self, key: str, now_s: float) -> float:
        entry = self._live(key, now_s)
        return max(0.0, entry.locked_until_s - now_s) if entry is not None else 0.0

    def fail(self, key: str, now_s: float) -> None:
        entry = self._live(key, now_s)
        if entry is None:
            entry = self.entries[key] = _Entry()
            while len(self.entries) > self.options.max_keys:
                self.entries.popitem(last=False)
        self.entries.move_to_end(key)
        entry.failures += 1
        entry.last_s = now_s
        over = entry.failures - self.max_failures
        if over >= 0:
            entry.locked_until_s = now_s + min(self.options.window_s, self.options.lockout_s * 2.0 ** min(over, 30))

    def clear(self, key: str) -> None:
        self.entries.pop(key, None)


class LoginThrottle:
    """``check`` before the password is verified; ``failed`` or ``succeeded`` after."""

    def __init__(self, options: ThrottleOptions) -> None:
        self.options = options
        self.names = _Table(options.max_failures_per_name, options)
        self.addresses = _Table(options.max_failures_per_address, options)
        self.throttled = 0  # attempts answered 429, for /metrics

    def check(self, name: str, address: str, now_s: float) -> int:
        """Seconds to wait before the next attempt for this name from this address (0: go ahead)."""
        wait = max(self.names.wait_s(name, now_s), self.addresses.wait_s(address, now_s))
        if wait > 0:
            self.throttled += 1
        return math.ceil(wait)

    def failed(self, name: str, address: str, now_s: float) -> None:
        self.names.fail(name, now_s)
        self.addresses.fail(address, now_s)

    def succeeded(self, name: str) -> None:
        self.names.clear(name)
