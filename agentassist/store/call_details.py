"""What happened during a call besides speech: pauses, holds and mutes (spans), DTMF digits, and
media facts (codec, SRTP, ...); every call the API answers carries them (:func:`details`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any, TypedDict

from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session

from agentassist.store.database import Database
from agentassist.store.models import CallDigitRow, CallMediaRow, CallSpanRow

SPAN_KINDS = ("pause", "hold", "mute")


class Span(TypedDict):
    start: float
    end: float | None  # None: still open
    by: str


class Digit(TypedDict):
    t: float
    digit: str | None  # None: stored masked
    method: str
    masked: bool


class Details(TypedDict):
    pauses: list[Span]
    holds: list[Span]
    mutes: list[Span]
    dtmf: list[Digit]
    media: dict[str, Any] | None


def open_span(db: Database, call_id: str, kind: str, start_s: float, by: str = "") -> dict[str, Any]:
    """Start a pause, hold or mute; the open one of that kind if there is one already (as a
    :class:`Span`; a plain dict because it goes on as an event's payload). An event a phone sends again
    after a restart or a takeover does not come here (agentassist.pipeline.resume)."""
    if kind not in SPAN_KINDS:
        raise ValueError(f"unknown span kind {kind!r}: expected one of {', '.join(SPAN_KINDS)}")
    with db.session.begin() as s:
        row = s.scalar(_open_span(call_id, kind))
        if row is None:
            row = CallSpanRow(call_id=call_id, kind=kind, start_s=start_s, end_s=None, by=by)
            s.add(row)
        return {**_span_json(row)}


def close_span(db: Database, call_id: str, kind: str, end_s: float) -> dict[str, Any] | None:
    """End the open span of that kind (as open_span gives it); None when none is open."""
    with db.session.begin() as s:
        row = s.scalar(_open_span(call_id, kind))
        if row is None:
            return None
        row.end_s = max(end_s, row.start_s)
        return {**_span_json(row)}


def add_digit(db: Database, call_id: str, t_s: float, digit: str, method: str) -> None:
    """Store a received digit ("" masked); each digit of a burst is one (SIP INFO "9731": four at one time)."""
    with db.session.begin() as s:
        s.add(CallDigitRow(call_id=call_id, t_s=t_s, digit=digit, method=method))


def mask_digits(db: Database) -> int:
    """Mask every DTMF digit stored in clear (``store_dtmf_digits`` turned off); how many were."""
    with db.session.begin() as s:
        result = s.execute(update(CallDigitRow).where(CallDigitRow.digit != "").values(digit=""))
        return int(getattr(result, "rowcount", 0) or 0)


def save_media(db: Database, call_id: str, data: dict[str, Any]) -> None:
    """Add to the call's media facts (a key given again replaces the one stored)."""
    with db.session.begin() as s:
        row = s.get(CallMediaRow, call_id)
        if row is None:
            s.add(CallMediaRow(call_id=call_id, data=data))
        else:
            row.data = {**row.data, **data}


def details(s: Session, ids: Sequence[str]) -> dict[str, Details]:
    """Each call's pauses, holds, mutes, DTMF digits and media facts (one query per table)."""
    spans: dict[tuple[str, str], list[Span]] = defaultdict(list)
    digits: dict[str, list[Digit]] = defaultdict(list)
    media: dict[str, dict[str, Any]] = {}
    if ids:
        stmt = select(CallSpanRow).where(CallSpanRow.call_id.in_(ids)).order_by(CallSpanRow.start_s, CallSpanRow.id)
        for span in s.scalars(stmt):
            spans[span.call_id, span.kind].append(_span_json(span))
        dtmf = select(CallDigitRow).where(CallDigitRow.call_id.in_(ids)).order_by(CallDigitRow.t_s, CallDigitRow.id)
        for d in s.scalars(dtmf):
            # "": a digit stored masked ([recorder] store_dtmf_digits = false, the default)
            digits[d.call_id].append(
                Digit(t=round(d.t_s, 3), digit=d.digit or None, method=d.method, masked=not d.digit)
            )
        for m in s.scalars(select(CallMediaRow).where(CallMediaRow.call_id.in_(ids))):
            media[m.call_id] = dict(m.data)
    return {
        i: Details(
            pauses=spans[i, "pause"], holds=spans[i, "hold"], mutes=spans[i, "mute"], dtmf=digits[i], media=media.get(i)
        )
        for i in ids
    }


def _spans(call_id: str, kind: str) -> Select[CallSpanRow]:
    return select(CallSpanRow).where(CallSpanRow.call_id == call_id, CallSpanRow.kind == kind)


def _open_span(call_id: str, kind: str) -> Select[CallSpanRow]:
    return _spans(call_id, kind).where(CallSpanRow.end_s.is_(None))


def _span_json(row: CallSpanRow) -> Span:
    end = round(row.end_s, 3) if row.end_s is not None else None
    return Span(start=round(row.start_s, 3), end=end, by=row.by)
