"""The writes of a call's lines that the database refused, held until it takes them (issue 19).

Three pieces, one per question:

- :class:`HeldWrite`: one held write as data (a line stored or replaced, an utterance's masked spans,
  its original), so that it can be run again later, by another thread or another run.
- :class:`Refusing`: whether the database refuses writes now, for the whole process. The runtime owns
  one and gives it to every call's records (agentassist.pipeline.records). Once one write is refused,
  the later writes of every call are held at once instead of each call waiting
  ``records.LINE_LOCK_WAIT_S`` for the lock first: at 40 calls each of them used to stall the shared
  delivery thread once. The state clears when a held write is stored, or when a write that changes
  nothing (``probe``) passes on the late work's thread. It also knows which calls hold writes, for
  the stop.
- :func:`keep` and :func:`replay`: what is still held when the server stops goes to a file of JSON
  lines under the data folder (fsynced, then renamed into place), and the next start writes it before
  anything else and removes it. A file that cannot be read whole is set aside under another name and
  reported, never replayed in part: a missing revision would let an older line stand.

No card data goes to the file. A held line is the masked utterance (the text and the words that are
stored and published), and held spans carry a kind and times, not what was said. An original (the text
before masking, kept for the roles a script names) is the one held write that holds what was masked: it
is not written to the file but logged as lost at the stop.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import os
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, Protocol

from sqlalchemy.exc import OperationalError, SQLAlchemyError

from agentassist.events import Channel, Utterance, Word
from agentassist.failures import cause_of
from agentassist.pipeline.ports import CallStore
from agentassist.privacy.utterances import Redaction

log = logging.getLogger(__name__)

HELD_FILE = "held-writes.jsonl"  # under the data folder
PROBE_WAIT_S = 0.05  # the probe's wait for another writer's lock: an ordinary write holds it for milliseconds
PROBE_EVERY_S = 0.2  # the calls' late jobs share one probe this often, not one each

Kind = Literal["line", "spans", "original"]


@dataclasses.dataclass(frozen=True, slots=True)
class HeldWrite:
    """One write of a call's records. ``line``: a final (added) or a revision (replacing the stored line,
    removing it when it has no text); ``spans``: an utterance's masked spans; ``original``: its text
    before masking and the roles that may read it."""

    call_id: str
    kind: Kind
    utterance_id: str
    line: Utterance | None = None
    spans: tuple[Redaction, ...] = ()
    original: str = ""
    roles: tuple[str, ...] = ()

    @property
    def key(self) -> tuple[str, str]:
        """A newer write of the same key replaces a held one."""
        return self.kind, self.utterance_id

    def run(self, store: CallStore, lock_wait_s: float | None, again: bool = False) -> None:
        """Write it, waiting ``lock_wait_s`` at most for another writer's lock (None: the engine's wait).
        ``again``: it may have been stored already (held, then replayed): a final replaces its line then."""
        if self.kind == "line":
            assert self.line is not None, "a line write carries its line"
            if self.line.revised or again:
                store.update_utterance(self.call_id, self.line, lock_wait_s=lock_wait_s)
            else:
                store.add_utterance(self.call_id, self.line, lock_wait_s=lock_wait_s)
        elif self.kind == "spans":
            store.save_redactions(self.call_id, self.utterance_id, list(self.spans), lock_wait_s=lock_wait_s)
        else:
            store.save_original(self.call_id, self.utterance_id, self.original, self.roles, lock_wait_s=lock_wait_s)

    def to_json(self) -> dict[str, Any] | None:
        """What the file keeps of it; None for an original, which holds what was masked."""
        if self.kind == "original":
            return None
        kept: dict[str, Any] = {"call_id": self.call_id, "kind": self.kind, "utterance_id": self.utterance_id}
        if self.line is not None:
            kept["line"] = {**dataclasses.asdict(self.line), "channel": self.line.channel.value}
        if self.spans:
            kept["spans"] = [dict(span) for span in self.spans]
        return kept

    @classmethod
    def from_json(cls, kept: dict[str, Any]) -> HeldWrite:
        """Raises KeyError, TypeError or ValueError on anything :meth:`to_json` does not write."""
        kind = kept["kind"]
        if kind not in ("line", "spans"):
            raise ValueError(f"expected kind line or spans, got {kind!r}")
        line = None
        if kind == "line":
            fields = dict(kept["line"])
            fields["channel"] = Channel(fields["channel"])
            fields["words"] = tuple(Word(**w) for w in fields["words"])
            line = Utterance(**fields)
        spans = tuple(_span(s) for s in kept.get("spans", ()))
        return cls(str(kept["call_id"]), kind, str(kept["utterance_id"]), line, spans)


def _span(kept: dict[str, Any]) -> Redaction:
    names = set(Redaction.__annotations__)
    if set(kept) != names:
        raise ValueError(f"expected a span's fields {sorted(names)}, got {sorted(kept)}")
    return Redaction(
        utterance_id=str(kept["utterance_id"]),
        channel=str(kept["channel"]),
        kind=str(kept["kind"]),
        start=float(kept["start"]),
        end=float(kept["end"]),
        by=str(kept["by"]),
    )


class Holder(Protocol):
    """A call's records while they hold writes (agentassist.pipeline.records.CallRecords)."""

    call_id: str

    def held_writes(self) -> list[HeldWrite]: ...


