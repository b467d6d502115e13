"""Issue 18 end to end: a real call whose agent says every line of the script in other words.

baresip is the customer; the agent's side is real recorded speech from ../shared/speech/asterisk
(Asterisk core sounds 1.6.1 as packaged by Debian, CC-BY-SA-3.0: English prompts recorded by Allison
Smith, Russian prompts provided by Maxim Topal). The trick: the script's lines are written as
paraphrases of what those recordings say (other words, the same meaning), so the real speech is a
paraphrase of the script. Every spoken step must tick, and a compliance line said in other words
must not raise a "missed" alert. The audio is read from ../shared and never copied into the repo:
the test skips without it.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO, need
from tests.test_e2e_call import _wait_ended

pytestmark = [pytest.mark.sip, pytest.mark.slow]

# the main checkout's ../shared; a worktree (../wt/NAME) has it one folder further up
SPEECH = next(
    (p for p in (REPO.parent / "shared/speech/asterisk", REPO.parent.parent / "shared/speech/asterisk") if p.is_dir()),
    None,
)
LEAD_S = 1.0  # silence before the agent's first line
GAP_S = 1.2  # silence between two lines: four times the segmenter's end of utterance (300 ms)
TAIL_S = 4.0  # the call goes on this long after the last line, for its final and its tick


@dataclass(frozen=True)
class Line:
    language: str
    step: str
    recording: str  # file under ../shared/speech/asterisk; what it says is in the set's manifest.jsonl
    say: str  # the script's line: a paraphrase of the recording
    compliance: bool = False


# What the recordings say, in order: "please hold while I try to locate the person you are calling";
# "the person you are calling is not at their desk; I will try to locate them for you"; "I'm sorry,
# but I was unable to locate the person you are calling"; "Please enter your phone number, starting
# with the area code."; "The number you have dialed is not in service. Please check the number and
# try again." / "Оставайтесь на линии. Происходит соединение с абонентом."; "Ваш звонок является
# первым в очереди и будет обслужен первым доступным оператором."; "Извините, в данный момент
# соединение невозможно."; "Извините, данный номер не существует. Пожалуйста, попробуйте еще раз.";
# "До свидания! Благодарим за пробную эксплуатацию программы ай-пи телефонной станции «Астериск»."
LINES = (
    Line("en", "hold", "en/followme_pls-hold-while-try.wav", "Stay on the line, I'm looking for your colleague.", True),
    Line("en", "away", "en/followme_status.wav", "Your colleague has stepped away from the desk, let me find them."),
    Line("en", "not-found", "en/followme_sorry.wav", "Apologies, I couldn't reach the colleague you asked for."),
    Line("en", "number", "en/privacy-prompt.wav", "Could you type in your number, area code first?"),
    Line("en", "no-service", "en/ss-noservice.wav", "That number doesn't work any more, check it and call again."),
    Line("ru", "hold", "ru/pls-hold-while-try.wav", "Не кладите трубку, я соединяю вас с нужным человеком.", True),
    Line("ru", "queue", "ru/queue-youarenext.wav", "Вы следующий, вам ответит первый освободившийся сотрудник."),
    Line("ru", "no-connect", "ru/followme_sorry.wav", "К сожалению, сейчас соединить вас не получится."),
    Line("ru", "bad-number", "ru/pbx-invalid.wav", "Простите, такого номера нет, наберите его заново."),
    Line("ru", "goodbye", "ru/demo-thanks.wav", "Спасибо, что испытали телефонную станцию Астериск, всего доброго."),
)


def _script(language: str, lines: tuple[Line, ...]) -> str:
    out = [f"id: paraphrase-{language}", "version: 1", f"language: {language}", "steps:"]
    for line in lines:
        out += [f"  - id: {line.step}", f'    say: ["{line.say}"]', "    mandatory: true"]
        if line.compliance:
            out.append("    compliance: true")
    return "\n".join(out) + "\n"


def _silence(path: Path, seconds: float) -> Path:
    subprocess.run(["sox", "-n", "-r", "8000", "-c", "1", "-b", "16", str(path), "trim", "0", str(seconds)], check=True)
    return path


def _agent_audio(tmp: Path, speech: Path, lines: tuple[Line, ...]) -> tuple[Path, float]:
    """The recordings one after another with pauses between them, and the length in seconds."""
    lead, gap = _silence(tmp / "lead.wav", LEAD_S), _silence(tmp / "gap.wav", GAP_S)
    parts: list[str] = [str(lead)]
    for line in lines:
        parts += [str(speech / line.recording), str(gap)]
    out = tmp / "agent.wav"
    subprocess.run(["sox", *parts, "-r", "8000", "-c", "1", "-b", "16", str(out)], check=True)
    length = float(subprocess.run(["soxi", "-D", str(out)], capture_output=True, text=True, check=True).stdout)
    return out, length


@pytest.mark.xfail(strict=False, reason="issue 18: the matcher on meaning")
@pytest.mark.parametrize(("language", "model"), [("en", "tiny.en"), ("ru", "base")], ids=["en-tiny.en", "ru-base"])
def test_a_paraphrased_call_ticks_every_spoken_step(
    tmp_path: Path, make_server: Any, baresip: Any, language: str, model: str
) -> None:
    lines = tuple(line for line in LINES if line.language == language)
    if SPEECH is None:
        pytest.skip("../shared/speech/asterisk not found: the recordings are not in the repo")
    if not (REPO / "models" / model).is_dir():
        pytest.skip(f"models/{model} not installed: run `make install`")
    need("baresip", "sox", "soxi")
    agent_wav, length_s = _agent_audio(tmp_path, SPEECH, lines)
    server = make_server(
        audio={"agent_audio_file": str(agent_wav)},
        transcribe={"model": model, "language": language},
        assist={"default_script": f"paraphrase-{language}"},
    )
    (tmp_path / "scripts" / f"paraphrase-{language}.yaml").write_text(_script(language, lines), encoding="utf-8")
    server.start()
    customer = _silence(tmp_path / "customer.wav", length_s + TAIL_S)  # the customer listens
    phone = baresip(customer)
    phone.dial(server.sip_uri, seconds=int(length_s + TAIL_S))
    phone.wait(length_s + TAIL_S + 30)
    with server.client() as client:
        call = _wait_ended(client, 30)
        adherence = client.get(f"/api/calls/{call['id']}/adherence").json()
        utterances = client.get(f"/api/calls/{call['id']}/transcript").json()["utterances"]
    heard = [u["text"] for u in utterances if u["channel"] == "agent"]
    steps = {s["id"]: s["status"] for s in adherence["steps"]}
    unticked = [(line.step, line.say) for line in lines if steps.get(line.step) != "done"]
    missed_alerts = [a for a in adherence["alerts"] if a["type"] == "compliance_missed"]
    print(f"{language}: heard {heard}; steps {steps}; unticked {unticked}")
    assert not unticked and not missed_alerts, (
        f"spoken steps not ticked: {unticked}; compliance alerts: {missed_alerts}; the agent was heard saying {heard}"
    )
