"""Script format extensions, partial ticks, timing alerts, script updates, and the assist benchmark as a gate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agentassist.assist.matcher import score_line, tokens
from agentassist.assist.parsing import load_script, parse_script
from agentassist.assist.tracker import ScriptTracker, TrackerOptions
from agentassist.errors import ScriptError
from agentassist.events import Channel, EventType, Utterance
from benchmarks import assist as bench

REPO = Path(__file__).resolve().parent.parent

SALES = """\
id: fiber
version: 1
language: en
campaign: fiber-upgrade
handle_time_s: 120
variables:
  company: Acme
  agent: Alex
  customer_name: John Smith
  plan: Fiber 300
steps:
  - id: greet
    say: ["Good afternoon, this is {agent} from {company}, am I speaking with {customer_name}?"]
    mandatory: true
  - id: recording-notice
    say: ["Please note that this call is recorded."]
    mandatory: true
    compliance: true
    time_budget_s: 20
    say_within_s: 30
  - id: purpose
    say: ["I'm calling about {plan} for thirty euros a month."]
    mandatory: true
  - id: discount
    say: ["I can offer you a 20 percent discount if you sign up today."]
    after: [purpose]
  - id: close
    say: ["Thank you for your time, goodbye."]
    mandatory: true
intents:
  - id: too-expensive
    triggers: ["too expensive", "can't afford"]
    goto: discount
    card: discount-terms
dispositions: [sale, callback, refused, wrong-number]
alerts:
  silence_s: 8
cards:
  - id: discount-terms
    title: Discount terms
    triggers: ["discount"]
    body: "20 % off for 12 months"
