"""Recordings kept as Opus in Ogg after the call (``[recorder] format = "opus"``), through PyAV.

Unit: a real stereo WAV made from two Asterisk prompts converts with its length and channels kept,
and a WAV that cannot be converted stays. End to end: a real call from baresip; the Ogg decodes to
two channels of the recorded length, left the agent and right the customer; Range still works.
"""

from __future__ import annotations

import wave
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest

from agentassist.audio.encode import OpusOptions, read_stereo, tolerance_samples, wav_to_opus
from agentassist.audio.frames import read_wav_mono
from agentassist.errors import AudioError
from tests.conftest import SOUNDS_EN
from tests.test_call_control import _rms_db
from tests.test_e2e_failures import _wait_for_call

RATE = 16000


def _stereo_wav(path: Path, left: np.ndarray, right: np.ndarray) -> None:
    n = max(len(left), len(right))
    stereo = np.zeros((n, 2), dtype="<i2")
    stereo[: len(left), 0] = left
    stereo[: len(right), 1] = right
    with wave.open(str(path), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(stereo.tobytes())


def _decode(path: Path) -> tuple[int, int, int]:
    """Channels, rate and samples per channel, decoding every packet with PyAV."""
    with av.open(str(path)) as c:
        samples = rate = channels = 0
        for frame in c.decode(c.streams.audio[0]):
            samples += frame.samples
            rate, channels = frame.sample_rate, len(frame.layout.channels)
    return channels, rate, samples


def test_wav_converts_to_opus_keeping_length_and_channels(tmp_path: Path) -> None:
    if not SOUNDS_EN.is_dir():
        pytest.skip("asterisk-core-sounds-en-wav not installed: run `make test`")
    left = read_wav_mono(SOUNDS_EN / "vm-goodbye.wav", RATE)  # under 1 s, then silence
    right = read_wav_mono(SOUNDS_EN / "demo-congrats.wav", RATE)  # 30 s of speech
    wav = tmp_path / "call.wav"
    _stereo_wav(wav, left, right)
    ogg = wav_to_opus(wav, OpusOptions(bitrate_bps=32000))
    assert ogg == tmp_path / "call.ogg" and not wav.exists() and not (tmp_path / "call.ogg.part").exists()
    assert ogg.stat().st_size < len(right) * 4 / 10  # far smaller than the WAV
    channels, rate, samples = _decode(ogg)
    expected = len(right) * rate // RATE
    assert channels == 2 and abs(samples - expected) <= tolerance_samples(expected, rate), (samples, expected)
    rate16, pcm = read_stereo(ogg, RATE)
    assert rate16 == RATE and pcm.shape[1] == 2
    assert _rms_db(pcm[2 * RATE : 10 * RATE, 0]) < 10  # the agent's channel is silent after "goodbye"
    assert _rms_db(pcm[2 * RATE : 10 * RATE, 1]) > 50  # the customer speaks on the right


def test_a_wav_that_cannot_be_converted_stays(tmp_path: Path) -> None:
    wav = tmp_path / "call.wav"
    with wave.open(str(wav), "wb") as w:  # 44.1 kHz: not a rate Opus takes
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(44100)
        w.writeframes(bytes(44100 * 4))
    with pytest.raises(AudioError, match="44100 Hz"):
        wav_to_opus(wav)
    assert wav.is_file() and not (tmp_path / "call.ogg").exists() and not (tmp_path / "call.ogg.part").exists()
    with pytest.raises(ValueError, match="bit/s"):
        OpusOptions(bitrate_bps=100)


@pytest.mark.sip
@pytest.mark.slow
def test_real_call_is_kept_as_stereo_opus(make_server: Any, baresip: Any, tmp_path: Path) -> None:
    server = make_server(audio={"agent_audio_file": str(SOUNDS_EN / "vm-goodbye.wav")}, recorder={"format": "opus"})
    server.start()
    phone = baresip(SOUNDS_EN / "demo-congrats.wav")
    phone.dial(server.sip_uri, seconds=12)
    call_id = _wait_for_call(server, "active")["id"]
    recordings = server.root / "data" / "recordings"
    assert (recordings / f"{call_id}.wav").is_file()  # WAV while the call runs
    phone.wait(60)
    call = _wait_for_call(server, "ended", timeout_s=60)
    assert call["end_reason"] == "hangup", call
    assert call["media"]["recording_format"] == "opus", call["media"]
    assert not (recordings / f"{call_id}.wav").exists() and (recordings / f"{call_id}.ogg").is_file()
    with server.client() as client:
        r = client.get(f"/api/calls/{call_id}/recording")
        assert r.status_code == 200 and r.headers["content-type"] == "audio/ogg", r.headers
        assert r.content[:4] == b"OggS"
        part = client.get(f"/api/calls/{call_id}/recording", headers={"Range": "bytes=0-99"})
        assert part.status_code == 206 and part.content == r.content[:100]
        assert part.headers["content-range"] == f"bytes 0-99/{len(r.content)}"
        peaks = client.get(f"/api/calls/{call_id}/peaks", params={"buckets": 10})
        assert peaks.status_code == 200 and set(peaks.json()["channels"]) == {"agent", "customer"}
    ogg = tmp_path / "fetched.ogg"
    ogg.write_bytes(r.content)
    channels, rate, samples = _decode(ogg)
    recorded = round(call["media"]["recording_s"] * rate)  # the WAV's length, measured before conversion
    assert channels == 2 and abs(samples - recorded) <= tolerance_samples(recorded, rate), (samples, recorded)
    assert samples / rate > 4, samples / rate  # baresip talked for 12 s (the media clock lags on a starved box)
    gap_s = call["duration_s"] - call["media"]["recording_s"]  # what the call lasted and was not recorded
    assert call["media"]["recording_gap_s"] == pytest.approx(gap_s, abs=0.01), call["media"]
    _, pcm = read_stereo(ogg, RATE)
    assert _rms_db(pcm[3 * RATE : 9 * RATE, 0]) < 10  # the agent said goodbye and fell silent (left)
    assert _rms_db(pcm[3 * RATE : 9 * RATE, 1]) > 40  # the customer goes on talking (right)
