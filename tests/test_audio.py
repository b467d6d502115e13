"""Recorder, segmenter and WAV checks on real recorded speech."""

from __future__ import annotations

import itertools
import math
import subprocess
import sys
import time
import wave
from pathlib import Path

import numpy as np
import pytest

from agentassist.audio import segmenter as segmenter_module
from agentassist.audio.frames import FRAME_BYTES, check_wav, read_wav_mono
from agentassist.audio.recorder import Recorder, channel_frames, repair
from agentassist.audio.segmenter import Segmenter, SegmenterOptions
from agentassist.errors import AudioError
from agentassist.events import Channel
from tests.conftest import SOUNDS_EN


def _frames(pcm: bytes) -> list[bytes]:
    return [pcm[i : i + FRAME_BYTES] for i in range(0, len(pcm) - FRAME_BYTES + 1, FRAME_BYTES)]


def _speech(name: str) -> np.ndarray:
    path = SOUNDS_EN / f"{name}.wav"
    if not path.is_file():
        pytest.skip("asterisk-core-sounds-en-wav not installed: run `make test`")
    return read_wav_mono(path)


def test_recorder_interleaves_channels_in_step(tmp_path: Path) -> None:
    path = tmp_path / "call.wav"
    rec = Recorder(path)
    agent = np.full(320, 1000, dtype="<i2").tobytes()
    customer = np.full(320, -2000, dtype="<i2").tobytes()
    for _ in range(50):
        rec.write(Channel.AGENT, agent)
        rec.write(Channel.CUSTOMER, customer)
    rec.write(Channel.AGENT, agent)  # one frame more on the left: padded at close
    rec.close()
    with wave.open(str(path)) as w:
        assert (w.getnchannels(), w.getframerate(), w.getnframes()) == (2, 16000, 51 * 320)
        data = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").reshape(-1, 2)
    assert (data[: 50 * 320, 0] == 1000).all() and (data[: 50 * 320, 1] == -2000).all()
    assert (data[50 * 320 :, 1] == 0).all()


def test_recorder_takes_a_phones_stereo_customer_first_and_writes_it_in_chunks(tmp_path: Path) -> None:
    path = tmp_path / "call.wav"
    rec = Recorder(path, flush_interval_s=60)
    wire = np.empty(2 * 320, dtype="<i2")
    wire[0::2], wire[1::2] = -2000, 1000  # the wire's order: the customer (external), then the agent
    for _ in range(9):
        rec.write_stereo(wire.tobytes())
    assert rec.held_frames == 9 and path.stat().st_size == 44  # batched: nothing handed to the kernel yet
    rec.write_stereo(wire.tobytes())
    assert rec.held_frames == 0 and path.stat().st_size == 44 + 10 * 1280  # a 0.2 s chunk in one write
    rec.write(Channel.AGENT, np.full(320, 7, dtype="<i2").tobytes())  # a SIP-style frame after: in order
    rec.write(Channel.CUSTOMER, np.full(320, 8, dtype="<i2").tobytes())
    rec.write_stereo(wire.tobytes())
    rec.close()
    with wave.open(str(path)) as w:
        assert w.getnframes() == 12 * 320
        data = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").reshape(-1, 2)
    assert (data[: 10 * 320, 0] == 1000).all() and (data[: 10 * 320, 1] == -2000).all()  # the agent left
    assert (data[10 * 320 : 11 * 320] == [7, 8]).all()
    assert (data[11 * 320 :, 0] == 1000).all() and (data[11 * 320 :, 1] == -2000).all()


def test_a_recording_synced_in_the_background_is_whole_and_leaves_no_descriptor_open(tmp_path: Path) -> None:
    """The periodic fsync runs beside the call's thread on a duplicate descriptor: every frame is in the file,
    and once the recording is closed and its syncs are done no descriptor of it is left open."""
    fds = Path("/proc/self/fd")
    before = len(list(fds.iterdir()))
    path = tmp_path / "call.wav"
    rec = Recorder(path, flush_interval_s=0.01, fsync_every_s=0.01)
    frame = np.arange(640, dtype="<i2")
    for _ in range(30):  # a flush, and an fsync handed to the background, every other frame or so
        rec.write_stereo(frame.tobytes())
        time.sleep(0.006)
    rec.close()
    with wave.open(str(path)) as w:
        assert w.getnframes() == 30 * 320
        data = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").reshape(-1, 2)
    assert (data[:, 0] == np.tile(frame[1::2], 30)).all() and (data[:, 1] == np.tile(frame[0::2], 30)).all()
    deadline = time.monotonic() + 10
    while len(list(fds.iterdir())) > before and time.monotonic() < deadline:
        time.sleep(0.01)  # a background fsync still running holds its duplicate until it is done
    assert len(list(fds.iterdir())) == before


