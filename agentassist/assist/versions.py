"""Versioned scripts: the library of ``scripts_dir`` plus every version ever saved, kept as files.

::

    scripts_dir/<id>.yaml                     the current version (what new calls get)
    scripts_dir/.versions/<id>/<n>.yaml       every version, exactly as it was saved
    scripts_dir/.versions/<id>/history.jsonl  one line per version: version, saved_at, by

``save`` validates a text, gives it the next version number (the ``version:`` key of the
text is set to it) and writes both files; nothing changes when the text is invalid. A file
edited on disk is noticed by ``refresh`` (file modification times): a revision whose number
is already taken by other content gets the next number, written back into the file, so one
number always means one text.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, ScalarNode

from agentassist.assist.parsing import parse_script
from agentassist.assist.script import Script
from agentassist.errors import ScriptError

log = logging.getLogger(__name__)

VERSIONS_DIR = ".versions"
SCRIPT_ID = re.compile(r"[A-Za-z0-9][\w.-]{0,99}")  # ids are file names
_LINE = re.compile(r"^(.*?):(\d+): (.*)$", re.DOTALL)


@dataclass(frozen=True, slots=True)
class ScriptVersion:
    version: int
    saved_at: str  # ISO 8601, UTC
    by: str  # the user who saved it through the API, or "disk" for a file edited in place

    def to_json(self) -> dict[str, Any]:
        return {"version": self.version, "saved_at": self.saved_at, "by": self.by}


def error_lines(errors: list[str], columns: list[int | None] | None = None) -> list[dict[str, Any]]:
    """ScriptError messages ("file:line: message") as ``{"file", "line", "column", "message"}`` objects;
    ``column`` (1-based) from ``columns`` (a ScriptError's), None where unknown."""
    out: list[dict[str, Any]] = []
    for i, e in enumerate(errors):
        column = columns[i] if columns is not None and i < len(columns) else None
        m = _LINE.match(e)
        if m:
            out.append(
                {"file": Path(m.group(1)).name, "line": int(m.group(2)), "column": column, "message": m.group(3)}
            )
        else:
            out.append({"file": None, "line": None, "column": None, "message": e})
    return out


def with_version(text: str, version: int) -> str:
    """``text`` (a valid script) with its top-level ``version:`` set to ``version``; other lines unchanged."""
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    assert isinstance(root, MappingNode), "validated scripts are mappings"
    for key, value in root.value:
        if isinstance(key, ScalarNode) and key.value == "version":
            return text[: value.start_mark.index] + str(version) + text[value.end_mark.index :]
    if root.flow_style:  # {id: x, ...}
        at = root.start_mark.index + 1
        return f"{text[:at]}version: {version}, {text[at:]}"
    first = root.value[0][0].start_mark
    at = first.index - first.column  # the start of the first key's line
    return f"{text[:at]}{' ' * first.column}version: {version}\n{text[at:]}"


class ScriptVersions:
    """The scripts of a directory by id, with their versions. Thread-safe (API threads, the pj thread)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.errors: list[str] = []
        self._scripts: dict[str, Script] = {}
        self._texts: dict[str, str] = {}
        self._stamps: dict[Path, tuple[int, int]] = {}
        # each file's script and text as last read, good while its stamp holds: a look that finds one file changed
        # (or one that stays broken) reads that file alone
        self._read: dict[Path, tuple[Script, str]] = {}
        self._lock = threading.RLock()
        self._listeners: list[Callable[[Script], object]] = []
        self.refresh()

    def on_change(self, listener: Callable[[Script], object]) -> None:
        """Call ``listener`` with each script whose current version a refresh changed (a file edited on
        disk), whichever reader's look found it: the running calls get the edit, never only the caller."""
        self._listeners.append(listener)

    # ---- reading ---------------------------------------------------------------------------------

    def ids(self) -> list[str]:
        with self._lock:
            return sorted(self._scripts)

    def get(self, script_id: str) -> Script:
        """The current version; files changed on disk since the last look are read first."""
        self.refresh()
        with self._lock:
            script = self._scripts.get(script_id)
            if script is None:
                have = ", ".join(self.ids())
                raise ScriptError([f"{self.directory}: no script with id {script_id!r} (have: {have})"])
            return script

    def current(self, script_id: str) -> tuple[Script, str] | None:
        """The current version and its text, as last read (no disk check)."""
        with self._lock:
            script = self._scripts.get(script_id)
            return (script, self._texts[script_id]) if script is not None else None

    def version(self, script_id: str, version: int) -> tuple[Script, str] | None:
        """An old (or the current) version and its text; None when it was never saved.

        Raises ScriptError when the stored text no longer passes validation (the format changed since)."""
        text = self.text(script_id, version)
        return None if text is None else (parse_script(text, f"{script_id}.yaml@{version}"), text)

    def text(self, script_id: str, version: int) -> str | None:
        """A saved version's text exactly as saved, valid or not by today's rules; None when never saved."""
        if not SCRIPT_ID.fullmatch(script_id):
            return None
        try:
            return (self._archive(script_id) / f"{version}.yaml").read_text(encoding="utf-8")
        except FileNotFoundError:
            return None

    def versions(self, script_id: str) -> list[ScriptVersion]:
        """Every saved version of ``script_id``, oldest first."""
        with self._lock:
            return sorted(self._history(script_id).values(), key=lambda v: v.version)

    # ---- writing ---------------------------------------------------------------------------------

    def save(self, script_id: str, text: str, by: str) -> tuple[Script, bool]:
        """Validate and save ``text`` as the next version of ``script_id``.

        Returns the script as saved and whether it is new (False: the text equals the current
        version, nothing was written). Raises ScriptError naming every problem with its line.
        """
        if not SCRIPT_ID.fullmatch(script_id):
            raise ScriptError([f"{script_id}:1: script id {script_id!r}: expected letters, digits, '.', '-', '_'"])
        source = f"{script_id}.yaml"
        script = parse_script(text, source)
        if script.id != script_id:
            line = _id_line(text)
            raise ScriptError([f"{source}:{line}: id {script.id!r} does not match the script saved, {script_id!r}"])
        self.refresh()
        with self._lock:
            current = self._scripts.get(script_id)
            if current is not None and with_version(text, current.version) == self._texts[script_id]:
                return current, False
            version = self._next_version(script_id)
            text = with_version(text, version)
            path = Path(current.source) if current is not None else self.directory / source
            other = next((s for s in self._scripts.values() if Path(s.source) == path and s.id != script_id), None)
            if other is not None:
                raise ScriptError([f"{source}:1: {path} holds script {other.id!r}; rename that file first"])
            saved = parse_script(text, str(path))
            self._archive_text(script_id, version, text, by)
            self.directory.mkdir(parents=True, exist_ok=True)
            _write(path, text)
            self._remember(path, saved, text)
            log.info("script %s: version %d saved by %s", script_id, version, by)
            return saved, True

    def refresh(self) -> list[Script]:
        """Read the directory again when a file changed; returns scripts whose current version changed,
        after each listener (``on_change``) had them. Listeners run outside the lock."""
        changed = self._reread()
        for script in changed:
            for listener in self._listeners:
                try:
                    listener(script)
                except Exception:  # one listener failing neither stops the others nor the reader
                    log.exception("script %s version %d: a listener failed", script.id, script.version)
        return changed

    def _reread(self) -> list[Script]:
        with self._lock:
            paths = self._files()
            # taken before reading: a file saved in place while it is read (an editor truncates, then writes) stamps
            # differently from what was read, so the next look reads it again instead of keeping a half
            stamps = {p: _stamp(p) for p in paths}
            if stamps == self._stamps:
                return []
            before = {i: s.version for i, s in self._scripts.items()}
            scripts: dict[str, Script] = {}
            texts: dict[str, str] = {}
            errors: list[str] = []
            read: dict[Path, tuple[Script, str]] = {}
            for path in paths:
                known = self._read.get(path) if stamps[path] == self._stamps.get(path) else None
                if known is None:
                    try:
                        text = path.read_text(encoding="utf-8")
                        script = parse_script(text, str(path))
                    except (UnicodeDecodeError, ScriptError, OSError) as exc:
                        errors.extend(_read_errors(path, exc))
                        # read again at the next look, whatever its stamp: what failed may be an editor's save
                        # caught half done (the file empty between truncate and write, its stamp the full text's)
                        stamps[path] = _UNREAD
                        continue
                else:
                    script, text = known
                if script.id in scripts:
                    errors.append(f"{path}:1: script id {script.id!r} also used by {scripts[script.id].source}")
                    continue
                if not SCRIPT_ID.fullmatch(script.id):
                    errors.append(f"{path}:{_id_line(text)}: script id {script.id!r}: expected letters, digits, '.-_'")
                    continue
                if known is None:
                    script, text = self._archive_read(path, script, text, stamps)
                read[path] = script, text
                scripts[script.id] = script
                texts[script.id] = text
            for e in errors:
                if e not in self.errors:  # a file that stays broken is named once, not at every look
                    log.error("%s", e)
            self._scripts, self._texts, self.errors, self._stamps, self._read = scripts, texts, errors, stamps, read
            return [s for i, s in scripts.items() if before.get(i) != s.version]

    # ---- internals -------------------------------------------------------------------------------

    def _files(self) -> list[Path]:
        if not self.directory.is_dir():
            return []
        return sorted([*self.directory.glob("*.yaml"), *self.directory.glob("*.yml")])

    def _archive(self, script_id: str) -> Path:
        return self.directory / VERSIONS_DIR / script_id

    def _history(self, script_id: str) -> dict[int, ScriptVersion]:
        out: dict[int, ScriptVersion] = {}
        if not SCRIPT_ID.fullmatch(script_id):  # never a path outside .versions
            return out
        path = self._archive(script_id) / "history.jsonl"
        if path.is_file():
            for line in path.read_text(encoding="utf-8").splitlines():
                try:
                    item = json.loads(line)
                    out[int(item["version"])] = ScriptVersion(int(item["version"]), str(item["saved_at"]), item["by"])
                except (ValueError, KeyError, TypeError) as exc:
                    log.warning("%s: unreadable history line skipped: %s", path, exc)
        for file in self._archive(script_id).glob("*.yaml"):  # a version file whose history line is lost
            if file.stem.isdigit() and int(file.stem) not in out:
                saved = datetime.fromtimestamp(file.stat().st_mtime, UTC).isoformat()
                out[int(file.stem)] = ScriptVersion(int(file.stem), saved, "")
        return out

    def _next_version(self, script_id: str) -> int:
        taken = [*self._history(script_id)]
        current = self._scripts.get(script_id)
        if current is not None:
            taken.append(current.version)
        return max(taken, default=0) + 1

    def _archive_text(self, script_id: str, version: int, text: str, by: str) -> None:
        folder = self._archive(script_id)
        folder.mkdir(parents=True, exist_ok=True)
        _write(folder / f"{version}.yaml", text)
        entry = ScriptVersion(version, datetime.now(UTC).isoformat(timespec="seconds"), by)
        with open(folder / "history.jsonl", "a", encoding="utf-8") as f:
            f.write(json.dumps(entry.to_json()) + "\n")

    def _archive_read(
        self, path: Path, script: Script, text: str, stamps: dict[Path, tuple[int, int]]
    ) -> tuple[Script, str]:
        """A file's script as read, archived (``_archived``); a version written back into the file restamps it
        in ``stamps``: that write is no edit."""
        try:
            archived, archived_text = self._archived(path, script, text)
        except OSError as exc:  # a read-only scripts_dir still serves its scripts
            log.error("%s: version not archived: %s", path, exc)
            return script, text
        if archived_text != text:
            stamps[path] = _stamp(path)
        return archived, archived_text

    def _archived(self, path: Path, script: Script, text: str) -> tuple[Script, str]:
        """Make sure the file's version is archived. A number already taken by other text, or below the
        latest, gets the next one (written into the file): version numbers only grow, one per text."""
        stored = self._archive(script.id) / f"{script.version}.yaml"
        if stored.is_file() and stored.read_text(encoding="utf-8") == text:
            return script, text
        latest = max(self._history(script.id), default=0)
        if script.version <= latest:
            version = latest + 1
            log.warning("%s: edited on disk as version %d; saved as version %d", path, script.version, version)
            text = with_version(text, version)
            _write(path, text)
            script = parse_script(text, str(path))
        self._archive_text(script.id, script.version, text, "disk")
        return script, text

    def _remember(self, path: Path, script: Script, text: str) -> None:
        self._scripts[script.id] = script
        self._texts[script.id] = text
        self._stamps[path] = _stamp(path)
        self._read[path] = script, text


_UNREAD = (0, -2)  # the stamp of a file whose read failed: never a file's


def _read_errors(path: Path, exc: UnicodeDecodeError | ScriptError | OSError) -> list[str]:
    """What a failed read of a script file says, each line naming the file."""
    if isinstance(exc, UnicodeDecodeError):
        return [f"{path}:1: not UTF-8 text ({exc.reason})"]
    if isinstance(exc, ScriptError):
        return exc.errors
    return [f"{path}:1: unreadable: {exc.strerror}"]


def _stamp(path: Path) -> tuple[int, int]:
    try:
        st = path.stat()
    except FileNotFoundError:
        return (0, -1)
    return (st.st_mtime_ns, st.st_size)


def _write(path: Path, text: str) -> None:
    """Replace ``path`` atomically: a reader sees the old text or the new, never half."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _id_line(text: str) -> int:
    m = re.search(r"^id\s*:", text, re.MULTILINE)
    return text.count("\n", 0, m.start()) + 1 if m else 1


def say_default_script(versions: ScriptVersions, script_id: str) -> None:
    """One line at start on the script calls follow ([assist] default_script): a first call without a
    checklist says why in the log."""
    try:
        script = versions.get(script_id) if script_id else None
    except ScriptError as exc:
        log.warning("[assist] default_script %r: %s: calls have no script until it is there", script_id, exc)
        return
    if script is None:
        log.info("calls have no script: [assist] default_script is empty")
    else:
        log.info("calls follow script %r version %d (%d steps)", script.id, script.version, len(script.steps))
