"""glibc's malloc as ``agentassist serve`` sets it (agentassist.memory): few arenas, and big blocks reused.

The decoder's activations are blocks of 0.3-6 MB allocated and freed on every decode. With the mmap
threshold fixed at 256 KiB each was mapped afresh and faulted in page by page (40 000 minor faults a
decode, decodes 2-3 times slower: issue 16); glibc's own threshold rises past them after the first free."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from agentassist import memory

_PROBE = """
import json, resource
from agentassist import memory
memory.cap_arenas()
import numpy as np
def faults():
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt
np.ones(1 << 19).sum()  # 4 MiB: mapped, then freed (glibc's threshold rises past it)
before = faults()
for _ in range(50):
    np.ones(1 << 19).sum()  # a decoder's activation: 4 MiB written, then freed
print(json.dumps({"faults": faults() - before}))
"""


@pytest.mark.skipif(memory._LIBC is None, reason="glibc's malloc only")
def test_a_big_block_freed_and_allocated_again_is_not_faulted_in_afresh() -> None:
    out = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, timeout=60, check=True)
    faults = json.loads(out.stdout.strip().splitlines()[-1])["faults"]
    # mapped afresh each time (the threshold fixed at 256 KiB, before issue 16's fix): 25 700 faults; now 500
    assert faults < 5000, f"expected the 4 MiB block reused from the arena, got {faults} minor faults for 50"


_DECODES = """
import json, resource, sys, threading
from agentassist import memory
memory.cap_arenas()
if sys.argv[1] == "keep":
    memory.keep_freed_blocks()
import numpy as np
sizes = [int(s) for s in np.random.default_rng(7).integers(40_000, 800_000, 60)]  # 0.3-6 MB of float64
def decodes():
    held = [np.ones(s) for s in sizes[:3]]
    for _ in range(8):  # a decode's activations: blocks of many sizes, a few alive at a time
        for s in sizes:
            held.append(np.ones(s))
            if len(held) > 4:
                held.pop(0)
        held = held[-2:]
workers = [threading.Thread(target=decodes) for _ in range(2)]  # two decode workers: arenas of their own
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for t in workers:
    t.start()
for t in workers:
    t.join()
print(json.dumps({"faults": resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before}))
"""


def _decode_faults(mode: str) -> int:
    out = subprocess.run(
        [sys.executable, "-c", _DECODES, mode], capture_output=True, text=True, timeout=120, check=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")},
    )  # fmt: skip
    return int(json.loads(out.stdout.strip().splitlines()[-1])["faults"])


@pytest.mark.skipif(memory._LIBC is None, reason="glibc's malloc only")
def test_blocks_a_decode_thread_freed_are_kept_for_the_next_decode() -> None:
    kept, handed_back = _decode_faults("keep"), _decode_faults("dynamic")
    # measured here: 5 000-10 000 kept, 105 000-143 000 with glibc's dynamic thresholds
    assert kept * 4 < handed_back, f"expected freed blocks reused: {kept} minor faults kept, {handed_back} without"
