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

import logging
import threading
import time
from collections.abc import Callable
from typing import Literal

from sqlalchemy.exc import SQLAlchemyError

from agentassist.audio.recorder import RecordingError

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
