"""The scheduling rules without threads or a clock: jobs pushed, popped at chosen times."""

from __future__ import annotations

import pytest

from agentassist.audio.frames import FRAME_BYTES
from agentassist.events import Channel, SpeechSegment, Utterance
from agentassist.transcribe.schedule import Job, JobKind, Schedule, Shed


def _job(kind: JobKind, uid: str, at: float = 0.0, call: str = "c1", channel: Channel = Channel.AGENT) -> Job:
    segment = SpeechSegment(call, channel, 0.0, 1.0, bytes(FRAME_BYTES), 16000, utterance_id=uid)
    return Job(kind, segment, _noop, submitted=at)


def _noop(job: Job, u: Utterance | None) -> None:
    return None


def _run_all(schedule: Schedule, now: float) -> list[str]:
    """Pop and finish every job that can run at ``now``, one at a time."""
    ran: list[str] = []
    while isinstance(job := schedule.pop(now), Job):
        ran.append(job.segment.utterance_id)
        schedule.finished(job)
    return ran


def test_finals_then_speculative_then_partials_then_revisions_oldest_first() -> None:
    s = Schedule()
    for kind, uid in [
        (JobKind.REVISE, "r1"),
        (JobKind.PARTIAL, "p1"),
        (JobKind.SPECULATIVE, "s1"),
        (JobKind.FINAL, "f1"),
        (JobKind.FINAL, "f2"),
    ]:
        s.push(_job(kind, uid, call=uid))
    assert _run_all(s, 0.5) == ["f1", "f2", "s1", "p1", "r1"]
    assert s.idle and s.pop(0.5) is None


def test_a_newer_partial_replaces_the_queued_one_of_its_channel() -> None:
    s = Schedule()
    old, new = _job(JobKind.PARTIAL, "p1"), _job(JobKind.PARTIAL, "p2")
    other = _job(JobKind.PARTIAL, "p3", channel=Channel.CUSTOMER)
    for job in (old, new, other):
        s.push(job)
    assert old.cancelled and old.future.result(0) is None and s.dropped_partials == 1
    assert sorted(j.segment.utterance_id for j in s.queued()) == ["p2", "p3"]
    assert _run_all(s, 0.5) == ["p2", "p3"]


def test_a_stale_partial_is_dropped_when_its_turn_comes() -> None:
    s = Schedule(partial_max_wait_s=1.0)
    late = _job(JobKind.PARTIAL, "late", at=0.0)
    s.push(late)
    s.push(_job(JobKind.FINAL, "f", at=0.0))
    assert _run_all(s, 1.5) == ["f"]
    assert late.cancelled and s.dropped_partials == 1 and not s.queued()


def test_promote_moves_a_queued_speculative_job_to_the_finals_and_leaves_no_entry_behind() -> None:
    s = Schedule()
    spec = _job(JobKind.SPECULATIVE, "s")
    s.push(_job(JobKind.PARTIAL, "p"))
    s.push(spec)
    s.push(_job(JobKind.FINAL, "f"))
    s.promote(spec)
    assert spec.kind is JobKind.FINAL and len(s.queued()) == 3
    assert _run_all(s, 0.1) == ["f", "s", "p"]
    running = _job(JobKind.SPECULATIVE, "r")
    s.push(running)
    assert s.pop(0.2) is running
    s.promote(running)  # already running: it counts as a final, and nothing is queued again
    assert running.kind is JobKind.FINAL and s.queued() == []


def test_cancel_withdraws_a_queued_job_only() -> None:
    s = Schedule()
    partial, started = _job(JobKind.PARTIAL, "p"), _job(JobKind.FINAL, "f")
    s.push(started)
    assert s.pop(0.0) is started
    s.push(partial)
    assert s.cancel(partial) and not s.cancel(partial) and not s.cancel(started)
    assert s.superseded_partials == 1 and s.queued() == [] and partial.future.result(0) is None


def test_one_revision_at_a_time_and_held_while_anyone_speaks() -> None:
    s = Schedule(revise_hold_s=10.0)
    first, second = _job(JobKind.REVISE, "r1", at=0.0), _job(JobKind.REVISE, "r2", at=0.0)
    s.push(first)
    s.push(second)
    assert s.pop(1.0) is first
    assert s.pop(1.0) is None  # a worker stays free for finals
    final = _job(JobKind.FINAL, "f", at=1.0)
    s.push(final)
    assert s.pop(1.0) is final
    s.finished(first)
    s.set_speaking(("c2", "customer"), True)
    assert s.pop(4.0) == pytest.approx(6.0)  # held until 10 s after it was submitted
    s.idle_waiters += 1  # someone waits for everything: nothing is held
    assert s.pop(4.0) is second
    s.idle_waiters -= 1
    s.finished(second)
    held = _job(JobKind.REVISE, "r3", at=5.0)
    s.push(held)
    assert isinstance(s.pop(6.0), float)
    assert s.pop(15.5) is held  # the hold is over though speech goes on


