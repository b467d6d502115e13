"""The stream's rules without threads or a model: stable words, the speculative final, turns and revisions.

Jobs are plain strings here: the drafts only hold them and hand them back."""

from __future__ import annotations

from agentassist.events import Channel, CutReason, SpeechSegment, Utterance, Word
from agentassist.transcribe.agreement import StableWords
from agentassist.transcribe.drafts import Drafts, Step
from agentassist.transcribe.metrics import Histogram
from agentassist.transcribe.revise import TURN_MAX_S, Turns


def _drafts(turn_gap_s: float | None = None) -> tuple[Drafts[str], Histogram, Histogram]:
    first, final = Histogram(), Histogram()
    return Drafts(turn_gap_s=turn_gap_s, first_partial_latency=first, final_latency=final), first, final


def _said(uid: str, text: str, start_s: float = 0.0, end_s: float = 1.0) -> Utterance:
    n = len(text.split())
    step = (end_s - start_s) / max(n, 1)
    words = tuple(Word(start_s + i * step, start_s + (i + 1) * step, w, 0.9) for i, w in enumerate(text.split()))
    return Utterance(uid, "c1", Channel.AGENT, start_s, end_s, text, final=False, words=words)


def _cut(uid: str, reason: CutReason = CutReason.SILENCE, start_s: float = 0.0, end_s: float = 1.2) -> SpeechSegment:
    pcm = bytes(round((end_s - start_s) * 16000) * 2)
    return SpeechSegment("c1", Channel.AGENT, start_s, end_s, pcm, 16000, reason, uid)


def _words(text: str) -> list[str]:
    return text.split()


def _texts(step: Step[str]) -> list[tuple[str, bool]]:
    return [(u.text, u.final) for u in step.emit]


def test_words_become_stable_when_three_hypotheses_agree_and_are_never_retracted() -> None:
    words = StableWords()
    assert words.insert(_words("please leave")) == ["please", "leave"] and words.stable == []
    assert words.insert(_words("please leave your")) == ["please", "leave", "your"] and words.stable == []
    # the third agrees on "please leave"; "leave" was the first hypothesis' last word: never stable from it
    words.insert(_words("please leave your message"))
    assert words.stable == ["please"]
    words.insert(_words("Please leave your message after"))
    assert words.stable == ["please", "leave"]  # the spelling first shown stays
    assert words.insert(_words("police leaf your message after the"))[:2] == ["please", "leave"]
    final = Utterance("u", "c1", Channel.AGENT, 0.0, 2.0, "Police leave your message.")
    assert words.flush(final).text == "please leave your message."


def test_a_speculative_result_that_came_before_the_cut_is_the_final_at_once() -> None:
    drafts, first, final = _drafts()
    assert drafts.speech("u1", start_wall=10.0)
    assert not drafts.speech("u1", start_wall=10.5)  # the same utterance goes on
    drafts.partial_submitted("p1")
    drafts.speculate("s1", voiced=40, pause_tail=False)
    assert drafts.speculating
    step = drafts.speculative_done("s1", "u1", 2, _said("u1", "hello there"), now=11.0)
    assert _texts(step) == [("hello there", False)] and first.n == 1 and first.total == 1.0
    step = drafts.cut(_cut("u1", end_s=1.2), voiced=40, now=11.3, voiced_wall=11.0)
    assert step.cancel == "p1" and step.decode is None and step.promote is None
    assert _texts(step) == [("hello there", True)]
    assert step.emit[0].end_s == 1.2  # the segment as cut, a little longer than the words
    assert final.n == 1 and abs(final.total - 0.3) < 1e-9 and drafts.finals == 1


def test_a_speculative_decode_still_running_at_the_cut_is_promoted_and_becomes_the_final() -> None:
    drafts, _, _ = _drafts()
    drafts.speech("u1", 0.0)
    drafts.speculate("s1", voiced=40, pause_tail=True)
    step = drafts.cut(_cut("u1", reason=CutReason.PAUSE), voiced=40, now=1.0, voiced_wall=0.9)
    assert step.promote == "s1" and step.emit == [] and step.decode is None
    step = drafts.speculative_done("s1", "u1", 1, _said("u1", "one two"), now=1.2)
    assert _texts(step) == [("one two", True)]
    assert drafts.speculative_done("s1", "u1", 1, _said("u1", "again"), now=1.3).emit == []  # once only


