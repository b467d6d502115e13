"""Which instruction set CTranslate2 selected on this CPU, and the compute type it runs a model at.

CTranslate2 picks its kernels (AVX512, AVX2, AVX, NEON...) once per process and logs the choice
only with ``CT2_VERBOSE=1``, at its first model load, on stderr, from C++: a Python handler never
sees it. So a fresh interpreter loads the model once with that variable set and the lines are read
from its stderr; a figure measured in this process ran on the same CPU with the same choice (unless
``CT2_FORCE_CPU_ISA`` differs between the two, which is reported too).

    python -m benchmarks.isa --model tiny.en
"""

from __future__ import annotations

import functools
import os
import re
import subprocess
import sys

_ISA = re.compile(r"Selected ISA:\s*(\S+)")
_COMPUTE = re.compile(r"Selected compute type:\s*(\S+)")
_LOAD = "import sys, ctranslate2; ctranslate2.models.Whisper(sys.argv[1], device='cpu', compute_type=sys.argv[2])"


def parse(log: str) -> tuple[str | None, str | None]:
    """The ISA and the compute type in CTranslate2's verbose log (None for a line that is not there)."""
    isa, compute = _ISA.search(log), _COMPUTE.search(log)
    return (isa.group(1) if isa else None), (compute.group(1) if compute else None)


@functools.cache
def selected(model: str, compute_type: str = "int8") -> tuple[str, str | None]:
    """(ISA, compute type) as CTranslate2 selects them for ``model`` here; the ISA is
    ``"unknown: <why>"`` when the subprocess failed or logged no choice."""
    from agentassist.transcribe.models import resolve

    try:
        path = str(resolve(model))
    except Exception as exc:  # the model is not installed: say so rather than fail a benchmark
        return f"unknown: {exc}", None
    env = {**os.environ, "CT2_VERBOSE": "1"}
    try:
        done = subprocess.run(
            [sys.executable, "-c", _LOAD, path, compute_type], env=env, capture_output=True, text=True, timeout=120
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"unknown: {exc}", None
    isa, compute = parse(done.stderr + done.stdout)
    if isa is None:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return f"unknown: exit {done.returncode}, no 'Selected ISA' line ({tail[:120]})", compute
    forced = os.environ.get("CT2_FORCE_CPU_ISA")
    return (f"{isa} (forced)" if forced else isa), compute


def selected_isa(model: str, compute_type: str = "int8") -> str:
    return selected(model, compute_type)[0]


if __name__ == "__main__":
    import json

    name = sys.argv[sys.argv.index("--model") + 1] if "--model" in sys.argv else "tiny.en"
    isa_, compute_ = selected(name)
    print(json.dumps({"model": name, "isa": isa_, "compute_type": compute_}))
