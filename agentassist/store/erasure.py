"""A person's data exported (one zip) and erased (with a receipt): what :func:`agentassist.store.person.find`
finds, less what a legal hold keeps.

Erased: the person's own calls whole (every row that refers to them, their recordings' files and objects);
in other calls, the transcript lines that mention them (their search words with them), the recording
silenced over those lines (a WAV or an Ogg, encrypted or not, on this node's disk or in the object store:
brought back, silenced and uploaded again under its key; one that cannot be is listed in the receipt as
not silenced, with why in the log), and the texts of adherence evidence, checkers' marks and evaluation comments
that mention them replaced by ``[erased]``. Then :func:`~agentassist.store.removal.scrub`. agentassist
makes no copy or backup of its database itself (docs/privacy.md says what the operator's own need).

The receipt lists what was erased, counted, and what a hold kept; it is stored without the person's
number or name (``subject``: an HMAC of the normalised query, so a later request for the same person can
be matched to it).
"""

from __future__ import annotations

import contextlib
import csv
import io
import logging
import shutil
import tempfile
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import column, select

from agentassist.audio.encode import OpusOptions
from agentassist.audio.keyring import KeyRing
from agentassist.audio.sealed import open_recording
from agentassist.errors import AudioError
from agentassist.pipeline.late import RecordingEdits
from agentassist.privacy.silence import recording_rate, silence
from agentassist.store.audit import audit_as, audit_lines
from agentassist.store.database import Database
from agentassist.store.dates import iso
from agentassist.store.evaluations import evaluation
from agentassist.store.models import AdherenceRow, CallRow, ErasureRow, EvaluationRow, StepOfferRow
from agentassist.store.objects import StoredObject, changed_object
from agentassist.store.person import Findings, FoundCall, Subject, dumps, find, scrubbed
from agentassist.store.recordings import RecordingStore
from agentassist.store.removal import delete_calls, delete_recording, delete_where, references, scrub
from agentassist.store.transcripts import adherence, transcript

log = logging.getLogger(__name__)

AUDIT_FIELDS = ["id", "at", "user", "action", "call_id", "detail"]


