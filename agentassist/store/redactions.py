"""The spans of a call masked for what was said in them: listed with the call (kind, start, end, by
what), and the times whose audio is silenced in its recording after the call."""

from __future__ import annotations

from sqlalchemy import delete, select, update

from agentassist.privacy.utterances import Redaction
from agentassist.store.database import Database
from agentassist.store.models import CallRow, RedactionOriginalRow, RedactionRow


def save_redactions(
    db: Database, call_id: str, utterance_id: str, spans: list[Redaction], lock_wait_s: float | None = None
) -> None:
    """The spans of one utterance, replacing those stored for it (a revision masks anew); ``lock_wait_s``:
    how long to wait for another writer's lock (None: the engine's own wait)."""
    with db.writing(lock_wait_s) as s:
        s.execute(
            delete(RedactionRow).where(RedactionRow.call_id == call_id, RedactionRow.utterance_id == utterance_id)
        )
        s.add_all(
            RedactionRow(
                call_id=call_id,
                utterance_id=utterance_id,
                channel=r["channel"],
                kind=r["kind"],
                start_s=r["start"],
                end_s=r["end"],
                by=r["by"],
            )
            for r in spans
        )
        if spans:  # the start's sweep looks at the call until its recording is known silent there
            s.execute(
                update(CallRow)
                .where(CallRow.id == call_id, CallRow.spans_unchecked.is_(False))
                .values(spans_unchecked=True)
            )


def redactions(db: Database, call_id: str) -> list[Redaction]:
    query = select(RedactionRow).where(RedactionRow.call_id == call_id).order_by(RedactionRow.start_s)
    with db.session() as s:
        return [_json(r) for r in s.scalars(query)]


def _json(r: RedactionRow) -> Redaction:
    start, end = round(r.start_s, 3), round(r.end_s, 3)
    return {
        "utterance_id": r.utterance_id,
        "channel": r.channel,
        "kind": r.kind,
        "start": start,
        "end": end,
        "by": r.by,
    }


def save_original(
    db: Database,
    call_id: str,
    utterance_id: str,
    text: str,
    roles: tuple[str, ...],
    lock_wait_s: float | None = None,
) -> None:
    """An utterance's text before it was masked (a revision replaces it); ``lock_wait_s`` as for
    :func:`save_redactions`."""
    with db.writing(lock_wait_s) as s:
        s.execute(
            delete(RedactionOriginalRow).where(
                RedactionOriginalRow.call_id == call_id, RedactionOriginalRow.utterance_id == utterance_id
            )
        )
        s.add(RedactionOriginalRow(call_id=call_id, utterance_id=utterance_id, text=text, roles=",".join(roles)))


def originals(db: Database, call_id: str) -> dict[str, tuple[str, tuple[str, ...]]]:
    """The call's originals by utterance id: (text, roles that may read it)."""
    query = select(RedactionOriginalRow).where(RedactionOriginalRow.call_id == call_id)
    with db.session() as s:
        return {r.utterance_id: (r.text, tuple(r.roles.split(","))) for r in s.scalars(query)}
