"""Installs benchmarks.decodeprobe in every process started with this folder on PYTHONPATH and
``DECODE_PROBE`` set (a benchmark's own process and the ones it starts: the center, benchmarks.load)."""

import os

if os.environ.get("DECODE_PROBE"):
    from benchmarks.decodeprobe import install

    install()
