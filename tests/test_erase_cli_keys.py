"""`agentassist privacy erase` (the CLI) on encrypted recordings (issue 19): it reads the keys the server
reads (``[storage] encryption_key_file``, ``AGENTASSIST_RECORDING_KEY``: docs/encryption.md), so another
caller's encrypted WAV or Ogg that mentions the person is silenced as the server's erase silences it;
with no key configured it says which recordings it could not silence and why, and exits 1. The real CLI
in a subprocess, over real encrypted files made by the real encoder and a real SQLite database."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from agentassist.audio import sealed
from agentassist.audio.keyring import ENV_KEY, KeyRing
from agentassist.store.recordings import RecordingStore
from tests.test_erase_recordings import KEY, PAD_S, SAID, _calls, _level
from tests.test_person_data import NUMBER

REPO = Path(__file__).resolve().parent.parent
KEYS = KeyRing([KEY], KEY)
QUIET = {"wav": 1, "ogg": 300}  # the mean level over the silenced span; the tone's is ~3800


def _center(root: Path, kind: str, key_file: bool) -> tuple[Path, Path]:
    """A data dir with the person's own call and another caller's encrypted recording (``kind``: "wav",
    "ogg") that mentions them; its config (with the key file when ``key_file``) and that recording."""
    recordings = RecordingStore(root / "recordings", keys=KEYS)
    _, path = _calls(root, recordings, kind + "-sealed", KEYS)
    assert sealed.is_sealed(path) and _level(path, KEYS, *SAID) > 3000
    config = root / "agentassist.toml"
    text = f'[server]\ndata_dir = "{root}"\ndatabase_url = "sqlite:///{root / "db.sqlite"}"\n'
    if key_file:
        keys = root / "recording-keys"
        keys.write_text(f"{KEY.key_id} {base64.b64encode(KEY.secret).decode()}\n")
        keys.chmod(0o600)
        text += f'[storage]\nencryption_key_file = "{keys}"\n'
    config.write_text(text)
    return config, path


def _erase(config: Path, env_key: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != ENV_KEY}
    env["PYTHONPATH"] = str(REPO)
    if env_key is not None:
        env[ENV_KEY] = env_key
    command = [sys.executable, "-m", "agentassist.cli", "privacy", "erase", NUMBER, "--yes", "--config", str(config)]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)


@pytest.mark.parametrize(("kind", "given"), [("wav", "key file"), ("ogg", "environment")])
def test_the_cli_silences_an_encrypted_recording_with_the_servers_key(tmp_path: Path, kind: str, given: str) -> None:
    config, path = _center(tmp_path, kind, key_file=given == "key file")
    env_key = f"{KEY.key_id}:{base64.b64encode(KEY.secret).decode()}" if given == "environment" else None
    done = _erase(config, env_key)
    assert done.returncode == 0, done.stderr
    receipt = json.loads(done.stdout)
    assert receipt["not_silenced"] == [] and receipt["erased"]["calls"] == ["p00"]
    assert receipt["erased"]["silenced_s"] == pytest.approx(SAID[1] - SAID[0] + 2 * PAD_S, abs=0.01)
    assert sealed.is_sealed(path)  # written again encrypted, never in clear
    assert _level(path, KEYS, SAID[0] - PAD_S + 0.05, SAID[1] + PAD_S - 0.05) < QUIET[kind]
    assert _level(path, KEYS, 0.3, 1.0) > 3000 and _level(path, KEYS, 3.1, 3.8) > 3000


def test_with_no_key_the_cli_names_each_recording_it_could_not_silence_and_why(tmp_path: Path) -> None:
    config, path = _center(tmp_path, "ogg", key_file=False)
    before = path.read_bytes()
    done = _erase(config, None)
    assert done.returncode == 1, done.stderr
    receipt = json.loads(done.stdout)
    assert receipt["not_silenced"] == ["m00"] and receipt["erased"]["calls"] == ["p00"]
    why = receipt["not_silenced_why"]["m00"]
    assert f"encrypted with key '{KEY.key_id}'" in why and "got none" in why
    assert receipt["not_silenced_spans"] == {"m00": [[1.5, 2.5]]}  # where the erased line was: silenced later
    said = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
    assert said[0] == f"error: call m00: its recording is NOT silenced over the erased lines: {why}"
    assert "no recording key is configured here" in said[1] and ENV_KEY in said[1]
    assert path.read_bytes() == before  # left as it was: said, not half done
