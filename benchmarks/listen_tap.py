"""What listening in costs a call's thread (agentassist/pipeline/tap.py), on this machine.

Per 100 ms of a phone's stereo (``AudioTap.stereo``) and per 20 ms frame of both channels of the
softphone (``AudioTap.channel`` twice), with 0, 1 and 10 listeners whose loop runs on another thread
(their queues fill and drop their oldest audio meanwhile, as a listener that does not read would):
the median of 5 runs of 2000 calls each, in microseconds.

Run: PYTHONPATH=$PWD python benchmarks/listen_tap.py
"""

from __future__ import annotations

import asyncio
import statistics
import threading
import time
from collections.abc import Callable

import numpy as np

from agentassist.events import Channel
from agentassist.pause import CardPause
from agentassist.pipeline.tap import AudioTap
from benchmarks.common import machine

CALLS = 2000
RUNS = 5


def per_call_us(step: Callable[[], None]) -> float:
    runs = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        for _ in range(CALLS):
            step()
        runs.append((time.perf_counter() - t0) / CALLS * 1e6)
    return statistics.median(runs)


def main() -> None:
    loop = asyncio.new_event_loop()
    threading.Thread(target=loop.run_forever, daemon=True).start()
    stereo = np.random.default_rng(0).integers(-3000, 3000, 1600, dtype=np.int16).tobytes()  # 100 ms
    frame = stereo[:640]  # 20 ms of one channel

    def both() -> None:
        tap.channel(Channel.CUSTOMER, frame)
        tap.channel(Channel.AGENT, frame)

    async def join(tap: AudioTap) -> None:
        tap.listen(asyncio.get_running_loop())

    print(machine())
    for listeners in (0, 1, 10):
        tap = AudioTap(CardPause())
        for _ in range(listeners):
            asyncio.run_coroutine_threadsafe(join(tap), loop).result(5)
        st = per_call_us(lambda: tap.stereo(stereo))  # noqa: B023 - called at once
        ch = per_call_us(both)
        print(f"listeners={listeners}: {st:.1f} us per 100 ms of stereo; {ch:.1f} us per frame of both channels")
    loop.call_soon_threadsafe(loop.stop)


if __name__ == "__main__":
    main()
