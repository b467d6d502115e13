"""Card data found and masked in what is said (agentassist.privacy), a few cases per language (not the
benchmark's: benchmarks/redact_cases), the words of an utterance masked with its text, and a recording
silenced over the spans."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from agentassist.audio.recorder import wav_header
from agentassist.events import Channel, Utterance, Word
from agentassist.privacy.detect import find_spans, luhn, mask
from agentassist.privacy.redactor import Redactor
from agentassist.privacy.silence import silence
from agentassist.privacy.utterances import CallRedaction


def masked(text: str) -> str:
    return mask(text, find_spans(text))


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("sure, it's 5105 1051 0510 5100 and", "sure, it's [CARD] and"),
        ("card 3530 1113 3330 0000, expires 04/28, cvv 991", "card [CARD], expires [EXPIRY], cvv [CVV]"),
        ("five one oh five, one oh five one, oh five one oh, five one double oh", "[CARD]"),
        ("fifty one oh five, ten fifty one, oh five ten, fifty one hundred", "[CARD]"),
        ("карта 5105 1051 0510 5100, срок действия 04 28", "карта [CARD], срок действия [EXPIRY]"),
        ("пять один ноль пять один ноль пять один ноль пять один ноль пять один ноль ноль", "[CARD]"),
        ("код безопасности двести двенадцать", "код безопасности [CVV]"),
        ("п'ять один нуль п'ять, один нуль п'ять один, нуль п'ять один нуль, п'ять один нуль нуль", "[CARD]"),
        ("термін дії 07/30, код 5 5 1", "термін дії [EXPIRY], код [CVV]"),
        ("pięć jeden zero pięć jeden zero pięć jeden zero pięć jeden zero pięć jeden zero zero", "[CARD]"),
        ("numer 5105105105105100, ważna do 10/27", "numer [CARD], ważna do [EXPIRY]"),
    ],
)
def test_card_data_is_masked_in_every_language(said: str, expected: str) -> None:
    assert masked(said) == expected


@pytest.mark.parametrize(
    "said",
    [
        "that's 1,499 dollars for 24 months",
        "call me on +44 20 7946 0958",
        "order 5105 1051 0510 5101",  # 16 digits failing the Luhn check
        "заказ номер 7781 2345, доставка 12/05",  # a date without an expiry cue
        "zip code 902",
        "kod pocztowy 31-123",
        "до 11 25 числа",  # "до" is an expiry cue only beside a card number
    ],
)
def test_ordinary_numbers_stay(said: str) -> None:
    assert masked(said) == said


def test_luhn() -> None:
    assert luhn("79927398713") and not luhn("79927398710")


def test_a_card_said_in_two_utterances_is_masked_in_both_and_a_code_answers_a_question() -> None:
    r = Redactor()
    assert r.final("c1", "customer", "it's 5105 1051", 0.0, 2.0) == {"c1": []}
    changed = r.final("c2", "customer", "then 0510 5100", 3.0, 5.0)
    assert set(changed) == {"c1", "c2"} and all(s[0].kind == "card" for s in changed.values())
    r.final("a1", "agent", "and what is the CVV?", 6.0, 7.0)
    assert [s.kind for s in r.final("c3", "customer", "442", 7.5, 8.0)["c3"]] == ["cvv"]


def test_finals_out_of_order_are_read_in_time_order() -> None:
    r = Redactor()
    assert r.final("c1", "customer", "seven three seven", 9.0, 10.0) == {"c1": []}
    changed = r.final("a1", "agent", "the security code please", 6.0, 8.5)
    assert [s.kind for s in changed["c1"]] == ["cvv"]


def test_a_partial_with_a_long_run_of_digits_is_masked() -> None:
    r = Redactor()
    assert mask("5105 1051 05", r.partial("customer", "5105 1051 05", 0.0)) == "[CARD]"
    assert r.partial("customer", "room 404", 0.0) == []
    r.final("c1", "customer", "it's 5105 1051", 1.0, 2.0)
    assert mask("0510", r.partial("customer", "0510", 3.0)) == "[CARD]"  # 12 digits with the last final's
    assert r.partial("agent", "0510", 3.0) == []


def _utterance(text: str, words: list[tuple[str, float, float]], final: bool = True) -> Utterance:
    return Utterance(
        "u1",
        "call",
        Channel.CUSTOMER,
        1.0,
        6.0,
        text,
        final=final,
        words=tuple(Word(a, b, w, 0.9) for w, a, b in words),
    )


def test_an_utterance_is_masked_in_its_text_and_words_with_the_spans_timed() -> None:
    u = _utterance(
        "my card is 5105 1051 0510 5100 thanks",
        [(" my", 1.0, 1.2), (" card", 1.2, 1.5), (" is", 1.5, 1.7), (" 5105", 1.8, 2.4), (" 1051", 2.5, 3.1),
         (" 0510", 3.2, 3.8), (" 5100", 3.9, 4.5), (" thanks", 5.0, 5.5)],
    )  # fmt: skip
    (out,) = CallRedaction().apply(u)
    assert out.utterance.text == "my card is [CARD] thanks"
    assert [w.text for w in out.utterance.words] == [" my", " card", " is", " [CARD]", " thanks"]
    assert out.utterance.words[3].start_s == 1.8 and out.utterance.words[3].end_s == 4.5
    assert out.redactions == [
        {"utterance_id": "u1", "channel": "customer", "kind": "card", "start": 1.8, "end": 4.5, "by": "text"}
    ]


def test_the_recording_is_silent_over_the_spans_on_both_channels(tmp_path: Path) -> None:
    path = tmp_path / "call.wav"
    rng = np.random.default_rng(1)
    pcm = rng.integers(-3000, 3000, size=(16000 * 4, 2), dtype="<i2")
    path.write_bytes(wav_header(pcm.nbytes) + pcm.tobytes())
    assert silence(path, [(1.0, 1.5), (1.4, 2.0)], 16000, pad_s=0.25) == pytest.approx(1.5)
    with wave.open(str(path)) as w:
        got = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").reshape(-1, 2)
    assert not got[12000:36000].any()
    assert (got[:11990] == pcm[:11990]).all() and (got[36010:] == pcm[36010:]).all()
