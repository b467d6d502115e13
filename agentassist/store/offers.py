"""Checkers' marks on a call's checklist, and the offers they make to the script's editors.

A checker who hears a step said that the tracker missed marks it *said*, naming the agent's
utterances that said it: their words are offered as a new ``say:`` wording of the step, which an
editor accepts (the script's next version has it, api/offers.py) or rejects. A tick the checker did
not hear is marked *not said*: the editors see it as a false tick with the tracker's evidence, and
nothing changes by itself. An *unsure* step (a compliance line near but not surely said) may be
marked either way: not said, the editors see its nearest sentence, which they dismiss. One mark per
checker, call and step; marked again while pending, it is replaced.

Errors are scoring.py's: ``FieldError`` names the body field at fault, ``NotFoundError``,
``ForbiddenError`` (one's own call), ``ConflictError`` when the call or the offer says not now.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Annotated, Any, Literal, cast

from pydantic import Field
from sqlalchemy import select
from sqlalchemy.orm import Session
from typing_extensions import TypedDict  # pydantic reads it (the API's OfferOut) on Python 3.11

from agentassist.events import Channel
from agentassist.store.database import Database
from agentassist.store.dates import iso
from agentassist.store.evaluations import checked_call
from agentassist.store.models import AdherenceRow, CallRow, StepOfferRow, UserRow, UtteranceRow
from agentassist.store.scope import UserRecord, visible_calls
from agentassist.store.scoring import ConflictError, FieldError, NotFoundError

Mark = Literal["said", "not_said"]
Decision = Literal["accepted", "rejected"]
Status = Literal["pending", "accepted", "rejected"]


# An offer as the API answers it (agentassist.api.offers.OfferOut: the descriptions go to its schema; no
# docstring, which would too).
class OfferJson(TypedDict):
    id: int
    call_id: str
    agent: str
    script_id: str
    script_version: Annotated[int, Field(description="the version the call followed")]
    step_id: str
    mark: Mark
    utterance_ids: list[str]
    text: Annotated[
        str, Field(description="said: the agent's words, the offered wording; not_said: the ticked utterance")
    ]
    evidence: Annotated[dict[str, Any], Field(description="the checklist's evidence for the step when it was marked")]
    checker: str
    created_at: str
    status: Status
    decided_by: str | None
    decided_at: str | None
    reason: str | None
    accepted_version: Annotated[int | None, Field(description="the script version that has the wording")]


def mark_step(
    db: Database, user: UserRecord, call_id: str, step_id: str, mark: Mark, utterance_ids: Sequence[str] = ()
) -> tuple[OfferJson, bool]:
    """Store ``user``'s mark on step ``step_id`` of an ended call's checklist; returns it and whether it
    is new (False: it replaced the user's pending mark on that step)."""
    with db.session.begin() as s:
        checked_call(s, call_id, user, "checks")
        row = s.get(AdherenceRow, call_id)
        if row is None:
            raise NotFoundError(f"call {call_id!r} has no checklist (it followed no script)")
        report = row.report
        steps = {str(st.get("id")): st for st in report.get("steps", [])}
        step = steps.get(step_id)
        if step is None:
            have = ", ".join(steps) or "none"
            raise FieldError("step_id", f"the checklist of call {call_id!r} has no step {step_id!r} (steps: {have})")
        ticked = step.get("status") == "done"
        evidence = dict(step.get("evidence") or {})
        if mark == "said":
            if ticked:
                raise ConflictError(f"step {step_id!r} is ticked already: expected a step the checklist missed")
            ids, text = _agent_words(s, call_id, utterance_ids)
        else:
            # an unsure step (a compliance line near, not surely said) is the checker's to judge either way:
            # not said, its nearest sentence is kept as the evidence the editors see
            if not ticked and step.get("status") != "unsure":
                raise ConflictError(f"step {step_id!r} is {step.get('status')}: expected a ticked or unsure step")
            ids = [str(evidence["utterance_id"])] if evidence.get("utterance_id") else []
            text = str(evidence.get("text", ""))
        found = s.scalar(
            select(StepOfferRow).where(
                StepOfferRow.call_id == call_id, StepOfferRow.step_id == step_id, StepOfferRow.checker_id == user.id
            )
        )
        if found is not None and found.status != "pending":
            raise ConflictError(f"{user.name}'s mark on step {step_id!r} of call {call_id!r} is {found.status} already")
        offer = found or StepOfferRow(call_id=call_id, step_id=step_id, checker_id=user.id, status="pending")
        offer.script_id, offer.script_version = str(report.get("script_id", "")), int(report.get("version", 1))
        offer.said, offer.utterance_ids, offer.text, offer.evidence = mark == "said", ids, text, evidence
        offer.created_at = datetime.now(UTC)
        s.add(offer)
        s.flush()
        return _offers_json(s, [offer])[0], found is None


def offers(
    db: Database,
    user: UserRecord,
    *,
    call_id: str | None = None,
    script_id: str | None = None,
    status: str | None = None,
    offer_id: int | None = None,
) -> list[OfferJson]:
    """The marks on calls ``user`` may see, oldest first."""
    stmt = select(StepOfferRow).where(StepOfferRow.call_id.in_(select(CallRow.id).where(visible_calls(user))))
    if call_id is not None:
        stmt = stmt.where(StepOfferRow.call_id == call_id)
    if script_id is not None:
        stmt = stmt.where(StepOfferRow.script_id == script_id)
    if status is not None:
        stmt = stmt.where(StepOfferRow.status == status)
    if offer_id is not None:
        stmt = stmt.where(StepOfferRow.id == offer_id)
    with db.session() as s:
        return _offers_json(s, list(s.scalars(stmt.order_by(StepOfferRow.id))))


def offer(db: Database, offer_id: int) -> OfferJson:
    """One mark, whoever may see it (the routes check the scope)."""
    with db.session() as s:
        return _offers_json(s, [_offer_row(s, offer_id)])[0]


def decide_offer(
    db: Database,
    user: UserRecord,
    offer_id: int,
    decision: Decision,
    *,
    reason: str | None = None,
    version: int | None = None,
) -> OfferJson:
    """An editor's decision on a pending mark: accepted (into script ``version``) or rejected."""
    with db.session.begin() as s:
        row = _offer_row(s, offer_id)
        if row.status != "pending":
            raise ConflictError(f"offer {offer_id} is {row.status}: expected pending")
        if decision == "accepted" and not row.said:
            raise ConflictError(f"offer {offer_id} marks a false tick: there is no wording to accept, only to reject")
        row.status, row.decided_by, row.decided_at = decision, user.name, datetime.now(UTC)
        row.reason, row.accepted_version = reason, version
        return _offers_json(s, [row])[0]


def with_marks(report: dict[str, Any] | None, marks: Sequence[OfferJson]) -> dict[str, Any] | None:
    """The adherence ``report`` as the checker who made ``marks`` heard the call: a step marked said is
    done, one marked not said is missed, each with ``"marked"``; rejected marks do not count."""
    if report is None:
        return None
    by_step = {m["step_id"]: m["mark"] for m in marks if m["status"] != "rejected"}
    steps = []
    for step in report.get("steps", []):
        mark = by_step.get(str(step.get("id")))
        if mark is not None:
            step = {**step, "status": "done" if mark == "said" else "missed", "marked": mark}
        steps.append(step)
    return {**report, "steps": steps}


def _offer_row(s: Session, offer_id: int) -> StepOfferRow:
    row = s.get(StepOfferRow, offer_id)
    if row is None:
        raise NotFoundError(f"no offer with id {offer_id}")
    return row


def _agent_words(s: Session, call_id: str, utterance_ids: Sequence[str]) -> tuple[list[str], str]:
    """The agent's utterances named, in time order, and their words joined: what the agent said."""
    wanted = list(dict.fromkeys(utterance_ids))
    if not wanted:
        raise FieldError("utterance_ids", "expected the agent's utterance(s) that said the step, got none")
    rows = {r.id: r for r in s.scalars(select(UtteranceRow).where(UtteranceRow.id.in_(wanted)))}
    for i, uid in enumerate(wanted):
        r = rows.get(uid)
        if r is None or r.call_id != call_id:
            raise FieldError(f"utterance_ids.{i}", f"call {call_id!r} has no utterance {uid!r}")
        if r.channel != Channel.AGENT.value:
            raise FieldError(f"utterance_ids.{i}", f"utterance {uid!r} is the {r.channel}'s: expected the agent's")
    ordered = sorted((rows[uid] for uid in wanted), key=lambda r: r.start_s)
    return [r.id for r in ordered], " ".join(" ".join(r.text.split()) for r in ordered)


def _offers_json(s: Session, rows: list[StepOfferRow]) -> list[OfferJson]:
    if not rows:
        return []
    names = dict(s.execute(select(UserRow.id, UserRow.name).where(UserRow.id.in_({r.checker_id for r in rows}))).all())
    agents = dict(s.execute(select(CallRow.id, CallRow.agent).where(CallRow.id.in_({r.call_id for r in rows}))).all())
    return [
        {
            "id": r.id,
            "call_id": r.call_id,
            "agent": agents.get(r.call_id, ""),
            "script_id": r.script_id,
            "script_version": r.script_version,
            "step_id": r.step_id,
            "mark": "said" if r.said else "not_said",
            "utterance_ids": list(r.utterance_ids),
            "text": r.text,
            "evidence": dict(r.evidence),
            "checker": names.get(r.checker_id, ""),
            "created_at": iso(r.created_at),
            "status": cast(Status, r.status),
            "decided_by": r.decided_by,
            "decided_at": iso(r.decided_at),
            "reason": r.reason,
            "accepted_version": r.accepted_version,
        }
        for r in rows
    ]