def test_a_revision_that_waited_too_long_is_dropped_wherever_it_is_queued() -> None:
    s = Schedule(revise_max_wait_s=30.0)
    starved = _job(JobKind.REVISE, "r", at=0.0)
    s.push(starved)
    s.push(_job(JobKind.FINAL, "f1", at=29.0))
    s.push(_job(JobKind.FINAL, "f2", at=29.0))
    assert isinstance(s.pop(31.0), Job)  # f1 runs; the revision has expired behind f2
    assert starved.cancelled and starved not in s.queued() and s.dropped_revisions == 1


def test_close_keeps_finals_and_drops_partials_and_revisions() -> None:
    s = Schedule()
    final, spec = _job(JobKind.FINAL, "f"), _job(JobKind.SPECULATIVE, "s")
    partial, revision = _job(JobKind.PARTIAL, "p"), _job(JobKind.REVISE, "r")
    for job in (final, spec, partial, revision):
        s.push(job)
    s.close()
    assert partial.cancelled and revision.cancelled and s.dropped_revisions == 1 and not s.stopped
    late = _job(JobKind.REVISE, "late")
    s.push(late)
    assert late.cancelled and s.dropped_revisions == 2
    with pytest.raises(RuntimeError, match="closed"):
        s.push(_job(JobKind.FINAL, "f2"))
    assert _run_all(s, 0.1) == ["f", "s"] and s.stopped


def test_a_revision_past_its_due_time_goes_before_partials_but_after_finals() -> None:
    s = Schedule(revise_due_s=5.0)
    revision = _job(JobKind.REVISE, "r1", at=0.0)
    s.push(revision)
    s.push(_job(JobKind.PARTIAL, "p1", at=4.5, call="c2"))
    assert _run_all(s, 4.6) == ["p1", "r1"]  # not due yet: the partial first (the revision: nothing waits)
    s.push(_job(JobKind.REVISE, "r2", at=1.0))
    s.push(_job(JobKind.REVISE, "r3", at=2.0))
    s.push(_job(JobKind.PARTIAL, "p2", at=6.5, call="c2"))
    s.push(_job(JobKind.FINAL, "f1", at=6.9, call="c3"))
    first = s.pop(7.0)
    assert isinstance(first, Job) and first.segment.utterance_id == "f1"
    due = s.pop(7.0)
    assert isinstance(due, Job) and due.segment.utterance_id == "r2"  # due, oldest first, before p2
    partial = s.pop(7.0)  # one revision at a time: r3, due too, waits; the partial goes
    assert isinstance(partial, Job) and partial.segment.utterance_id == "p2"
    for job in (first, due, partial):
        s.finished(job)
    assert _run_all(s, 7.1) == ["r3"]
    plain = Schedule()  # without a due time revisions wait for the partials, as before
    plain.push(_job(JobKind.REVISE, "r", at=0.0))
    plain.push(_job(JobKind.PARTIAL, "p", at=19.9))
    assert _run_all(plain, 20.0) == ["p", "r"]


def test_partials_of_several_channels_are_taken_together_and_a_stale_one_is_dropped() -> None:
    s = Schedule(partial_max_wait_s=1.0)
    jobs = [_job(JobKind.PARTIAL, f"p{i}", at=0.9 if i != 2 else 0.0, call=f"c{i}") for i in range(5)]
    for job in jobs:
        s.push(job)
    s.push(_job(JobKind.REVISE, "r1", at=0.0))
    first = s.pop(1.5)
    assert isinstance(first, Job) and first.segment.utterance_id == "p0"
    more = s.pop_more(1.5, first, 2, lambda j: j.segment.call_id != "c4")
    assert [j.segment.utterance_id for j in more] == ["p1", "p3"]  # p2 waited 1.5 s: stale, dropped
    assert jobs[2].cancelled and s.shed[Shed.PARTIAL_STALE] == 1
    assert s.pop_more(1.5, first, 4, lambda j: j.segment.call_id != "c4") == []  # p4 does not fit: it waits
    assert all(j in s.running for j in (first, *more))
    assert {j.segment.utterance_id for j in s.queued()} == {"p4", "r1"}
    # finals are never taken into a batch of partials, nor partials into one of finals
    final = _job(JobKind.FINAL, "f1", at=1.5)
    s.push(final)
    assert s.pop_more(1.5, first, 4, lambda j: True) == []
    assert s.pop(1.5) is final and s.pop_more(1.5, final, 4, lambda j: True) == []
