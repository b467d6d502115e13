"""A person's data: every call, recording, transcript line and evaluation that concerns one caller, found
by their phone number or their name (docs/privacy.md).

A call is the person's own (``party``) when its remote party - what SIP gave: ``"Jan Kowalski"
<sip:+48600123456@pbx>``, stored as the call's ``remote`` - has that number or name; all of such a call
is theirs. Another call concerns them where a transcript line, its adherence evidence or an evaluation's
comment mentions the number or the name (``mentioned``): only those lines and words are theirs.

Numbers are compared by their digits (``+``, spaces, dashes, dots and brackets dropped); two numbers are
the same when one ends with the other and the shorter has at least :data:`MIN_DIGITS` digits, so that
``+48 600 123 456``, ``0048600123456`` and ``600-123-456`` are one number. Names are compared casefolded,
as whole words, in any script.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, TypedDict

from sqlalchemy import ColumnElement, func, select, text
from sqlalchemy.orm import InstrumentedAttribute

from agentassist.store.database import Database
from agentassist.store.dates import iso
from agentassist.store.holds import not_held
from agentassist.store.models import AdherenceRow, CallRow, EvaluationRow, StepOfferRow, UtteranceRow
from agentassist.store.recordings import RecordingStore
from agentassist.store.scoring import FieldError

MIN_DIGITS = 7  # shorter numbers (extensions, amounts) would match too much
_NUMBER = re.compile(r"^\+?[\d\s\-.()/]+$")
_DIGIT_RUN = re.compile(r"\+?\d(?:[\s\-.()/]*\d)*")
_REMOTE = re.compile(r'^\s*(?:"((?:[^"\\]|\\.)*)"|([^<"]*?))\s*<([^>]*)>')
_USER_PART = re.compile(r"^(?:sips?:|tel:)?(?:([^@;]+)@)?([^;?>]*)")
_BATCH = 5000


def parse_remote(remote: str) -> tuple[str, str]:
    """(display name, number) of a SIP party: ``"Ann Lee" <sip:+4930123@pbx>`` is ("Ann Lee",
    "+4930123"); no display name: ""; the number is the URI's user part (its host without one)."""
    value = (remote or "").strip()
    m = _REMOTE.match(value)
    name = re.sub(r"\\(.)", r"\1", (m.group(1) if m.group(1) is not None else m.group(2)) or "").strip() if m else ""
    uri = m.group(3) if m else value
    at = _USER_PART.match(uri)
    number = (at.group(1) or at.group(2)) if at else uri
    return name, number or ""


def digits(value: str) -> str:
    return re.sub(r"\D", "", value)


def same_number(a: str, b: str) -> bool:
    """Whether two digit strings are one number (one ends with the other, the shorter long enough)."""
    short, long_ = sorted((a, b), key=len)
    return len(short) >= MIN_DIGITS and long_.endswith(short)


@dataclass(frozen=True)
class Subject:
    """Whom to find: a number (digits only) or a name (casefolded words)."""

    number: str = ""
    name: str = ""

    @classmethod
    def parse(cls, query: str) -> Subject:
        q = query.strip()
        if _NUMBER.match(q):
            d = digits(q)
            if len(d) < MIN_DIGITS:
                raise FieldError("q", f"expected a phone number of at least {MIN_DIGITS} digits or a name, got {q!r}")
            return cls(number=d)
        words = q.casefold().split()
        if not words or len("".join(words)) < 2:
            raise FieldError("q", f"expected a phone number or a name of at least 2 letters, got {q!r}")
        return cls(name=" ".join(words))

    @property
    def kind(self) -> str:
        return "number" if self.number else "name"

    @property
    def key(self) -> str:
        """The query as an erasure receipt is filed under (the HMAC's input): ``number:600123456``, the
        last 9 digits (with or without a country or trunk prefix, one number), or ``name:jan kowalski``."""
        return f"number:{self.number[-9:]}" if self.number else f"name:{self.name}"

    def _name_re(self) -> re.Pattern[str]:
        return re.compile(r"(?<!\w)" + r"\s+".join(map(re.escape, self.name.split())) + r"(?!\w)")

    def is_party(self, remote: str) -> bool:
        name, number = parse_remote(remote)
        if self.number:
            return same_number(digits(number), self.number) or self.mentioned(name)
        return bool(self._name_re().search(name.casefold()))

    def mentioned(self, value: str) -> bool:
        if not value:
            return False
        if self.number:
            tail = self.number[-9:]  # the subscriber's part: a country or trunk prefix said or not
            return any(tail in digits(run) for run in _DIGIT_RUN.findall(value))
        return bool(self._name_re().search(value.casefold()))

    def mentioned_in(self, value: Any) -> bool:
        """In any text of a JSON value (an adherence report, an offer's evidence, comments)."""
        return any(self.mentioned(s) for s in strings(value))

    def hint(self, col: InstrumentedAttribute[str], dialect: str) -> ColumnElement[bool] | None:
        """A condition narrowing the rows to check in Python (None: none that is safe in this database)."""
        if self.number:
            return col.like("%" + "%".join(self.number[-MIN_DIGITS:]) + "%")
        if dialect == "postgresql":
            return col.ilike("%" + "%".join(self.name.split()) + "%")
        return None


def strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from strings(v)


def scrubbed(value: Any, subject: Subject) -> Any:
    """``value`` with every text that mentions ``subject`` replaced by ``[erased]``."""
    if isinstance(value, str):
        return "[erased]" if subject.mentioned(value) else value
    if isinstance(value, dict):
        return {k: scrubbed(v, subject) for k, v in value.items()}
    if isinstance(value, list):
        return [scrubbed(v, subject) for v in value]
    return value


class LineJson(TypedDict):
    id: str
    channel: str
    start: float
    end: float
    text: str


