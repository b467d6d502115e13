"""The CPU policy of a transcribing `serve` (agentassist/cpu.py): its threads under SCHED_BATCH, so that
a thread that wakes waits for a decode's time slice; the decodes' own threads (by default) and the
softphone's audio threads under the default."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.skipif(not hasattr(os, "SCHED_BATCH"), reason="SCHED_BATCH is Linux's")

_THREADS = """
import json, os, threading
from agentassist import cpu

def policy_in_thread(before=None):
    seen = []
    def run():
        if before is not None:
            before()
        seen.append(os.sched_getscheduler(0))
    t = threading.Thread(target=run)
    t.start()
    t.join()
    return seen[0]

out = {"start": os.sched_getscheduler(0), "batched_before": cpu.batched()}
out["applied"] = cpu.batch_process()
out["main"] = os.sched_getscheduler(0)
out["thread"] = policy_in_thread()
out["audio_thread"] = policy_in_thread(cpu.interactive_thread)
with cpu.interactive():
    out["inside"] = os.sched_getscheduler(0)
    out["started_inside"] = policy_in_thread()
out["after"] = os.sched_getscheduler(0)
out["again"] = cpu.batch_process()
print(json.dumps(out))
"""


def _policies(pid: int) -> dict[int, int]:
    out = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            out[int(task.name)] = os.sched_getscheduler(int(task.name))
        except ProcessLookupError:  # ended meanwhile
            continue
    return out


def test_threads_started_after_batch_process_inherit_it_and_audio_threads_leave_it() -> None:
    run = subprocess.run([sys.executable, "-c", _THREADS], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    got = json.loads(run.stdout)
    batch, other = os.SCHED_BATCH, os.SCHED_OTHER
    assert (got["start"], got["batched_before"]) == (other, False)
    assert (got["applied"], got["main"], got["thread"]) == (True, batch, batch)
    assert got["audio_thread"] == other  # a thread that carries audio leaves it for itself
    assert (got["inside"], got["started_inside"], got["after"]) == (other, other, batch)
    assert got["again"] is True  # already so: nothing to change, no error


def test_a_transcribing_serve_batches_its_threads_but_not_the_softphones(make_server: Any) -> None:
    server = make_server(transcribe={"scheduling": "batch"})
    server.start()
    policies = _policies(server.proc.pid)
    main = policies.pop(server.proc.pid)
    assert main == os.SCHED_BATCH, "the event loop's thread"
    kinds = sorted(policies.values())
    # the calls' and decodes' threads under SCHED_BATCH; pjsua's own (its thread, media clock, I/O) not
    assert kinds.count(os.SCHED_BATCH) >= 2, kinds
    assert kinds.count(os.SCHED_OTHER) >= 1, kinds


def test_by_default_the_decodes_and_the_softphone_keep_the_default_policy(make_server: Any) -> None:
    server = make_server()  # scheduling = "decodes-first"
    server.start()
    policies = _policies(server.proc.pid)
    assert policies.pop(server.proc.pid) == os.SCHED_BATCH, "the event loop's thread"
    kinds = sorted(policies.values())
    # the decodes' threads (two workers and CTranslate2's) and pjsua's own keep the default (pjsua may
    # raise its media clock's thread to SCHED_RR where it is allowed, as root)
    assert sum(k != os.SCHED_BATCH for k in kinds) >= 4, kinds
    assert kinds.count(os.SCHED_BATCH) >= 1, kinds


def test_normal_leaves_every_thread_under_the_default_policy(make_server: Any) -> None:
    server = make_server(transcribe={"scheduling": "normal"})
    server.start()
    policies = _policies(server.proc.pid)
    assert os.SCHED_BATCH not in policies.values(), policies
    assert policies[server.proc.pid] == os.SCHED_OTHER


_DECODES_FIRST = """
import json, os, sys, threading
from pathlib import Path
from agentassist import cpu
from agentassist.transcribe.engine import StreamingTranscriber
from agentassist.transcribe.transcriber import Transcriber, TranscriberOptions

out = {"applied": cpu.batch_all_but_decodes()}
streaming = StreamingTranscriber(Transcriber(TranscriberOptions(model="tiny.en", workers=2), Path(sys.argv[1])))
names = {t.native_id: t.name for t in threading.enumerate()}
policies = {int(t): os.sched_getscheduler(int(t)) for t in os.listdir(f"/proc/{os.getpid()}/task")}
out["main"] = policies[threading.main_thread().native_id]
out["workers"] = sorted(p for tid, p in policies.items() if names.get(tid, "").startswith("transcribe-"))
out["model"] = sorted(p for tid, p in policies.items() if tid not in names)  # CTranslate2's, started in C++
seen = []
later = threading.Thread(target=lambda: seen.append(os.sched_getscheduler(0)))
later.start()
later.join()
out["later"] = seen[0]
streaming.close()
print(json.dumps(out))
"""


def test_decodes_first_batches_every_thread_but_the_decodes() -> None:
    """``scheduling = "decodes-first"``: the transcriber's workers and its model's own threads (CTranslate2
    starts them in C++) under the default policy, so a decode's wakes run at once; the process's other
    threads, the ones started after the model included, under SCHED_BATCH, so their wakes never preempt
    a decode."""
    models = Path(__file__).resolve().parent.parent / "models"
    if not (models / "tiny.en" / "model.bin").is_file():
        pytest.skip("tiny.en not installed")
    run = subprocess.run(
        [sys.executable, "-c", _DECODES_FIRST, str(models)], capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr
    got = json.loads(run.stdout)
    batch, other = os.SCHED_BATCH, os.SCHED_OTHER
    assert (got["applied"], got["main"], got["later"]) == (True, batch, batch)
    assert got["workers"] == [other, other]
    assert got["model"] and set(got["model"]) == {other}, got["model"]
