"""A Russian campaign on a server whose main model is English-only: its calls get the multilingual model.

baresip (the customer) calls `agentassist serve`; the agent's microphone plays a Russian
Asterisk prompt that is a line of the campaign's script, the customer answers with
another. The script says `language: ru`, the main model is tiny.en, so the call must be
transcribed by `[transcribe] model_multilingual` (base) in Russian, and the step ticks.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from agentassist.transcribe.textnorm import normalize, wer
from tests.conftest import REPO, SOUNDS_RU, need
from tests.test_e2e_call import _wait_ended

pytestmark = [pytest.mark.sip, pytest.mark.slow]

AGENT_PROMPT = "agent-user"  # "Регистрация оператора. Введите номер оператора и нажмите решетку."
CUSTOMER_PROMPT = "vm-intro"  # "Оставьте сообщение после сигнала. После этого нажмите решетку или повесьте трубку."
CUSTOMER_DELAY_S = 8.0


def _offline_text(path: Path) -> str:
    from faster_whisper import WhisperModel

    model = WhisperModel(str(REPO / "models" / "base"), device="cpu", compute_type="int8", local_files_only=True)
    segments, _ = model.transcribe(str(path), language="ru", beam_size=1)
    return " ".join(s.text.strip() for s in segments)


def test_russian_campaign_is_transcribed_in_russian(
    tmp_path: Path, make_server: Any, baresip: Any, prompts_ru: dict[str, str]
) -> None:
    need("sox")
    if not (REPO / "models" / "base" / "model.bin").is_file():
        pytest.skip("model base not installed: run `make test` (or `agentassist models install base`)")
    agent_wav = tmp_path / "agent.wav"
    subprocess.run(["sox", str(SOUNDS_RU / f"{AGENT_PROMPT}.wav"), str(agent_wav), "pad", "1", "0"], check=True)
    customer_wav = tmp_path / "customer.wav"
    subprocess.run(
        ["sox", str(SOUNDS_RU / f"{CUSTOMER_PROMPT}.wav"), str(customer_wav), "pad", str(CUSTOMER_DELAY_S), "0"],
        check=True,
    )
    line = prompts_ru[AGENT_PROMPT]
    script = (
        f'id: ru-support\nversion: 1\nlanguage: ru\nsteps:\n  - id: login-prompt\n    say: ["{line}"]\n'
        "    mandatory: true\n"
    )
    server = make_server(
        audio={"agent_audio_file": str(agent_wav)},
        assist={"default_script": "ru-support"},
        transcribe={"model": "tiny.en", "language": "en", "model_multilingual": "base"},
    )
    (tmp_path / "scripts" / "ru-support.yaml").write_text(script, encoding="utf-8")
    server.start()
    with server.client() as client:  # the campaign's model was loaded at start, not on the first call's answer
        assert "agentassist_model_multilingual_loaded 1" in client.get("/metrics").text
    phone = baresip(customer_wav)
    phone.dial(server.sip_uri, seconds=int(CUSTOMER_DELAY_S + 10))
    phone.wait(60)
    with server.client() as client:
        call = _wait_ended(client, 60)
        assert call["status"] == "ended", call
        utterances = client.get(f"/api/calls/{call['id']}/transcript").json()["utterances"]
        by_channel = {ch: " ".join(u["text"] for u in utterances if u["channel"] == ch) for ch in ("agent", "customer")}
        print("transcript:", by_channel)
        for ch, text in by_channel.items():
            letters = [c for c in text if c.isalpha()]
            assert letters, (ch, utterances)
            cyrillic = sum("а" <= c.lower() <= "я" or c.lower() == "ё" for c in letters) / len(letters)
            assert cyrillic > 0.9, (ch, text)
        live = wer(prompts_ru[CUSTOMER_PROMPT], by_channel["customer"])
        offline = wer(prompts_ru[CUSTOMER_PROMPT], _offline_text(SOUNDS_RU / f"{CUSTOMER_PROMPT}.wav"))
        print(f"customer WER live {live:.3f} offline {offline:.3f}: {normalize(by_channel['customer'])!r}")
        assert live <= offline + 0.15, (by_channel["customer"], live, offline)
        steps = {s["id"]: s for s in client.get(f"/api/calls/{call['id']}/adherence").json()["steps"]}
        assert steps["login-prompt"]["status"] == "done", steps
        metrics = client.get("/metrics").text
        assert 'agentassist_transcriptions_total{model="base"}' in metrics, metrics[:2000]
