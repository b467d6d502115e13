"""Private files: the data folder 0700, the database (and its -wal, -shm) and the recordings 0600, made
so by a real `agentassist serve` (umask 077) and tightened at its start when an older version left them
readable by others (an INFO line says so)."""

from __future__ import annotations

import re
import stat
import subprocess
from pathlib import Path
from typing import Any

import numpy as np

from agentassist.audio.recorder import Recorder
from agentassist.events import Channel
from agentassist.store.modes import make_private, sqlite_path
from tests.conftest import AGENTASSIST, REPO, _env, write_config


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_recording_is_private(tmp_path: Path) -> None:
    rec = Recorder(tmp_path / "recordings" / "c.wav")
    rec.write(Channel.AGENT, np.zeros(320, "<i2").tobytes())
    rec.close()
    assert _mode(tmp_path / "recordings" / "c.wav") == 0o600
    assert _mode(tmp_path / "recordings") == 0o700


def test_make_private_leaves_other_files_alone(tmp_path: Path) -> None:
    data, other = tmp_path / "data", tmp_path / "other"
    (data / "recordings" / "deeper").mkdir(parents=True)
    other.mkdir()
    for path in (data / "x.db", data / "recordings" / "a.wav", data / "recordings" / "deeper" / "b", other / "c"):
        path.write_bytes(b"")
        path.chmod(0o755)
    data.chmod(0o755)
    changed = make_private(data, f"sqlite:///{data / 'x.db'}")
    assert _mode(data) == 0o700 and _mode(data / "x.db") == 0o700  # owner bits kept: only others' go
    assert _mode(data / "recordings" / "a.wav") == 0o700 and _mode(data / "recordings") == 0o700
    assert _mode(data / "recordings" / "deeper" / "b") == 0o755  # no walk below the recordings folder
    assert _mode(other / "c") == 0o755
    assert len(changed) == 4
    assert make_private(data, f"sqlite:///{data / 'x.db'}") == []  # idempotent
    assert sqlite_path("postgresql://u@h/db") is None and sqlite_path("sqlite:///:memory:") is None
    assert sqlite_path("sqlite:////srv/a.db?timeout=3") == Path("/srv/a.db")


def test_serve_makes_an_older_installs_files_private(make_server: Any) -> None:
    server = make_server()
    data = server.root / "data"
    recordings = data / "recordings"
    recordings.mkdir()
    old = recordings / "old-call.wav"
    old.write_bytes(b"RIFF")
    for path in (data, recordings):
        path.chmod(0o755)
    for path in (old, data / "agentassist.db"):
        path.chmod(0o644)  # as 0.x left them: world-readable
    server.start()
    assert _mode(data) == 0o700 and _mode(recordings) == 0o700
    assert _mode(old) == 0o600
    db_files = [p for p in data.iterdir() if p.name.startswith("agentassist.db")]
    assert {p.name for p in db_files} >= {"agentassist.db", "agentassist.db-wal"}, db_files
    assert all(_mode(p) == 0o600 for p in db_files), [(p.name, oct(_mode(p))) for p in db_files]
    log = server.log()
    # data, recordings, the old recording, the database, and its -wal and -shm, which SQLite makes with the
    # database's mode (0644) when serve opens it
    assert re.search(r"INFO agentassist.store.modes: made [4-6] file\(s\) and folder\(s\) private", log), log
    server.stop()
    server.start()  # nothing left to tighten: no line
    assert "private to their owner" not in server.log()


def test_users_add_makes_a_private_database(tmp_path: Path) -> None:
    config = write_config(tmp_path, 5060, 8000)
    subprocess.run(
        [str(AGENTASSIST), "users", "add", "ada", "--role", "admin", "--config", str(config)],
        cwd=REPO,
        env=_env(),
        check=True,
        capture_output=True,
    )
    data = tmp_path / "data"
    assert _mode(data) == 0o700
    assert all(_mode(p) == 0o600 for p in data.iterdir()), [(p.name, oct(_mode(p))) for p in data.iterdir()]
