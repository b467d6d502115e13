"""What a call's pipeline does when something under it fails: name the stage, count it, retry the
one write that must not be lost.

A failure inside a live call is reported (an ERROR line with the call id and the cause, an
``assist.alert`` on the agent's page and the wall, a count in ``/metrics``) and the call goes on; the
call ends ``abnormal``. The stages, the label of ``agentassist_call_failures_total``:

    record      the recording could not be written (disk full, I/O error)
    store       the database refused a write (disk full, locked, gone)
    transcribe  the recogniser raised on a segment
    close       anything else while the call was closing
    pipeline    anything else while the call was running
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from typing import Literal, Protocol

from sqlalchemy.exc import SQLAlchemyError

from agentassist.audio.recorder import RecordingError
from agentassist.events import Event, EventType

log = logging.getLogger(__name__)

Stage = Literal["record", "store", "transcribe", "close", "pipeline"]
STAGES: tuple[Stage, ...] = ("record", "store", "transcribe", "close", "pipeline")
# The one write that must not be lost (a call's end) is tried this many times, waiting between tries:
# a locked SQLite file or a restarting PostgreSQL is usually back within a second or two.
RETRY_DELAYS_S = (0.2, 1.0, 2.0)


def stage_of(exc: BaseException, default: Stage) -> Stage:
    """The stage an exception belongs to, by its kind; ``default`` for any other."""
    if isinstance(exc, SQLAlchemyError):
        return "store"
    if isinstance(exc, RecordingError):
        return "record"
    return default


def cause_of(exc: BaseException) -> str:
    """One line saying what failed: the exception's class and its first line."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def retried(write: Callable[[], None], what: str, delays_s: tuple[float, ...] = RETRY_DELAYS_S) -> None:
    """Run ``write``; on a database error try again after each of ``delays_s``; the last error is raised."""
    for attempt in range(len(delays_s) + 1):
        try:
            write()
            return
        except SQLAlchemyError as exc:
            if attempt == len(delays_s):
                raise
            log.warning("%s failed (try %d of %d): %s", what, attempt + 1, len(delays_s) + 1, cause_of(exc))
            time.sleep(delays_s[attempt])


class FailureCounter:
    """Calls with a failure, by stage (a call counts once per stage); thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[Stage, int] = dict.fromkeys(STAGES, 0)

    def count(self, stage: Stage) -> None:
        with self._lock:
            self._counts[stage] += 1

    def metrics(self) -> dict[str, float]:
        with self._lock:
            return {f'agentassist_call_failures_total{{stage="{s}"}}': float(n) for s, n in self._counts.items()}


class FailureHandler(Protocol):
    """Told of every failure of a call (once per stage), and of a call whose end could not be stored."""

    def call_failed_at(self, call_id: str, stage: Stage, cause: str) -> None: ...

    def end_unstored(self, call_id: str, store_end: Callable[[], None]) -> None:
        """``store_end`` writes the call's end; it raised: try again later."""


class CallFailures:
    """One call's failures: the first cause of each stage, each reported once. Any thread."""

    def __init__(
        self,
        call_id: str,
        handler: FailureHandler | None,
        publish: Callable[[list[Event]], None],
        now_s: Callable[[], float],
    ) -> None:
        self.call_id = call_id
        self.handler = handler
        self._publish = publish
        self._now_s = now_s
        self._lock = threading.Lock()
        self._causes: dict[Stage, str] = {}

    @property
    def causes(self) -> dict[str, str]:
        """What failed so far, by stage: the first cause of each."""
        with self._lock:
            return {str(stage): cause for stage, cause in self._causes.items()}

    def detach(self) -> None:
        """Let go of the session's callbacks (its close), so that no reference cycle keeps the closed
        session alive; a later failure (a late revision's write) is still logged and counted."""
        t = self._now_s()
        self._publish = _drop
        self._now_s = lambda: t

    def guarded(self, stage: Stage, step: Callable[[], None]) -> None:
        """Run ``step``; a failure is reported (as a database or recording failure when it is one) and
        swallowed, so the steps after it still run."""
        try:
            step()
        except Exception as exc:
            self.report(stage_of(exc, stage), exc)

    def report(self, stage: Stage, exc: BaseException) -> None:
        """Once per stage: an ERROR line with the call and the cause, the handler told (the count in
        /metrics), an ``assist.alert`` for the agent's page and the wall. The call will end ``abnormal``."""
        cause = cause_of(exc)
        with self._lock:
            first = stage not in self._causes
            if first:
                self._causes[stage] = cause
        if not first:
            log.debug("call %s: %s failed again: %s", self.call_id, stage, cause)
            return
        known = stage in ("record", "store") or isinstance(exc, OSError)  # a full disk, a database: no traceback
        log.error("call %s: %s failed: %s", self.call_id, stage, cause, exc_info=None if known else exc)
        if self.handler is not None:
            with contextlib.suppress(Exception):
                self.handler.call_failed_at(self.call_id, stage, cause)
        t = self._now_s()
        what = "the recording stopped" if stage == "record" else f"{stage} failed"
        alert = {
            "type": f"{stage}_failed",
            "message": f"{what}: {cause}; the call is marked abnormal",
            "t": round(t, 3),
            "stage": stage,
        }
        with contextlib.suppress(Exception):  # the bus is in memory; a failing publish must not hide the cause
            self._publish([Event(EventType.ASSIST_ALERT, self.call_id, t, {"alert": alert})])


def _drop(events: list[Event]) -> None:
    """The publisher of a closed call's failures: the call's feed has ended."""


class UnstoredEnds:
    """Ends of calls the database refused (disk full, gone), written again every ``retry_s`` while the
    process runs; a row still "active" at exit is closed "abnormal" by the next start. Any thread."""

    def __init__(self, retry_s: float) -> None:
        self.retry_s = retry_s
        self._lock = threading.Lock()
        self._ends: dict[str, Callable[[], None]] = {}
        self._timer: threading.Timer | None = None

    def __len__(self) -> int:
        with self._lock:
            return len(self._ends)

    def add(self, call_id: str, store_end: Callable[[], None]) -> None:
        with self._lock:
            self._ends[call_id] = store_end
            self._arm()

    def _arm(self) -> None:  # under the lock
        if self._timer is None:
            self._timer = threading.Timer(self.retry_s, self._retry)
            self._timer.daemon = True
            self._timer.start()

    def _retry(self) -> None:
        with self._lock:
            self._timer = None
        self.store()
        with self._lock:
            if self._ends:
                self._arm()

    def store(self) -> None:
        """Try every end once now."""
        with self._lock:
            pending = list(self._ends.items())
        for call_id, store_end in pending:
            try:
                store_end()
            except Exception as exc:
                log.debug("call %s: its end still not stored: %s", call_id, cause_of(exc))
                continue
            with self._lock:
                self._ends.pop(call_id, None)
            log.info("call %s: its end stored after all", call_id)

    def close(self) -> list[str]:
        """Stop retrying, try once more; the calls whose end is still not stored."""
        with self._lock:
            timer, self._timer = self._timer, None
        if timer is not None:
            timer.cancel()
        self.store()
        with self._lock:
            return sorted(self._ends)
