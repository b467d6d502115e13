"""glibc's malloc: fewer arenas, freed memory handed back when no call is up, and its figures for /metrics.

A soak of back-to-back calls (benchmarks/RESULTS.md) grows the process's RSS for its first half hour
and then holds it. These figures tell memory in use (a leak) from memory malloc keeps free in its
arenas (fragmentation, returned by ``trim``). Elsewhere than glibc every function here does nothing.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import sys
from typing import Any

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8
MMAP_THRESHOLD_MAX = 32 << 20  # the largest glibc accepts on 64-bit (half a thread arena's heap)
TRIM_THRESHOLD = 256 << 20


def _libc() -> Any:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallinfo2  # noqa: B018 - glibc 2.33 and later; musl has none of this
    except (OSError, AttributeError):
        return None
    return libc


class _Mallinfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost",
        )
    ]  # fmt: skip


_LIBC = _libc()
if _LIBC is not None:
    _LIBC.mallinfo2.restype = _Mallinfo2


def cap_arenas(arenas: int = 2) -> None:
    """glibc gives a thread that contends for memory an arena of its own, up to 8 per core, and keeps
    each arena's high-water mark: with a thread per call and a pool of decoders, a 30-minute soak's RSS
    climbed from 0.2 to 1.1 GB. Two arenas are enough here. Call before any thread starts;
    MALLOC_ARENA_MAX in the environment wins.

    The mmap threshold stays glibc's own (dynamic: it rises to the largest mapped block freed, so the
    decoder's activations, 0.3-6 MB each, come from the arenas after the first decode). Fixed at 256 KiB,
    as it was, every such block was mapped afresh and faulted in page by page: 40 000 minor faults a
    decode, the decodes 2-3 times slower, and the center's finals 0.3-0.5 s later than the same pipeline
    in benchmarks.load (issue 16; benchmarks/RESULTS.md, session 15, "floor — the center beside the
    in-process pipeline after the mmap fix"). MALLOC_MMAP_THRESHOLD_ in the environment still fixes it
    (and glibc's trim threshold with it)."""
    if _LIBC is None:
        return
    with contextlib.suppress(OSError, AttributeError):
        if not os.environ.get("MALLOC_ARENA_MAX"):
            _LIBC.mallopt(M_ARENA_MAX, arenas)


def keep_freed_blocks() -> None:
    """Keep the blocks a decode frees for the next decode, in a process that transcribes: call with
    :func:`cap_arenas`, before any thread starts.

    glibc hands the free top of a thread's arena back to the system once it passes the trim threshold
    (dynamic: twice the mmap threshold), and the next decode faults the same pages in again. A center at
    64 calls took 140 000-230 000 minor faults in 30 s, 12 % of its CPU samples in the page-fault
    handler and 3 % in munmap (perf, benchmarks/RESULTS.md session 23); with these thresholds 57 000-69 000
    and its kernel time 15 % lower. The mmap threshold is fixed at glibc's ceiling, above the decoder's
    activations as the dynamic one was (setting either threshold turns the dynamic one off). Memory stays
    bounded by the peak the process reached, and :func:`trim` still hands it back when no call is up.
    MALLOC_MMAP_THRESHOLD_ or MALLOC_TRIM_THRESHOLD_ in the environment wins."""
    if _LIBC is None or os.environ.get("MALLOC_MMAP_THRESHOLD_") or os.environ.get("MALLOC_TRIM_THRESHOLD_"):
        return
    with contextlib.suppress(OSError, AttributeError):
        if _LIBC.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_MAX):  # refused: the dynamic thresholds stay
            _LIBC.mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD)


def trim() -> None:
    """Hand the free pages of every arena back to the system (when the last call has ended: a 20-minute
    soak that trimmed after every call had 4 recordings 37 frames short, one stall for 4 calls)."""
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


def metrics() -> dict[str, float]:
    """Bytes malloc has handed out and not taken back, bytes it keeps free in its arenas, bytes in
    its own mmaps; and the blocks Python's allocator holds."""
    out = {"agentassist_python_allocated_blocks": float(sys.getallocatedblocks())}
    if _LIBC is not None:
        info = _LIBC.mallinfo2()
        out.update(
            {
                "agentassist_malloc_in_use_bytes": float(info.uordblks + info.hblkhd),
                "agentassist_malloc_free_bytes": float(info.fordblks),
                "agentassist_malloc_mmap_bytes": float(info.hblkhd),
            }
        )
    return out
