"""What was said in a call (its final utterances, revised in place) and how it kept to its script
(the adherence report, with the score and alert counts the call list filters on)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, TypedDict

from sqlalchemy import delete, false, select, update

from agentassist.events import Utterance
from agentassist.store.database import Database
from agentassist.store.models import AdherenceRow, CallAlertRow, CallRow, UtteranceRow


class TranscriptLine(TypedDict):
    id: str
    channel: str
    start: float  # seconds from the call's start
    end: float
    text: str
    words: list[dict[str, Any]]
    language: str
    confidence: float  # 0..1


def add_utterance(db: Database, call_id: str, u: Utterance, lock_wait_s: float | None = None) -> None:
    """A final stored; ``lock_wait_s``: how long to wait for another writer's lock (None: the engine's)."""
    with db.writing(lock_wait_s) as s:
        s.add(_utterance_row(call_id, u))


def update_utterance(db: Database, call_id: str, u: Utterance, lock_wait_s: float | None = None) -> None:
    """A revised final replaces the stored utterance with its id (stored anew if it is missing); a
    revision to no text (its words went to a neighbour) removes it. ``lock_wait_s`` as for
    :func:`add_utterance`."""
    with db.writing(lock_wait_s) as s:
        if u.text:
            s.merge(_utterance_row(call_id, u))
        elif (row := s.get(UtteranceRow, u.id)) is not None and row.call_id == call_id:
            s.delete(row)


def probe_write(db: Database, lock_wait_s: float) -> None:
    """A write that changes nothing, on the transcript's table: raises as a line's write would while the
    database refuses one (another writer's lock held past ``lock_wait_s``, the server away), so that the
    pipeline learns it takes writes again without risking a line (agentassist.pipeline.held)."""
    with db.writing(lock_wait_s) as s:
        s.execute(update(UtteranceRow).where(false()).values(text=UtteranceRow.text))


def transcript(db: Database, call_id: str) -> list[TranscriptLine]:
    with db.session() as s:
        rows = s.scalars(select(UtteranceRow).where(UtteranceRow.call_id == call_id).order_by(UtteranceRow.start_s))
        return [
            {
                "id": r.id,
                "channel": r.channel,
                "start": round(r.start_s, 3),
                "end": round(r.end_s, 3),
                "text": r.text,
                "words": r.words,
                "language": r.language,
                "confidence": round(r.confidence, 3),
            }
            for r in rows
        ]


def save_adherence(db: Database, call_id: str, report: dict[str, Any], lock_wait_s: float | None = None) -> None:
    """The call's adherence report, replacing the stored one; ``lock_wait_s`` as for :func:`add_utterance`."""
    with db.writing(lock_wait_s) as s:
        row = s.get(AdherenceRow, call_id)
        if row is None:
            s.add(AdherenceRow(call_id=call_id, report=report, updated_at=datetime.now(UTC)))
        else:
            row.report, row.updated_at = report, datetime.now(UTC)
        call = s.get(CallRow, call_id)
        if call is not None:
            call.adherence_score = report.get("score")
        counts: dict[str, int] = {}
        for alert in report.get("alerts", []):
            kind = str(alert.get("type"))
            counts[kind] = counts.get(kind, 0) + 1
        s.execute(delete(CallAlertRow).where(CallAlertRow.call_id == call_id))
        s.add_all(CallAlertRow(call_id=call_id, type=k, count=n) for k, n in counts.items())


def adherence(db: Database, call_id: str) -> dict[str, Any] | None:
    with db.session() as s:
        row = s.get(AdherenceRow, call_id)
        return dict(row.report) if row else None


def _utterance_row(call_id: str, u: Utterance) -> UtteranceRow:
    return UtteranceRow(
        id=u.id,
        call_id=call_id,
        channel=u.channel.value,
        start_s=u.start_s,
        end_s=u.end_s,
        text=u.text,
        words=[w.to_json() for w in u.words],
        language=u.language,
        confidence=u.confidence,
    )
