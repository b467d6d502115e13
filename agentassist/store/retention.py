"""Retention: what of an ended call is deleted when (``[retention]``, docs/privacy.md).

Each kind of a call's data has its days, counted from the call's end: the recording (files and objects
in the store), the transcript (utterances and their search words, the adherence report with its quoted
evidence, checkers' marks quoting the agent) and the evaluations. A campaign's rule
(``[retention.campaigns.NAME]``) overrides the default's days that it names; 0 keeps that kind for ever.
A call whose every kind has expired is deleted whole (:func:`agentassist.store.removal.delete_calls`).
A standing legal hold on the call or its campaign keeps all of it. Active calls are never touched.

:func:`run_retention` is one pass, given ``now`` (tests move the clock, the server passes the time); each
deletion is audited as agentassist's ("retention"): the call id, what went and the rule, never the
party's number or name.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypedDict

from sqlalchemy import ColumnElement, and_, column, exists, or_, select, true, update

from agentassist.config import RetentionSettings
from agentassist.store.audit import AuditLine
from agentassist.store.database import Database
from agentassist.store.holds import not_held
from agentassist.store.models import (
    AdherenceRow,
    AuditRow,
    CallRow,
    DeletedRecordingRow,
    EvaluationRow,
    StepOfferRow,
    UtteranceRow,
)
from agentassist.store.recordings import RecordingStore
from agentassist.store.removal import References, delete_calls, delete_recording, delete_where, references, scrub

log = logging.getLogger(__name__)

ACTOR = "retention"  # the audit log's user for what agentassist deletes by itself
_BATCH = 200  # calls per query; a pass goes on until nothing is due


@dataclass(frozen=True)
class Rule:
    """The days of one scope: the default, or one campaign's (its unnamed days from the default)."""

    name: str  # "default" or "campaign 'sales'"
    recordings_days: int
    transcripts_days: int
    evaluations_days: int

    def describe(self) -> str:
        days = [("recordings", self.recordings_days), ("transcripts", self.transcripts_days)]
        days.append(("evaluations", self.evaluations_days))
        return f"{self.name}: " + ", ".join(f"{k} {f'{d} d' if d else 'kept'}" for k, d in days)

    @property
    def whole_days(self) -> int:
        """After this many days the whole call goes (0: never, some kind is kept for ever)."""
        all_days = (self.recordings_days, self.transcripts_days, self.evaluations_days)
        return 0 if 0 in all_days else max(all_days)


def rules(settings: RetentionSettings) -> tuple[Rule, dict[str, Rule]]:
    """The default rule and each campaign's."""
    default = Rule("default", settings.recordings_days, settings.transcripts_days, settings.evaluations_days)
    campaigns = {
        name: Rule(
            f"campaign {name!r}",
            default.recordings_days if r.recordings_days is None else r.recordings_days,
            default.transcripts_days if r.transcripts_days is None else r.transcripts_days,
            default.evaluations_days if r.evaluations_days is None else r.evaluations_days,
        )
        for name, r in settings.campaigns.items()
    }
    return default, campaigns


class DeletionJson(TypedDict):
    call_id: str
    what: str
    rule: str


@dataclass
class RetentionReport:
    now: datetime
    deleted: list[DeletionJson] = field(default_factory=list)
    failed: list[DeletionJson] = field(default_factory=list)  # what is tried again at the next pass

    def json(self) -> dict[str, Any]:
        return {"now": self.now.isoformat().replace("+00:00", "Z"), "deleted": self.deleted, "failed": self.failed}


def _in_scope(name: str | None, overridden: list[str]) -> ColumnElement[bool]:
    """Ended calls of one campaign (``name``), or of the default's (no campaign, or one without a rule)."""
    ended = and_(CallRow.status.in_(("ended", "failed")), CallRow.ended_at.is_not(None), not_held())
    if name is not None:
        return and_(ended, CallRow.campaign == name)
    return and_(ended, or_(CallRow.campaign.is_(None), CallRow.campaign.not_in(overridden)))


def _each_due(
    db: Database, scope: ColumnElement[bool], days: int, now: datetime, more: ColumnElement[bool]
) -> Iterator[list[str]]:
    """The ids of the calls in ``scope`` that ended ``days`` before ``now`` and match ``more``, oldest
    first, in batches, each once (a call its deletion left due, the store away, is not asked for again
    this pass)."""
    if not days:
        return
    cutoff = now - timedelta(days=days)
    seen: list[str] = []
    while True:
        stmt = select(CallRow.id).where(scope, CallRow.ended_at < cutoff, more, CallRow.id.not_in(seen))
        with db.session() as s:
            ids = list(s.scalars(stmt.order_by(CallRow.ended_at, CallRow.id).limit(_BATCH)))
        if not ids:
            return
        seen += ids
        yield ids