def audit_csv(rows: Any) -> Any:
    """CSV text, a header then one line per audit entry, yielded a line at a time."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, AUDIT_FIELDS)
    w.writeheader()
    yield buf.getvalue()
    for row in rows:
        buf.seek(0)
        buf.truncate()
        w.writerow(row)
        yield buf.getvalue()


def export(db: Database, recordings: RecordingStore, subject: Subject, out: IO[bytes]) -> Findings:
    """Write the zip: ``findings.json``; per call ``calls/<id>/``: ``call.json``, ``transcript.json`` and
    ``.txt`` (all of a party call's lines, else those mentioning the person), ``evaluations.json``,
    ``adherence.json`` and the recording (party calls only: another caller's call is theirs); ``audit.csv``
    (every audit line of these calls)."""
    found = find(db, recordings, subject)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("findings.json", dumps(found))
        for call in found["calls"]:
            _export_call(db, recordings, z, call)
        lines = audit_lines(db, call_ids=[c["id"] for c in found["calls"]])
        z.writestr("audit.csv", "".join(audit_csv(lines)))
    return found


def _export_call(db: Database, recordings: RecordingStore, z: zipfile.ZipFile, call: FoundCall) -> None:
    base = f"calls/{call['id']}/"
    z.writestr(base + "call.json", dumps(call))
    lines: list[Any] = list(transcript(db, call["id"])) if call["party"] else list(call["lines"])
    z.writestr(base + "transcript.json", dumps({"utterances": lines}))
    z.writestr(base + "transcript.txt", "".join(f"[{u['start']:.1f}] {u['channel']}: {u['text']}\n" for u in lines))
    z.writestr(base + "evaluations.json", dumps([evaluation(db, eid) for eid in call["evaluations"]]))
    if call["party"]:
        report = adherence(db, call["id"])
        if report is not None:
            z.writestr(base + "adherence.json", dumps(report))
        where = recordings.locate(call["id"]) if call["recording"] else None
        if isinstance(where, Path):
            _add_recording(z, base + "recording" + where.suffix, where, recordings)
        elif isinstance(where, StoredObject) and recordings.objects is not None:
            with tempfile.TemporaryDirectory() as folder:
                local = Path(folder) / ("recording" + where.suffix)
                with local.open("wb") as tmp:
                    recordings.objects.download(where, tmp)
                _add_recording(z, base + "recording" + where.suffix, local, recordings)


def _add_recording(z: zipfile.ZipFile, name: str, path: Path, recordings: RecordingStore) -> None:
    """The recording as its plain audio: one encrypted at rest (docs/encryption.md) is decrypted into the
    archive, which is the person's copy of their data."""
    entry = zipfile.ZipInfo(name, datetime.fromtimestamp(path.stat().st_mtime, UTC).timetuple()[:6])
    entry.compress_type = zipfile.ZIP_STORED  # audio does not deflate
    with open_recording(path, recordings.keys) as src, z.open(entry, "w", force_zip64=True) as dst:
        shutil.copyfileobj(src, dst, 1 << 20)


def erase(
    db: Database,
    recordings: RecordingStore,
    subject: Subject,
    by: str,
    subject_digest: str,
    opus: OpusOptions | None = None,
    edits: RecordingEdits | None = None,
) -> dict[str, Any]:
    """Erase what concerns ``subject`` (the module docstring) and return the receipt, stored and audited.
    ``opus``: the options the center's Ogg recordings are made with (silenced ones are encoded again so);
    ``edits``: the running center's upload worker, held off a recording while it is silenced."""
    found = find(db, recordings, subject)
    now = datetime.now(UTC)
    rows: dict[str, int] = {}
    erased_calls: list[str] = []
    kept = [{"call_id": c["id"], "party": c["party"]} for c in found["calls"] if c["held"]]
    files = objects = lines = texts = 0
    silenced_s, not_silenced, failed = 0.0, [], []
    not_silenced_why: dict[str, str] = {}
    not_silenced_spans: dict[str, list[list[float]]] = {}
    refs = references(db)
    for call in (c for c in found["calls"] if not c["held"]):
        if call["party"]:
            try:
                with db.session() as s:
                    path = s.scalar(select(CallRow.recording_path).where(CallRow.id == call["id"])) or ""
                removed = delete_recording(recordings, call["id"], path)
            except Exception as exc:  # the store away: nothing of this call is erased, the receipt says so
                failed.append({"call_id": call["id"], "error": f"recording not deleted from the store: {exc}"})
                continue
            files, objects = files + len(removed.files), objects + len(removed.objects)
            _add(rows, delete_calls(db, [call["id"]], refs=refs))
            erased_calls.append(call["id"])
            continue
        ids = [u["id"] for u in call["lines"]]
        if ids:
            _add(rows, delete_where(db, ["utterances"], column("id").in_(ids), refs=refs))
            # what those lines masked, kept for permitted roles (agentassist.privacy), goes with them
            of_lines = column("utterance_id").in_(ids) & (column("call_id") == call["id"])
            _add(rows, delete_where(db, ["redaction_originals", "redactions"], of_lines, refs=refs))
            lines += len(ids)
            spans = [(u["start"], u["end"]) for u in call["lines"]]
            seconds = _silence(recordings, call["id"], spans, opus, edits)
            if isinstance(seconds, str):
                not_silenced.append(call["id"])
                not_silenced_why[call["id"]] = seconds
                not_silenced_spans[call["id"]] = [[a, b] for a, b in spans]  # the lines are gone: where they were
            else:
                silenced_s += seconds
        texts += _scrub_texts(db, subject, call)
    scrub(db)
    receipt: dict[str, Any] = {
        "at": iso(now),
        "by": by,
        "query": {"kind": subject.kind},
        "erased": {
            "calls": erased_calls,
            "rows": rows,
            "recording_files": files,
            "recording_objects": objects,
            "transcript_lines_in_other_calls": lines,
            "texts_replaced": texts,
            "silenced_s": round(silenced_s, 3),
        },
        "not_silenced": not_silenced,  # other callers' recordings that could not be silenced
        "not_silenced_why": not_silenced_why,  # each one's error (paths and key ids, no personal data)
        "not_silenced_spans": not_silenced_spans,  # each one's seconds left to silence (times, no text)
        "kept_by_hold": kept,
        "failed": failed,
        "search_index": "rows removed from the full-text index with their lines; SQLite: the index merged",
        "backups": "agentassist makes no copies of its database; SQLite: freed pages overwritten, WAL truncated",
    }
    with db.session.begin() as s:
        row = ErasureRow(at=now, by=by, subject=subject_digest, receipt=receipt)
        s.add(row)
        s.flush()
        receipt["id"] = row.id
        row.receipt = dict(receipt)
    for call_id in erased_calls:
        audit_as(db, by, "privacy.erase", call_id, f"receipt {receipt['id']}: the call, whole")
    done = len(erased_calls)
    audit_as(db, by, "privacy.erase", None, f"receipt {receipt['id']}: {done} calls, {lines} lines, {len(kept)} held")
    return receipt


def _add(total: dict[str, int], counts: dict[str, int]) -> None:
    for t, n in counts.items():
        total[t] = total.get(t, 0) + n


def _silence(
    recordings: RecordingStore,
    call_id: str,
    spans: list[tuple[float, float]],
    opus: OpusOptions | None,
    edits: RecordingEdits | None,
) -> float | str:
    """Seconds silenced over ``spans`` in the call's recording; why not when it could not be (also logged)."""
    try:
        where = recordings.locate(call_id)
        if where is None:
            return 0.0
        path = where if isinstance(where, Path) else recordings.directory / where.name
        # a running center's upload waits; it brings an uploaded recording back to ``path`` and replaces
        # the object with it afterwards
        with edits.editing(call_id, path) if edits is not None else contextlib.nullcontext():
            if path.exists():
                return _silence_file(path, spans, recordings.keys, opus)
            if isinstance(where, StoredObject):
                return _silence_object(recordings, where, spans, opus)
            raise AudioError(f"{path}: expected the call's recording, got none (deleted meanwhile)")
    except Exception as exc:  # the store away, a file that is no recording, no key for it: in the receipt
        log.error("call %s: the recording is NOT silenced over the erased lines: %s", call_id, exc)
        return str(exc) or type(exc).__name__


def _silence_file(
    path: Path, spans: list[tuple[float, float]], keys: KeyRing | None, opus: OpusOptions | None
) -> float:
    """A recording on disk silenced in place (agentassist.privacy.silence); an Ogg is decoded at the
    recorder's rate and encoded again with ``opus``, the options it was made with."""
    return silence(path, spans, recording_rate(path, keys), keys=keys, opus=opus)


def _silence_object(
    recordings: RecordingStore, obj: StoredObject, spans: list[tuple[float, float]], opus: OpusOptions | None
) -> float:
    """A recording in the object store (no center running to bring it back): downloaded, silenced and
    uploaded again under its key (the object replaced); the local copy removed."""
    assert recordings.objects is not None, "an object was found, so there is a store"
    objects = recordings.objects
    with (
        tempfile.TemporaryDirectory(dir=recordings.directory, prefix=".erase-") as folder,
        changed_object(objects, obj, Path(folder) / obj.name) as local,  # its name is its key
    ):
        return _silence_file(local, spans, recordings.keys, opus)


def _scrub_texts(db: Database, subject: Subject, call: FoundCall) -> int:
    """Texts mentioning ``subject`` in the call's adherence report, checkers' marks and evaluation comments
    replaced by ``[erased]``; returns how many rows changed."""
    changed = 0
    with db.session.begin() as s:
        if call["adherence_mentions"]:
            row = s.get(AdherenceRow, call["id"])
            if row is not None:
                row.report, changed = scrubbed(row.report, subject), changed + 1
        for oid in call["offers_mentioning"]:
            offer = s.get(StepOfferRow, oid)
            if offer is not None:
                offer.text, offer.evidence = scrubbed(offer.text, subject), scrubbed(offer.evidence, subject)
                changed += 1
        for eid in call["evaluations"]:
            ev = s.get(EvaluationRow, eid)
            if ev is not None and subject.mentioned_in(ev.comments):
                ev.comments, changed = scrubbed(ev.comments, subject), changed + 1
    return changed


def receipts(db: Database, subject_digest: str | None = None) -> list[dict[str, Any]]:
    """The stored receipts, newest first (only those for one person's digest, when given)."""
    stmt = select(ErasureRow).order_by(ErasureRow.id.desc())
    if subject_digest:
        stmt = stmt.where(ErasureRow.subject == subject_digest)
    with db.session() as s:
        return [{**r.receipt, "id": r.id} for r in s.scalars(stmt)]


def temporary_zip(directory: Path) -> tuple[int, str]:
    """A private file for an export next to the recordings (same disk, same permissions)."""
    return tempfile.mkstemp(prefix=".export-", suffix=".zip", dir=directory)
