"""`agentassist recordings repair`: headers of recordings left by a killed process, idempotently."""

from __future__ import annotations

import re
import subprocess
import sys
import wave
from pathlib import Path

from tests.conftest import AGENTASSIST, REPO, _env
from tests.test_audio import _KILLED_WRITER


def _repair(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(AGENTASSIST), "recordings", "repair", *args], cwd=REPO, capture_output=True, text=True, env=_env()
    )


def test_repair_fixes_killed_recordings_once_and_names_bad_files(tmp_path: Path) -> None:
    rec_dir = tmp_path / "recordings"
    rec_dir.mkdir()
    killed = rec_dir / "killed.wav"
    # never flushed: the header still says 0 bytes of audio, as after a crash right after the start
    writer = _KILLED_WRITER.replace("flush_interval_s=1.0", "flush_interval_s=3600.0")
    assert subprocess.run([sys.executable, "-c", writer, str(killed)], check=False).returncode == -9
    with wave.open(str(killed)) as w:
        assert w.getnframes() == 0
    (rec_dir / "junk.wav").write_bytes(b"not audio at all" * 10)
    with wave.open(str(rec_dir / "mono.wav"), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(bytes(3200))

    first = _repair(str(rec_dir))
    assert first.returncode == 2, first.stderr
    # unflushed writes die with the process: up to one stdio buffer (8 KiB, 0.13 s) short of 3 s
    repaired = re.search(rf"{re.escape(str(killed))}: repaired \((\d+\.\d) s\)", first.stdout)
    assert repaired and 2.8 <= float(repaired.group(1)) <= 3.0, first.stdout
    assert "junk.wav: not a WAV file" in first.stderr and "mono.wav: expected stereo 16-bit" in first.stderr
    with wave.open(str(killed)) as w:
        assert (w.getnchannels(), w.getframerate()) == (2, 16000)
        assert 44 + w.getnframes() * 4 == killed.stat().st_size
        audio = w.readframes(w.getnframes())
    assert audio == b"\x10\x00" * (len(audio) // 2)  # every sample the writer wrote, nothing else

    before = killed.read_bytes()
    second = _repair(str(killed))
    assert second.returncode == 0 and f"{killed}: ok" in second.stdout, second.stdout
    assert killed.read_bytes() == before

    missing = _repair(str(tmp_path / "nowhere"))
    assert missing.returncode == 2 and "nowhere: no such file or directory" in missing.stderr