"""


def _u(uid: str, text: str, start: float, end: float, channel: Channel = Channel.AGENT, **kw: object) -> Utterance:
    return Utterance(uid, "c1", channel, start, end, text, **kw)  # type: ignore[arg-type]


def _types(events: list) -> list[str]:  # type: ignore[type-arg]
    return [e.data["alert"]["type"] for e in events if e.type is EventType.ASSIST_ALERT]


def test_extended_script_parses_and_old_scripts_stay_valid() -> None:
    s = parse_script(SALES, "fiber.yaml")
    assert s.campaign == "fiber-upgrade"
    assert s.default_variables()["plan"] == "Fiber 300"
    assert s.intents[0].goto == "discount" and s.intents[0].card == "discount-terms"
    assert s.dispositions == ("sale", "callback", "refused", "wrong-number")
    assert s.step("discount") is not None and s.step("discount").after == ("purpose",)  # type: ignore[union-attr]
    assert s.step("recording-notice").time_budget_s == 20.0  # type: ignore[union-attr]
    assert s.step("recording-notice").say_within_s == 30.0  # type: ignore[union-attr]
    assert s.step("greet").say_within_s is None  # type: ignore[union-attr]
    assert s.thresholds() == {"silence_s": 8.0}
    for path in sorted((REPO / "scripts").glob("*.yaml")):
        load_script(path)


def _bad(text: str) -> list[str]:
    with pytest.raises(ScriptError) as err:
        parse_script(text, "x.yaml")
    return err.value.errors


BASE = "id: x\nsteps:\n  - id: a\n    say: hi\n  - id: b\n    say: yo\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            BASE + "intents:\n  - id: i\n    triggers: [no]\n    goto: nowhere\n",
            "x.yaml:10: intent 'i': goto names a missing step 'nowhere'",
        ),
        (
            BASE + "intents:\n  - id: i\n    triggers: [no]\n    card: nocard\n",
            "x.yaml:10: intent 'i': card names a missing card 'nocard'",
        ),
        (BASE + "intents:\n  - id: i\n    triggers: [no]\n", "x.yaml:8: intent without 'goto' or 'card'"),
        (
            BASE + "intents:\n  - id: i\n    triggers: [no]\n    goto: a\n    mood: sad\n",
            "x.yaml:11: unknown key 'mood' in intent",
        ),
        (
            "id: x\nsteps:\n  - id: a\n    say: hi\n    after: [b]\n  - id: b\n    say: yo\n    after: [a]\n",
            "x.yaml:5: order constraints form a cycle: a -> b -> a",
        ),
        (
            "id: x\nsteps:\n  - id: a\n    say: hi\n    after: [zz]\n",
            "x.yaml:5: step 'a': 'after' names a missing step 'zz'",
        ),
        ("id: x\nsteps:\n  - id: a\n    say: 'hi {nickname}'\n", "x.yaml:3: step 'a': unknown variable {nickname}"),
        (
            "id: x\nsteps:\n  - id: a\n    say: hi\n    time_budget_s: 0\n",
            "x.yaml:5: time_budget_s: expected a number above 0",
        ),
        (
            "id: x\nsteps:\n  - id: a\n    say: hi\n    say_within_s: -5\n",
            "x.yaml:5: say_within_s: expected a number above 0",
        ),
        (BASE + "alerts:\n  talk_ratio_max: 3\n", "x.yaml:8: alerts.talk_ratio_max: expected 0..1, got 3.0"),
        (BASE + "alerts:\n  loudness: 3\n", "x.yaml:8: unknown key 'loudness' in alerts"),
        (BASE + "dispositions: [sale, sale]\n", "x.yaml:7: disposition 'sale' listed twice"),
        (BASE + "variables: [a, b]\n", "x.yaml:7: variables: expected a mapping"),
        ("id: x\nsteps:\n  - id: a\n    say: hi\n  - id: a\n    say: yo\n", "x.yaml:5: duplicate step id 'a'"),
    ],
)
def test_bad_extended_scripts_name_the_line(text: str, expected: str) -> None:
    errors = _bad(text)
    assert any(e.startswith(expected) for e in errors), errors


def test_numbers_as_words_or_digits_in_every_language() -> None:
    assert tokens("thirty five euros") == tokens("35 euros")
    assert tokens("двести пятьдесят рублей") == tokens("250 рублей")
    assert tokens("двісті гривень") == tokens("200 гривень")
    assert tokens("sześćdziesiąt złotych") == tokens("60 zł")
    assert tokens("three hundred") == ["300"]
    assert tokens("seven seven three one") == ["7", "7", "3", "1"]  # spelled digits stay digits
    assert score_line("first three months for 15 euros", "first three months for fifty euros").score < 1.0


def test_inflection_and_reordering_in_slavic_languages() -> None:
    assert score_line("Могу ли я ещё чем-нибудь вам помочь?", "чем-нибудь ещё могу вам помочь").score >= 0.7
    assert score_line("Спасибо, что позвонили в Ромашку", "спасибо за звонок в ромашка").score >= 0.6
    assert score_line("Dzwonię, aby zaproponować internet", "dzwonie zeby zaproponowac internetu").score >= 0.7
    # a question about recording is not the recording notice
    assert score_line("Этот разговор записывается", "а этот разговор не записывают?").score < 1.0


def test_intent_jumps_to_its_step_and_shows_its_card() -> None:
    t = ScriptTracker(parse_script(SALES), {}, "c1")
    t.on_utterance(_u("1", "Good afternoon, this is Alex from Acme, am I speaking with John Smith?", 0.5, 4.0))
    events = t.on_utterance(_u("2", "that is too expensive for me", 5.0, 6.5, Channel.CUSTOMER))
    assert [e.data["card"]["id"] for e in events if e.type is EventType.ASSIST_CARD] == ["discount-terms"]
    prompt = next(e for e in events if e.type is EventType.ASSIST_PROMPT).data["prompt"]
    assert prompt == {
        "step_id": "discount",
        "text": "I can offer you a 20 percent discount if you sign up today.",
        "intent": "too-expensive",
    }
    ev = t.on_utterance(_u("3", "I can offer you a twenty percent discount if you sign up today", 7.0, 10.0))
    step = next(e for e in ev if e.type is EventType.ASSIST_STEP).data["step"]
    assert step["id"] == "discount" and step["evidence"]["out_of_order"] == ["purpose"]
    assert t.state()["current_step"] == "recording-notice"  # back to the script once the branch is said
    assert t.state()["intents"][0]["id"] == "too-expensive"
    assert t.state()["next_prompt"] == "Please note that this call is recorded."


def test_certain_partial_ticks_and_its_final_confirms_or_withdraws() -> None:
    t = ScriptTracker(parse_script(SALES), {}, "c1")
    line = "Please note that this call is recorded"
    ev = t.on_utterance(_u("u1", line, 1.0, 3.0, final=False))
    step = next(e for e in ev if e.type is EventType.ASSIST_STEP).data["step"]
    assert (step["id"], step["status"], step["evidence"]["partial"]) == ("recording-notice", "done", True)
    ev = t.on_utterance(_u("u1", line + " for training", 1.0, 3.5))
    step = next(e for e in ev if e.type is EventType.ASSIST_STEP).data["step"]
    assert step["status"] == "done" and "partial" not in step["evidence"]
    # a second partial ticks close; its final turns out to be something else: withdrawn, pending again
    t.on_utterance(_u("u2", "Thank you for your time, goodbye", 5.0, 6.0, final=False))
    ev = t.on_utterance(_u("u2", "thank you for your patience", 5.0, 6.5))
    step = next(e for e in ev if e.type is EventType.ASSIST_STEP).data["step"]
    assert (step["id"], step["status"]) == ("close", "withdrawn")
    assert {s["id"]: s["status"] for s in t.report()["steps"]}["close"] == "pending"
    # an unreliable final withdraws too, and ticks nothing
    t.on_utterance(_u("u3", "Thank you for your time, goodbye", 7.0, 8.0, final=False))
    ev = t.on_utterance(_u("u3", "Thank you for your time, goodbye", 7.0, 8.0, reliable=False))
    assert [e.data["step"]["status"] for e in ev if e.type is EventType.ASSIST_STEP] == ["withdrawn"]
    assert t.on_utterance(_u("u4", "that is too expensive", 9.0, 10.0, Channel.CUSTOMER, reliable=False)) == []


def test_timing_alerts_with_script_and_config_thresholds() -> None:
    t = ScriptTracker(parse_script(SALES), {}, "c1", options=TrackerOptions(overtalk_s=1.0, talk_ratio_max=0.8))
    assert t.options.silence_s == 8.0  # from the script's alerts:
    t.on_utterance(_u("1", "Good afternoon, this is Alex from Acme, am I speaking with John Smith?", 0.5, 4.0))
    # 14 s of voice activity with no text yet (a long utterance on its way): no silence alert
    assert _types(t.tick(15.0, speaking=True)) == []
    assert _types(t.tick(20.0)) == []
    # recording-notice has been the current step for 23 s, over its 20 s budget; and 11+ s of quiet after voice activity
    assert _types(t.tick(27.0)) == ["step_time", "long_silence"]
    # the customer talks, the agent comes in over them for 1.5 s
    t.on_utterance(
        _u("2", "well I was thinking about whether I really need faster internet at all", 28.0, 33.0, Channel.CUSTOMER)
    )
    assert _types(t.on_utterance(_u("3", "yes yes of course", 31.5, 33.5))) == ["overtalk"]
    # a gap of 9 s between finals (over the script's 8 s) is a silence found from the text
    assert _types(t.on_utterance(_u("4", "I'm calling about Fiber 300 for thirty euros a month", 42.5, 46.0))) == [
        "long_silence"
    ]
    # the agent then talks for 40 s: talk ratio out of bounds at the end; compliance never said (the
    # talk is near enough its line, 0.822, to leave it "said in other words?" for a person: deadline.py)
    t.on_utterance(_u("5", "and let me tell you everything about it " * 10, 47.0, 87.0))
    assert set(_types(t.finish(90.0))) == {"talk_ratio", "compliance_unsure"}
    alert = next(a for a in t.report()["alerts"] if a["type"] == "talk_ratio")
    assert alert["ratio"] > 0.8


def test_an_unreliable_utterance_is_still_speech_for_the_silence_alert() -> None:
    t = ScriptTracker(parse_script(SALES), {}, "c1", options=TrackerOptions(overtalk_s=0))
    t.on_utterance(_u("1", "Good afternoon, this is Alex from Acme", 0.5, 3.0))
    # the customer talks for 20 s, but the transcriber flags the text unreliable: it ticks nothing...
    assert t.on_utterance(_u("2", "mmm hmm uh", 3.5, 23.5, Channel.CUSTOMER, reliable=False)) == []
    # ...and the agent answering 1 s later ends no "long silence": someone was speaking all along
    assert _types(t.on_utterance(_u("3", "I see, thank you", 24.5, 26.0))) == []
    # a real gap of 9 s after that still alerts (the script's threshold is 8 s)
    assert _types(t.on_utterance(_u("4", "are you still there", 35.0, 36.0))) == ["long_silence"]


def test_long_silence_reads_the_same_from_the_clock_and_from_the_text() -> None:
    t = ScriptTracker(parse_script(SALES), {}, "c1", options=TrackerOptions(overtalk_s=0))
    t.on_utterance(_u("1", "Good afternoon, this is Alex from Acme", 0.5, 3.0))
    # quiet since 3 s: the clock finds it once the script's 8 s and the transcription lag have passed
    assert _types(t.tick(13.0)) == []
    assert _types(t.tick(14.5)) == ["long_silence"]
    # the next utterance ends the same gap: no second alert for it
    assert _types(t.on_utterance(_u("2", "hello, are you there", 16.0, 17.0, Channel.CUSTOMER))) == []
    # a gap of 9 s that only the text finds
    assert _types(t.on_utterance(_u("3", "yes I am here", 26.0, 27.0, Channel.CUSTOMER))) == ["long_silence"]
    clock, text = t.report()["alerts"]
    assert clock == {"type": "long_silence", "message": "no one spoke for 8 s", "t": 11.0, "seconds": 8.0}
    assert text == {"type": "long_silence", "message": "no one spoke for 9 s", "t": 25.0, "seconds": 9.0}


def test_compliance_pending_near_the_end() -> None:
    t = ScriptTracker(parse_script(SALES), {}, "c1", options=TrackerOptions(compliance_warn_s=30, silence_s=0))
    assert _types(t.tick(80.0)) == []
    assert _types(t.tick(91.0)) == ["compliance_pending"]  # 120 s budget - 30 s
    assert t.report()["alerts"][0]["steps"] == ["recording-notice"]


def test_new_script_version_keeps_progress_on_persisting_steps() -> None:
    t = ScriptTracker(parse_script(SALES), {}, "c1")
    t.on_utterance(_u("1", "Good afternoon, this is Alex from Acme, am I speaking with John Smith?", 0.5, 4.0))
    t.on_utterance(_u("2", "Please note that this call is recorded.", 4.5, 6.0))
    v2 = SALES.replace("version: 1", "version: 2").replace("  - id: recording-notice", "  - id: consent")
    ev = t.replace_script(parse_script(v2), 10.0)
    report = t.report()
    steps = {s["id"]: s["status"] for s in report["steps"]}
    assert steps["greet"] == "done" and steps["consent"] == "pending" and "recording-notice" not in steps
    assert report["version"] == 2 and report["versions"] == [
        {"version": 1, "from_s": 0.0},
        {"version": 2, "from_s": 10.0},
    ]
    assert ev[0].data["prompt"]["step_id"] == "consent"


def test_assist_benchmark_meets_its_targets(tmp_path: Path) -> None:
    """The quality gate: step precision >= 0.95 and recall >= 0.90 in every language, >= 10 cases each."""
    _, summary = bench.run(bench.DEFAULT_CASES)
    assert summary["cases"] >= 40
    assert set(summary["languages"]) == {"en", "ru", "uk", "pl"}
    for lang, s in summary["languages"].items():
        assert s["cases"] >= 10, lang
        assert s["steps"]["precision"] >= 0.95, (lang, s)
        assert s["steps"]["recall"] >= 0.90, (lang, s)
        assert s["cards"]["recall"] >= 0.9 and s["alerts"]["recall"] >= 0.9, (lang, s)
        # a real compliance miss is never silent, a said compliance line never "missed" (an unsure instead)
        assert s["missed_alert_recall"] == 1.0 and s["compliance_false_missed"] == 0, (lang, s)
    # the tick budget (issue 18: p95 <= 0.3 s after the final utterance): CPU time per final agent
    # utterance, which the other work on this shared machine does not inflate as it does wall time
    assert summary["utterance_cpu_p95_s"] < 0.3
    out = tmp_path / "cases.jsonl"
    assert bench.main(["--cases", str(bench.DEFAULT_CASES), "--out", str(out)]) == 0
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    assert len(lines) == summary["cases"]
    first = next(x for x in lines if x["case"] == "en-07-sale-numbers-objection")
    assert first["steps"]["discount"] == "done" and first["cards"] == ["discount-terms", "speeds"]


def test_assist_benchmark_names_a_bad_case(tmp_path: Path) -> None:
    case = tmp_path / "c1"
    case.mkdir()
    (case / "script.yaml").write_text("id: x\nsteps:\n  - id: a\n    say: hi\n")
    (case / "expected.json").write_text('{"steps": {"zz": "done"}}')
    (case / "transcript.jsonl").write_text('{"channel": "agent", "start": 0, "end": 1, "text": "hi"}\n')
    with pytest.raises(bench.CaseError, match="steps not in the script: \\['zz'\\]"):
        bench.run(tmp_path)
    (case / "expected.json").write_text('{"steps": {"a": "done"}}')
    (case / "transcript.jsonl").write_text('{"channel": "robot", "start": 0, "end": 1, "text": "hi"}\n')
    with pytest.raises(bench.CaseError, match=r"transcript\.jsonl:1: expected"):
        bench.run(tmp_path)