def test_recorder_fills_a_silent_channel_to_stay_aligned(tmp_path: Path) -> None:
    rec = Recorder(tmp_path / "c.wav")
    for _ in range(100):  # 2 s of agent, nothing from the customer
        rec.write(Channel.AGENT, bytes(FRAME_BYTES))
    rec.flush()
    assert rec.duration_s >= 1.4  # written with at most 0.5 s held back
    rec.close()


_KILLED_WRITER = """
import sys, time, os, signal
from pathlib import Path
from agentassist.audio.recorder import Recorder
from agentassist.events import Channel
rec = Recorder(Path(sys.argv[1]), flush_interval_s=1.0)
frame = (b"\\x10\\x00" * 320)
for i in range(150):          # 3 s of audio, written in real time
    rec.write(Channel.AGENT, frame)
    rec.write(Channel.CUSTOMER, frame)
    time.sleep(0.02)
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_killed_process_leaves_a_playable_recording(tmp_path: Path) -> None:
    path = tmp_path / "killed.wav"
    proc = subprocess.run([sys.executable, "-c", _KILLED_WRITER, str(path)], check=False)
    assert proc.returncode == -9
    with wave.open(str(path)) as w:  # playable as it is, header included
        seconds = w.getnframes() / w.getframerate()
    assert seconds >= 2.0, seconds
    assert repair(path) >= seconds


def test_a_killed_recording_is_continued_after_the_frames_it_keeps(tmp_path: Path) -> None:
    """A call resumed after the center restarted: the recorder goes on after the whole frames the killed
    run left (a half-written frame is cut off), and each channel can be read back for transcription."""
    path = tmp_path / "killed.wav"
    subprocess.run([sys.executable, "-c", _KILLED_WRITER, str(path)], check=False)
    with open(path, "ab") as f:
        f.write(b"\x01\x02\x03")  # a frame cut mid-write
    frames = (path.stat().st_size - 44) // (2 * FRAME_BYTES)
    assert frames >= 100
    rec = Recorder(path, keep_samples=frames * 320)
    assert rec.failed is None and rec.duration_s == frames * 0.02
    agent, customer = np.full(320, 7, dtype="<i2").tobytes(), np.full(320, -7, dtype="<i2").tobytes()
    for _ in range(10):
        rec.write(Channel.AGENT, agent)
        rec.write(Channel.CUSTOMER, customer)
    rec.close()
    with wave.open(str(path)) as w:
        assert w.getnframes() == (frames + 10) * 320
        data = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").reshape(-1, 2)
    assert (data[: frames * 320] == 16).all()  # the killed run's frames, as they were
    assert (data[frames * 320 :, 0] == 7).all() and (data[frames * 320 :, 1] == -7).all()
    tail = channel_frames(path, Channel.CUSTOMER, frames - 2, frames + 20)
    assert tail == [bytes(np.full(320, 16, dtype="<i2"))] * 2 + [customer] * 10  # to the end, not past it
    assert Recorder(tmp_path / "none.wav", keep_samples=320).failed  # nothing to continue: says why


def test_a_segmenter_goes_on_from_a_frame_with_later_ids_and_times() -> None:
    pcm = _speech("vm-intro").tobytes()
    fresh, resumed = Segmenter("call-1234", Channel.AGENT), Segmenter("call-1234", Channel.AGENT)
    resumed.continue_at(1000, 4)
    first = [s for f in _frames(pcm) for s in fresh.push(f)] + fresh.finish()
    later = [s for f in _frames(pcm) for s in resumed.push(f)] + resumed.finish()
    assert [(round(s.start_s + 20, 6), round(s.end_s + 20, 6)) for s in first] == [
        (round(s.start_s, 6), round(s.end_s, 6)) for s in later
    ]
    assert later[0].utterance_id == "call-1234-a5"
    with pytest.raises(ValueError, match="no frames yet"):
        resumed.continue_at(0, 0)


def test_utterance_ids_differ_between_calls_named_alike() -> None:
    """Utterance ids are the store's primary key: calls whose ids share a long prefix (a floor's
    ``floor-desk000-...``) must not write over each other's transcript rows."""
    ids = {Segmenter(f"floor-desk00{n}-0001", Channel.AGENT).utterance_id for n in range(3)}
    assert len(ids) == 3
    long_a, long_b = "x" * 60 + "a", "x" * 60 + "b"
    a, b = Segmenter(long_a, Channel.CUSTOMER), Segmenter(long_b, Channel.CUSTOMER)
    a.continue_at(0, 999_999)
    assert a.utterance_id != b.utterance_id and len(a.utterance_id) <= 64


def test_repair_rejects_what_is_not_a_wav(tmp_path: Path) -> None:
    bad = tmp_path / "x.wav"
    bad.write_bytes(b"hello" * 20)
    with pytest.raises(ValueError, match="not a WAV"):
        repair(bad)


