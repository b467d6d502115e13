"""How a transcribing process's threads share the CPU with its decodes: Linux's SCHED_BATCH.

A center wakes often: the event loop for the phones' frames (about 300 times a second at 64 calls),
the media thread every tick, the calls' and the store's threads for each line. Under the default policy
every such wake preempts whatever runs on the core it lands on, and on a loaded center that is a decode:
the kernel sends the core an interrupt, switches, and the decode comes back to cold caches. At 72
calls on the 2-core test machine the decodes' threads spent 38 s in the kernel over two minutes (against
5 s in benchmarks.load, which wakes a seventh as often), and the finals fell behind.

Under SCHED_BATCH a thread that wakes does not preempt: it waits for the running thread's time slice
to end (a few milliseconds), so a decode keeps its core and the woken work is done a little later in a
batch. CPU time is shared as before (nice values still count). `[transcribe] scheduling` chooses:

- "decodes-first" (the default): every thread under SCHED_BATCH except the decodes' own (the
  transcriber's workers and the threads CTranslate2 starts when the model loads, both started inside
  :func:`decoding`), whose wakes still run at once, and the threads those start in turn (the delivery
  thread, started by the first line a worker hands on). On a center at 56-72 calls the decodes' kernel
  time halved, the event loop's CPU fell a fifth and the final latency's p95 was lower in 7 of 9 runs
  side by side (benchmarks/RESULTS.md, session 22).
- "batch": every thread, the decodes' too. The decodes' kernel time fell further, but a decode's own
  hand-offs (a worker to CTranslate2's thread and back) then waited a slice too (session 21).
- "normal": Linux's default for every thread.

Linux only; elsewhere every function here does nothing.

The threads that carry the agent's own audio (the softphone's and the headset's) stay under the
default policy: they are woken every 20 ms for a frame the agent hears, and must run at once.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator

log = logging.getLogger(__name__)

_BATCH = getattr(os, "SCHED_BATCH", None)
_OTHER = getattr(os, "SCHED_OTHER", None)


def _policy() -> int | None:
    if _BATCH is None:
        return None
    try:
        return os.sched_getscheduler(0)
    except OSError:
        return None


def _set(policy: int) -> bool:
    try:
        os.sched_setscheduler(0, policy, os.sched_param(0))
    except OSError as exc:  # a seccomp profile or a container may forbid it: the process runs as before
        log.warning("could not change the CPU scheduling policy: %s", exc)
        return False
    return True


def batch_process() -> bool:
    """Put the calling thread, and every thread it and its threads start from now, under SCHED_BATCH.
    Call it first in a process, before any thread starts (a thread keeps the policy it started with).
    False where the system has no such policy or refused it."""
    policy = _policy()
    if _BATCH is None or policy is None:
        return False
    return policy == _BATCH or _set(_BATCH)


def batched() -> bool:
    """Whether the calling thread runs under SCHED_BATCH."""
    return _BATCH is not None and _policy() == _BATCH


def interactive_thread() -> None:
    """The calling thread (and the threads it starts) under the default policy again: for a thread that
    carries audio someone hears."""
    if _OTHER is not None and batched():
        _set(_OTHER)


@contextlib.contextmanager
def interactive() -> Iterator[None]:
    """The calling thread under the default policy for the block (threads a library starts inside it,
    e.g. PortAudio's callback thread, keep it), then as it was."""
    if not batched():
        yield
        return
    interactive_thread()
    try:
        yield
    finally:
        batch_process()


_decodes_first = False  # set by batch_all_but_decodes: the decodes' threads start under the default policy


def batch_all_but_decodes() -> bool:
    """As :func:`batch_process`, except the threads that decode (the transcriber's workers and the threads
    of its model, started inside :func:`decoding`): a thread that wakes never preempts a decode, and a
    decode's own wakes still run at once. False as :func:`batch_process`."""
    global _decodes_first
    _decodes_first = batch_process()
    return _decodes_first


@contextlib.contextmanager
def decoding() -> Iterator[None]:
    """Around the start of the threads that decode: under the default policy when the process batches
    everything else (:func:`batch_all_but_decodes`), else as the process is."""
    if not _decodes_first:
        yield
        return
    with interactive():
        yield


POLICIES = ("decodes-first", "batch", "normal")  # `[transcribe] scheduling`'s values


def apply(policy: str) -> bool:
    """The process under ``policy`` (one of :data:`POLICIES`), before any thread starts: they all inherit it.
    False where nothing changed ("normal", or the system has no such policy or refused it)."""
    if policy == "batch":
        return batch_process()
    if policy == "decodes-first":
        return batch_all_but_decodes()
    if policy != "normal":
        raise ValueError(f"scheduling: expected one of {', '.join(POLICIES)}, got {policy!r}")
    return False
