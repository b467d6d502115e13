"""The listening tap (agentassist/pipeline/tap.py) driven as a call's thread drives it, with a real
event loop on the listener's side and the real card-data pause: the softphone's per-channel frames
are paired by time and mixed exactly; a channel whose partner gets no frames goes on alone; a
listener that does not read keeps the latest 2 s and counts what it lost; a pause withholds the audio
(the recording's silence included) between its markers; the end reaches a listener who came late."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

import numpy as np
import pytest

from agentassist.audio.frames import FRAME_BYTES
from agentassist.events import Channel
from agentassist.pause import CardPause
from agentassist.pipeline.tap import CHUNK_FRAMES, AudioTap, Listener, Paused, mix

C, A = Channel.CUSTOMER, Channel.AGENT


def frame(n: int, channel: Channel) -> bytes:
    """A distinct 20 ms frame: its samples say its index and channel (the mix of two is checkable)."""
    value = n * 10 + (1 if channel is C else 3)
    return np.full(FRAME_BYTES // 2, value, dtype="<i2").tobytes()


@pytest.fixture
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    yield loop
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)
    loop.close()


def joined(loop: asyncio.AbstractEventLoop, tap: AudioTap) -> Listener:
    async def join() -> Listener:
        return tap.listen(asyncio.get_running_loop())

    return asyncio.run_coroutine_threadsafe(join(), loop).result(5)


def drained(loop: asyncio.AbstractEventLoop, listener: Listener) -> list[bytes | Paused]:
    """Everything the listener holds once the call's end has reached it, as its socket would get it."""

    async def read() -> list[bytes | Paused]:
        out: list[bytes | Paused] = []
        while (item := await listener.next()) is not None:
            out.append(item)
        return out

    return asyncio.run_coroutine_threadsafe(read(), loop).result(5)


def test_the_softphones_channels_are_paired_by_time_and_mixed(loop: asyncio.AbstractEventLoop) -> None:
    tap = AudioTap(CardPause())
    listener = joined(loop, tap)
    # the agent's frames come late by three, then in turns (as the media thread delivers them)
    order = [(0, C), (1, C), (2, C), (0, A), (1, A), (2, A)] + [(n, ch) for n in range(3, 12) for ch in (C, A)]
    for n, channel in order:
        tap.channel(channel, frame(n, channel))
    tap.close()
    got = drained(loop, listener)
    assert all(isinstance(m, bytes) and len(m) <= CHUNK_FRAMES * FRAME_BYTES for m in got)
    audio = b"".join(m for m in got if isinstance(m, bytes))
    assert audio == b"".join(mix(frame(n, C), frame(n, A)) for n in range(12))
    assert np.frombuffer(audio, "<i2")[0] == 1 + 3  # the sum: frame 0's customer (1) and agent (3)


def test_a_channel_alone_goes_on_mixed_with_silence(loop: asyncio.AbstractEventLoop) -> None:
    tap = AudioTap(CardPause())
    listener = joined(loop, tap)
    for n in range(40):  # the agent's side sends nothing (a one-way call)
        tap.channel(C, frame(n, C))
    tap.close()
    audio = b"".join(m for m in drained(loop, listener) if isinstance(m, bytes))
    assert audio == b"".join(frame(n, C) for n in range(15))  # 25 frames wait for a partner, the rest went on


def test_a_listener_who_does_not_read_keeps_the_latest_two_seconds(loop: asyncio.AbstractEventLoop) -> None:
    tap = AudioTap(CardPause())
    listener = joined(loop, tap)
    stereo = [np.full((5 * FRAME_BYTES // 2, 2), n, dtype="<i2").tobytes() for n in range(60)]  # 60 x 100 ms
    for chunk in stereo:
        tap.stereo(chunk)
    tap.close()
    got = drained(loop, listener)
    audio = b"".join(m for m in got if isinstance(m, bytes))
    assert len(audio) // FRAME_BYTES == listener.max_frames == 100  # 2 s of 20 ms frames
    assert listener.dropped_frames == 300 - 100
    assert np.frombuffer(audio, "<i2")[0] == 2 * 40 and np.frombuffer(audio, "<i2")[-1] == 2 * 59  # the latest


def test_a_pause_withholds_the_audio_between_its_markers(loop: asyncio.AbstractEventLoop) -> None:
    card = CardPause()
    tap = AudioTap(card)
    listener = joined(loop, tap)
    speech = np.full((FRAME_BYTES // 2, 2), 1000, dtype="<i2").tobytes()
    for n in range(9):
        if n == 3:
            card.pause()
        if n == 6:
            card.resume()
        tap.stereo(bytes(len(speech)) if card.paused else speech)  # the session silences it; the tap sends none
    late = joined(loop, tap)  # joins after the resume: no marker, the audio from now on
    tap.stereo(speech)
    tap.close()
    got = drained(loop, listener)
    kinds = [m.on if isinstance(m, Paused) else len(m) // FRAME_BYTES for m in got]
    assert kinds == [3, True, False, 4]  # frames 0-2, the pause (3-5 withheld), frames 6-8 and the late one
    assert all(np.all(np.frombuffer(m, "<i2") == 2000) for m in got if isinstance(m, bytes))
    assert [len(m) // FRAME_BYTES if isinstance(m, bytes) else m for m in drained(loop, late)] == [1]


def test_the_end_reaches_a_listener_who_comes_after_it(loop: asyncio.AbstractEventLoop) -> None:
    tap = AudioTap(CardPause())
    tap.close()
    assert drained(loop, joined(loop, tap)) == []


def test_a_loop_that_is_gone_refuses_without_raising() -> None:
    gone = asyncio.new_event_loop()
    gone.close()
    listener = Listener(gone, 100)
    assert listener.offer(b"\0" * FRAME_BYTES) is False  # the call thread goes on