def test_check_wav_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(AudioError, match=r"missing\.wav: audio file not found"):
        check_wav(tmp_path / "missing.wav")
    text = tmp_path / "notes.wav"
    text.write_text("not audio")
    with pytest.raises(AudioError, match=r"notes\.wav: not a PCM WAV"):
        check_wav(text)


def test_segmenter_finds_each_line_of_real_speech() -> None:
    first, second = _speech("queue-thankyou"), _speech("vm-intro")
    gap = np.zeros(16000 * 2, dtype=np.int16)
    audio = np.concatenate([gap[:16000], first, gap, second, gap]).astype("<i2").tobytes()
    seg = Segmenter("c", Channel.AGENT)
    segments = [s for f in _frames(audio) for s in seg.push(f)] + seg.finish()
    assert len(segments) == 2, [(s.start_s, s.end_s, s.reason) for s in segments]
    starts = [1.0, 1.0 + first.size / 16000 + 2.0]
    for s, start in zip(segments, starts, strict=True):
        assert abs(s.start_s - start) < 0.4, (s.start_s, start)
        # a line over split_after_s (5 s) ends at the first pause of split_pause_ms (160 ms) already
        assert s.reason == ("pause" if s.end_s - s.start_s > 5.0 else "silence"), (s.start_s, s.end_s, s.reason)
        assert len(s.pcm) == round((s.end_s - s.start_s) * 16000) * 2


def test_a_word_said_quickly_is_an_utterance(tmp_path: Path) -> None:
    # "eight" said 4 times faster (sox tempo keeps the pitch): 170 ms, 8 voiced frames, like the quick
    # "Eight." of LJ002-0035 in ../shared/speech that a 250 ms minimum dropped; a short "yes" is as short
    from agentassist.config import TranscribeSettings

    source = SOUNDS_EN / "digits" / "8.wav"
    if not source.is_file():
        pytest.skip("asterisk-core-sounds-en-wav not installed: run `make test`")
    fast = tmp_path / "8-fast.wav"
    subprocess.run(["sox", str(source), "-r", "16000", str(fast), "tempo", "4"], check=True)
    word = read_wav_mono(fast)
    gap = np.zeros(16000, dtype=np.int16)
    audio = np.concatenate([gap, word, gap]).astype("<i2").tobytes()
    seg = Segmenter("c", Channel.CUSTOMER, TranscribeSettings().segmenter_options())
    segments = [s for f in _frames(audio) for s in seg.push(f)] + seg.finish()
    assert [s.reason for s in segments] == ["silence"]
    assert 0.7 <= segments[0].start_s <= 1.0 <= 1.0 + word.size / 16000 <= segments[0].end_s


def test_long_speech_is_split_at_a_short_pause_and_nothing_is_lost() -> None:
    # three real lines with 0.16 s between them: under end_silence_ms, so one utterance unless split
    lines = [_speech("queue-thankyou"), _speech("vm-intro"), _speech("queue-thankyou")]
    pause = np.zeros(int(16000 * 0.16), dtype=np.int16)
    audio = np.concatenate(
        [np.zeros(16000, np.int16), lines[0], pause, lines[1], pause, lines[2], np.zeros(16000, np.int16)]
    )
    frames = _frames(audio.astype("<i2").tobytes())

    def cuts(**options: float) -> list[tuple[float, float, str]]:
        seg = Segmenter("c", Channel.AGENT, SegmenterOptions(end_silence_ms=300, **options))  # type: ignore[arg-type]
        return [(s.start_s, s.end_s, s.reason) for f in frames for s in seg.push(f)] + [
            (s.start_s, s.end_s, s.reason) for s in seg.finish()
        ]

    whole = cuts(split_after_s=0)
    assert [r for *_, r in whole] == ["silence"], whole
    split = cuts(split_after_s=2.0, split_pause_ms=100)
    assert [r for *_, r in split][-1] == "silence" and "pause" in [r for *_, r in split], split
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(split))  # in order, no overlap
    assert split[0][0] == whole[0][0] and split[-1][1] == whole[0][1]
    assert all(end - start >= 2.0 for start, end, r in split if r == "pause")
    with pytest.raises(ValueError, match="split_pause_ms"):
        SegmenterOptions(split_pause_ms=600)  # over end_silence_ms (300)


