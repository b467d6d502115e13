"""glibc's malloc as ``agentassist serve`` sets it (agentassist.memory): few arenas, and big blocks reused.

The decoder's activations are blocks of 0.3-6 MB allocated and freed on every decode. With the mmap
threshold fixed at 256 KiB each was mapped afresh and faulted in page by page (40 000 minor faults a
decode, decodes 2-3 times slower: issue 16); glibc's own threshold rises past them after the first free."""

from __future__ import annotations

import json
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
