"""Scripts, matching and the tracker on real-looking transcripts (en, ru, uk, pl)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from agentassist.assist.matcher import contains_phrase, score_line
from agentassist.assist.parsing import load_script, parse_script
from agentassist.assist.tracker import ScriptTracker
from agentassist.assist.versions import ScriptVersions
from agentassist.errors import ScriptError
from agentassist.events import Channel, EventType, Utterance, Word

SCRIPT = """\
id: helpdesk
version: 3
language: en
handle_time_s: 60
steps:
  - id: greet
    say: ["Thank you for calling {company}, my name is {agent}."]
    mandatory: true
  - id: recording-notice
    say: ["This call is recorded for quality and training purposes."]
    mandatory: true
    compliance: true
  - id: upsell
    say: ["Would you like to hear about our premium plan?"]
forbidden: ["guaranteed profit"]
cards:
  - id: prices
    title: Price list
    triggers: ["how much", "price"]
    body: "Basic 10 EUR, Premium 25 EUR"
"""


def _utt(text: str, channel: Channel = Channel.AGENT, start: float = 1.0, words: bool = True) -> Utterance:
    ws: tuple[Word, ...] = ()
    if words:
        parts = text.split()
        ws = tuple(Word(start + 0.3 * i, start + 0.3 * i + 0.25, p, 0.9) for i, p in enumerate(parts))
    return Utterance(
        "u" + str(abs(hash(text)) % 1000),
        "c1",
        channel,
        start,
        start + 0.3 * len(text.split()),
        text,
        words=ws,
        confidence=0.9 if words else 0.0,
    )


def test_valid_script_parses() -> None:
    s = parse_script(SCRIPT, "helpdesk.yaml")
    assert (s.id, s.version, s.handle_time_s) == ("helpdesk", 3, 60.0)
    assert [st.id for st in s.steps] == ["greet", "recording-notice", "upsell"]
    assert s.steps[1].compliance and not s.steps[2].mandatory
    assert s.cards[0].triggers == ("how much", "price")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("id: x\nsteps:\n  - id: a\n    say: hi\n    colour: blue\n", ["x.yaml:5: unknown key 'colour' in step"]),
        (
            "id: x\nsteps:\n  - id: a\n    say: hi\n  - id: a\n    say: yo\n",
            ["x.yaml:5: duplicate step id 'a' (first at line 3)"],
        ),
        ("id: x\nsteps: [\n", ["x.yaml:3: invalid YAML"]),
        ("id: x\nversion: two\nsteps:\n  - id: a\n    say: hi\n", ["x.yaml:2: version: expected int"]),
        ("id: x\nsteps:\n  - id: a\n", ["x.yaml:3: step 'a' has no 'say'"]),
        ("version: 1\n", ["x.yaml:1: missing required key 'id'", "x.yaml:1: missing required key 'steps'"]),
        (
            "id: x\nhandle_time_s: -5\nsteps:\n  - id: a\n    say: hi\n",
            ["x.yaml:2: handle_time_s: expected a number above 0"],
        ),
    ],
)
def test_invalid_scripts_name_the_line(text: str, expected: list[str]) -> None:
    with pytest.raises(ScriptError) as err:
        parse_script(text, "x.yaml")
    for e in expected:
        assert any(line.startswith(e) for line in err.value.errors), err.value.errors


def test_library_skips_bad_files_and_names_them(tmp_path: Path) -> None:
    (tmp_path / "good.yaml").write_text(SCRIPT)
    (tmp_path / "bad.yaml").write_text("id: bad\nsteps: 3\n")
    lib = ScriptVersions(tmp_path)  # the scripts' one reader: serve's, the API's, the wall's
    assert lib.ids() == ["helpdesk"]
    assert lib.errors and str(tmp_path / "bad.yaml") in lib.errors[0]
    with pytest.raises(ScriptError, match="no script with id 'nope'"):
        lib.get("nope")
    (tmp_path / "late.yaml").write_text(SCRIPT.replace("id: helpdesk", "id: late", 1))
    assert lib.get("late").id == "late"  # a script saved since the last look is read when asked for
    with pytest.raises(ScriptError, match="not found"):
        load_script(tmp_path / "missing.yaml")


def test_a_script_that_failed_to_read_is_read_again_though_its_stamp_is_the_same(tmp_path: Path) -> None:
    # an editor saving in place truncates the file, then writes it: a reader in between reads a broken script,
    # and within one tick of a coarse file clock the saved file's stamp (mtime, size) can be the one it had when it
    # was read; a reader that trusted the stamp kept the failed read ("no script with id ...") until the next edit
    path = tmp_path / "helpdesk.yaml"
    half = SCRIPT.replace("steps:", "stepz:", 1)  # what was read: broken, the same length as the saved text
    path.write_text(half)
    stamp = path.stat().st_mtime_ns
    lib = ScriptVersions(tmp_path)
    assert lib.errors and lib.ids() == []
    path.write_text(SCRIPT)
    os.utime(path, ns=(stamp, stamp))
    assert lib.get("helpdesk").id == "helpdesk" and not lib.errors


def test_a_look_reads_only_the_files_whose_stamp_changed(tmp_path: Path) -> None:
    # a floor's wall looks often; while one file stays broken every look is a changed one, and each read the
    # whole directory again. A file is read once a stamp: text put under an unchanged stamp is not read.
    good = tmp_path / "helpdesk.yaml"
    good.write_text(SCRIPT)
    (tmp_path / "bad.yaml").write_text("id: bad\nsteps: 3\n")
    lib = ScriptVersions(tmp_path)
    assert lib.ids() == ["helpdesk"] and lib.errors
    stamp = good.stat().st_mtime_ns
    good.write_text(SCRIPT.replace("helpdesk", "helpdisk"))  # the same length, the same stamp
    os.utime(good, ns=(stamp, stamp))
    (tmp_path / "late.yaml").write_text(SCRIPT.replace("id: helpdesk", "id: late", 1))
    lib.refresh()
    assert lib.ids() == ["helpdesk", "late"] and lib.errors  # the broken file read again, the unchanged one not
    good.write_text(SCRIPT.replace("helpdesk", "help-desk"))  # a new stamp: read
    lib.refresh()
    assert lib.ids() == ["help-desk", "late"]


def test_matching_tolerates_recognition_errors_and_inflection() -> None:
    line = "This call is recorded for quality and training purposes."
    assert score_line(line, "this call is record it for quality and training purpose").score >= 0.7
    assert score_line(line, "the weather is nice today").score < 0.3
    assert (
        score_line(
            "Спасибо, что позвонили в {company}",
            "спасибо что позвонили в компанию Ромашка",
            {"company": "компанию Ромашка"},
        ).score
        == 1.0
    )
    assert score_line("Ваш заказ оформлен", "ваш заказа оформлён").score == 1.0  # inflection, ё/е
    assert score_line("Dziękujemy za cierpliwość", "dziekujemy za cierpliwosc").score == 1.0
    assert score_line("Дякуємо за дзвінок", "дякуємо вам за дзвінок").score == 1.0
    assert contains_phrase("so what's the price of premium", "price")
    assert contains_phrase("how much is it", "how much")
    assert not contains_phrase("how are you doing so much", "how much")
    assert not contains_phrase("I called about my invoice", "price")


def test_tracker_ticks_steps_with_evidence_from_word_times() -> None:
    tracker = ScriptTracker(parse_script(SCRIPT), {"company": "Acme", "agent": "Alex"}, "c1")
    events = tracker.on_utterance(_utt("Hello! Thank you for calling Acme, my name is Alex.", start=2.0))
    steps = [e for e in events if e.type is EventType.ASSIST_STEP]
    assert [e.data["step"]["id"] for e in steps] == ["greet"]
    assert steps[0].t == pytest.approx(2.3)  # "Thank" is the second word
    assert steps[0].data["step"]["evidence"]["score"] == 1.0
    prompt = next(e for e in events if e.type is EventType.ASSIST_PROMPT)
    assert prompt.data["prompt"]["step_id"] == "recording-notice"
    # the customer asks about prices: the card comes up once
    cards = tracker.on_utterance(_utt("how much does premium cost", Channel.CUSTOMER, start=6.0))
    assert [e.data["card"]["id"] for e in cards] == ["prices"]
    assert tracker.on_utterance(_utt("and what is the price again", Channel.CUSTOMER, start=9.0)) == []
    # forbidden phrase
    alerts = tracker.on_utterance(_utt("buy now, guaranteed profit", start=12.0))  # far from the notice: 0.81
    assert [e.data["alert"]["type"] for e in alerts] == ["forbidden_phrase"]
    # handle time: warned once at 80 % with mandatory steps left; the compliance step is unsaid
    # within compliance_warn_s (60 s) of the end; nobody has spoken since 13.5 s
    assert [e.data["alert"]["type"] for e in tracker.tick(49.0)] == [
        "handle_time",
        "compliance_pending",
        "long_silence",
    ]
    assert tracker.tick(55.0) == []
    end = tracker.finish(70.0)
    report = tracker.report()
    statuses = {s["id"]: s["status"] for s in report["steps"]}
    assert statuses == {"greet": "done", "recording-notice": "missed", "upsell": "pending"}
    assert report["score"] == 0.5
    assert {e.data["alert"]["type"] for e in end if e.type is EventType.ASSIST_ALERT} == {"compliance_missed"}


def test_uncertain_partial_and_unreliable_text_tick_nothing() -> None:
    tracker = ScriptTracker(parse_script(SCRIPT), {"company": "Acme", "agent": "Alex"}, "c1")
    partial = Utterance("p", "c1", Channel.AGENT, 0, 1, "thank you for calling acme my", final=False)
    assert tracker.on_utterance(partial) == []  # 0.7 of the line: enough for a final, not for a partial
    shaky = Utterance(
        "s",
        "c1",
        Channel.AGENT,
        0,
        1,
        "thank you for calling acme my name is alex",
        words=(Word(0, 1, "thank", 0.05),),
        confidence=0.05,
    )
    assert tracker.on_utterance(shaky) == []
    assert all(s["status"] == "pending" for s in tracker.report()["steps"])
