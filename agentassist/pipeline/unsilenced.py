"""At a server's start: the spans an earlier run masked after its calls but left unsilenced in their
recordings (the server stopped, or was killed, with the silence still queued on its late work), queued
on this run's late work (agentassist.pipeline.late) to be silenced now.

A call's media facts say which spans are silent in its recording (``recording_silenced_spans``) and which
could not be (``recording_unsilenced_spans``, with ``recording_silence_error`` saying why); a stored span
in neither is left to do. A call finished by a version that did not keep those lists is looked at only when
its facts hold ``recording_silence_error`` (every span is then silenced again: silence stays silence).
A recording erased with its call, deleted by retention, or gone is skipped; one in the object store is
brought back, silenced and uploaded again under its key by the late work's edit (agentassist.store.uploads).
Once done, the facts list the spans as silent, so a second start finds nothing.

Only the calls marked ``spans_unchecked`` are looked at (an index; migration 0015): a stored span marks
its call, and the look unmarks each call it finds with nothing left to do (and each it silences once the
facts saying so are stored). A start therefore reads the calls with spans since the last start's look,
however many calls the center has kept: at 20 000 ended calls with spans, the look of every one at every
start cost 0.49 s of CPU time (benchmarks/RESULTS.md, "late_sweep"). The mark is cleared by the look
rather than by the call's close: a span a late revision stores after the close has read the spans to
silence would otherwise be unmarked by a close that did not silence it. The look only reads calls ended
before this run's start, to which no thread of this run adds a span, so it cannot unmark one it has not
seen.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update

from agentassist.pipeline.close import LateSilence
from agentassist.pipeline.late import LateWork, StoreAwayError
from agentassist.privacy.silence import covered
from agentassist.store.models import CallMediaRow, CallRow, DeletedRecordingRow, RedactionRow

if TYPE_CHECKING:
    from agentassist.audio.encode import OpusOptions
    from agentassist.store.db import Store
    from agentassist.store.recordings import RecordingStore

log = logging.getLogger(__name__)

SWEEP = "*"  # the sweep's own job, named for no call


def sweep(
    store: Store, recordings: RecordingStore, late_work: LateWork, opus: OpusOptions | None, before: datetime
) -> None:
    """Queue the look for calls ended before ``before`` (this run's start) with spans left unsilenced; it
    runs on the late work's thread (the start does not wait for it) and queues one silence per call."""
    queued: set[str] = set()  # those queued by a try that then found the store away: not queued twice
    look = lambda: _look(store, recordings, late_work, opus, before, queued)  # noqa: E731
    late_work.submit(SWEEP, "looking for spans an earlier run left unsilenced", look)


def _look(
    store: Store,
    recordings: RecordingStore,
    late_work: LateWork,
    opus: OpusOptions | None,
    before: datetime,
    queued: set[str],
) -> bool:
    """The late work's thread: one silence queued per call with spans to do; the others unmarked. False:
    the database or the object store away, looked at again later."""
    checked: list[str] = []
    try:
        for call_id, facts, spans, deleted in _candidates(store, before):
            if call_id in queued:
                continue
            late = None if deleted else _late_silence(recordings, late_work, opus, call_id, facts, spans)
            if late is not None:
                _queue(store, late_work, late, spans)
                queued.add(call_id)
            else:
                checked.append(call_id)
        _checked(store, checked)
    except Exception as exc:  # the database or the store away: the whole look again later
        log.warning("spans left unsilenced by an earlier run: not looked for yet: %s", exc)
        return False
    if queued:
        log.warning("%d call(s) with spans an earlier run left unsilenced: silencing them now", len(queued))
    return True


def _candidates(store: Store, before: datetime) -> list[tuple[str, dict[str, Any], list[tuple[float, float]], bool]]:
    """Calls marked ``spans_unchecked`` and ended before ``before``: each with its media facts, its spans
    and whether retention deleted its recording (two queries, each on the marked calls alone)."""
    marked = CallRow.spans_unchecked.is_(True), CallRow.ended_at.is_not(None)
    deleted = select(DeletedRecordingRow.call_id).where(DeletedRecordingRow.call_id == CallRow.id).exists()
    calls = (
        select(CallRow.id, CallRow.ended_at, CallMediaRow.data, deleted)
        .outerjoin(CallMediaRow, CallMediaRow.call_id == CallRow.id)
        .where(*marked)
        .order_by(CallRow.ended_at)
    )
    spans_of = select(RedactionRow.call_id, RedactionRow.start_s, RedactionRow.end_s).join(
        CallRow, CallRow.id == RedactionRow.call_id
    )
    spans: dict[str, list[tuple[float, float]]] = {}
    with store.session() as s:
        rows = s.execute(calls).all()
        for call_id, start_s, end_s in s.execute(spans_of.where(*marked)):
            spans.setdefault(call_id, []).append((round(start_s, 3), round(end_s, 3)))  # as `redactions` gives them
    return [
        (call_id, dict(data or {}), sorted(spans.get(call_id, [])), bool(gone))
        for call_id, ended_at, data, gone in rows
        if _aware(ended_at) <= before
    ]


def _checked(store: Store, call_ids: list[str]) -> None:
    """The calls' recordings hold no span left to silence: the next start's look passes them by."""
    with store.session.begin() as s:
        for n in range(0, len(call_ids), 500):  # bound parameters per statement: SQLite allows 32 766
            batch = call_ids[n : n + 500]
            s.execute(update(CallRow).where(CallRow.id.in_(batch)).values(spans_unchecked=False))


def _aware(at: datetime) -> datetime:
    """SQLite gives back times without their zone; they were stored in UTC."""
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def _late_silence(
    recordings: RecordingStore,
    late_work: LateWork,
    opus: OpusOptions | None,
    call_id: str,
    facts: dict[str, Any],
    spans: list[tuple[float, float]],
) -> LateSilence | None:
    """The call's silence as the facts leave it, when a span is left to do and the recording is there."""
    silenced = facts.get("recording_silenced_spans")
    if silenced is None and "recording_silence_error" not in facts:
        return None  # an older version's call silenced whole at its close
    done = [(a, b) for a, b in silenced or []]
    failed = [(a, b) for a, b in facts.get("recording_unsilenced_spans") or []]
    if all(covered(span, done + failed) for span in spans):
        return None
    where = recordings.locate(call_id)  # the store away raises: looked at again later
    if where is None:
        log.info("call %s: spans left unsilenced, but its recording is gone: nothing to silence", call_id)
        return None
    path = where if isinstance(where, Path) else recordings.directory / where.name  # brought back there
    duration_s = float(facts.get("recording_s") or 0.0)
    late = LateSilence(call_id, path, None, duration_s, recordings.keys, opus, late_work.editing)
    late.silenced, late.unsilenced = done, failed
    late.clears = facts.get("recording_silence_error")
    return late


def _queue(store: Store, late_work: LateWork, late: LateSilence, spans: list[tuple[float, float]]) -> None:
    redactions: list[Any] = [{"start": a, "end": b} for a, b in spans]

    def run() -> bool:
        try:
            facts = late(redactions)
        except StoreAwayError:
            return False
        try:
            if facts is not None:
                store.save_media(late.call_id, facts)
            _checked(store, [late.call_id])  # the facts list every span as silent or as not to be
        except Exception as exc:  # the facts still list the spans as left: the next start looks again
            log.error("call %s: silenced, but its media facts are not stored: %s", late.call_id, exc)
        return True

    late_work.submit(
        late.call_id,
        "silencing spans an earlier run left unsilenced",
        run,
        recording=True,  # the facts still say what is left if a stop leaves it: the next start tries again
    )
