"""Headsets through real PortAudio: listing, choosing by name, absent devices, a missing library.

The devices are ALSA ``null`` PCMs declared in a ``.asoundrc`` under a temporary HOME, so PortAudio
enumerates and opens them as it would a USB headset. A missing PortAudio is a real one: the library
is hidden by a bind mount in a private mount namespace (``unshare -m``; skipped where not allowed).
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import AGENTASSIST, REPO, _env

ASOUNDRC = """
pcm.agent_headset { type null hint { show on description "Agent headset" } }
pcm.agent_headset_b { type null hint { show on description "Second headset" } }
pcm.trainer_headset { type null hint { show on description "Trainer headset" } }
"""
PORTAUDIO = Path("/usr/lib/x86_64-linux-gnu/libportaudio.so.2")


@pytest.fixture
def home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    (home / ".asoundrc").write_text(ASOUNDRC)
    return home


def _run(args: list[str], home: Path | None = None, hide_portaudio: bool = False) -> subprocess.CompletedProcess[str]:
    env = _env()
    if home is not None:
        env["HOME"] = str(home)
    if hide_portaudio:
        if shutil.which("unshare") is None or not PORTAUDIO.exists():
            pytest.skip("needs unshare and libportaudio2 to hide it")
        target = os.path.realpath(PORTAUDIO)
        hide = f"mount --bind /dev/null {shlex.quote(target)} && exec {shlex.join(args)}"
        args = ["unshare", "-m", "--propagation", "private", "sh", "-c", hide]
        probe = subprocess.run(["unshare", "-m", "true"], capture_output=True)
        if probe.returncode != 0:
            pytest.skip("no permission for a private mount namespace")
    return subprocess.run(args, cwd=REPO, capture_output=True, text=True, env=env, timeout=60)


def _audio_io(input_device: str, output_device: str = "") -> str:
    """A short script that opens the headset as the server would, pulls a frame and closes."""
    return (
        "import logging, sys\n"
        "logging.basicConfig(level=logging.INFO, stream=sys.stderr, format='%(levelname)s %(message)s')\n"
        "from agentassist.audio.devices import AudioIO\n"
        "from agentassist.config import AudioSettings\n"
        f"io = AudioIO(AudioSettings(input_device={input_device!r}, output_device={output_device!r}))\n"
        "mic = io.microphone()\n"
        "print(type(mic).__name__, type(io.speaker()).__name__, len(mic.read_frame()))\n"
        "io.close()\n"
    )


def test_devices_lists_name_index_channels_and_rate(home: Path) -> None:
    out = _run([str(AGENTASSIST), "devices"], home)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].split() == ["index", "in", "out", "rate_hz", "name"]
    rows = {line.split()[4]: line.split()[:4] for line in lines[1:]}
    assert set(rows) == {"agent_headset", "agent_headset_b", "trainer_headset"}, out.stdout
    index, ins, outs, rate = rows["trainer_headset"]
    assert int(index) in range(3) and int(ins) > 0 and int(outs) > 0 and int(rate) > 0


def test_headset_chosen_by_name_opens_and_delivers_frames(home: Path) -> None:
    out = _run([sys.executable, "-c", _audio_io("trainer")], home)  # a unique part of a name
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["_DeviceMicrophone", "_DeviceSpeaker", "640"], out.stdout + out.stderr
    assert "headset opened: input 'trainer_headset'" in out.stderr, out.stderr


@pytest.mark.parametrize(
    ("name", "why"),
    [("Jabra Evolve", "input 'Jabra Evolve' not found"), ("agent", "input 'agent' is ambiguous")],
)
def test_absent_or_ambiguous_headset_is_the_null_device_with_a_warning(home: Path, name: str, why: str) -> None:
    out = _run([sys.executable, "-c", _audio_io(name, "null")], home)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["SilentMicrophone", "NullSpeaker", "640"], out.stdout + out.stderr
    warning = next(line for line in out.stderr.splitlines() if line.startswith("WARNING"))
    assert why in warning and "'trainer_headset' (#" in warning and "null device" in warning, warning


def test_missing_portaudio_gives_the_install_hint(home: Path) -> None:
    out = _run([str(AGENTASSIST), "devices"], home, hide_portaudio=True)
    assert out.returncode == 2 and "Traceback" not in out.stderr, out.stderr
    assert "apt-get install libportaudio2" in out.stderr.strip().splitlines()[-1], out.stderr
    io = _run([sys.executable, "-c", _audio_io("trainer_headset")], home, hide_portaudio=True)
    assert io.returncode == 0 and "Traceback" not in io.stderr, io.stderr
    assert io.stdout.split() == ["SilentMicrophone", "NullSpeaker", "640"]
    assert "WARNING no headset: PortAudio is missing: install it with `apt-get install libportaudio2`" in io.stderr


@pytest.mark.sip
def test_server_with_an_absent_headset_starts_and_names_what_there_is(
    make_server: Any, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(home))
    server = make_server(audio={"input_device": "USB Headset", "output_device": "USB Headset"})
    server.start()
    log = server.log()
    assert "headset: input 'USB Headset' not found; input devices available: 'agent_headset' (#" in log, log
    assert "headset: output 'USB Headset' not found" in log