def test_speech_after_the_speculative_decode_needs_a_final_decode_and_its_result_is_a_hypothesis() -> None:
    drafts, _, _ = _drafts()
    drafts.speech("u1", 0.0)
    drafts.speculate("s1", voiced=40, pause_tail=False)
    drafts.speech_went_on()
    assert not drafts.speculating
    step = drafts.cut(_cut("u1"), voiced=55, now=2.0, voiced_wall=1.9)
    assert step.decode is not None and step.promote is None
    assert _texts(drafts.speculative_done("s1", "u1", 1, _said("u1", "so far"), now=2.1)) == [("so far", False)]
    assert _texts(drafts.final_done(step.decode, _said("u1", "so far and more"), now=2.5)) == [
        ("so far and more", True)
    ]
    assert drafts.partial_done("u1", 9, _said("u1", "late"), now=2.6).emit == []  # after its final: nothing


def test_a_pause_cut_takes_the_speculative_result_only_if_decoded_as_a_pause() -> None:
    drafts, _, _ = _drafts()
    drafts.speech("u1", 0.0)
    drafts.speculate("s1", voiced=40, pause_tail=False)  # short speech: no silence tail in its decode
    step = drafts.cut(_cut("u1", reason=CutReason.PAUSE), voiced=40, now=1.0, voiced_wall=0.9)
    assert step.decode is not None and step.promote is None


def test_results_of_older_partial_jobs_are_ignored() -> None:
    drafts, _, _ = _drafts()
    drafts.speech("u1", 0.0)
    assert _texts(drafts.partial_done("u1", 2, _said("u1", "newer words"), now=0.5)) == [("newer words", False)]
    assert drafts.partial_done("u1", 1, _said("u1", "older"), now=0.6).emit == []
    assert drafts.partial_done("u1", 3, None, now=0.7).emit == []  # nothing heard
    assert drafts.partials == 1


def test_a_turn_is_revised_once_its_pause_is_long_and_all_its_finals_came() -> None:
    drafts, _, _ = _drafts(turn_gap_s=1.0)
    cuts = [_cut("u1", start_s=0.0, end_s=1.0), _cut("u2", start_s=1.5, end_s=2.5)]
    steps = [drafts.cut(c, voiced=30, now=c.end_s, voiced_wall=c.end_s) for c in cuts]
    decode = [s.decode for s in steps]
    assert all(d is not None for d in decode) and all(s.revisions == [] for s in steps)
    assert drafts.pause(3.0).revisions == []  # 0.5 s after the turn: still open
    assert drafts.final_done(decode[0], _said("u1", "press three", 0.1, 0.9), now=3.1).revisions == []  # type: ignore[arg-type]
    assert drafts.pause(3.6).revisions == []  # closed now, but a final is missing
    step = drafts.final_done(decode[1], _said("u2", "to recall", 1.6, 2.4), now=3.7)  # type: ignore[arg-type]
    [revision] = step.revisions
    assert [p.id for p in revision.parts] == ["u1", "u2"] and revision.audio.utterance_id == "u1"
    assert (revision.audio.start_s, revision.audio.end_s) == (0.0, 2.5)
    decoded = Utterance(
        "x",
        "c1",
        Channel.AGENT,
        0.0,
        2.5,
        "press three to re-record",
        words=tuple(
            Word(t0, t1, w, 0.9)
            for t0, t1, w in [(0.1, 0.5, "press"), (0.5, 0.9, "three"), (1.6, 1.9, "to"), (1.9, 2.4, "re-record")]
        ),
    )
    step = drafts.revised_done(revision.parts, decoded)
    assert [(u.id, u.text, u.revised) for u in step.emit] == [("u2", "to re-record", True)] and drafts.revised == 1
    assert drafts.finish().revisions == []  # nothing open


def test_turns_close_at_a_long_pause_at_their_longest_and_at_the_end() -> None:
    class Part:
        def __init__(self, start_s: float, end_s: float) -> None:
            self.span = (start_s, end_s)

    turns = Turns(gap_s=1.0)
    a, b = Part(0.0, 2.0), Part(2.5, 4.0)
    first, closed = turns.join(a, *a.span)
    assert closed is None and turns.join(b, *b.span) == (first, None)
    late = Part(5.0, 6.0)  # 1 s after the turn's end
    second, closed = turns.join(late, *late.span)
    assert closed is first and first.closed and second is not first
    long = Part(6.5, 5.0 + TURN_MAX_S + 0.5)
    _, closed = turns.join(long, *long.span)
    assert closed is second  # past TURN_MAX_S of audio
    assert turns.pause(5.0 + TURN_MAX_S + 1.0) is None
    assert turns.close() is not None and turns.close() is None
