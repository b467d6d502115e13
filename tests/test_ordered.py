"""The ordered worker (agentassist/ordered.py) that the delivery thread, the late work and the media thread
share: jobs in the order they were put from any number of threads, a flush that waits for what came before
it and not after, a stop that says what its deadline left, a job that raises costing only itself, jobs put
for later, and a thread that comes and goes with the work."""

from __future__ import annotations

import logging
import threading
import time

import pytest

from agentassist.ordered import OrderedWorker, queued_at


def _threads(name: str) -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == name]


def _gone(name: str) -> bool:
    for _ in range(200):
        if not _threads(name):
            return True
        time.sleep(0.01)
    return False


def test_jobs_from_three_threads_run_in_the_order_they_were_put_on_one_named_thread() -> None:
    worker: OrderedWorker[int] = OrderedWorker("ordered-test-order", linger_s=0.05)
    order = threading.Lock()  # puts are made under it: their order is known
    put: list[int] = []
    ran: list[int] = []
    names: set[str] = set()

    def job(n: int) -> None:
        if n % 101 == 0:
            time.sleep(0.002)  # the thread falls behind now and then: the queue fills
        names.add(threading.current_thread().name)
        ran.append(n)

    def producer(k: int) -> None:
        for i in range(1500):
            with order:
                put.append(k * 10000 + i)
                assert worker.put(job, k * 10000 + i)

    producers = [threading.Thread(target=producer, args=(k,)) for k in range(3)]
    for t in producers:
        t.start()
    for t in producers:
        t.join()
    assert worker.flush(10)
    assert ran == put and len(ran) == 4500
    assert names == {"ordered-test-order"}
    assert worker.pending == 0 and worker.failed == 0
    assert _gone("ordered-test-order")  # idle for linger_s: the thread ends


def test_flush_waits_for_what_came_before_it_and_not_for_what_came_after() -> None:
    worker: OrderedWorker[str] = OrderedWorker("ordered-test-flush")
    first, second = threading.Event(), threading.Event()
    ran: list[str] = []

    def job(name: str) -> None:
        (first if name == "a" else second).wait(10)
        ran.append(name)

    worker.put(job, "a")
    assert not worker.flush(0.1) and worker.pending == 1  # "a" holds the thread
    flushed: list[bool] = []
    flusher = threading.Thread(target=lambda: flushed.append(worker.flush(10)))
    flusher.start()
    time.sleep(0.05)
    worker.put(job, "b")  # after the flush began: not waited for
    first.set()
    flusher.join(10)
    assert flushed == [True] and ran == ["a"] and worker.pending == 1
    second.set()
    assert worker.flush(10) and ran == ["a", "b"]


def test_flush_on_the_workers_own_thread_answers_at_once() -> None:
    worker: OrderedWorker[int] = OrderedWorker("ordered-test-own")
    answers: list[tuple[bool, float]] = []

    def job(n: int) -> None:
        started = time.monotonic()
        answers.append((worker.flush(5), time.monotonic() - started))

    worker.put(job, 1)
    worker.put(lambda n: None, 2)
    assert worker.flush(5)
    ((done, took_s),) = answers
    assert not done and took_s < 0.1  # its own job and the one behind it not run: it cannot wait for them


def test_a_stop_runs_what_its_deadline_allows_says_what_it_left_and_refuses_what_comes_after() -> None:
    # one job taken at a time (as the late work takes them): a batch taken whole is let finish whole
    worker: OrderedWorker[str] = OrderedWorker("ordered-test-stop", batch=1)
    release = threading.Event()
    ran: list[str] = []

    def job(name: str) -> None:
        if name == "slow":
            release.wait(10)
        ran.append(name)

    for name in ("quick", "slow", "behind-1", "behind-2"):
        worker.put(job, name)
    started = time.monotonic()
    stopped = worker.stop(time.monotonic() + 0.3)
    took_s = time.monotonic() - started
    assert 0.25 <= took_s < 2, took_s  # waited for its deadline, no longer
    assert stopped.left == ["behind-1", "behind-2"] and stopped.running == ["slow"]
    assert not worker.put(job, "after") and worker.stopped
    assert not worker.flush(0.1)  # "slow" still runs, and what it left will never run
    release.set()
    assert worker.wait_idle(5)
    assert ran == ["quick", "slow"]
    assert not worker.flush(1)  # an answer at once: the jobs left are never run
    assert _gone("ordered-test-stop")


