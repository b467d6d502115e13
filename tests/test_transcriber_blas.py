"""numpy's BLAS on one thread is a process setting: made where a center gets its models
(agentassist.callmodels), not by importing the package or by building a Transcriber. Each case runs in a
process of its own, since the setting would stay in the test process after it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

MODELS = REPO / "models"

_REPORT = """
import json
from threadpoolctl import threadpool_info
print(json.dumps([p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]))
"""


def _blas_threads(setup: str) -> list[int]:
    """The BLAS libraries' threads in a fresh process once ``setup`` has run."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-c", setup + _REPORT], capture_output=True, text=True, env=env, cwd=REPO, timeout=120
    )
    assert done.returncode == 0, done.stderr
    threads: list[int] = json.loads(done.stdout.strip().splitlines()[-1])
    return threads


def test_importing_agentassist_leaves_blas_as_it_was() -> None:
    untouched = _blas_threads("import numpy\n")
    assert untouched, "numpy loads a BLAS library"
    if max(untouched) < 2:
        pytest.skip("a single core: BLAS has one thread anyway")
    modules = "agentassist, agentassist.runtime, agentassist.callmodels, agentassist.transcribe.transcriber"
    imported = _blas_threads(f"import numpy\nimport {modules}\n")
    assert imported == untouched


def test_a_center_with_transcription_runs_blas_on_one_thread(tmp_path: Path) -> None:
    if not (MODELS / "tiny.en" / "model.bin").is_file():
        pytest.skip("tiny.en not installed (agentassist models install tiny.en)")
    if max(_blas_threads("import numpy\n")) < 2:
        pytest.skip("a single core: BLAS has one thread anyway")
    setup = (
        "from agentassist.callmodels import CallModels\n"
        "from agentassist.config import TranscribeSettings\n"
        f"models = CallModels(TranscribeSettings(model='tiny.en', models_dir={str(MODELS)!r}, workers=1))\n"
        "models.load()\n"
        "assert models.main is not None\n"
    )
    assert set(_blas_threads(setup)) == {1}
    # a Transcriber built alone (a test, a tool) leaves the process's setting to whoever composes it
    alone = (
        "from agentassist.transcribe.transcriber import Transcriber, TranscriberOptions\n"
        f"Transcriber(TranscriberOptions(model='tiny.en', workers=1), __import__('pathlib').Path({str(MODELS)!r}))\n"
    )
    assert max(_blas_threads(alone)) > 1