class Refusing:
    """Whether the database refuses writes now, shared by a process's calls; thread-safe. ``probe``: a
    write that changes nothing, given how long it may wait for a lock (None: none, a held write is
    simply tried)."""

    def __init__(self, probe: Callable[[float], None] | None = None) -> None:
        self._probe = probe
        self._lock = threading.Lock()
        self._cause: BaseException | None = None
        self._probed_at = float("-inf")
        self._holders: dict[str, Holder] = {}  # the calls with writes held, by id
        self.kept = False  # the stop wrote what was held to the file: nothing more is written this run
        self.refusals_total = 0

    @property
    def cause(self) -> BaseException | None:
        """The refusal in force (writes are held without a try), None while writes go to the database."""
        return self._cause

    def refused(self, exc: BaseException) -> None:
        """A write failed with ``exc``: when that is the database refusing (:meth:`refusal`), the others are
        held from now on; any other failure changes nothing here.

        A refusal is said by its kind and message (``failures.cause_of``), never with its traceback: the
        traceback is dropped here, along the chain of causes. Its frames hold the write's session and the
        row it wrote, and frames that hold the exception in turn (the context managers' ``__exit__``, the
        caller keeping it as the cause): a reference cycle that would keep the call's records, sessions
        and rows for the collector's full pass, every time a write is refused under load."""
        if not self.refusal(exc):
            return
        chained: BaseException | None = exc
        while chained is not None:
            chained.__traceback__ = None
            chained = chained.__cause__ or chained.__context__
        with self._lock:
            first, self._cause = self._cause is None, exc
            self.refusals_total += 1
        if first:
            log.warning(
                "the database refuses writes (%s): every call's lines are held until it takes them", cause_of(exc)
            )

    def taken(self) -> None:
        """A write passed: the calls write directly again."""
        with self._lock:
            was, self._cause = self._cause, None
        if was is not None:
            log.warning("the database takes writes again: the calls' lines go to it directly")

    @staticmethod
    def refusal(exc: BaseException) -> bool:
        """Whether ``exc`` is the database refusing (locked, a lock timeout, the server away), not a bug."""
        return isinstance(exc, OperationalError)

    def passes(self) -> bool:
        """The late work's thread, before it writes what a call holds: False while the database still
        refuses, as the last probe (at most :data:`PROBE_EVERY_S` old) or a new one says."""
        if self._cause is None or self._probe is None:
            return True
        now = time.monotonic()
        with self._lock:
            if now - self._probed_at < PROBE_EVERY_S:
                return False
            self._probed_at = now
        try:
            self._probe(PROBE_WAIT_S)
        except SQLAlchemyError:
            return False
        self.taken()
        return True

    def holding(self, holder: Holder) -> None:
        with self._lock:
            self._holders[holder.call_id] = holder

    def released(self, holder: Holder) -> None:
        with self._lock:
            if self._holders.get(holder.call_id) is holder:
                del self._holders[holder.call_id]

    def held(self) -> list[HeldWrite]:
        """Every call's held writes, each call's in the order they are to be written."""
        with self._lock:
            holders = list(self._holders.values())
        return [write for holder in holders for write in holder.held_writes()]


