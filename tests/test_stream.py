"""Streaming transcription: the scheduler's rules with a stand-in model, then the real model on real speech.

The stand-in obeys Transcriber's interface (segment in, utterance out) and lets a test
hold a worker busy, so the order of work and what gets dropped can be observed.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest

from agentassist.audio.frames import FRAME_BYTES, read_wav_mono
from agentassist.audio.segmenter import SegmenterOptions
from agentassist.config import TranscribeSettings
from agentassist.events import Channel, SpeechSegment, Utterance, Word
from agentassist.transcribe.decoder import compression_ratio, cut_repetition, cut_token_loops
from agentassist.transcribe.engine import Job, JobKind, StreamingTranscriber, Transcriber, TranscriberOptions
from agentassist.transcribe.stream import ChannelStream, StreamOptions, _keep_stable, aligned_end, common_prefix
from agentassist.transcribe.textnorm import wer
from tests.conftest import REPO, SOUNDS_EN

MODELS = REPO / "models"


class GatedModel:
    """Answers each segment with its reason and id; blocks while ``gate`` is clear."""

    language = "en"
    multilingual = False
    workers = 1

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.gate.set()
        self.order: list[str] = []
        self.started = threading.Event()

    def transcribe(self, segment: SpeechSegment, **_: object) -> Utterance:
        self.started.set()
        self.gate.wait(10)
        self.order.append(f"{segment.reason}:{segment.utterance_id}")
        return Utterance(segment.utterance_id, segment.call_id, segment.channel, segment.start_s, segment.end_s, "hi")


def _seg(reason: str, uid: str, call: str = "c1", channel: Channel = Channel.AGENT) -> SpeechSegment:
    return SpeechSegment(call, channel, 0.0, 1.0, bytes(FRAME_BYTES), 16000, reason, uid)


def _scheduler() -> tuple[GatedModel, StreamingTranscriber]:
    model = GatedModel()
    return model, StreamingTranscriber(model, workers=1)  # type: ignore[arg-type]


def _noop(job: Job, u: Utterance | None) -> None:
    return None


def _busy(model: GatedModel, streaming: StreamingTranscriber) -> None:
    """Occupy the only worker until the gate opens."""
    model.gate.clear()
    model.started.clear()
    streaming.submit(_seg("silence", "busy"), _noop)
    assert model.started.wait(5)


def test_finals_go_before_speculative_before_partials_oldest_first() -> None:
    model, streaming = _scheduler()
    _busy(model, streaming)
    streaming.submit_partial(_seg("partial", "p1"), _noop)
    streaming.submit(_seg("speculative", "s1"), _noop, kind=JobKind.SPECULATIVE)
    streaming.submit(_seg("silence", "f1"), _noop)
    streaming.submit(_seg("silence", "f2", call="c2"), _noop)
    model.gate.set()
    streaming.wait_idle()
    streaming.close()
    assert model.order == ["silence:busy", "silence:f1", "silence:f2", "speculative:s1", "partial:p1"]


def test_newer_partial_replaces_queued_one_and_finals_are_never_dropped() -> None:
    model, streaming = _scheduler()
    _busy(model, streaming)
    for i in range(5):
        streaming.submit_partial(_seg("partial", f"p{i}"), _noop)
    streaming.submit_partial(_seg("partial", "other", channel=Channel.CUSTOMER), _noop)
    finals = [streaming.submit(_seg("silence", f"f{i}"), _noop) for i in range(20)]
    model.gate.set()
    streaming.wait_idle()
    streaming.close()
    assert all(f.future.result() is not None for f in finals)
    assert [o for o in model.order if o.startswith("partial")] == ["partial:p4", "partial:other"]
    assert streaming.dropped_partials == 4
    m = streaming.metrics()
    assert m["agentassist_partials_dropped_total"] == 4
    assert m['agentassist_final_queue_wait_seconds_bucket{le="+Inf"}'] == 21


def test_stale_partial_is_dropped_and_counted(monkeypatch: pytest.MonkeyPatch) -> None:
    import agentassist.transcribe.engine as engine

    monkeypatch.setattr(engine, "PARTIAL_MAX_WAIT_S", 0.05)
    model, streaming = _scheduler()
    _busy(model, streaming)
    job = streaming.submit_partial(_seg("partial", "late"), _noop)
    time.sleep(0.1)
    model.gate.set()
    assert job.future.result(5) is None
    streaming.close()
    assert "partial:late" not in model.order and streaming.dropped_partials == 1


def test_promoted_speculative_job_runs_as_a_final_and_cancel_withdraws() -> None:
    model, streaming = _scheduler()
    _busy(model, streaming)
    partial = streaming.submit_partial(_seg("partial", "p"), _noop)
    spec = streaming.submit(_seg("speculative", "s"), _noop, kind=JobKind.SPECULATIVE)
    streaming.submit(_seg("silence", "f"), _noop)
    streaming.promote(spec)
    assert streaming.cancel(partial)
    model.gate.set()
    streaming.wait_idle()
    streaming.close()
    assert model.order == ["silence:busy", "silence:f", "speculative:s"]
    assert streaming.superseded_partials == 1


def test_a_promoted_job_that_ran_leaves_no_lag_behind() -> None:
    class HoldingModel(GatedModel):
        """Also blocks on one chosen segment until ``release`` is set."""

        def __init__(self) -> None:
            super().__init__()
            self.release = threading.Event()
            self.holding = threading.Event()

        def transcribe(self, segment: SpeechSegment, **kw: object) -> Utterance:
            if segment.utterance_id == "hold":
                self.holding.set()
                self.release.wait(10)
            return super().transcribe(segment, **kw)

    model = HoldingModel()
    streaming = StreamingTranscriber(model, workers=1)  # type: ignore[arg-type]
    _busy(model, streaming)
    spec = streaming.submit(_seg("speculative", "s", call="c9"), _noop, kind=JobKind.SPECULATIVE)
    streaming.promote(spec)  # its old, lower-class heap entry stays behind until popped
    streaming.submit(_seg("silence", "hold", call="c8"), _noop)
    model.gate.set()
    assert spec.future.result(5) is not None
    assert model.holding.wait(5)  # the worker is busy with a final: the old entry is still queued
    try:
        assert "c9" not in streaming.lag_s()
        assert streaming.metrics()["agentassist_transcription_queue_finals"] == 0
        assert streaming.pending == 1
    finally:
        model.release.set()
        streaming.close()


def test_lag_is_reported_per_call_while_finals_wait() -> None:
    model, streaming = _scheduler()
    _busy(model, streaming)
    streaming.submit(_seg("silence", "f", call="slow-call"), _noop)
    time.sleep(0.2)
    lag = streaming.lag_s()
    model.gate.set()
    streaming.close()
    assert lag["slow-call"] >= 0.2
    assert "agentassist_transcription_max_lag_seconds" in streaming.metrics()


def test_stable_words_survive_a_final_that_disagrees() -> None:
    assert common_prefix(["Thank", "you."], ["thank", "you", "please"]) == 2
    assert aligned_end(["a", "b", "c"], ["a", "b", "x", "d"]) == 3
    assert aligned_end(["a", "b"], ["a", "b", "c"]) == 2
    words = tuple(Word(i * 0.5, i * 0.5 + 0.4, w, 0.9) for i, w in enumerate(["That", "is", "knot", "valid."]))
    u = Utterance("u", "c", Channel.AGENT, 0.0, 2.0, "That is knot valid.", words=words)
    kept = _keep_stable(["That", "is", "not"], u)
    assert kept.text == "That is not valid."
    assert [w.text for w in kept.words] == ["That", "is", "not", "valid."]
    assert kept.words[0].start_s == 0.0 and kept.words[2].end_s == pytest.approx(1.4)
    assert _keep_stable(["That", "is"], u) is u


def test_repetition_loops_are_cut() -> None:
    phrases = [[1, 2], [3], [3], [3], [3], [4]]
    assert cut_repetition(phrases) == ([[1, 2], [3]], True)  # the first copy is kept
    assert cut_repetition([[1], [2], [1]]) == ([[1], [2], [1]], False)
    assert compression_ratio("thank you " * 30) > 2.4 > compression_ratio("thank you for calling")


def test_loops_inside_a_phrase_are_cut() -> None:
    def one_word_each(gram: list[int]) -> list[str]:
        return [str(t) for t in gram]

    assert cut_token_loops([1, 2, 9, 9, 9, 9, 9, 3], one_word_each) == ([1, 2, 9, 3], True)
    assert cut_token_loops([1, 5, 6, 5, 6, 5, 6, 3], one_word_each) == ([1, 5, 6, 3], True)
    assert cut_token_loops([1, 9, 9, 9, 3], one_word_each) == ([1, 9, 9, 9, 3], False)  # "no, no, no"
    assert cut_token_loops([4, 4, 4], lambda gram: ["word"]) == ([4, 4, 4], False)  # one word, three times
    assert cut_token_loops([], one_word_each) == ([], False)


def test_stream_settings_are_validated_naming_the_setting() -> None:
    with pytest.raises(ValueError, match="post_pad_ms must not exceed end_silence_ms"):
        TranscribeSettings(end_silence_ms=100, post_pad_ms=200)
    with pytest.raises(ValueError, match="partial_every_s"):
        TranscribeSettings(partial_every_s=0)
    with pytest.raises(ValueError, match="floor_s"):
        TranscribeSettings(floor_s=40)


# ---- the real model on real speech --------------------------------------------------------------


def _need(path: Path) -> None:
    if not (MODELS / "tiny.en" / "model.bin").is_file():
        pytest.skip("tiny.en not installed: run `make install`")
    if not path.is_file():
        pytest.skip("asterisk-core-sounds-en-wav not installed")


@pytest.fixture(scope="module")
def real() -> StreamingTranscriber:
    _need(SOUNDS_EN / "vm-intro.wav")
    streaming = StreamingTranscriber(Transcriber(TranscriberOptions(model="tiny.en"), MODELS))
    yield streaming
    streaming.close()


def _feed(streaming: StreamingTranscriber, pcm: bytes, options: StreamOptions) -> tuple[list[Utterance], ChannelStream]:
    """Push audio frame by frame on an audio clock, waiting for each job (deterministic)."""
    out: list[Utterance] = []
    fed = [0]
    stream = ChannelStream(
        "c1",
        Channel.CUSTOMER,
        streaming,
        out.append,
        segmenter_options=SegmenterOptions(end_silence_ms=300),
        options=options,
        clock=lambda: fed[0] * 0.02,
    )
    pcm += bytes(-len(pcm) % FRAME_BYTES)
    for i in range(0, len(pcm), FRAME_BYTES):
        stream.push(pcm[i : i + FRAME_BYTES])
        fed[0] += 1
        streaming.wait_idle()
    stream.finish()
    streaming.wait_idle()
    return out, stream


def _speech(name: str, lead_s: float = 0.5, tail_s: float = 1.5) -> bytes:
    samples = read_wav_mono(SOUNDS_EN / name)
    z = np.zeros
    return np.concatenate([z(int(lead_s * 16000), np.int16), samples, z(int(tail_s * 16000), np.int16)]).tobytes()


def test_partials_grow_with_stable_words_never_retracted_then_one_final(real: StreamingTranscriber) -> None:
    out, _stream = _feed(real, _speech("vm-intro.wav"), StreamOptions())
    partials = [u for u in out if not u.final]
    finals = [u for u in out if u.final]
    assert len(finals) >= 1 and len(partials) >= 3, [u.text for u in out]
    reference = "Please leave your message after the tone. When done hang up or press the pound key."
    assert wer(reference, " ".join(u.text for u in finals)) <= 0.15
    stable: dict[str, list[str]] = {}
    for u in out:
        words = [w.lower().strip(".,?!") for w in u.text.split()]  # punctuation may change, words may not
        assert words[: len(stable.get(u.id, []))] == stable.get(u.id, []), f"stable words retracted in {u.text!r}"
        if not u.final:
            stable[u.id] = words[: u.stable_words]
    assert max(u.stable_words for u in partials) >= 3
    assert all(not u.words for u in partials) and all(u.words for u in finals)
    assert out[-1].final  # nothing about an utterance comes after its final
    assert real.first_partial_latency.n >= 1 and real.final_latency.n >= 1


def test_speculative_result_becomes_the_final_without_a_second_decode(real: StreamingTranscriber) -> None:
    before = dict(real.decoded)
    out, _ = _feed(real, _speech("vm-invalidpassword.wav"), StreamOptions(partials=False, speculative_silence_ms=100))
    finals = [u for u in out if u.final]
    assert [wer("That is not a valid password. Please try again.", u.text) <= 0.2 for u in finals] == [True]
    # one speculative decode per pause in the prompt (speech went on after the first), none after the cut
    assert real.decoded["speculative"] - before["speculative"] >= 1
    assert real.decoded["final"] == before["final"] and real.decoded["partial"] == before["partial"]


def test_a_phrase_begun_at_the_end_and_said_after_it_is_cut(real: StreamingTranscriber) -> None:
    """Whisper on audio clipped at a pause sometimes goes on with an earlier phrase past the end."""
    decoder = real.transcriber._decoder
    tok = decoder.tokenizer("en")

    def ts(t: float) -> int:
        return int(tok.timestamp_begin + round(t / 0.02))

    said = [ts(0.0), *tok.encode(" Press 4 for help."), ts(2.0), ts(2.0), *tok.encode(" Press 5 to quit."), ts(4.1)]
    invented = [ts(4.1), *tok.encode(" Press 4 for help."), ts(6.9), tok.eot]
    text, cut = decoder._text_tokens(tok, said + invented, 4.3)
    assert tok.decode(text).strip() == "Press 4 for help. Press 5 to quit." and cut
    # a last phrase that runs a little past the end (clipped audio, coarse timestamps) stays
    text, cut = decoder._text_tokens(tok, [*said[:-1], ts(4.6), tok.eot], 4.3)
    assert tok.decode(text).strip() == "Press 4 for help. Press 5 to quit." and not cut
    # and so does a single phrase, however far its timestamp overshoots
    text, _ = decoder._text_tokens(tok, [ts(0.0), *tok.encode(" Hello."), ts(2.5), tok.eot], 0.8)
    assert tok.decode(text).strip() == "Hello."


def test_digital_silence_and_a_tone_give_nothing(real: StreamingTranscriber) -> None:
    t = np.arange(16000 * 4) / 16000
    tone = (0.3 * 32767 * np.sin(2 * np.pi * 425 * t)).astype("<i2")  # a European hold/busy tone
    out, _ = _feed(real, bytes(16000 * 2 * 3) + tone.tobytes(), StreamOptions())
    assert [u for u in out if u.final] == []


def test_offline_file_goes_through_the_same_stream(tmp_path: Path) -> None:
    _need(SOUNDS_EN / "vm-intro.wav")
    import subprocess

    from agentassist.transcribe.offline import transcribe_file

    stereo = tmp_path / "call.wav"
    subprocess.run(
        ["sox", "-M", str(SOUNDS_EN / "vm-intro.wav"), str(SOUNDS_EN / "vm-invalidpassword.wav"), str(stereo)],
        check=True,
    )
    result = transcribe_file(stereo, TranscribeSettings(model=str(MODELS / "tiny.en")))
    assert result["channels"] == 2
    said = {ch: " ".join(s["text"] for s in result["segments"] if s["channel"] == ch) for ch in ("agent", "customer")}
    assert wer("That is not a valid password. Please try again.", said["customer"]) <= 0.2
    reference = "Please leave your message after the tone. When done hang up or press the pound key."
    assert wer(reference, said["agent"]) <= 0.15
