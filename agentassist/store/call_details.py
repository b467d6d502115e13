"""What happened during a call besides speech: pauses, holds and mutes (spans), DTMF digits, and
media facts (codec, SRTP, ...); every call the API answers carries them (:func:`details`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any, TypedDict

from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session

from agentassist.store.database import Database
from agentassist.store.models import CallDigitRow, CallMediaRow, CallSpanRow

SPAN_KINDS = ("pause", "hold", "mute")
# A span or a digit stored already at this media time is the same event sent again, not a second one:
# a phone resends a call's events from the frame the center's recording ends at (docs/wire-protocol.md),
# which is frame 0 on a node that takes the call over from a dead one (agentassist.restart), and each
# event is marked at its frame, so at the same media time as the first time. 1 ms covers a float's
# rounding in the database and is far below a frame (20 ms); a phone's same event twice at one frame is
# one event already (agentassist.api.phonecalls.PhoneCall.first_time).
SAME_S = 0.001


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
    :class:`Span`; a plain dict because it goes on as an event's payload). One of that kind that
    started at ``start_s`` is the same span sent again (:data:`SAME_S`): it is open again, and its end,
    sent again too, closes it where it was."""
    if kind not in SPAN_KINDS:
        raise ValueError(f"unknown span kind {kind!r}: expected one of {', '.join(SPAN_KINDS)}")
    with db.session.begin() as s:
        row = s.scalar(_open_span(call_id, kind))
        if row is None:
            row = s.scalar(_spans(call_id, kind).where(CallSpanRow.start_s.between(start_s - SAME_S, start_s + SAME_S)))
            if row is not None:
                row.end_s = None
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


def add_digit(db: Database, call_id: str, t_s: float, digit: str, method: str, known: int = 0) -> bool:
    """Store a received digit ("" masked) unless it was sent again; True where it was stored.

    ``known``: how many digits of this key and method at ``t_s`` the caller has handed here already. The
    call holding more than that at ``t_s`` holds this one from an earlier process (a node that died, a
    center restarted): the phone sent it again. Digits sent in one burst (SIP INFO "9731", masked "" each)
    share a frame and so a time: each is new, since the caller has counted the ones before it."""
    same = select(func.count()).where(
        CallDigitRow.call_id == call_id,
        CallDigitRow.t_s.between(t_s - SAME_S, t_s + SAME_S),
        CallDigitRow.digit == digit,
        CallDigitRow.method == method,
    )
    with db.session.begin() as s:
        if (s.scalar(same) or 0) > known:
            return False
        s.add(CallDigitRow(call_id=call_id, t_s=t_s, digit=digit, method=method))
        return True


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