def keep(path: Path, refusing: Refusing) -> int:
    """At the stop, after the late work: what is still held, written to ``path`` (fsynced, then renamed
    into place); returns how many writes were kept. Originals are logged as lost (they hold card data)."""
    refusing.kept = True
    writes = refusing.held()
    if not writes:
        return 0
    lines = []
    for write in writes:
        kept = write.to_json()
        if kept is None:
            log.error("call %s: original of %s NOT kept: it holds what was masked", write.call_id, write.utterance_id)
        else:
            lines.append(json.dumps(kept, ensure_ascii=False) + "\n")
    part = path.with_name(path.name + ".part")
    calls = len({w.call_id for w in writes})
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # an earlier run's file not yet replayed (the database still away at that start) comes first
        before = path.read_text(encoding="utf-8") if path.exists() else ""
        with part.open("w", encoding="utf-8") as f:
            f.write(before + "".join(lines))
            f.flush()
            os.fsync(f.fileno())
        part.replace(path)
        _sync_dir(path.parent)
    except OSError as exc:  # a full disk (the likely reason the database refused) must not stop the stop
        with contextlib.suppress(OSError):
            part.unlink()
        log.error(
            "%d write(s) of %d call(s) the database refused are LOST: %s not written: %s", len(lines), calls, path, exc
        )
        return 0
    log.warning("%d write(s) of %d call(s) the database refused kept in %s for the next start", len(lines), calls, path)
    return len(lines)


def replay(path: Path, store: CallStore) -> bool:
    """At the start, before the sweep: the writes an earlier run kept in ``path``, written in order, and
    the file removed. A file that cannot be read whole (a leftover ``.part`` included) is renamed aside
    and reported; a database that refuses them leaves the file for the next start. True: nothing left."""
    part = path.with_name(path.name + ".part")
    if part.exists():
        _set_aside(part, "a stop cut short while writing it")
    if not path.exists():
        return True
    try:
        writes = _read(path)
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        _set_aside(path, f"unreadable: {exc}")
        return True
    for write in writes:
        try:
            write.run(store, None, again=True)
        except SQLAlchemyError as exc:
            if _gone(store, write.call_id):
                log.warning("call %s: held %s %s dropped: the call was erased", write.call_id, *write.key)
                continue
            log.error(
                "%s: held writes not replayed, the database refuses them (%s): kept for the next start", path, exc
            )
            return False
    path.unlink()
    _sync_dir(path.parent)
    log.info("%d write(s) of %d call(s) held by an earlier run stored from %s", len(writes), _calls(writes), path)
    return True


def _read(path: Path) -> list[HeldWrite]:
    text = path.read_text(encoding="utf-8")
    if text and not text.endswith("\n"):
        raise ValueError("its last line is cut short")
    writes = []
    for number, line in enumerate(text.splitlines(), 1):
        try:
            kept = json.loads(line)
            if not isinstance(kept, dict):
                raise TypeError(f"expected an object, got {type(kept).__name__}")
            writes.append(HeldWrite.from_json(kept))
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"line {number}: {type(exc).__name__}: {exc}") from exc
    return writes


def _set_aside(path: Path, why: str) -> None:
    aside = path.with_name(f"{path.name}.{datetime.now(UTC):%Y%m%dT%H%M%S}.bad")
    try:
        path.replace(aside)
    except OSError as exc:
        log.error("%s: %s, and it could not be set aside (%s): its writes are not replayed", path, why, exc)
        return
    log.error("%s: %s: set aside as %s, its writes not replayed", path, why, aside.name)


def _gone(store: CallStore, call_id: str) -> bool:
    try:
        return store.get_call(call_id) is None
    except SQLAlchemyError:
        return False


def _calls(writes: list[HeldWrite]) -> int:
    return len({w.call_id for w in writes})


def _sync_dir(folder: Path) -> None:
    """The rename (or removal) itself made durable."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
