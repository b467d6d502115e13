"""Model installation checks and transcription with the real tiny.en model on real speech."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from agentassist.audio.frames import read_wav_mono
from agentassist.errors import ModelError
from agentassist.events import Channel, CutReason, SpeechSegment
from agentassist.transcribe.engine import Transcriber, TranscriberOptions
from agentassist.transcribe.models import install, resolve, verify
from agentassist.transcribe.textnorm import normalize, wer
from tests.conftest import REPO, SOUNDS_EN

MODELS = REPO / "models"


def _need_model() -> None:
    if not (MODELS / "tiny.en" / "model.bin").is_file():
        pytest.skip("tiny.en not installed: run `make install`")


def test_missing_model_names_the_fix(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match=r"not installed .*agentassist models install tiny.en"):
        resolve("tiny.en", tmp_path)
    with pytest.raises(ModelError, match="unknown model 'huge'"):
        resolve("huge", tmp_path)
    with pytest.raises(ModelError, match="unknown model 'huge'"):
        install("huge", tmp_path)


def test_corrupt_model_is_refused(tmp_path: Path) -> None:
    _need_model()
    copy = tmp_path / "tiny.en"
    shutil.copytree(MODELS / "tiny.en", copy)
    (copy / ".verified").unlink(missing_ok=True)
    with open(copy / "model.bin", "r+b") as f:
        f.seek(1000)
        byte = f.read(1)
        f.seek(1000)
        f.write(bytes([byte[0] ^ 0xFF]))
    with pytest.raises(ModelError, match=r"corrupt: model.bin SHA-256 .*agentassist models install tiny.en"):
        verify("tiny.en", copy)


def test_installed_model_verifies_and_is_idempotent() -> None:
    _need_model()
    assert install("tiny.en", MODELS) == MODELS / "tiny.en"  # already there: nothing downloaded


def test_segment_transcribed_with_word_times_on_the_call_clock() -> None:
    _need_model()
    wav = SOUNDS_EN / "vm-intro.wav"
    if not wav.is_file():
        pytest.skip("asterisk-core-sounds-en-wav not installed")
    pcm = read_wav_mono(wav).astype("<i2").tobytes()
    t = Transcriber(TranscriberOptions(model="tiny.en", workers=1), MODELS)
    seg = SpeechSegment("c1", Channel.CUSTOMER, 10.0, 10.0 + len(pcm) / 32000, pcm, 16000, CutReason.SILENCE)
    u = t.transcribe(seg)
    assert u is not None and u.final and u.channel is Channel.CUSTOMER
    reference = "Please leave your message after the tone. When done hang up or press the pound key."
    assert wer(reference, u.text) <= 0.15, u.text
    assert 10.0 <= u.start_s < u.end_s <= seg.end_s + 0.1
    assert u.words and all(10.0 <= w.start_s <= w.end_s for w in u.words)
    assert 0 < u.confidence <= 1


def test_silence_gives_no_utterance() -> None:
    _need_model()
    t = Transcriber(TranscriberOptions(model="tiny.en", workers=1), MODELS)
    seg = SpeechSegment("c1", Channel.AGENT, 0.0, 2.0, bytes(64000), 16000, CutReason.SILENCE)
    assert t.transcribe(seg) is None


def test_normalization() -> None:
    assert normalize("Hello, World! It's «fine» — Ёж.") == "hello world it's fine еж"
    assert wer("one two three", "one two three") == 0.0
    assert wer("one two three", "one three") == pytest.approx(1 / 3)


def test_the_default_threads_a_decode_share_the_cores_out_among_the_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    from agentassist.transcribe import transcriber

    monkeypatch.setattr(transcriber.os, "cpu_count", lambda: 8)
    assert [transcriber.default_cpu_threads(w) for w in (1, 2, 3, 4, 8, 16)] == [8, 4, 2, 2, 1, 1]
    monkeypatch.setattr(transcriber.os, "cpu_count", lambda: None)  # unknown: one core
    assert transcriber.default_cpu_threads(2) == 1