class FoundCall(TypedDict):
    id: str
    remote: str
    agent: str
    campaign: str | None
    started_at: str
    ended_at: str | None
    party: bool  # the person's own call (its remote party); else it only mentions them
    held: bool  # a legal hold keeps it from an erasure
    recording: bool
    transcript_lines: int  # the call's lines that are theirs: all of a party call's, else those mentioning them
    lines: list[LineJson]  # the lines that mention them
    evaluations: list[int]  # the evaluations of a party call; of another, those whose comments mention them
    adherence_mentions: bool
    offers_mentioning: list[int]


class Findings(TypedDict):
    query: dict[str, str]
    calls: list[FoundCall]
    counts: dict[str, int]


def find(db: Database, recordings: RecordingStore, subject: Subject) -> Findings:
    """Every call that concerns ``subject`` (see the module docstring), oldest first."""
    party = set(_party_calls(db, subject))
    lines = _mentioning_lines(db, subject)
    with db.session() as s:
        evaluations: dict[str, list[int]] = {}
        for eid, call_id, comments in s.execute(
            select(EvaluationRow.id, EvaluationRow.call_id, EvaluationRow.comments)
        ):
            if call_id in party or subject.mentioned_in(comments):
                evaluations.setdefault(call_id, []).append(eid)
        adherence = {
            c
            for c, report in s.execute(select(AdherenceRow.call_id, AdherenceRow.report))
            if subject.mentioned_in(report)
        }
        offers: dict[str, list[int]] = {}
        for oid, call_id, said, evidence in s.execute(
            select(StepOfferRow.id, StepOfferRow.call_id, StepOfferRow.text, StepOfferRow.evidence)
        ):
            if subject.mentioned(said) or subject.mentioned_in(evidence):
                offers.setdefault(call_id, []).append(oid)
        ids = party | set(lines) | set(evaluations) | adherence | set(offers)
        held = set(s.scalars(select(CallRow.id).where(CallRow.id.in_(ids), ~not_held())))
        rows = list(s.scalars(select(CallRow).where(CallRow.id.in_(ids)).order_by(CallRow.started_at, CallRow.id)))
        counted = dict(
            s.execute(
                select(UtteranceRow.call_id, func.count())
                .where(UtteranceRow.call_id.in_(party))
                .group_by(UtteranceRow.call_id)
            ).all()
        )
    calls: list[FoundCall] = []
    for row in rows:
        mine = row.id in party
        calls.append(
            {
                "id": row.id,
                "remote": row.remote,
                "agent": row.agent,
                "campaign": row.campaign,
                "started_at": iso(row.started_at),
                "ended_at": iso(row.ended_at),
                "party": mine,
                "held": row.id in held,
                "recording": mine and has_recording(recordings, row.id),
                "transcript_lines": counted.get(row.id, 0) if mine else len(lines.get(row.id, [])),
                "lines": lines.get(row.id, []),
                "evaluations": evaluations.get(row.id, []),
                "adherence_mentions": row.id in adherence,
                "offers_mentioning": offers.get(row.id, []),
            }
        )
    counts = {
        "calls": len(calls),
        "party_calls": sum(c["party"] for c in calls),
        "mentioning_calls": sum(not c["party"] for c in calls),
        "held_calls": sum(c["held"] for c in calls),
        "recordings": sum(c["recording"] for c in calls),
        "transcript_lines": sum(c["transcript_lines"] for c in calls),
        "evaluations": sum(len(c["evaluations"]) for c in calls),
    }
    return {
        "query": {"kind": subject.kind, "normalised": subject.number or subject.name},
        "calls": calls,
        "counts": counts,
    }


def has_recording(recordings: RecordingStore, call_id: str) -> bool:
    try:
        return recordings.locate(call_id) is not None
    except Exception:  # the store away: said as held somewhere, the export and erasure try it again
        return True


def _party_calls(db: Database, subject: Subject) -> Iterator[str]:
    """The calls whose remote party is ``subject``: every call's ``remote`` read (a hint first for numbers)."""
    stmt = select(CallRow.id, CallRow.remote)
    hint = subject.hint(CallRow.remote, db.dialect)
    if hint is not None and subject.number:
        stmt = stmt.where(hint)
    with db.session() as s:
        for call_id, remote in s.execute(stmt.execution_options(yield_per=_BATCH)):
            if subject.is_party(remote):
                yield call_id


def _mentioning_lines(db: Database, subject: Subject) -> dict[str, list[LineJson]]:
    """Per call, the transcript lines that mention ``subject``."""
    stmt = select(UtteranceRow).order_by(UtteranceRow.call_id, UtteranceRow.start_s)
    hint = subject.hint(UtteranceRow.text, db.dialect)
    if hint is not None:
        stmt = stmt.where(hint)
    elif db.dialect == "sqlite" and subject.name:  # the search index folds case in every script
        match = " ".join(f'"{w}"' for w in re.findall(r"\w+", subject.name))
        if not match:  # a name of no word characters mentions nothing (and an empty MATCH is an FTS5 error)
            return {}
        hits = text(
            "SELECT u.id FROM utterances u JOIN utterances_fts f ON f.rowid = u.rowid WHERE utterances_fts MATCH :m"
        ).bindparams(m=match)
        stmt = stmt.where(UtteranceRow.id.in_(hits.columns(UtteranceRow.id)))
    out: dict[str, list[LineJson]] = {}
    with db.session() as s:
        for u in s.scalars(stmt.execution_options(yield_per=_BATCH)):
            if subject.mentioned(u.text):
                line: LineJson = {"id": u.id, "channel": u.channel, "start": u.start_s, "end": u.end_s, "text": u.text}
                out.setdefault(u.call_id, []).append(line)
    return out


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)