def test_a_stop_with_nothing_left_returns_at_once() -> None:
    worker: OrderedWorker[int] = OrderedWorker("ordered-test-idle-stop", linger_s=5.0)
    worker.put(lambda n: None, 1)
    assert worker.flush(5)
    started = time.monotonic()
    stopped = worker.stop(time.monotonic() + 5)
    assert time.monotonic() - started < 1 and stopped.left == [] and stopped.running == []
    assert _gone("ordered-test-idle-stop")  # asleep for linger_s: the stop wakes it to end


def test_a_job_that_raises_is_logged_and_counted_and_the_thread_goes_on(caplog: pytest.LogCaptureFixture) -> None:
    worker: OrderedWorker[int] = OrderedWorker("ordered-test-raise", describe=lambda n: f"job {n}")
    ran: list[int] = []

    def job(n: int) -> None:
        if n in (2, 4):
            raise RuntimeError(f"a bug in job {n}")
        ran.append(n)

    for n in range(6):
        worker.put(job, n)
    assert worker.flush(5)
    worker.put(job, 6)  # the thread is still there for what comes after
    assert worker.flush(5)
    assert ran == [0, 1, 3, 5, 6] and worker.failed == 2
    failed = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert [r.getMessage() for r in failed] == ["job 2 failed", "job 4 failed"]
    assert all(r.exc_info is not None and r.threadName == "ordered-test-raise" for r in failed)


def test_a_job_put_for_later_runs_when_due_behind_what_is_queued_then() -> None:
    worker: OrderedWorker[str] = OrderedWorker("ordered-test-later")
    ran: list[tuple[str, float]] = []
    start = time.monotonic()

    looked = threading.Event()

    def job(name: str) -> None:
        looked.wait(5)  # the worker may take "now" at once: it finishes only once the queue was looked at
        ran.append((name, time.monotonic() - start))

    assert worker.put_at(start + 0.2, job, "later")
    assert worker.put(job, "now")
    assert worker.pending == 2 and worker.jobs() == ["now", "later"]
    looked.set()
    assert worker.wait_idle(5)
    assert [name for name, _ in ran] == ["now", "later"]
    assert ran[0][1] < 0.15 and ran[1][1] >= 0.2
    assert _gone("ordered-test-later")  # nothing left, none for later: the thread ends


def test_periodic_work_is_a_job_that_puts_its_next_turn_and_a_stop_ends_it() -> None:
    worker: OrderedWorker[None] = OrderedWorker("ordered-test-periodic")
    turns: list[float] = []

    def tick(_: None) -> None:
        turns.append(time.monotonic())
        worker.put_at(turns[-1] + 0.02, tick, None)

    worker.put(tick, None)
    time.sleep(0.3)
    stopped = worker.stop(time.monotonic())
    count = len(turns)
    assert 5 <= count <= 16, count  # every 20 ms, give or take a loaded machine
    assert stopped.left == [None] or stopped.running == [None]  # the next turn, queued or running
    assert _gone("ordered-test-periodic")
    assert len(turns) <= count + 1  # no turn after the stop but the one it found running


def test_a_stop_does_not_wait_for_a_job_due_after_its_deadline() -> None:
    worker: OrderedWorker[str] = OrderedWorker("ordered-test-due-late")
    worker.put_at(time.monotonic() + 30, lambda name: None, "retry in 30 s")
    started = time.monotonic()
    stopped = worker.stop(time.monotonic() + 5)
    assert time.monotonic() - started < 1
    assert stopped.left == ["retry in 30 s"]
    assert _gone("ordered-test-due-late")


def test_queued_at_is_the_put_time_on_the_worker_and_now_elsewhere() -> None:
    worker: OrderedWorker[int] = OrderedWorker("ordered-test-queued-at")
    gate = threading.Event()
    waited: list[float] = []
    worker.put(lambda n: gate.wait(10), 0)
    before = time.monotonic()
    worker.put(lambda n: waited.append(time.monotonic() - queued_at()), 1)
    time.sleep(0.2)
    gate.set()
    assert worker.flush(5)
    assert len(waited) == 1 and 0.2 <= waited[0] <= time.monotonic() - before
    assert time.monotonic() - queued_at() < 0.01  # not on the worker's thread: now
