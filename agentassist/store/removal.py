"""Deleting what agentassist holds of a call: its rows in every table that refers to it, its recording's
files and objects, and its words in the search index.

The tables are read from the database itself (:func:`call_tables`): each foreign key to ``calls.id``,
followed down to the tables that refer to those rows in turn, and any other table with a ``call_id``
column. A table that a later migration adds is covered without an edit here. Only the record of what
was done stays: the audit log, legal holds and erasure receipts (:data:`KEPT_TABLES`), which hold call
ids and no personal data.

On SQLite every connection overwrites what it deletes (``PRAGMA secure_delete``, database.py), and
:func:`scrub` merges the full-text index (FTS5 keeps a deleted row's words in its older segments until
a merge) and truncates the write-ahead log, so that neither the database file nor its WAL keeps a copy
of what was deleted.
PostgreSQL frees dead rows at its next VACUUM (autovacuum; docs/privacy.md).
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, column, insert, inspect, select, table, text
from sqlalchemy.sql.elements import ColumnElement

from agentassist.store.audit import AuditLine
from agentassist.store.database import Database
from agentassist.store.models import AuditRow
from agentassist.store.objects import own_file
from agentassist.store.recordings import RecordingStore

log = logging.getLogger(__name__)

KEPT_TABLES = frozenset({"audit", "legal_holds", "erasures", "alembic_version"})


@dataclass(frozen=True)
class Reference:
    """``child.child_column`` refers to ``parent.parent_column``."""

    child: str
    child_column: str
    parent: str
    parent_column: str


def call_tables(conn: Connection) -> dict[str, list[Reference]]:
    """Per table, the references to it from other tables: foreign keys of one column, and the
    ``call_id`` columns without one (they refer to ``calls.id`` all the same)."""
    insp = inspect(conn)
    refs: dict[str, list[Reference]] = {}
    for name in insp.get_table_names():
        if name in KEPT_TABLES:
            continue
        try:
            fks = insp.get_foreign_keys(name)
            columns = {c["name"] for c in insp.get_columns(name)}
        except Exception:  # a virtual table (SQLite's FTS5) that the inspector cannot read: no references
            continue
        keyed = set()
        for fk in fks:
            if len(fk["constrained_columns"]) == 1 and fk["referred_table"]:
                ref = Reference(name, fk["constrained_columns"][0], fk["referred_table"], fk["referred_columns"][0])
                refs.setdefault(ref.parent, []).append(ref)
                keyed.add(ref.child_column)
        if "call_id" in columns and "call_id" not in keyed and name != "calls":
            refs.setdefault("calls", []).append(Reference(name, "call_id", "calls", "id"))
    return refs


def delete_rows(
    conn: Connection,
    refs: dict[str, list[Reference]],
    name: str,
    where: ColumnElement[bool],
    _path: tuple[str, ...] = (),
) -> dict[str, int]:
    """Delete the rows of table ``name`` that match ``where`` and, first, every row that refers to them
    (recursively); returns the rows deleted per table."""
    counts: dict[str, int] = {}
    for ref in refs.get(name, []):
        if ref.child in _path:  # a cycle of references: the rows are gone with the first pass
            continue
        parent_key: Any = select(column(ref.parent_column)).select_from(table(name)).where(where)
        child_where = column(ref.child_column).in_(parent_key.scalar_subquery())
        for t, n in delete_rows(conn, refs, ref.child, child_where, (*_path, name)).items():
            counts[t] = counts.get(t, 0) + n
    n = conn.execute(table(name).delete().where(where)).rowcount
    if n:
        counts[name] = counts.get(name, 0) + n
    return counts


References = dict[str, list[Reference]]


def references(db: Database) -> References:
    """:func:`call_tables` read once: a caller deleting many calls passes it to each deletion."""
    with db.engine.connect() as conn:
        return call_tables(conn)


def delete_calls(
    db: Database, call_ids: Collection[str], *, refs: References | None = None, audit: Sequence[AuditLine] = ()
) -> dict[str, int]:
    """Every row of these calls in every table (the calls' own rows last); rows deleted per table.
    ``audit``: lines written in the same transaction, so a deletion is never left unaudited."""
    return delete_where(db, ["calls"], column("id").in_(list(call_ids)), refs=refs, audit=audit) if call_ids else {}


def delete_where(
    db: Database,
    tables: Sequence[str],
    where: ColumnElement[bool],
    *,
    refs: References | None = None,
    audit: Sequence[AuditLine] = (),
) -> dict[str, int]:
    """The rows of these tables (``utterances``, ``evaluations``...) that match ``where``, and what refers
    to them; with ``audit`` lines in the same transaction."""
    counts: dict[str, int] = {}
    with db.engine.begin() as conn:
        refs = refs if refs is not None else call_tables(conn)
        for name in tables:
            counts.update(delete_rows(conn, refs, name, where))
        if audit:
            conn.execute(insert(AuditRow), [dict(line) for line in audit])
    return counts


@dataclass
class Removed:
    """A recording's files removed from disk and objects from the store."""

    files: list[str] = field(default_factory=list)
    objects: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.files or self.objects)


def delete_recording(recordings: RecordingStore, call_id: str, recording_path: str = "") -> Removed:
    """Every file of the call's recording in the recordings folder (and at ``recording_path`` when it is
    elsewhere), then its objects in the store. Raises the S3 client's error when the store is away:
    the files are gone by then, the objects are tried again by the next caller."""
    recordings.path_for(call_id)  # the id checked before it makes names
    removed = Removed()
    candidates = [p for p in recordings.directory.glob(f"{_glob_escape(call_id)}.*") if own_file(call_id, p.name)]
    if recording_path:
        p = Path(recording_path)
        if own_file(call_id, p.name) and p.parent != recordings.directory:
            candidates += [q for q in p.parent.glob(f"{_glob_escape(call_id)}.*") if own_file(call_id, q.name)]
    for path in candidates:
        try:
            path.unlink()
            removed.files.append(path.name)
        except FileNotFoundError:
            pass
    if recordings.objects is not None:
        removed.objects = recordings.objects.delete_call(call_id)
    return removed


def _glob_escape(name: str) -> str:
    return "".join(f"[{c}]" if c in "*?[" else c for c in name)


def scrub(db: Database) -> None:
    """After a deletion: SQLite's full-text index merged (the deleted words leave its segments) and its
    WAL checkpointed and truncated (old copies of the pages leave the log). Nothing to do elsewhere."""
    if db.dialect != "sqlite":
        return
    with db.engine.begin() as conn:
        has_fts = conn.execute(text("SELECT 1 FROM sqlite_master WHERE name = 'utterances_fts'")).first()
        if has_fts:
            conn.execute(text("INSERT INTO utterances_fts(utterances_fts) VALUES ('optimize')"))
    with db.engine.connect() as conn:
        busy = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").first()
        if busy and busy[0]:
            log.warning("the WAL could not be truncated (a reader holds it): it is overwritten as the log wraps")