def test_long_speech_with_no_pause_is_split_at_a_quiet_dip_between_words() -> None:
    # demo-congrats runs from 7.5 s to 19.9 s with no 80 ms the VAD calls unvoiced: its hangover fills
    # the quiet gaps between words, which are 50 dB under the speech on this clean line
    audio = np.concatenate([np.zeros(16000, np.int16), _speech("demo-congrats"), np.zeros(16000, np.int16)])
    frames = _frames(audio.astype("<i2").tobytes())

    def cuts(dip_db: float) -> list[tuple[float, float, str]]:
        seg = Segmenter("c", Channel.AGENT, SegmenterOptions(end_silence_ms=300, split_dip_db=dip_db))
        return [(s.start_s, s.end_s, s.reason) for f in frames for s in seg.push(f)] + [
            (s.start_s, s.end_s, s.reason) for s in seg.finish()
        ]

    vad_only = cuts(0)
    assert max(end - start for start, end, _ in vad_only) > 19.0, vad_only
    split = cuts(40.0)
    assert max(end - start for start, end, _ in split) < 11.0, split
    assert len(split) == len(vad_only) + 1
    assert all(a[1] == b[0] for a, b in itertools.pairwise(split))  # back to back: nothing lost
    assert (split[0][0], split[-1][1]) == (vad_only[0][0], vad_only[-1][1])
    with pytest.raises(ValueError, match="split_dip_db"):
        SegmenterOptions(split_dip_db=-1)


def test_dtmf_digits_are_not_split_at_their_gaps_as_speech_is() -> None:
    # 100 ms digits, 100 ms of digital silence between them: the gaps are dips, but the segment is
    # tones, and cut into short beeps it reads as words ("Beep beep"); it runs to max_length instead
    t = np.arange(1600) / 16000
    digits = [(697, 1209), (770, 1336), (852, 1477), (941, 1633)]
    beep = [(8000 * (np.sin(2 * np.pi * lo * t) + np.sin(2 * np.pi * hi * t)) / 2) for lo, hi in digits]
    one = np.concatenate([np.concatenate([b, np.zeros(1600)]) for b in beep]).astype(np.int16)
    frames = _frames(np.tile(one, 25).astype("<i2").tobytes())  # 20 s

    seg = Segmenter("c", Channel.CUSTOMER, SegmenterOptions(split_dip_db=40.0))
    cuts = [(s.start_s, s.end_s, s.reason) for f in frames for s in seg.push(f)] + [
        (s.start_s, s.end_s, s.reason) for s in seg.finish()
    ]
    assert [reason for _, _, reason in cuts] in (["max_length"], ["end_of_call"], ["max_length", "end_of_call"]), cuts


def test_frames_judged_as_tones_together_are_judged_as_each_alone() -> None:
    # the segmenter judges a long segment's voiced frames 25 at a time, in one FFT: a frame's verdict must
    # not depend on the frames beside it
    t = np.arange(320) / 16000
    dtmf = (8000 * (np.sin(2 * np.pi * 697 * t) + np.sin(2 * np.pi * 1209 * t)) / 2).astype("<i2").tobytes()
    hold = (0.3 * 32767 * np.sin(2 * np.pi * 425 * t)).astype("<i2").tobytes()
    speech = read_wav_mono(SOUNDS_EN / "vm-intro.wav")[16000 : 16000 + 320 * 20].astype("<i2").tobytes()
    frames = [dtmf, *_frames(speech)[:10], hold, bytes(FRAME_BYTES), *_frames(speech)[10:]]
    seg = Segmenter("c", Channel.CUSTOMER, SegmenterOptions(split_dip_db=40.0))

    together = seg._are_tones(frames)

    assert together == [seg._are_tones([f])[0] for f in frames]
    assert together[0] and together[11]  # the keypad's digit and the hold tone
    assert not together[12]  # digital silence is no tone
    assert sum(together[1:11]) + sum(together[13:]) <= 4, together  # speech mostly is not
    assert seg._are_tones([]) == []


def test_frame_levels_measured_together_are_each_frames_own_exactly() -> None:
    # the segmenter measures a long segment's voiced frames in batches and the frame in hand alone: the
    # two must give the same figure, or a dip's verdict would depend on when its level was read
    speech = _frames(read_wav_mono(SOUNDS_EN / "vm-intro.wav")[16000 : 16000 + 320 * 20].astype("<i2").tobytes())
    full = np.full(320, -32768, "<i2").tobytes()
    frames = [*speech, bytes(FRAME_BYTES), full]

    together = segmenter_module._levels_db(frames)

    assert together == [segmenter_module._level_db(f) for f in frames]
    assert together[-2] == 0.0  # digital silence
    assert together[-1] == 10.0 * math.log10(32768**2 + 1.0)  # full scale: no overflow, no rounding
    assert segmenter_module._levels_db([]) == []


def test_segmenter_ignores_silence_and_validates_options() -> None:
    seg = Segmenter("c", Channel.CUSTOMER)
    assert [s for f in _frames(bytes(FRAME_BYTES * 200)) for s in seg.push(f)] == []
    assert seg.finish() == []
    with pytest.raises(ValueError, match="sample_rate_hz"):
        SegmenterOptions(sample_rate_hz=11025)
    with pytest.raises(ValueError, match="frame_ms"):
        SegmenterOptions(frame_ms=25)
