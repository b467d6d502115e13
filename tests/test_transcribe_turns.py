"""Revisions of longer turns, the largest lever of the transcriber's CPU budget (issue 27,
benchmarks/budget27.py): with ``revise_gap_s`` longer than the pauses between one side's utterances,
one revision (one 30 s window at beam 5, 557 ms of CPU on this machine whatever the turn's length)
decodes them all instead of one each, and each utterance still gets its own words back. Real tiny.en
on real recorded speech."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from agentassist.audio.frames import read_wav_mono
from agentassist.events import Utterance
from agentassist.transcribe.engine import StreamingTranscriber, Transcriber, TranscriberOptions
from agentassist.transcribe.stream import StreamOptions
from benchmarks.wer import corpus_wer, normalizer
from tests.conftest import REPO, SOUNDS_EN
from tests.test_stream import _feed

MODELS = REPO / "models"
SAID = {  # three prompts of one side, 3 s apart: three turns at the default gap of 1 s, one at 10 s
    "confbridge-only-participant.wav": "You are currently the only participant in the conference.",
    "vm-invalidpassword.wav": "That is not a valid password. Please try again.",
    "vm-intro.wav": "Please leave your message after the tone. When done hang up or press the pound key.",
}
PAUSE_S = 3.0


@pytest.fixture(scope="module")
def real() -> Iterator[StreamingTranscriber]:
    if not (MODELS / "tiny.en" / "model.bin").is_file():
        pytest.skip("tiny.en not installed: run `make install`")
    if not all((SOUNDS_EN / name).is_file() for name in SAID):
        pytest.skip("asterisk-core-sounds-en-wav not installed")
    streaming = StreamingTranscriber(Transcriber(TranscriberOptions(model="tiny.en"), MODELS), workers=1)
    yield streaming
    streaming.close()


def _stored(real: StreamingTranscriber, gap_s: float) -> tuple[list[Utterance], int]:
    """The finals with their revisions applied (what the store keeps), and the revisions decoded."""
    pause = np.zeros(int(PAUSE_S * 16000), np.int16)
    audio = np.concatenate([x for name in SAID for x in (pause, read_wav_mono(SOUNDS_EN / name))] + [pause])
    before = real.decoded["revise"]
    options = StreamOptions(partials=False, speculative_silence_ms=0, revise=True, revise_gap_s=gap_s)
    out, _ = _feed(real, audio.tobytes(), options)
    latest = {u.id: u for u in out if u.final and not u.revised}
    assert len(latest) == 3, [u.text for u in out]
    latest.update((u.id, u) for u in out if u.revised)
    return sorted(latest.values(), key=lambda u: u.start_s), real.decoded["revise"] - before


def test_one_revision_decodes_a_longer_turn_and_each_utterance_keeps_its_own_words(
    real: StreamingTranscriber,
) -> None:
    norm = normalizer("en")
    refs = list(SAID.values())

    def score(utterances: list[Utterance]) -> float:
        return corpus_wer([norm(" ".join(refs))], [norm(" ".join(u.text for u in utterances))])

    short, short_revisions = _stored(real, 1.0)
    long, long_revisions = _stored(real, 10.0)
    assert (short_revisions, long_revisions) == (3, 1)  # a turn each, then one turn of three
    print(f"stored WER: a revision each {score(short):.3f}, one for the three {score(long):.3f}")
    assert score(long) <= max(score(short), 0.1)
    for u, ref in zip(long, refs, strict=True):  # the revised words went back to the utterance that said them
        assert corpus_wer([norm(ref)], [norm(u.text)]) <= 0.2, (ref, u.text)
