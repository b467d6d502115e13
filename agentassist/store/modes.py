"""Private files: what agentassist keeps on disk (the database, the recordings) is its user's alone.

Everything it writes is made private as it is made (``umask 077`` in the commands that write, and
explicit modes where a file is opened: the recorder's 0600). :func:`make_private` takes group and
other bits off what an older version, or a hand, left readable: the data folder, its files, the
recordings folder and its files, and the SQLite database with its ``-wal``, ``-shm`` and ``-journal``
files wherever the database lives. Only those: a ``data_dir`` pointed at a shared folder does not
have its neighbours' files changed beneath it (no walk below those two folders).
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path

log = logging.getLogger(__name__)

UMASK = 0o077  # files 0600, folders 0700
_SQLITE_SIDECARS = ("-wal", "-shm", "-journal")


def private_umask() -> int:
    """Make every file this process creates from now on private; the umask it had."""
    return os.umask(UMASK)


def sqlite_path(database_url: str) -> Path | None:
    """The file of a SQLite URL (``sqlite:///path``); None for another database or an in-memory one."""
    if not database_url.startswith("sqlite"):
        return None
    _, _, rest = database_url.partition(":///")
    path = rest.split("?", 1)[0]
    return Path(path) if path and path != ":memory:" else None


def _ours(data_dir: Path, database: Path | None) -> Iterator[Path]:
    data_dir = data_dir.resolve()  # a data folder that is a link to another disk: the folder itself
    yield data_dir
    for folder in (data_dir, data_dir / "recordings"):
        if folder.is_dir():
            if folder != data_dir:
                yield folder
            yield from (p for p in folder.iterdir() if p.is_file() and not p.is_symlink())
    if database is not None:
        for suffix in ("", *_SQLITE_SIDECARS):
            yield database.with_name(database.name + suffix)


def make_private(data_dir: Path, database_url: str = "") -> list[Path]:
    """Take group and other permissions off agentassist's own files and folders; those it changed.

    Owner bits are kept as they are. One INFO line says how many were tightened, so an operator sees
    that an older install's files were readable by others."""
    changed: list[Path] = []
    seen: set[Path] = set()
    for path in _ours(data_dir, sqlite_path(database_url)):
        if path in seen:
            continue
        seen.add(path)
        try:
            mode = stat.S_IMODE(path.lstat().st_mode)
        except FileNotFoundError:
            continue
        if path.is_symlink() or not mode & UMASK:
            continue
        path.chmod(mode & ~UMASK)
        changed.append(path)
    if changed:
        names = ", ".join(str(p) for p in changed[:5]) + (f" and {len(changed) - 5} more" if len(changed) > 5 else "")
        log.info(
            "made %d file(s) and folder(s) private to their owner (were readable by others): %s", len(changed), names
        )
    return changed
