"""The phone's spool: frames kept on disk until acknowledged, bounded, and whole after a kill -9."""

from __future__ import annotations

import signal
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest

from agentassist.phone.spool import SEGMENT_FRAMES, STEREO_FRAME_BYTES, Spool, SpoolFullError

REPO = Path(__file__).resolve().parent.parent


def frame(i: int) -> bytes:
    """A stereo frame whose every sample says its index (mod 2**16)."""
    return struct.pack("<H", i % 65536) * (STEREO_FRAME_BYTES // 2)


def test_append_read_ack_close_delete(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool", max_bytes=10**9)
    call = spool.open_call("c1", {"direction": "inbound", "remote": "sip:1@x"})
    for i in range(SEGMENT_FRAMES * 2 + 10):
        assert call.append(frame(i)) == i
    assert call.read(SEGMENT_FRAMES - 1, 3) == b"".join(frame(i) for i in range(SEGMENT_FRAMES - 1, SEGMENT_FRAMES + 2))
    assert len(call.read(call.frames - 2, 50)) == 2 * STEREO_FRAME_BYTES  # fewer at the end
    used = spool.used_bytes
    call.ack(SEGMENT_FRAMES + 3)  # the first segment is wholly acknowledged: it goes, the second stays
    assert sorted(p.name for p in call.dir.glob("*.pcm")) == [
        f"{SEGMENT_FRAMES:010d}.pcm",
        f"{2 * SEGMENT_FRAMES:010d}.pcm",
    ]
    assert spool.used_bytes == used - SEGMENT_FRAMES * STEREO_FRAME_BYTES
    assert call.read(SEGMENT_FRAMES, 1) == frame(SEGMENT_FRAMES)
    with pytest.raises(Exception, match="expected a frame >= 500"):
        call.read(10, 1)
    call.add_event({"type": "hold", "parameters": {"held": True, "by": "agent", "frame": 700}})
    call.close("hangup")
    again = Spool(tmp_path / "spool", max_bytes=10**9).recover()
    assert [(c.call_id, c.frames, c.acked, c.first, c.closed, c.reason) for c in again] == [
        ("c1", SEGMENT_FRAMES * 2 + 10, SEGMENT_FRAMES + 3, SEGMENT_FRAMES, True, "hangup")
    ]
    assert again[0].meta["remote"] == "sip:1@x" and again[0].events[0]["type"] == "hold"
    call.delete()
    assert not call.dir.exists() and spool.used_bytes == 0 and "c1" not in spool.calls


def test_bounded_with_a_clear_error(tmp_path: Path) -> None:
    spool = Spool(tmp_path, max_bytes=3 * STEREO_FRAME_BYTES)
    call = spool.open_call("c", {})
    for i in range(3):
        call.append(frame(i))
    with pytest.raises(SpoolFullError, match=r"spool .* full: .* MB of 0 MB held .* spool_max_mb"):
        call.append(frame(3))
    assert call.frames == 3
    call.ack(3)  # not a whole segment: nothing freed yet
    assert spool.used_bytes == 3 * STEREO_FRAME_BYTES
    call.delete()
    spool.open_call("d", {}).append(frame(0))


def test_a_torn_frame_is_cut_on_reopen(tmp_path: Path) -> None:
    spool = Spool(tmp_path, max_bytes=10**9)
    call = spool.open_call("c", {"remote": "r"})
    for i in range(7):
        call.append(frame(i))
    with open(call.dir / f"{0:010d}.pcm", "ab") as f:
        f.write(frame(7)[:555])  # what a write cut short leaves
    (found,) = Spool(tmp_path, max_bytes=10**9).recover()
    assert found.frames == 7 and found.closed and found.reason == "abnormal"
    assert (call.dir / f"{0:010d}.pcm").stat().st_size == 7 * STEREO_FRAME_BYTES


WRITER = """
import sys
from pathlib import Path
sys.path.insert(0, sys.argv[2])
from tests.test_phone_spool import frame
from agentassist.phone.spool import Spool
call = Spool(Path(sys.argv[1]), max_bytes=10**9).open_call("killed", {"remote": "sip:x"})
i = 0
while True:
    call.append(frame(i))
    i += 1
    if i % 100 == 0:
        print(i, flush=True)
"""


def test_kill_9_mid_write_loses_at_most_the_last_frame(tmp_path: Path) -> None:
    """A real crash: a process appending as fast as it can is killed with SIGKILL; every frame it
    reported written is there, intact, and the spool reopens at a frame boundary."""
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path), str(REPO)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    reported = 0
    deadline = time.monotonic() + 30
    while reported < 3 * SEGMENT_FRAMES and time.monotonic() < deadline:
        reported = int(proc.stdout.readline())
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    assert reported >= 3 * SEGMENT_FRAMES, "the writer never got going"
    (found,) = Spool(tmp_path, max_bytes=10**9).recover()
    assert found.call_id == "killed" and found.closed and found.reason == "abnormal"
    assert found.frames >= reported
    data = found.read(0, found.frames)
    assert len(data) == found.frames * STEREO_FRAME_BYTES
    bad = [i for i in range(found.frames) if data[i * STEREO_FRAME_BYTES : (i + 1) * STEREO_FRAME_BYTES] != frame(i)]
    assert bad == []