def run_retention(
    db: Database, recordings: RecordingStore, settings: RetentionSettings, now: datetime | None = None
) -> RetentionReport:
    """One pass over every rule: what is due is deleted and audited (see the module docstring)."""
    report = RetentionReport(now or datetime.now(UTC))
    default, campaigns = rules(settings)
    overridden = list(campaigns)
    for name, rule in [(None, default), *campaigns.items()]:
        if not (rule.recordings_days or rule.transcripts_days or rule.evaluations_days):
            continue  # keeps everything (the default's default): not a query asked
        one = _Pass(db, recordings, _in_scope(name, overridden), rule, report)
        one.whole_calls()
        one.recordings()
        one.rows()
    if report.deleted:
        scrub(db)
        log.info("retention: %d deletion(s), %d failed", len(report.deleted), len(report.failed))
    return report


@dataclass
class _Pass:
    """One rule's share of a pass: the calls in its scope, what of them is due, deleted a batch at a time
    with its audit lines in the same transaction."""

    db: Database
    store: RecordingStore
    scope: ColumnElement[bool]
    rule: Rule
    report: RetentionReport
    refs: References = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.refs = references(self.db)

    def _due(self, days: int, more: ColumnElement[bool]) -> Iterator[list[str]]:
        return _each_due(self.db, self.scope, days, self.report.now, more)

    def _line(self, call_id: str, what: str) -> AuditLine:
        self.report.deleted.append({"call_id": call_id, "what": what, "rule": self.rule.describe()})
        detail = f"{what}; rule {self.rule.describe()}"
        return AuditLine(at=self.report.now, user_id=None, user_name=ACTOR, action="retention.delete",
                         call_id=call_id, detail=detail)  # fmt: skip

    def _remove_recording(self, call_id: str) -> bool | None:
        """Whether the call had a recording to delete; None when the store failed (the call is due
        again at the next pass)."""
        with self.db.session() as s:
            path = s.scalar(select(CallRow.recording_path).where(CallRow.id == call_id)) or ""
        try:
            return bool(delete_recording(self.store, call_id, path))
        except Exception as exc:
            log.warning("retention: call %s: recording not deleted from the store: %s", call_id, exc)
            self.report.failed.append({"call_id": call_id, "what": "recording", "rule": self.rule.describe()})
            return None

    def _recordings_of(self, batch: list[str]) -> list[tuple[str, bool]]:
        """(call id, had a recording) of the calls whose recording is gone now."""
        return [(c, had) for c in batch if (had := self._remove_recording(c)) is not None]

    def whole_calls(self) -> None:
        for batch in self._due(self.rule.whole_days, true()):
            gone = self._recordings_of(batch)
            lines = [self._line(c, f"call (recording {'deleted' if had else 'none'})") for c, had in gone]
            delete_calls(self.db, [c for c, _ in gone], refs=self.refs, audit=lines)

    def recordings(self) -> None:
        left = CallRow.id.not_in(select(DeletedRecordingRow.call_id))
        for batch in self._due(self.rule.recordings_days, left):
            gone = self._recordings_of(batch)
            with self.db.session.begin() as s:
                for call_id, had in gone:
                    s.add(DeletedRecordingRow(call_id=call_id, at=self.report.now))
                    if had:
                        s.add(AuditRow(**self._line(call_id, "recording")))
                s.execute(update(CallRow).where(CallRow.id.in_([c for c, _ in gone])).values(recording_path=""))

    def rows(self) -> None:
        """Transcripts, then evaluations: their rows and what refers to them."""
        said = or_(*(exists().where(t.call_id == CallRow.id) for t in (UtteranceRow, AdherenceRow, StepOfferRow)))
        scored = exists().where(EvaluationRow.call_id == CallRow.id)
        kinds = [
            ("transcript", self.rule.transcripts_days, said, ("utterances", "adherence", "step_offers")),
            ("evaluations", self.rule.evaluations_days, scored, ("evaluations",)),
        ]
        for what, days, present, tables in kinds:
            for batch in self._due(days, present):
                lines = [self._line(c, what) for c in batch]
                delete_where(self.db, tables, column("call_id").in_(batch), refs=self.refs, audit=lines)
